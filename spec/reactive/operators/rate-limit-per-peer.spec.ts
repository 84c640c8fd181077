import { catchError, firstValueFrom, map, of, take, toArray } from 'rxjs';
import { fromUDPSocket, rateLimitPerPeer, type RateLimitCounters, type UDPSocketError } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles, textOf } from '../../helpers/reactive';

const counters = (): RateLimitCounters => ({ passed: 0, dropped: 0, peers: 0, evicted: 0 });

/** A message from `address:port`, as message$ emits it. */
const from = (address: string, port: number, text = 'x') => ({
  message: new TextEncoder().encode(text).buffer as ArrayBuffer,
  remoteInfo: { address, family: 'IPv4' as const, port, size: text.length },
  localInfo: { address: '127.0.0.1', family: 'IPv4' as const, port: 7, size: text.length },
});

describe('rateLimitPerPeer (marbles, virtual time)', () => {
  it('lets a source send its burst at once, then one datagram per 1000/rate frames; the excess is dropped and counted', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(({ cold, expectObservable }) => {
      // 200 per second: one token every 5 frames; a bucket of 2.
      const source = cold('(abcd)-e---f-g--h', Object.fromEntries([...'abcdefgh'].map((c) => [c, from('10.0.0.1', 1, c)])));
      expectObservable(source.pipe(rateLimitPerPeer({ rate: 200, burst: 2, scheduler, counters: count }), map(textOf))).toBe(
        '(ab)---e---f----h',
      );
      // c and d find the bucket empty; g comes 2 frames after f, with 0.6 of a token.
      scheduler.schedule(() => expect(count).toEqual({ passed: 5, dropped: 3, peers: 1, evicted: 0 }), 20);
    });
  });

  it('each source has its own bucket: a flooding forged source does not cost a real peer anything (inject)', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      const alice = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      // Alice sends every 4 frames: exactly the refill time of her bucket.
      cold('-a---b---c').subscribe((m) => alice.send({ address: '10.0.0.1', port: 53, message: m }));
      // The forger sends 50 a frame from frames 1 to 12, from one address (every port shares its bucket).
      for (let frame = 1; frame <= 12; frame++) {
        for (let i = 0; i < 50; i++) {
          net.inject({ from: { address: '203.0.113.66', port: 1000 + i }, to: { address: '10.0.0.1', port: 53 }, message: 'f', at: frame });
        }
      }
      // 250 per second: one token every 4 frames, a bucket of 1.
      const passed$ = server.message$.pipe(rateLimitPerPeer({ rate: 250, burst: 1, socket: server, counters: count }), map(textOf));
      expectObservable(passed$, '^ 13ms !').toBe('-(fa)(fb)(fc)');
      scheduler.schedule(() => expect(count).toEqual({ passed: 6, dropped: 12 * 50 - 3, peers: 2, evicted: 0 }), 13);
    });
  });

  it("key: 'peer' gives each port of an address its own bucket", () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abc', { a: from('10.0.0.1', 1, 'a'), b: from('10.0.0.1', 2, 'b'), c: from('10.0.0.1', 1, 'c') });
      expectObservable(source.pipe(rateLimitPerPeer({ rate: 1, burst: 1, key: 'peer', scheduler }), map(textOf))).toBe('ab');
      expectObservable(source.pipe(rateLimitPerPeer({ rate: 1, burst: 1, scheduler }), map(textOf))).toBe('a');
    });
  });

  it('keeps at most maxPeers sources: a flood of 10,000 forged sources never holds more (inject)', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(53);
      let most = 0;
      server.message$.pipe(rateLimitPerPeer({ maxPeers: 100, counters: count, socket: server })).subscribe(() => (most = Math.max(most, count.peers)));
      for (let i = 0; i < 10_000; i++) {
        net.inject({ from: { address: `10.${i >> 8}.${i & 255}.9`, port: 53 }, to: { address: '127.0.0.1', port }, message: 'q', at: 1 });
      }
      scheduler.schedule(() => {
        expect(most).toBe(100);
        expect(count).toEqual({ passed: 10_000, dropped: 0, peers: 100, evicted: 9900 });
        server.close();
      }, 2);
    });
    expect(count.peers).toBe(0);
  });

  it('a source that kept talking keeps its (empty) bucket through a flood of one-shot sources: evicting it would refill it', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const alice = (c: string) => from('10.0.0.1', 1, c);
      const values: Record<string, ReturnType<typeof from>> = { a: alice('a'), b: alice('b'), c: alice('c') };
      for (let i = 0; i < 9; i++) values[String(i)] = from(`10.0.1.${i}`, 1, String(i));
      const source = cold('ab012345678c', values);
      expectObservable(source.pipe(rateLimitPerPeer({ rate: 1, burst: 1, maxPeers: 3, scheduler }), map(textOf))).toBe('a-012345678');
    });
  });

  it.each([
    ['rate 0', { rate: 0 }, 'ERR_OUT_OF_RANGE'],
    ['rate -5', { rate: -5 }, 'ERR_OUT_OF_RANGE'],
    ['rate "5"', { rate: '5' }, 'ERR_INVALID_ARG_TYPE'],
    ['burst 0.5', { burst: 0.5 }, 'ERR_OUT_OF_RANGE'],
    ['maxPeers 0', { maxPeers: 0 }, 'ERR_OUT_OF_RANGE'],
    ['key "port"', { key: 'port' }, 'ERR_INVALID_ARG_TYPE'],
    ['counters "x"', { counters: 'x' }, 'ERR_INVALID_ARG_TYPE'],
    ['scheduler 5', { scheduler: 5 }, 'ERR_INVALID_ARG_TYPE'],
    ['options 5', 5, 'ERR_INVALID_ARG_TYPE'],
  ])('%s errors with %s when subscribed, never throws', async (_, options, code) => {
    let operator: ReturnType<typeof rateLimitPerPeer> | undefined;
    expect(() => (operator = rateLimitPerPeer(options as never))).not.toThrow();
    const outcome = await firstValueFrom(of(from('10.0.0.1', 1)).pipe(operator!, map(() => 'ok'), catchError((e: UDPSocketError) => of(e.code))));
    expect(outcome).toBe(code);
  });

  it('a value without remoteInfo errors with ERR_INVALID_ARG_TYPE', async () => {
    await expect(firstValueFrom(of(5 as unknown as { remoteInfo: { address: string; port: number } }).pipe(rateLimitPerPeer()))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('rateLimitPerPeer (real loopback)', () => {
  it('passes the burst of a real sender and drops the rest of its flood, while another sender passes', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound();
      const flooder = sockets.bound();
      const other = sockets.bound();
      const rx = fromUDPSocket(server.socket);
      const count = counters();
      // A rate so low that no token comes back during the test: exactly the burst passes.
      const passed = firstValueFrom(
        rx.message$.pipe(rateLimitPerPeer({ rate: 0.001, burst: 10, key: 'peer', counters: count }), map(textOf), take(11), toArray()),
      );
      for (let i = 0; i < 50; i++) flooder.socket.send({ address: '127.0.0.1', port: server.port, message: 'f' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      other.socket.send({ address: '127.0.0.1', port: server.port, message: 'o' });
      expect((await passed).join('')).toBe('ffffffffffo');
      expect(count).toMatchObject({ passed: 11, dropped: 40 });
    } finally {
      await sockets.closeAll();
    }
  });
});
