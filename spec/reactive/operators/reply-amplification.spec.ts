import { catchError, filter, firstValueFrom, from as fromArray, map, of } from 'rxjs';
import { createUDPSocket, fromUDPSocket, reply, type ReplyCounters, type UDPSocketError } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { marbles, textOf, useLoopbackSockets } from '../../helpers/reactive';

const counters = (): ReplyCounters => ({ requestBytes: 0, replyBytes: 0, dropped: 0, droppedBytes: 0 });

describe('reply: amplification guard (virtual network, forged requests)', () => {
  it('by default a forged 2-byte request gets no 64-byte reply: nothing is sent to the victim, the drop is counted', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      server.message$.pipe(reply(server, () => new Uint8Array(64), { counters: count })).subscribe();
      net.addHost('192.0.2.7'); // the victim whose address is forged
      net.inject({ from: { address: '192.0.2.7', port: 53 }, to: { address: '10.0.0.1', port: 53 }, message: 'qq', at: 1 });
      const toVictim$ = net.traffic$.pipe(filter((t) => t.destination.address === '192.0.2.7'), map(() => 'x'));
      expectObservable(toVictim$, '^ 10ms !').toBe('');
      scheduler.schedule(() => expect(count).toEqual({ requestBytes: 2, replyBytes: 0, dropped: 1, droppedBytes: 64 }), 5);
    });
  });

  it('a reply within 3x its request is sent', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      server.message$.pipe(reply(server, () => 'abcdef')).subscribe();
      const client = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.2' }));
      client.bind(5000);
      scheduler.schedule(() => client.send({ address: '10.0.0.1', port: 53, message: 'hi' }).subscribe(), 1);
      expectObservable(client.message$.pipe(map(textOf)), '^ 10ms !').toBe('---a', { a: 'abcdef' });
    });
  });

  it("an Observable of replies shares one allowance: datagrams past it are dropped, a smaller one that still fits is sent", () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(53);
      // A 4-byte request allows 12 bytes: 5 + 5 fit, the third 5 does not, then 2 fits.
      server.message$.pipe(reply(server, () => fromArray(['11111', '22222', '33333', '44']), { counters: count })).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      client.bind(6000);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'abcd' }).subscribe(), 1);
      expectObservable(client.message$.pipe(map(textOf)), '^ 10ms !').toBe('-(abd)', { a: '11111', b: '22222', d: '44' });
      scheduler.schedule(() => expect(count).toEqual({ requestBytes: 4, replyBytes: 12, dropped: 1, droppedBytes: 5 }), 5);
    });
  });

  it('counts text in UTF-8 bytes: "€€" is 6 bytes', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(53);
      server.message$.pipe(reply(server, (m) => (textOf(m) === 'a' ? '€€' : '€'), { counters: count })).subscribe();
      net.inject({ from: { address: '127.0.0.5', port: 1 }, to: { address: '127.0.0.1', port }, message: 'a', at: 1 });
      net.inject({ from: { address: '127.0.0.5', port: 1 }, to: { address: '127.0.0.1', port }, message: 'b', at: 2 });
      scheduler.schedule(() => expect(count).toEqual({ requestBytes: 2, replyBytes: 3, dropped: 1, droppedBytes: 6 }), 3);
    });
  });

  it('amplificationLimit adjusts the ratio per call, and Infinity turns the guard off', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const big = net.createUDPSocket();
      const open = net.createUDPSocket();
      const bigPort = big.bind(1);
      const openPort = open.bind(2);
      const rxBig = fromUDPSocket(big);
      const rxOpen = fromUDPSocket(open);
      rxBig.message$.pipe(reply(rxBig, () => new Uint8Array(10), { amplificationLimit: 10 })).subscribe();
      rxOpen.message$.pipe(reply(rxOpen, () => new Uint8Array(1000), { amplificationLimit: Infinity })).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      client.bind(3000);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port: bigPort, message: 'x' }).subscribe(), 1);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port: openPort, message: 'x' }).subscribe(), 2);
      expectObservable(client.message$.pipe(map((m) => String(m.message.byteLength))), '^ 10ms !').toBe('-ab', { a: '10', b: '1000' });
    });
  });

  it('under a flood of forged requests the bytes the server sends stay within 3x the bytes it received', () => {
    const scheduler = marbles();
    const count = counters();
    let sent = 0;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      server.message$.pipe(reply(server, (m) => new Uint8Array(m.message.byteLength * (1 + (m.message.byteLength % 5))), { counters: count })).subscribe();
      net.traffic$.pipe(filter((t) => t.source.address === '10.0.0.1')).subscribe((t) => (sent += t.size));
      for (let i = 0; i < 1000; i++) {
        net.inject({ from: { address: `198.51.100.${i % 200}`, port: 1024 + i }, to: { address: '10.0.0.1', port: 53 }, message: new Uint8Array(1 + (i % 7)), at: 1 + (i % 10) });
      }
    });
    const received = Array.from({ length: 1000 }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b);
    expect(count.requestBytes).toBe(received);
    expect(sent).toBe(count.replyBytes);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(3 * received);
    expect(count.dropped).toBeGreaterThan(0);
  });

  it.each([
    ['-1', -1, 'ERR_OUT_OF_RANGE'],
    ['NaN', NaN, 'ERR_OUT_OF_RANGE'],
    ['"3"', '3', 'ERR_INVALID_ARG_TYPE'],
  ])('amplificationLimit %s errors with %s when subscribed', async (_, amplificationLimit, code) => {
    const socket = createVirtualNetwork().createUDPSocket();
    const outcome = await firstValueFrom(
      of().pipe(
        reply(socket, () => 'x', { amplificationLimit: amplificationLimit as number }),
        map(() => 'ok'),
        catchError((e: UDPSocketError) => of(e.code)),
      ),
      { defaultValue: 'completed' },
    );
    expect(outcome).toBe(code);
    socket.close();
  });
});

describe('reply: amplification guard (real loopback)', () => {
  const sockets = useLoopbackSockets();

  it('a 1-byte request gets no 1,000-byte reply by default; the next request within the ratio is answered', async () => {
    const server = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const port = server.bind(0, '127.0.0.1');
    const count = counters();
    server.message$.pipe(reply(server, (m) => (textOf(m) === 'b' ? new Uint8Array(1000) : 'ok!'), { counters: count })).subscribe();
    const client = sockets.track(createUDPSocket('udp4'));
    const first = new Promise<string>((resolve) => client.onMessage((m) => resolve(textOf(m))));
    client.send({ address: '127.0.0.1', port, message: 'b' });
    client.send({ address: '127.0.0.1', port, message: 's' });
    expect(await first).toBe('ok!');
    expect(count).toEqual({ requestBytes: 2, replyBytes: 3, dropped: 1, droppedBytes: 1000 });
  });
});
