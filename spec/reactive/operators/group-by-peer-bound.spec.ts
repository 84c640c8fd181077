import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Subject, catchError, firstValueFrom, map, mergeMap, of, toArray } from 'rxjs';
import { fromUDPSocket, groupByPeer, type GroupByPeerCounters, type UDPSocketError } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles, textOf } from '../../helpers/reactive';

const counters = (): GroupByPeerCounters => ({ live: 0, opened: 0, idled: 0, evicted: 0, dropped: 0 });

/** A message from `address:port`, as message$ emits it. */
const from = (address: string, port: number, text = 'x') => ({
  message: new TextEncoder().encode(text).buffer as ArrayBuffer,
  remoteInfo: { address, family: 'IPv4' as const, port, size: text.length },
  localInfo: { address: '127.0.0.1', family: 'IPv4' as const, port: 7, size: text.length },
});

describe('groupByPeer: bounded sessions under forged traffic (virtual network)', () => {
  it('bounds live sessions to 1024 by default: a flood of 5,000 forged sources never holds more', () => {
    const scheduler = marbles();
    const count = counters();
    let most = 0;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(53);
      server.message$.pipe(groupByPeer({ counters: count })).subscribe(() => (most = Math.max(most, count.live)));
      for (let i = 0; i < 5000; i++) {
        net.inject({ from: { address: `10.${(i >> 8) & 255}.${i & 255}.1`, port: 1024 + (i % 60000) }, to: { address: '127.0.0.1', port }, message: 'q', at: 1 });
      }
      scheduler.schedule(() => server.close(), 2);
    });
    expect(most).toBe(1024);
    expect(count).toEqual({ live: 0, opened: 5000, idled: 0, evicted: 5000 - 1024, dropped: 0 });
  });

  it('a real peer that keeps talking keeps its one session through a flood of one-shot forged sources (default end-idlest)', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket('udp4', { host: '10.0.0.1' }));
      server.bind(53);
      const alice = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      alice.bind(5000);
      // Alice sends twice before the flood, then keeps talking through it.
      cold('ab-c-d-e-f').subscribe((m) => alice.send({ address: '10.0.0.1', port: 53, message: m }));
      // 40 forged sources a frame from frame 3 to 10, into a table of 8.
      for (let frame = 3; frame <= 10; frame++) {
        for (let i = 0; i < 40; i++) {
          net.inject({ from: { address: `198.51.100.${i}`, port: 1000 + frame }, to: { address: '10.0.0.1', port: 53 }, message: 'f', at: frame });
        }
      }
      const alice$ = server.message$.pipe(
        groupByPeer({ maxPeers: 8 }),
        mergeMap((session) => (session.key === '10.0.0.2:5000' ? session.pipe(map(textOf), toArray(), map((m) => m.join(''))) : of())),
      );
      scheduler.schedule(() => server.close(), 15);
      expectObservable(alice$, '^ 20ms !').toBe('---------------(a|)', { a: 'abcdef' });
    });
  });

  it('end-idlest ends a one-datagram session before an idler peer that sent two', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('ab-c-d', { a: from('10.0.0.1', 1), b: from('10.0.0.1', 1), c: from('10.0.0.2', 2), d: from('10.0.0.3', 3) });
      const ends = source.pipe(
        groupByPeer({ maxPeers: 2 }),
        mergeMap((s) => s.pipe(toArray(), map(() => s.key))),
      );
      expectObservable(ends, '^ 10ms !').toBe('-----c', { c: '10.0.0.2:2' });
    });
  });

  it('end-idlest ends the idlest known session when every session has sent twice', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const a = from('10.0.0.1', 1);
      const b = from('10.0.0.2', 2);
      const source = cold('abab-a-c', { a, b, c: from('10.0.0.3', 3) });
      const ends = source.pipe(
        groupByPeer({ maxPeers: 2 }),
        mergeMap((s) => s.pipe(toArray(), map((m) => `${s.key}=${m.length}`))),
      );
      expectObservable(ends, '^ 10ms !').toBe('-------b', { b: '10.0.0.2:2=2' });
    });
  });

  it('drop-new drops (and counts) new peers while full; a slot freed by idle takes the next new peer', () => {
    const scheduler = marbles();
    const count = counters();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('ab-c-----d', { a: from('10.0.0.1', 1), b: from('10.0.0.2', 2), c: from('10.0.0.3', 3), d: from('10.0.0.4', 4) });
      const keys = source.pipe(
        groupByPeer({ maxPeers: 2, whenFull: 'drop-new', idle: 5, scheduler, counters: count }),
        map((s) => s.key.split(':')[1]),
      );
      expectObservable(keys, '^ 12ms !').toBe('ab-------d', { a: '1', b: '2', d: '4' });
      scheduler.schedule(() => expect(count).toEqual({ live: 1, opened: 3, idled: 2, evicted: 0, dropped: 1 }), 11);
    });
  });

  it('maxPeers: Infinity lifts the bound', () => {
    const count = counters();
    const messages = Array.from({ length: 2000 }, (_, i) => from(`10.0.${i >> 8}.${i & 255}`, 9));
    let live = 0;
    of(...messages)
      .pipe(groupByPeer({ maxPeers: Infinity, counters: count }))
      .subscribe(() => (live = count.live));
    expect(live).toBe(2000);
    expect(count.evicted).toBe(0);
  });

  it('the idle timer keeps no datagram alive: a session idle for an hour does not retain its last message', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const input = new Subject<ReturnType<typeof from>>();
    const sessions = input.pipe(groupByPeer({ idle: 3_600_000 })).subscribe();
    try {
      const ref = ((): WeakRef<object> => {
        const message = from('10.0.0.1', 1);
        input.next(message);
        return new WeakRef(message);
      })();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      expect(ref.deref()).toBeUndefined();
    } finally {
      sessions.unsubscribe(); // stops the hour-long timer
    }
  });
});

describe('groupByPeer: bad bound options error when subscribed', () => {
  it.each([
    ['maxPeers 0', { maxPeers: 0 }, 'ERR_OUT_OF_RANGE'],
    ['maxPeers 1.5', { maxPeers: 1.5 }, 'ERR_OUT_OF_RANGE'],
    ['maxPeers NaN', { maxPeers: NaN }, 'ERR_OUT_OF_RANGE'],
    ['maxPeers "10"', { maxPeers: '10' }, 'ERR_INVALID_ARG_TYPE'],
    ['whenFull "lru"', { whenFull: 'lru' }, 'ERR_INVALID_ARG_TYPE'],
    ['counters 5', { counters: 5 }, 'ERR_INVALID_ARG_TYPE'],
  ])('%s errors with %s', async (_, options, code) => {
    const outcome = await firstValueFrom(
      of(from('10.0.0.1', 1)).pipe(
        groupByPeer(options as never),
        map(() => 'ok'),
        catchError((e: UDPSocketError) => of(e.code)),
      ),
    );
    expect(outcome).toBe(code);
  });
});

describe('groupByPeer: bounded sessions (real loopback)', () => {
  it('a real peer that keeps talking keeps its session while 20 other real sockets each send one datagram into a table of 4', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound();
      const alice = sockets.bound();
      const count = counters();
      const rx = fromUDPSocket(server.socket);
      const aliceKey = `127.0.0.1:${alice.port}`;
      const received: string[] = [];
      const done = new Promise<void>((resolve) => {
        rx.message$
          .pipe(
            groupByPeer({ maxPeers: 4, counters: count }),
            mergeMap((s) => (s.key === aliceKey ? s.pipe(map(textOf), toArray()) : of())),
          )
          .subscribe((texts) => {
            received.push(texts.join(''));
            resolve();
          });
      });
      const others = Array.from({ length: 20 }, () => sockets.bound());
      const send = (socket: typeof alice.socket, message: string): void => socket.send({ address: '127.0.0.1', port: server.port, message });
      const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
      // Alice sends twice, then 4 one-shot sources and Alice take turns.
      send(alice.socket, '0');
      await tick();
      send(alice.socket, '1');
      await tick();
      for (let round = 0; round < 5; round++) {
        for (const other of others.slice(round * 4, round * 4 + 4)) send(other.socket, 'f');
        await tick();
        send(alice.socket, String(round + 2));
        await tick();
      }
      rx.close();
      await done;
      expect(received).toEqual(['0123456']);
      expect(count.opened).toBe(21);
      expect(count.evicted).toBe(17);
    } finally {
      await sockets.closeAll();
    }
  });
});
