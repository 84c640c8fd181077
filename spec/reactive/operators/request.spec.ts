import { Observable, Subject, asyncScheduler, catchError, firstValueFrom, lastValueFrom, map, mergeMap, of, range, share, toArray, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { RequestTimeoutError, UDPSocketError, decode, fromUDPSocket, reply, request, text, type UDPMessageResult } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { useLoopbackSockets, marbles, textOf, outcomeOf } from '../../helpers/reactive';
import { WeChatStandIn } from '../../helpers/wechat-stand-in';

/** For a single question to a peer that answers it once: any reply from the peer is its answer. */
const anyReply = (): boolean => true;

describe('request (marbles over the virtual network)', () => {
  it('with timeout 10 and retries 2 against a silent peer, sends at frames 0, 10, 20 and errors ETIMEDOUT at frame 30', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const silent = net.createUDPSocket();
      const port = silent.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      const target = { address: '127.0.0.1', port };
      const sends$ = net.traffic$.pipe(map(() => 's'));
      const exchange$ = of('ping').pipe(request(client, target, { timeout: 10, retries: 2, match: anyReply }));
      expectObservable(sends$, '^ 40ms !').toBe('s 9ms s 9ms s');
      expectObservable(exchange$).toBe('30ms #', undefined, new RequestTimeoutError(3, 30, '127.0.0.1:7'));
    });
  });

  it('runs its timeouts on the socket scheduler, also outside TestScheduler.run(): the error comes at virtual time 30', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const port = net.createUDPSocket().bind(7);
    const client = net.createUDPSocket();
    let erroredAt: number | undefined;
    of('x')
      .pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 2, match: anyReply }))
      .subscribe({ error: () => (erroredAt = scheduler.now()) });
    scheduler.flush();
    expect(erroredAt).toBe(30);
  });

  it('the RequestTimeoutError is a UDPSocketError with code ETIMEDOUT, operation request and the number of tries', () => {
    const scheduler = marbles();
    let caught: unknown;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = net.createUDPSocket();
      of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 5, retries: 1, match: anyReply })).subscribe({ error: (e: unknown) => (caught = e) });
    });
    expect(caught).toBeInstanceOf(RequestTimeoutError);
    expect(caught).toBeInstanceOf(UDPSocketError);
    expect(caught).toMatchObject({ code: 'ETIMEDOUT', errCode: -2, operation: 'request', attempts: 2, elapsed: 10 });
  });

  it('emits the reply at the frame it arrives (latency 3 each way: frame 6) and completes', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 3 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, (m) => textOf(m).toUpperCase())).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const exchange$ = of('ping').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 2, match: anyReply }), map(textOf));
      expectObservable(exchange$).toBe('6ms (a|)', { a: 'PING' });
    });
  });

  it('retransmits after a lost request and gets the reply of the second try (frame 10 + 2 latency × 2)', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 2 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      // the server ignores the first datagram it receives
      server.message$.pipe(reply(server, (m, i) => (i === 0 ? undefined : textOf(m)))).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const exchange$ = of('ping').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 3, match: anyReply }), map(textOf));
      expectObservable(exchange$).toBe('14ms (a|)', { a: 'ping' });
    });
  });

  it('backoff 2 doubles each wait: with timeout 4 and retries 2 it errors at frame 4 + 8 + 16 = 28', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = net.createUDPSocket();
      const sends$ = net.traffic$.pipe(map(() => 's'));
      expectObservable(sends$, '^ 40ms !').toBe('s 3ms s 7ms s');
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 4, retries: 2, backoff: 2, match: anyReply }))).toBe(
        '28ms #',
        undefined,
        new RequestTimeoutError(3, 28, '127.0.0.1:7'),
      );
    });
  });

  it('unsubscribing cancels the exchange: no retransmission afterwards and the reply listener is removed', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const socket = net.createUDPSocket();
      const onMessage = jest.spyOn(socket, 'onMessage');
      const offMessage = jest.spyOn(socket, 'offMessage');
      const client = fromUDPSocket(socket);
      const sends$ = net.traffic$.pipe(map(() => 's'));
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 5, match: anyReply })), '^ 15ms !').toBe('');
      expectObservable(sends$, '^ 60ms !').toBe('s 9ms s');
      scheduler.schedule(() => {
        expect(onMessage).toHaveBeenCalledTimes(1);
        expect(offMessage).toHaveBeenCalledTimes(1);
        expect(offMessage.mock.calls[0]![0]).toBe(onMessage.mock.calls[0]![0]);
      }, 17); // unsubscribed at 16; the socket's reply listener goes one scheduler task later
    });
  });

  it('attaches the reply listener before it sends', () => {
    const scheduler = marbles();
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const socket = net.createUDPSocket();
      const calls: string[] = [];
      const onMessage = socket.onMessage.bind(socket);
      const sendWithCallback = socket.sendWithCallback.bind(socket);
      socket.onMessage = (listener) => (calls.push('onMessage'), onMessage(listener));
      socket.sendWithCallback = (option, callback) => (calls.push('send'), sendWithCallback(option, callback));
      of('x').pipe(request(socket, { address: '127.0.0.1', port }, { timeout: 10 })).subscribe({ error: () => undefined });
      expect(calls).toEqual(['onMessage', 'send']);
    });
  });

  it('correlates concurrent requests by match: each gets its own reply although replies come back in reverse order', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      // answers "a" after 5 frames, "b" after 1: the replies cross
      server.message$
        .pipe(mergeMap((m) => of(m).pipe(map(textOf), mergeMap((t) => scheduler.createColdObservable(t === 'a' ? '----x|' : 'x|').pipe(map(() => ({ m, t })))))))
        .subscribe(({ m, t }) => server.send({ address: m.remoteInfo.address, port: m.remoteInfo.port, message: `re:${t}` }).subscribe());
      const client = fromUDPSocket(net.createUDPSocket());
      const match = (r: UDPMessageResult, req: string): boolean => textOf(r) === `re:${req}`;
      const replies$ = scheduler.createColdObservable('ab|').pipe(
        request(client, { address: '127.0.0.1', port }, { timeout: 20, match }),
        map(textOf),
      );
      expectObservable(replies$).toBe('---b--(a|)', { a: 're:a', b: 're:b' });
    });
  });

  it('with concurrency 1 and settle 0, a request waits for the previous reply before it is sent', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const replies$ = cold('ab|').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, concurrency: 1, settle: 0 }), map(textOf));
      expectObservable(replies$).toBe('--a-(b|)');
      expectObservable(server.message$.pipe(map(textOf)), '^ 6ms !').toBe('-a-b');
    });
  });

  it('with settle 0, a request sent from the handler of a reply is answered by its own reply, not by the one being handled', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const asks = new Subject<string>();
      const replies$ = asks.pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, settle: 0 }), map(textOf), share());
      replies$.subscribe((r) => (r === '1' ? asks.next('2') : r === '2' ? asks.next('3') : undefined));
      scheduler.schedule(() => asks.next('1'), 1);
      expectObservable(replies$, '^ 10ms !').toBe('---1-2-3');
    });
  });

  it('errors with ERR_SOCKET_DGRAM_NOT_RUNNING when the socket closes while a request waits', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => client.close(), 4);
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10 })).pipe(
        catchError((e: UDPSocketError) => of(e.code)),
      )).toBe('4ms (c|)', { c: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    });
  });

  it.each([
    ['a later request with a shorter timeout errors at its own frame, before an earlier one on the same socket', 30, 10, '30ms #', '15ms #'],
    ['after an earlier request on the same socket times out, a later, longer one still errors at its own frame', 10, 50, '10ms #', '55ms #'],
  ])('%s (timeouts %i and %i, the later sent at frame 5)', (_name, earlyTimeout, lateTimeout, earlyMarbles, lateMarbles) => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const silentA = net.createUDPSocket().bind(7);
      const silentB = net.createUDPSocket().bind(8);
      const client = fromUDPSocket(net.createUDPSocket());
      const early = of('a').pipe(request(client, { address: '127.0.0.1', port: silentA }, { timeout: earlyTimeout, match: anyReply }));
      const late = cold('5ms x').pipe(mergeMap(() => of('b').pipe(request(client, { address: '127.0.0.1', port: silentB }, { timeout: lateTimeout, match: anyReply }))));
      expectObservable(early).toBe(earlyMarbles, undefined, new RequestTimeoutError(1, earlyTimeout, '127.0.0.1:7'));
      expectObservable(late).toBe(lateMarbles, undefined, new RequestTimeoutError(1, lateTimeout, '127.0.0.1:8'));
    });
  });

  it('a reply arriving in the very frame its request times out meets the timeout first, whether or not another request is pending on the socket', () => {
    const fate = (withUnrelated: boolean): string => {
      const scheduler = marbles();
      let result = 'none';
      scheduler.run(({ cold }) => {
        const net = createVirtualNetwork({ scheduler, latency: 4 });
        const server = fromUDPSocket(net.createUDPSocket());
        const echo = server.bind(7);
        server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
        const silent = net.createUDPSocket().bind(8);
        const client = fromUDPSocket(net.createUDPSocket());
        if (withUnrelated) {
          of('p').pipe(request(client, { address: '127.0.0.1', port: silent }, { timeout: 10, match: anyReply })).subscribe({ error: () => undefined });
        }
        // Sent at 4, answered at 4 + 2 × 4 = 12: its deadline, 4 + 8.
        cold('4ms x')
          .pipe(mergeMap(() => of('q').pipe(request(client, { address: '127.0.0.1', port: echo }, { timeout: 8, match: anyReply }))))
          .subscribe({ next: () => (result = `answered at ${scheduler.now()}`), error: (e: UDPSocketError) => (result = `${e.code} at ${scheduler.now()}`) });
      });
      return result;
    };
    expect(fate(false)).toBe('ETIMEDOUT at 12');
    expect(fate(true)).toBe('ETIMEDOUT at 12');
  });

  it('operators made one after another from equal arguments in new objects honour each change: timeout 10 twice, then 20, then port 8', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      net.createUDPSocket().bind(7);
      net.createUDPSocket().bind(8);
      const client = fromUDPSocket(net.createUDPSocket());
      const first = of('a').pipe(request(client, { address: '127.0.0.1', port: 7 }, { timeout: 10, match: anyReply }));
      const same = of('a').pipe(request(client, { address: '127.0.0.1', port: 7 }, { timeout: 10, match: anyReply }));
      const longer = of('a').pipe(request(client, { address: '127.0.0.1', port: 7 }, { timeout: 20, match: anyReply }));
      const other = of('a').pipe(request(client, { address: '127.0.0.1', port: 8 }, { timeout: 20, match: anyReply }));
      expectObservable(first).toBe('10ms #', undefined, new RequestTimeoutError(1, 10, '127.0.0.1:7'));
      expectObservable(same).toBe('10ms #', undefined, new RequestTimeoutError(1, 10, '127.0.0.1:7'));
      expectObservable(longer).toBe('20ms #', undefined, new RequestTimeoutError(1, 20, '127.0.0.1:7'));
      expectObservable(other).toBe('20ms #', undefined, new RequestTimeoutError(1, 20, '127.0.0.1:8'));
    });
  });

  it('a bad target is reported before options that are not an object or cannot be read, also after a valid operator on the socket', () => {
    const client = fromUDPSocket(createVirtualNetwork({ scheduler: marbles() }).createUDPSocket());
    const throwing = {
      get timeout(): number {
        throw new Error('boom');
      },
    };
    of('a').pipe(request(client, { address: '127.0.0.1', port: 7 }, { timeout: 10 })).subscribe({ error: () => undefined });
    expect(outcomeOf(() => of('a').pipe(request(client, { address: '127.0.0.1', port: -1 }, 5 as never)))).toBe('ERR_SOCKET_BAD_PORT');
    expect(outcomeOf(() => of('a').pipe(request(client, { address: '127.0.0.1', port: -1 }, throwing)))).toBe('ERR_SOCKET_BAD_PORT');
  });

  it('options that happen to be an Error object are read as options', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      const options = Object.assign(new Error('my options'), { timeout: 10 });
      expectObservable(of('a').pipe(request(client, { address: '127.0.0.1', port }, options))).toBe('10ms #', undefined, new RequestTimeoutError(1, 10, '127.0.0.1:7'));
    });
  });

  it('an operator made after a valid one from arguments whose getter throws still errors with ERR_INVALID_ARG_TYPE', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      of('a').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10 })).subscribe({ error: () => undefined });
      const options = {
        get timeout(): number {
          throw new Error('no timeout today');
        },
      };
      expectObservable(of('a').pipe(request(client, { address: '127.0.0.1', port }, options)).pipe(map(() => 'v'), catchError((e: UDPSocketError) => of(e.code)))).toBe(
        '(c|)',
        { c: 'ERR_INVALID_ARG_TYPE' },
      );
    });
  });

  it('a request given a scheduler of its own times out on it, not on the socket scheduler', () => {
    const socketScheduler = marbles();
    const own = marbles();
    const net = createVirtualNetwork({ scheduler: socketScheduler });
    const port = net.createUDPSocket().bind(7);
    const client = fromUDPSocket(net.createUDPSocket());
    let error: unknown;
    of('x')
      .pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, match: anyReply, scheduler: own }))
      .subscribe({ error: (e: unknown) => (error = e) });
    socketScheduler.flush();
    expect(error).toBeUndefined();
    own.flush();
    expect(error).toMatchObject({ code: 'ETIMEDOUT', elapsed: 10 });
  });

  it('under 20 % loss each way and retries 4, about 1 - (1 - 0.8²)⁵ ≈ 99.4 % of 1,000 seeded requests succeed (within one point)', () => {
    const scheduler = marbles();
    const outcomes: string[] = [];
    let lost = 0;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler, latency: 1, loss: 0.2, seed: 20240601 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      client.bind();
      const match = (r: UDPMessageResult, req: string): boolean => textOf(r) === req;
      range(0, 1000)
        .pipe(
          mergeMap((i) =>
            of(`request ${i}`).pipe(
              request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 4, match }),
              map(() => 'ok'),
              catchError((e: UDPSocketError) => of(e.code)),
            ),
          ),
        )
        .subscribe((outcome) => outcomes.push(outcome));
      scheduler.schedule(() => (lost = net.stats.lost), 100);
    });
    const rate = outcomes.filter((o) => o === 'ok').length / 1000;
    const expected = 1 - (1 - 0.8 ** 2) ** 5;
    expect(outcomes).toHaveLength(1000);
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'ETIMEDOUT')).toEqual([]);
    expect(lost).toBeGreaterThan(0);
    expect(Math.abs(rate - expected)).toBeLessThanOrEqual(0.01);
    // eslint-disable-next-line no-console
    console.log(`request success rate under 20 % loss each way, retries 4: ${(rate * 100).toFixed(1)} % (expected ${(expected * 100).toFixed(2)} %)`);
  });
});

describe('request (real loopback)', () => {
  const sockets = useLoopbackSockets();

  it('gets the reply of an echo server on 127.0.0.1', async () => {
    const { socket, port } = sockets.bound();
    const server = fromUDPSocket(socket);
    server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
    const client = sockets.bound().socket;
    const answer = await firstValueFrom(of('hello').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, retries: 2, match: anyReply }), decode(text)));
    expect(answer).toBe('hello');
  });

  it('errors with ETIMEDOUT on ::1 when nobody answers', async () => {
    const silent = sockets.bound('udp6');
    const client = sockets.bound('udp6').socket;
    const result = lastValueFrom(
      of('x').pipe(
        request(client, { address: '::1', port: silent.port }, { timeout: 20, retries: 1, match: anyReply }),
        toArray(),
      ),
    );
    await expect(result).rejects.toMatchObject({ code: 'ETIMEDOUT', attempts: 2 });
  });

  it('on a real socket, a later request with a shorter timeout errors while an earlier, longer one is still waiting, which errors after it', async () => {
    const silent = sockets.bound();
    const client = fromUDPSocket(sockets.bound().socket);
    const target = { address: '127.0.0.1', port: silent.port };
    const order: string[] = [];
    const long = lastValueFrom(of('long').pipe(request(client, target, { timeout: 400, match: anyReply }))).catch((e: UDPSocketError) => order.push(`long ${e.code}`));
    const short = lastValueFrom(of('short').pipe(request(client, target, { timeout: 20, match: anyReply }))).catch((e: UDPSocketError) => order.push(`short ${e.code}`));
    await Promise.all([long, short]);
    expect(order).toEqual(['short ETIMEDOUT', 'long ETIMEDOUT']);
  });

  /** asyncScheduler, with the set of tasks scheduled that neither ran nor were cancelled. */
  function trackingScheduler(): { scheduler: SchedulerLike; pending: Set<object> } {
    const pending = new Set<object>();
    const scheduler: SchedulerLike = {
      now: () => asyncScheduler.now(),
      schedule<S>(work: (this: SchedulerAction<S>, state?: S) => void, delay?: number, state?: S): Subscription {
        const token = {};
        pending.add(token);
        const action = asyncScheduler.schedule(function (this: SchedulerAction<S>, s?: S) {
          pending.delete(token);
          work.call(this, s);
        }, delay, state);
        action.add(() => pending.delete(token));
        return action;
      },
    };
    return { scheduler, pending };
  }

  it('leaves no timer behind once the last request is answered, so nothing keeps the process alive for its timeout', async () => {
    const { socket, port } = sockets.bound();
    const server = fromUDPSocket(socket);
    server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
    const { scheduler, pending } = trackingScheduler();
    const client = fromUDPSocket(sockets.bound().socket, { scheduler });
    const answer = await firstValueFrom(of('hi').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 60_000 }), decode(text)));
    expect(answer).toBe('hi');
    expect(pending.size).toBeGreaterThan(0); // the 60 s timeout, and the release of the listener
    await new Promise((resolve) => setTimeout(resolve, 20)); // the release task runs one task after the last request
    expect(pending.size).toBe(0);
  });

  it('leaves no timer behind when unsubscribed with requests queued behind an unanswered one (no wake-up for a withdrawn queue)', async () => {
    const silent = sockets.bound();
    const { scheduler, pending } = trackingScheduler();
    const client = fromUDPSocket(sockets.bound().socket, { scheduler });
    // Without match, 'b' and 'c' queue behind 'a'; withdrawing 'a' unanswered starts a quiet time of 60 s.
    const subscription = of('a', 'b', 'c').pipe(request(client, { address: '127.0.0.1', port: silent.port }, { timeout: 60_000 })).subscribe();
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pending.size).toBe(0);
  });

  it('on a WeChat stand-in, times out on asyncScheduler and leaves no listener behind', async () => {
    const silent = sockets.bound();
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    rx.bind();
    const result = lastValueFrom(of('x').pipe(request(rx, { address: '127.0.0.1', port: silent.port }, { timeout: 10, retries: 1, match: anyReply })));
    expect(wx.listenerCount('message')).toBe(1);
    await expect(result).rejects.toBeInstanceOf(RequestTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the reply listener goes one task after the last request
    expect(wx.listenerCount()).toBe(0);
  });

  it('on a WeChat stand-in, gets the reply of an echo server', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const port = rx.bind();
    rx.message$.pipe(reply(rx, ({ message }) => message)).subscribe();
    const client = fromUDPSocket(sockets.track(new WeChatStandIn()));
    const answer = await firstValueFrom(of('wx').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, retries: 2, match: anyReply }), decode(text)));
    expect(answer).toBe('wx');
  });
});

describe('request (argument checks: the operator errors when subscribed, never hangs, throws or coerces)', () => {
  /** Subscribes at frame 0 on the virtual network and returns the marble outcome: the error code at frame 0 or whatever happened. */
  function outcome(options: unknown, frames = 100): string {
    const scheduler = marbles();
    let result = 'nothing';
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      of('a')
        .pipe(request(client, { address: '127.0.0.1', port }, options as { timeout: number }))
        .subscribe({
          next: () => (result = `next at ${scheduler.now()}`),
          error: (e: UDPSocketError) => (result = scheduler.now() === 0 ? e.code : `${e.code} at ${scheduler.now()}`),
          complete: () => (result = `${result}, complete`),
        });
      scheduler.schedule(() => undefined, frames);
    });
    return result;
  }

  it.each([
    ['timeout NaN', 'ERR_OUT_OF_RANGE', { timeout: NaN }],
    ['timeout "x"', 'ERR_INVALID_ARG_TYPE', { timeout: 'x' }],
    ['timeout undefined', 'ERR_INVALID_ARG_TYPE', { timeout: undefined }],
    ['timeout Infinity', 'ERR_OUT_OF_RANGE', { timeout: Infinity }],
    ['backoff Infinity', 'ERR_OUT_OF_RANGE', { timeout: 20, retries: 1, backoff: Infinity }],
    ['backoff NaN', 'ERR_OUT_OF_RANGE', { timeout: 20, retries: 1, backoff: NaN }],
  ])('request with %s errors with %s at subscription instead of hanging', (_name, code, options) => {
    expect(outcome(options)).toBe(code);
  });

  it.each([
    ['retries -1', 'ERR_OUT_OF_RANGE', { timeout: 20, retries: -1 }],
    ['retries NaN', 'ERR_OUT_OF_RANGE', { timeout: 20, retries: NaN }],
    ['retries "x"', 'ERR_INVALID_ARG_TYPE', { timeout: 20, retries: 'x' }],
    ['retries 1.5', 'ERR_OUT_OF_RANGE', { timeout: 20, retries: 1.5 }],
    ['timeout -1', 'ERR_OUT_OF_RANGE', { timeout: -1 }],
    ['timeout 2^31 (setTimeout would fire it after 1 ms)', 'ERR_OUT_OF_RANGE', { timeout: 2 ** 31 }],
    ['backoff 0', 'ERR_OUT_OF_RANGE', { timeout: 20, backoff: 0 }],
    ['concurrency NaN', 'ERR_OUT_OF_RANGE', { timeout: 20, concurrency: NaN }],
    ['concurrency 1.5', 'ERR_OUT_OF_RANGE', { timeout: 20, concurrency: 1.5 }],
    ['concurrency 0', 'ERR_OUT_OF_RANGE', { timeout: 20, concurrency: 0 }],
    ['match 5', 'ERR_INVALID_ARG_TYPE', { timeout: 20, match: 5 }],
    ['scheduler {}', 'ERR_INVALID_ARG_TYPE', { timeout: 20, scheduler: {} }],
    ['retries Infinity and timeout 0 (a tight retransmit loop)', 'ERR_OUT_OF_RANGE', { timeout: 0, retries: Infinity }],
    ['retries Infinity and backoff 0.5 (waits shrinking to 0)', 'ERR_OUT_OF_RANGE', { timeout: 10, retries: Infinity, backoff: 0.5 }],
  ])('request with %s errors with %s at subscription instead of being coerced', (_name, code, options) => {
    expect(outcome(options)).toBe(code);
  });

  it('request with retries Infinity keeps retransmitting to a silent peer until unsubscribed', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      const sends$ = net.traffic$.pipe(map(() => 's'));
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: Infinity, match: anyReply })), '^ 45ms !').toBe('');
      expectObservable(sends$, '^ 100ms !').toBe('s 9ms s 9ms s 9ms s 9ms s');
    });
  });

  it('request with a huge backoff caps each wait at 2147483647 ms instead of never firing', () => {
    const scheduler = marbles();
    let caught: RequestTimeoutError | undefined;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      of('x')
        .pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 1, backoff: 1e308, match: anyReply }))
        .subscribe({ error: (e: RequestTimeoutError) => (caught = e) });
    });
    expect(caught).toMatchObject({ code: 'ETIMEDOUT', attempts: 2, elapsed: 10 + 2_147_483_647 });
  });
});

describe('request (argument checks on a real loopback socket: no synchronous throw)', () => {
  const sockets = useLoopbackSockets();

  /** Builds and subscribes the operator; returns the error code, or what happened instead. */
  const outcome = (build: () => Observable<unknown>): string => outcomeOf(build);

  it('request with options undefined errors with ERR_INVALID_ARG_TYPE (timeout is required) instead of throwing', () => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of('a').pipe(request(socket, { address: '127.0.0.1', port }, undefined as never)))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('request with options null errors with ERR_INVALID_ARG_TYPE instead of throwing', () => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of('a').pipe(request(socket, { address: '127.0.0.1', port }, null as never)))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('request with target undefined errors with ERR_INVALID_ARG_TYPE instead of throwing', () => {
    const { socket } = sockets.bound();
    expect(outcome(() => of('a').pipe(request(socket, undefined as never, { timeout: 10 })))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('request with target address 5 errors with ERR_INVALID_ADDRESS (errCode 1) instead of throwing', () => {
    const { socket, port } = sockets.bound();
    let caught: UDPSocketError | undefined;
    of('a').pipe(request(socket, { address: 5, port } as never, { timeout: 10 })).subscribe({ error: (e: UDPSocketError) => (caught = e) });
    expect(caught).toMatchObject({ code: 'ERR_INVALID_ADDRESS', errCode: 1, operation: 'request' });
  });

  it('request with target port -1 errors with ERR_SOCKET_BAD_PORT (errCode 2) when subscribed', () => {
    const { socket } = sockets.bound();
    let caught: UDPSocketError | undefined;
    of('a').pipe(request(socket, { address: '127.0.0.1', port: -1 }, { timeout: 10 })).subscribe({ error: (e: UDPSocketError) => (caught = e) });
    expect(caught).toMatchObject({ code: 'ERR_SOCKET_BAD_PORT', errCode: 2 });
  });

  it('request with socket null errors with ERR_INVALID_ARG_TYPE instead of throwing', () => {
    const { port } = sockets.bound();
    expect(outcome(() => of('a').pipe(request(null as never, { address: '127.0.0.1', port }, { timeout: 10 })))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('request with a bad argument does not subscribe to its source: no value is consumed', () => {
    const { socket, port } = sockets.bound();
    const source = new Subject<string>();
    const values$ = source.pipe(request(socket, { address: '127.0.0.1', port }, { timeout: NaN }));
    values$.subscribe({ error: () => undefined });
    expect(source.observed).toBe(false);
  });
});

describe('request (its subscription to the source)', () => {
  it('unsubscribing a long-lived request pipeline unsubscribes its source', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const port = net.createUDPSocket().bind(7);
    const client = fromUDPSocket(net.createUDPSocket());
    const source = new Subject<string>();
    const subscription = source.pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10 })).subscribe({ error: () => undefined });
    source.next('a');
    expect(source.observed).toBe(true);
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
  });

  it('a request pipeline that errors (its socket closed) unsubscribes its source', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const port = net.createUDPSocket().bind(7);
    const client = fromUDPSocket(net.createUDPSocket());
    const source = new Subject<string>();
    let caught: unknown;
    source.pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10 })).subscribe({ error: (e: unknown) => (caught = e) });
    source.next('a');
    client.close();
    scheduler.flush(); // the close event is dispatched on the network's scheduler
    expect(caught).toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    expect(source.observed).toBe(false);
  });

  it('a source that errors ends the request pipeline with that error and withdraws its pending exchange', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const silent = net.createUDPSocket();
    const port = silent.bind(7);
    const client = fromUDPSocket(net.createUDPSocket());
    const source = new Subject<string>();
    const boom = new Error('source failed');
    const seen: unknown[] = [];
    source.pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 3, match: anyReply })).subscribe({ error: (e: unknown) => seen.push(e) });
    source.next('a');
    source.error(boom);
    scheduler.flush();
    expect(seen).toEqual([boom]);
    expect(net.stats.sent).toBe(1); // withdrawn: no retransmission at 10, 20, 30
  });
});
