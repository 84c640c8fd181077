import { createUDPSocket } from 'rxjs-udp';

const udp = createUDPSocket();            // 'udp4' by default, like wx.createUDPSocket()
udp.onMessage(({ message, remoteInfo }) => {
  console.log(new TextDecoder().decode(message), 'from', remoteInfo.address, remoteInfo.port);
  udp.send({ address: remoteInfo.address, port: remoteInfo.port, message: 'pong' });
});
udp.onError(({ errMsg, code }) => console.error(code, errMsg)); // nothing throws: errors arrive here
const port = udp.bind();                  // synchronous: the port, or 0 on failure
console.log('listening on port', port);
