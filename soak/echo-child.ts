/**
 * The server process of the request/reply soak: answers every datagram on 127.0.0.1 with the
 * same bytes, and sends a duplicate of every 20th answer (the client must drop it). Reports its
 * port over IPC; exits when the parent goes away or after a hard limit.
 */
import { createUDPSocket } from '../src/node';

const socket = createUDPSocket('udp4');
let answered = 0;
socket.onMessage(({ message, remoteInfo }) => {
  const option = { address: remoteInfo.address, port: remoteInfo.port, message };
  socket.send(option);
  if (++answered % 20 === 0) socket.send(option);
});
socket.onError(() => undefined); // a client gone (ECONNREFUSED) is expected at the end
const port = socket.bind(0, '127.0.0.1');
process.send?.({ port });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') {
    process.send?.({ answered });
    socket.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60_000).unref();
