import { catchError, lastValueFrom, map, mergeMap, of, take, toArray } from 'rxjs';
import { type UDPSocketError, fromUDPSocket, groupByPeer, peerKey } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles, textOf } from '../../helpers/reactive';

describe('groupByPeer', () => {
  it('opens a sub-stream per sender and completes it after `idle` frames of silence (marbles over the virtual network)', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const alice = fromUDPSocket(net.createUDPSocket());
      const bob = fromUDPSocket(net.createUDPSocket());
      alice.bind(1001);
      bob.bind(1002);
      cold('-a-a---------a').subscribe(() => alice.send({ address: '127.0.0.1', port, message: 'a' }).subscribe());
      cold('--b').subscribe(() => bob.send({ address: '127.0.0.1', port, message: 'b' }).subscribe());
      // Each session: "<key> <messages>" when it ends. Alice's first session ends 5 frames after
      // her message at frame 3 (frame 8); Bob's at 2 + 5 = 7; Alice's second at 13 + 5 = 18.
      const sessions$ = server.message$.pipe(
        groupByPeer({ idle: 5, scheduler }),
        mergeMap((session) => session.pipe(map(textOf), toArray(), map((m) => `${session.key} ${m.join('')}`))),
      );
      expectObservable(sessions$, '^ 30ms !').toBe('-------bA 9ms a', {
        b: '127.0.0.1:1002 b',
        A: '127.0.0.1:1001 aa',
        a: '127.0.0.1:1001 a',
      });
    });
  });

  it('without idle, sub-streams last as long as the source', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const msg = (port: number, t: string) => ({ message: new TextEncoder().encode(t).buffer as ArrayBuffer, remoteInfo: { address: '::1', family: 'IPv6', port, size: 1 }, localInfo: { address: '::1', family: 'IPv6', port: 7, size: 1 } });
      const source = cold('a-b-a---|', { a: msg(1, 'a'), b: msg(2, 'b') });
      expectObservable(
        source.pipe(
          groupByPeer(),
          mergeMap((s) => s.pipe(toArray(), map((m) => `${s.key}=${m.length}`))),
        ),
      ).toBe('--------(xy|)', { x: '[::1]:1=2', y: '[::1]:2=1' });
    });
  });

  it('reads idle once: a getter returning 10 then -5 passes the check with 10, and the sessions last 10 frames', () => {
    const scheduler = marbles();
    let reads = 0;
    const options = {
      get idle(): number {
        reads++;
        return reads === 1 ? 10 : -5;
      },
      scheduler,
    };
    scheduler.run(({ cold, expectObservable }) => {
      const msg = { message: new ArrayBuffer(1), remoteInfo: { address: '127.0.0.1', family: 'IPv4', port: 1, size: 1 }, localInfo: { address: '127.0.0.1', family: 'IPv4', port: 7, size: 1 } };
      const sessions$ = cold('a', { a: msg }).pipe(
        groupByPeer(options),
        mergeMap((session) => session.pipe(toArray(), map(() => 'ended'))),
      );
      expectObservable(sessions$, '^ 20ms !').toBe('10ms e', { e: 'ended' });
    });
    expect(reads).toBe(1);
  });

  it('peerKey writes IPv6 addresses in brackets', () => {
    expect(peerKey({ address: '::1', port: 53 })).toBe('[::1]:53');
    expect(peerKey({ address: '127.0.0.1', port: 53 })).toBe('127.0.0.1:53');
  });
});

describe('groupByPeer (real loopback)', () => {
  it('gives each real sender on 127.0.0.1 its own sub-stream keyed by address and port', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound();
      const a = sockets.bound();
      const b = sockets.bound();
      const sessions = lastValueFrom(
        fromUDPSocket(server.socket).message$.pipe(
          take(3),
          groupByPeer(),
          mergeMap((s) => s.pipe(toArray(), map((m) => `${s.key} ${m.length}`))),
          toArray(),
        ),
      );
      a.socket.send({ address: '127.0.0.1', port: server.port, message: '1' });
      b.socket.send({ address: '127.0.0.1', port: server.port, message: '2' });
      a.socket.send({ address: '127.0.0.1', port: server.port, message: '3' });
      expect((await sessions).sort()).toEqual([`127.0.0.1:${a.port} 2`, `127.0.0.1:${b.port} 1`].sort());
    } finally {
      await sockets.closeAll();
    }
  });
});

describe('groupByPeer scheduler', () => {
  it('runs the idle timers on the scheduler of the given socket, also outside TestScheduler.run()', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const server = fromUDPSocket(net.createUDPSocket());
    const port = server.bind(7);
    const ends: number[] = [];
    server.message$
      .pipe(groupByPeer({ idle: 5, socket: server }))
      .subscribe((session) => session.subscribe({ complete: () => ends.push(scheduler.now()) }));
    const client = net.createUDPSocket();
    scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'x' }), 3);
    scheduler.flush();
    expect(ends).toEqual([8]);
    server.close();
    scheduler.flush();
  });
});

describe('groupByPeer (bad options: the operator errors when subscribed, never throws)', () => {
  const msg = (port: number) => ({ remoteInfo: { address: '127.0.0.1', port } });

  it('groupByPeer(null) groups by peer as with no options instead of throwing a TypeError', async () => {
    let operator: ReturnType<typeof groupByPeer> | undefined;
    expect(() => (operator = groupByPeer(null))).not.toThrow();
    const keys = await lastValueFrom(of(msg(1), msg(2), msg(1)).pipe(operator!, map((g) => g.key), toArray()));
    expect(keys).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
  });

  it.each([
    ['options 5', 5],
    ['socket null', { socket: null }],
    ['scheduler "x"', { scheduler: 'x' }],
  ])('groupByPeer with %s errors with ERR_INVALID_ARG_TYPE when subscribed', async (_name, options) => {
    await expect(lastValueFrom(of(msg(1)).pipe(groupByPeer(options as never)))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('groupByPeer idle checks', () => {
  it.each([
    ['idle -1', 'ERR_OUT_OF_RANGE', -1],
    ['idle NaN', 'ERR_OUT_OF_RANGE', NaN],
    ['idle Infinity', 'ERR_OUT_OF_RANGE', Infinity],
    ['idle 2^31 (setTimeout would fire it after 1 ms)', 'ERR_OUT_OF_RANGE', 2 ** 31],
    ['idle "5"', 'ERR_INVALID_ARG_TYPE', '5'],
  ])('groupByPeer with %s errors with %s at subscription instead of being accepted silently', (_name, code, idle) => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a|', { a: { remoteInfo: { address: '127.0.0.1', port: 1 } } });
      expectObservable(source.pipe(groupByPeer({ idle: idle as number, scheduler }), map((g) => g.key)).pipe(catchError((e: UDPSocketError) => of(e.code)))).toBe(
        '(c|)',
        { c: code },
      );
    });
  });

  it('groupByPeer with idle 0 is accepted: each message of a peer opens its own session', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a-a|', { a: { remoteInfo: { address: '127.0.0.1', port: 1 } } });
      expectObservable(source.pipe(groupByPeer({ idle: 0, scheduler }), map((g) => g.key))).toBe('a-a|', { a: '127.0.0.1:1' });
    });
  });
});

describe('groupByPeer (values that are not messages)', () => {
  it('groupByPeer given a value without remoteInfo errors with ERR_INVALID_ARG_TYPE instead of a raw TypeError', async () => {
    await expect(lastValueFrom(of(5 as unknown as { remoteInfo: { address: string; port: number } }).pipe(groupByPeer()))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', operation: 'receive' });
  });
});
