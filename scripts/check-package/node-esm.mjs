// A Node ES module consumer that also uses require(): one copy of rxjs-udp and of rxjs, the
// user's; createUDPSocket() on node:dgram; config.onUnhandledError of the user's rxjs is called.
import { createRequire } from 'node:module';
import { Observable, Subject, config, firstValueFrom } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, text } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

const require = createRequire(import.meta.url);
const check = (ok, what) => {
  if (!ok) throw new Error(`node ESM consumer: ${what}`);
};

check(require('rxjs').Subject === Subject, 'require("rxjs") and import "rxjs" give one Subject class');
check(require('rxjs').config === config, 'one rxjs config');
check(require('rxjs-udp').fromUDPSocket === fromUDPSocket, 'require and import of rxjs-udp give one copy');
check(require('rxjs-udp/testing').createVirtualNetwork === createVirtualNetwork, 'one copy of rxjs-udp/testing');

const net = createVirtualNetwork();
const rx = fromUDPSocket(net.createUDPSocket());
check(rx.message$ instanceof Observable, "message$ is an Observable of the user's rxjs");

// A throwing listener reaches the user's config.onUnhandledError.
const unhandled = new Promise((resolve) => (config.onUnhandledError = resolve));
const loud = net.createUDPSocket();
loud.onListening(() => {
  throw new Error('boom');
});
loud.bind();
check((await unhandled).message === 'boom', 'config.onUnhandledError is called');
loud.close();

// Real sockets on loopback through the default node:dgram driver.
const server = fromUDPSocket(createUDPSocket());
const port = server.bind(0, '127.0.0.1');
const received = firstValueFrom(server.message$.pipe(decode(text)));
const client = createUDPSocket();
client.send({ address: '127.0.0.1', port, message: 'héllo over node:dgram (esm)' });
check((await received) === 'héllo over node:dgram (esm)', 'a datagram over loopback');
client.close();
server.close();
rx.close();
check(new Subject() instanceof require('rxjs').Subject, 'Subject instances cross import/require');
console.log('node ESM consumer: ok');
