import { Subject, catchError, firstValueFrom, lastValueFrom, map, mergeMap, of, range, share, toArray } from 'rxjs';
import { TimeoutError, UDPSocketError, decode, fromUDPSocket, reply, request, text, type UDPMessageResult } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles, textOf } from '../../helpers/reactive';
import { WeChatStandIn } from '../../helpers/wechat-stand-in';

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
      const exchange$ = of('ping').pipe(request(client, target, { timeout: 10, retries: 2 }));
      expectObservable(sends$, '^ 40ms !').toBe('s 9ms s 9ms s');
      expectObservable(exchange$).toBe('30ms #', undefined, new TimeoutError(3, 30, '127.0.0.1:7'));
    });
  });

  it('runs its timeouts on the socket scheduler, also outside TestScheduler.run(): the error comes at virtual time 30', () => {
    const scheduler = marbles();
    const net = createVirtualNetwork({ scheduler });
    const port = net.createUDPSocket().bind(7);
    const client = net.createUDPSocket();
    let erroredAt: number | undefined;
    of('x')
      .pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 2 }))
      .subscribe({ error: () => (erroredAt = scheduler.now()) });
    scheduler.flush();
    expect(erroredAt).toBe(30);
  });

  it('the TimeoutError is a UDPSocketError with code ETIMEDOUT, operation request and the number of tries', () => {
    const scheduler = marbles();
    let caught: unknown;
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = net.createUDPSocket();
      of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 5, retries: 1 })).subscribe({ error: (e: unknown) => (caught = e) });
    });
    expect(caught).toBeInstanceOf(TimeoutError);
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
      const exchange$ = of('ping').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 2 }), map(textOf));
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
      const exchange$ = of('ping').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 3 }), map(textOf));
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
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 4, retries: 2, backoff: 2 }))).toBe(
        '28ms #',
        undefined,
        new TimeoutError(3, 28, '127.0.0.1:7'),
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
      expectObservable(of('x').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 5 })), '^ 15ms !').toBe('');
      expectObservable(sends$, '^ 60ms !').toBe('s 9ms s');
      scheduler.schedule(() => {
        expect(onMessage).toHaveBeenCalledTimes(1);
        expect(offMessage).toHaveBeenCalledTimes(1);
        expect(offMessage.mock.calls[0]![0]).toBe(onMessage.mock.calls[0]![0]);
      }, 16);
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

  it('with concurrency 1, a request waits for the previous reply before it is sent', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const replies$ = cold('ab|').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10, concurrency: 1 }), map(textOf));
      expectObservable(replies$).toBe('--a-(b|)');
      expectObservable(server.message$.pipe(map(textOf)), '^ 6ms !').toBe('-a-b');
    });
  });

  it('a request sent from the handler of a reply is answered by its own reply, not by the one being handled', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      const asks = new Subject<string>();
      const replies$ = asks.pipe(request(client, { address: '127.0.0.1', port }, { timeout: 10 }), map(textOf), share());
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
  const sockets = new LoopbackSockets();
  afterEach(() => sockets.closeAll());

  it('gets the reply of an echo server on 127.0.0.1', async () => {
    const { socket, port } = sockets.bound();
    const server = fromUDPSocket(socket);
    server.message$.pipe(reply(server, ({ message }) => message)).subscribe();
    const client = sockets.bound().socket;
    const answer = await firstValueFrom(of('hello').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, retries: 2 }), decode(text)));
    expect(answer).toBe('hello');
  });

  it('errors with ETIMEDOUT on ::1 when nobody answers', async () => {
    const silent = sockets.bound('udp6');
    const client = sockets.bound('udp6').socket;
    const result = lastValueFrom(
      of('x').pipe(
        request(client, { address: '::1', port: silent.port }, { timeout: 20, retries: 1 }),
        toArray(),
      ),
    );
    await expect(result).rejects.toMatchObject({ code: 'ETIMEDOUT', attempts: 2 });
  });

  it('on a WeChat stand-in, times out on asyncScheduler and leaves no listener behind', async () => {
    const silent = sockets.bound();
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    rx.bind();
    const result = lastValueFrom(of('x').pipe(request(rx, { address: '127.0.0.1', port: silent.port }, { timeout: 10, retries: 1 })));
    expect(wx.listenerCount('message')).toBe(1);
    await expect(result).rejects.toBeInstanceOf(TimeoutError);
    expect(wx.listenerCount()).toBe(0);
  });

  it('on a WeChat stand-in, gets the reply of an echo server', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const port = rx.bind();
    rx.message$.pipe(reply(rx, ({ message }) => message)).subscribe();
    const client = fromUDPSocket(sockets.track(new WeChatStandIn()));
    const answer = await firstValueFrom(of('wx').pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, retries: 2 }), decode(text)));
    expect(answer).toBe('wx');
  });
});
