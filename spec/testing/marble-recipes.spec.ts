import { interval, map, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { decode, fromUDPSocket, reply, request, text } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('marble recipes', () => {
  it('a pipeline over message$ sees each datagram `latency` frames after it was sent', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 2 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(5000);
      const client = net.createUDPSocket();
      cold('a-b---c').subscribe((message) => client.send({ address: '127.0.0.1', port, message }));
      expectObservable(server.message$.pipe(decode(text)), '^ 20ms !').toBe('--a-b---c');
    });
  });

  it('a retransmission recovers a lost request: the answer comes one timeout later', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      // every datagram sent before frame 5 is lost
      const net = createVirtualNetwork({ scheduler, latency: 1, loss: 1 });
      scheduler.schedule(() => net.configure({ loss: 0 }), 5);
      const server = fromUDPSocket(net.createUDPSocket());
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      const ask = request(client, { address: '127.0.0.1', port }, {
        timeout: 10,
        retries: 3,
        match: (echo, question) => text.decode(echo.message) === question,
      });
      // sent at 0 (lost), again at 10: arrives at 11, its echo at 12
      expectObservable(of('ping').pipe(ask, decode(text))).toBe('12ms (p|)', { p: 'ping' });
    });
  });

  it('a partition cuts the datagrams between two hosts until heal()', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const monitor = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      monitor.bind(7000);
      const sensor = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      interval(10, scheduler)
        .pipe(take(8))
        .subscribe((i) => sensor.send({ address: '10.0.0.1', port: 7000, message: String(i) }));
      scheduler.schedule(() => net.partition('10.0.0.1', '10.0.0.2'), 25);
      scheduler.schedule(() => net.heal(), 55);
      // beats sent at 10, 20 arrive at 11, 21; 30, 40, 50 are cut; 60, 70, 80 arrive at 61, 71, 81
      expectObservable(monitor.message$.pipe(decode(text)), '^ 99ms !').toBe('11ms 0 9ms 1 39ms 5 9ms 6 9ms 7');
    });
  });

  it('traffic$ tells the fate of every datagram: duplicated, then lost', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 3, duplicate: 1 });
      const server = net.createUDPSocket();
      const port = server.bind(9);
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 0);
      scheduler.schedule(() => net.configure({ loss: 1 }), 5);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'b' }), 6);
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate))).toBe('---d--l', { d: 'duplicated', l: 'lost' });
    });
  });

  it('inject() puts a forged datagram on the wire: any source, the exact frame, marked on traffic$', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 5, loss: 0.5 });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      // no latency, no loss: it is written on the receiver's link at frame 3
      net.inject({ from: { address: '198.51.100.7', port: 4444 }, to: { address: '10.0.0.1', port: 53 }, message: 'forged', at: 3 });
      const seen$ = server.message$.pipe(map(({ remoteInfo }) => `${remoteInfo.address}:${remoteInfo.port}`));
      expectObservable(seen$, '^ 10ms !').toBe('---f', { f: '198.51.100.7:4444' });
      expectObservable(net.traffic$.pipe(map(({ injected }) => injected))).toBe('---t', { t: true });
    });
  });
});
