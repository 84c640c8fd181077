/**
 * `npm start`: an echo exchange over real loopback sockets, first with the WeChat / Taro
 * callback API, then with the reactive layer.
 */
import { createUDPSocket, type UDPSocket } from '../src';
import { reactiveDemo } from './reactive-demo';

function callbackDemo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const server: UDPSocket = createUDPSocket('udp4');
    const client: UDPSocket = createUDPSocket('udp4');
    const fail = ({ errMsg, code }: { errMsg: string; code: string }): void => {
      server.close();
      client.close();
      reject(new Error(`${code}: ${errMsg}`));
    };
    server.onError(fail);
    client.onError(fail);

    // The server echoes every datagram back to its sender.
    server.onMessage(({ message, remoteInfo }) => {
      console.log(`  server <- ${remoteInfo.address}:${remoteInfo.port} "${Buffer.from(message).toString()}" (${remoteInfo.size} B)`);
      server.send({ address: remoteInfo.address, port: remoteInfo.port, message });
    });
    // bind() returns the port synchronously, as in WeChat.
    const port = server.bind(0, '127.0.0.1');
    console.log(`  server bound to 127.0.0.1:${port}`);

    const lines = ['hello, how are you', '你好', 'bye'];
    client.onMessage(({ message, localInfo }) => {
      console.log(`  client <- "${Buffer.from(message).toString()}" on port ${localInfo.port}`);
      if (lines.length > 0) {
        sendNext();
      } else {
        client.onClose(() => console.log('  client closed'));
        server.onClose(() => {
          console.log('  server closed');
          resolve();
        });
        client.close();
        server.close();
      }
    });
    client.onListening(({ address, port: clientPort }) => console.log(`  client listening on ${address}:${clientPort} (implicit bind by send)`));
    const sendNext = (): void => {
      const message = lines.shift()!;
      console.log(`  client -> 127.0.0.1:${port} "${message}"`);
      client.send({ address: '127.0.0.1', port, message });
    };
    sendNext();
  });
}

async function main(): Promise<void> {
  console.log('rxjs-udp demo\n\n1. Callback API (WeChat / Taro UDPSocket on node:dgram)');
  await callbackDemo();
  console.log('\n2. Reactive layer (fromUDPSocket, openUDPSocket, reply, request)');
  await reactiveDemo();
  console.log('\ndone');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
