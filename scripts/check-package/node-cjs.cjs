// A Node CommonJS consumer: require() of both entries, node:dgram by default, one rxjs.
const { Observable, config, firstValueFrom } = require('rxjs');
const { createUDPSocket, decode, fromUDPSocket, text, isUDPSocketError } = require('rxjs-udp');
const { createVirtualNetwork } = require('rxjs-udp/testing');

const check = (ok, what) => {
  if (!ok) throw new Error(`node CJS consumer: ${what}`);
};

(async () => {
  const net = createVirtualNetwork();
  const rx = fromUDPSocket(net.createUDPSocket());
  check(rx.message$ instanceof Observable, "message$ is an Observable of the user's rxjs");
  const unhandled = new Promise((resolve) => (config.onUnhandledError = resolve));
  const loud = net.createUDPSocket();
  loud.onListening(() => {
    throw new Error('boom');
  });
  loud.bind();
  check((await unhandled).message === 'boom', 'config.onUnhandledError is called');

  const server = fromUDPSocket(createUDPSocket());
  const port = server.bind(0, '127.0.0.1');
  const received = firstValueFrom(server.message$.pipe(decode(text)));
  const client = createUDPSocket();
  const errors = [];
  client.onError(({ error }) => errors.push(isUDPSocketError(error)));
  client.send({ address: '127.0.0.1', port, message: 'héllo over node:dgram (cjs)' });
  check((await received) === 'héllo over node:dgram (cjs)', 'a datagram over loopback');
  check(errors.length === 0, 'no error');
  client.close();
  server.close();
  rx.close();
  loud.close();
  console.log('node CJS consumer: ok');
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
