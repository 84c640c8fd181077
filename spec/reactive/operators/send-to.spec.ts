import { Observable, Subject, catchError, firstValueFrom, from, lastValueFrom, map, of, take, toArray } from 'rxjs';
import { UDPSocketError, fromUDPSocket, sendTo, type SendReceipt, type UDPSocketError as ErrorType } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { useLoopbackSockets, ManualConfirmSocket, marbles, textOf, outcomeOf } from '../../helpers/reactive';
import { WeChatStandIn } from '../../helpers/wechat-stand-in';

describe('sendTo (marbles over the virtual network)', () => {
  it('sends each payload to the target in order, a receipt per datagram in the frame of the send, arriving after the latency', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 2 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = net.createUDPSocket();
      const receipts$ = cold('a-b--c|').pipe(sendTo(client, { address: '127.0.0.1', port }), map((r: SendReceipt) => r.message));
      expectObservable(receipts$).toBe('a-b--c|');
      expectObservable(server.message$.pipe(map(textOf)), '^ 20ms !').toBe('--a-b--c');
    });
  });

  it('without a target, sends full send options', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const a = fromUDPSocket(net.createUDPSocket());
      const b = fromUDPSocket(net.createUDPSocket());
      const portA = a.bind(7);
      const portB = b.bind(8);
      const client = net.createUDPSocket();
      const options = { x: { address: '127.0.0.1', port: portA, message: 'x' }, y: { address: '127.0.0.1', port: portB, message: 'y' } };
      expectObservable(cold('xy|', options).pipe(sendTo(client), map((r) => `${r.port}`))).toBe('xy|', { x: '7', y: '8' });
      expectObservable(a.message$.pipe(map(textOf)), '^ 5ms !').toBe('x');
      expectObservable(b.message$.pipe(map(textOf)), '^ 5ms !').toBe('-y');
    });
  });

  it('a failed send errors the stream with the typed error (EMSGSIZE over the MTU) and sends nothing more', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, mtu: 100 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = net.createUDPSocket();
      const values = { a: 'small', b: 'x'.repeat(200), c: 'after' };
      const codes$ = cold('a-b-c|', values).pipe(
        sendTo(client, { address: '127.0.0.1', port }),
        map(() => 'r'),
        catchError((e: ErrorType) => of(e instanceof UDPSocketError ? e.code : 'untyped')),
      );
      expectObservable(codes$).toBe('r-(E|)', { r: 'r', E: 'EMSGSIZE' });
      expectObservable(server.message$.pipe(map(textOf)), '^ 10ms !').toBe('a', { a: 'small' });
    });
  });

  it('unsubscribing stops sending', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = net.createUDPSocket();
      const receipts$ = cold('a-b-c-d|').pipe(sendTo(client, { address: '127.0.0.1', port }), map((r) => r.message));
      expectObservable(receipts$, '^--!').toBe('a-b');
      expectObservable(server.message$.pipe(map(textOf)), '^ 10ms !').toBe('a-b');
    });
  });
});

describe('sendTo backpressure', () => {
  it('keeps at most `concurrency` datagrams in flight; later values wait and go out in order as slots free up', () => {
    const socket = new ManualConfirmSocket();
    const source = new Subject<string>();
    const receipts: string[] = [];
    let completed = false;
    source.pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }, { concurrency: 2 })).subscribe({
      next: (r) => receipts.push(String(r.message)),
      complete: () => (completed = true),
    });
    for (const v of ['a', 'b', 'c', 'd', 'e']) source.next(v);
    source.complete();
    expect(socket.sent).toEqual(['a', 'b']);
    socket.confirm();
    expect(receipts).toEqual(['a']);
    expect(socket.sent).toEqual(['a', 'b', 'c']);
    expect(socket.inFlight).toBe(2);
    socket.confirm();
    socket.confirm();
    socket.confirm();
    expect(completed).toBe(false);
    socket.confirm();
    expect(receipts).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(completed).toBe(true);
  });

  it('errors with ENOBUFS when more than `bufferSize` values wait, instead of buffering without bound', () => {
    const socket = new ManualConfirmSocket();
    let error: unknown;
    from(['a', 'b', 'c', 'd'])
      .pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }, { concurrency: 1, bufferSize: 2 }))
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(socket.sent).toEqual(['a']);
    expect(error).toMatchObject({ code: 'ENOBUFS', operation: 'send' });
  });

  it('a confirmation error errors the stream with that UDPSocketError and ignores later confirmations', () => {
    const socket = new ManualConfirmSocket();
    const events: string[] = [];
    from(['a', 'b'])
      .pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }))
      .subscribe({ next: (r) => events.push(`r:${String(r.message)}`), error: (e: ErrorType) => events.push(`e:${e.code}`) });
    socket.confirm(new UDPSocketError('ECONNREFUSED', 'send', 'connection refused'));
    socket.confirm();
    expect(events).toEqual(['e:ECONNREFUSED']);
  });
});

describe('sendTo: each receipt and each error belongs to its own datagram, whatever order completions come in', () => {
  it('a socket that confirms the second datagram first gets the receipt of the second, then the error of the first', () => {
    const socket = new ManualConfirmSocket();
    const events: string[] = [];
    from(['a', 'b'])
      .pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }))
      .subscribe({ next: (r) => events.push(`r:${String(r.message)}`), error: (e: ErrorType) => events.push(`e:${e.code}`) });
    socket.confirmAt(1);
    socket.confirmAt(0, new UDPSocketError('EMSGSIZE', 'send', 'message too long'));
    expect(events).toEqual(['r:b', 'e:EMSGSIZE']);
  });

  it('out-of-order successes emit each datagram\'s own receipt, then complete', () => {
    const socket = new ManualConfirmSocket();
    const events: string[] = [];
    from(['a', 'b', 'c'])
      .pipe(sendTo(socket, { address: '::1', port: 9 }))
      .subscribe({ next: (r) => events.push(String(r.message)), complete: () => events.push('done') });
    socket.confirmAt(2);
    socket.confirmAt(0);
    socket.confirmAt(0);
    expect(events).toEqual(['c', 'a', 'b', 'done']);
  });
});

describe('sendTo (real sockets)', () => {
  const sockets = useLoopbackSockets();

  it('a value the socket rejects before a good datagram is sent errors the stream and never gets a receipt, nor takes the good one\'s', async () => {
    const server = sockets.bound();
    const client = sockets.bound();
    const inbox = firstValueFrom(fromUDPSocket(server.socket).message$.pipe(map(textOf)));
    // From a timer callback, as an application's code runs: the rejection of the bad value and the
    // completion of the good datagram then come on different queues (a microtask, a tick).
    const events = await new Promise<string[]>((resolve) =>
      setTimeout(() => {
        const seen: string[] = [];
        from([{ not: 'a payload' } as never, 'good'])
          .pipe(sendTo(client.socket, { address: '127.0.0.1', port: server.port }))
          .subscribe({
            next: (r) => seen.push(`receipt ${JSON.stringify(r.message)}`),
            error: (e: ErrorType) => resolve([...seen, `error ${e.code}`]),
            complete: () => resolve([...seen, 'complete']),
          });
      }),
    );
    expect(events.filter((e) => e.includes('not'))).toEqual([]);
    expect(events[events.length - 1]).toBe('error ERR_INVALID_ARG_TYPE');
    await expect(inbox).resolves.toBe('good');
  });

  it.each(['udp4', 'udp6'] as const)('delivers 100 datagrams over %s loopback with a confirmed receipt each', async (type) => {
    const server = sockets.bound(type);
    const client = sockets.bound(type);
    const inbox = lastValueFrom(fromUDPSocket(server.socket).message$.pipe(map(textOf), take(100), toArray()));
    const values = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const receipts = await lastValueFrom(from(values).pipe(sendTo(client.socket, { address: server.address, port: server.port }, { concurrency: 8 }), toArray()));
    expect(receipts.map((r) => r.message)).toEqual(values);
    expect(receipts.every((r) => r.confirmed && r.port === server.port)).toBe(true);
    expect((await inbox).sort()).toEqual([...values].sort());
  });

  it('errors with ERR_SOCKET_BAD_PORT for a send option with port 0', async () => {
    const client = sockets.bound();
    await expect(lastValueFrom(of({ address: '127.0.0.1', port: 0, message: 'x' }).pipe(sendTo(client.socket)))).rejects.toMatchObject({
      code: 'ERR_SOCKET_BAD_PORT',
      errCode: 2,
    });
  });

  it('reads the target once, when created: a target whose address getter changes sends every datagram to the first address', async () => {
    const server = sockets.bound();
    const client = sockets.bound();
    let reads = 0;
    const target = {
      get address(): string {
        reads++;
        return reads === 1 ? '127.0.0.1' : 'localhost.invalid';
      },
      port: server.port,
    };
    const inbox = lastValueFrom(fromUDPSocket(server.socket).message$.pipe(map(textOf), take(3), toArray()));
    const receipts = await lastValueFrom(from(['a', 'b', 'c']).pipe(sendTo(client.socket, target), toArray()));
    expect(reads).toBe(1);
    expect(receipts.map((r) => r.address)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect((await inbox).sort()).toEqual(['a', 'b', 'c']);
  });

  it('without a target, reads each option once: the receipt describes the datagram sent', async () => {
    const server = sockets.bound();
    const client = sockets.bound();
    let reads = 0;
    const option = {
      address: '127.0.0.1',
      port: server.port,
      get message(): string {
        reads++;
        return `read ${reads}`;
      },
    };
    const inbox = firstValueFrom(fromUDPSocket(server.socket).message$.pipe(map(textOf)));
    const [receipt] = await lastValueFrom(of(option).pipe(sendTo(client.socket), toArray()));
    expect(reads).toBe(1);
    expect(receipt!.message).toBe('read 1');
    await expect(inbox).resolves.toBe('read 1');
  });

  it('without a target, an option whose getter throws errors the stream with ERR_INVALID_ARG_TYPE, a UDPSocketError', async () => {
    const client = sockets.bound();
    const option = {
      get address(): string {
        throw new Error('boom');
      },
      port: 9,
      message: 'x',
    };
    const error = await lastValueFrom(of(option).pipe(sendTo(client.socket))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UDPSocketError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', errMsg: 'send:fail option could not be read: boom' });
  });

  it('on a WeChat socket, emits an unconfirmed receipt right after each synchronous send()', async () => {
    const server = sockets.bound();
    const wx = sockets.track(new WeChatStandIn());
    const inbox = lastValueFrom(fromUDPSocket(server.socket).message$.pipe(map(textOf), take(2), toArray()));
    const receipts: SendReceipt[] = [];
    from(['p', 'q']).pipe(sendTo(wx, { address: '127.0.0.1', port: server.port })).subscribe((r) => receipts.push(r));
    expect(receipts.map((r) => [r.message, r.confirmed])).toEqual([
      ['p', false],
      ['q', false],
    ]);
    expect((await inbox).sort()).toEqual(['p', 'q']);
  });
});

describe('sendTo (bad arguments: the operator errors when subscribed, never throws or falls back)', () => {
  const sockets = useLoopbackSockets();

  /** Builds and subscribes the operator; returns the error (code and errCode), or what happened instead. */
  const outcome = (build: () => Observable<unknown>): string => outcomeOf(build, (e) => `${e.code} ${e.errCode}`);

  it('sendTo with a target whose address is 5 errors with ERR_INVALID_ADDRESS (errCode 1), not as if it were options', () => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of('a').pipe(sendTo(socket, { address: 5, port } as never)))).toBe('ERR_INVALID_ADDRESS 1');
  });

  it('sendTo with a target { port } and no address errors with ERR_INVALID_ADDRESS, not "a send option must be an object"', () => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of('a').pipe(sendTo(socket, { port } as never)))).toBe('ERR_INVALID_ADDRESS 1');
  });

  it('sendTo with a target port "x" errors with ERR_SOCKET_BAD_PORT (errCode 2) when subscribed, before anything is sent', () => {
    const { socket } = sockets.bound();
    const send = jest.spyOn(socket, 'sendWithCallback');
    expect(outcome(() => of('a').pipe(sendTo(socket, { address: '127.0.0.1', port: 'x' } as never)))).toBe('ERR_SOCKET_BAD_PORT 2');
    expect(send).not.toHaveBeenCalled();
  });

  it('sendTo with socket null errors with ERR_INVALID_ARG_TYPE instead of a raw TypeError', () => {
    const { port } = sockets.bound();
    expect(outcome(() => of('a').pipe(sendTo(null as never, { address: '127.0.0.1', port })))).toBe('ERR_INVALID_ARG_TYPE -1');
  });

  it.each([
    ['concurrency NaN', 'ERR_OUT_OF_RANGE -1', { concurrency: NaN }],
    ['concurrency 0', 'ERR_OUT_OF_RANGE -1', { concurrency: 0 }],
    ['concurrency 1.5', 'ERR_OUT_OF_RANGE -1', { concurrency: 1.5 }],
    ['concurrency "2"', 'ERR_INVALID_ARG_TYPE -1', { concurrency: '2' }],
    ['bufferSize NaN', 'ERR_OUT_OF_RANGE -1', { concurrency: 1, bufferSize: NaN }],
    ['bufferSize -1', 'ERR_OUT_OF_RANGE -1', { bufferSize: -1 }],
    ['bufferSize 0.5', 'ERR_OUT_OF_RANGE -1', { bufferSize: 0.5 }],
    ['options 5', 'ERR_INVALID_ARG_TYPE -1', 5],
  ])('sendTo with %s errors with %s when subscribed instead of falling back to the default', (_name, expected, options) => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of('a').pipe(sendTo(socket, { address: '127.0.0.1', port }, options as never)))).toBe(expected);
  });

  it('sendTo without a target checks the options too: { concurrency: NaN } errors with ERR_OUT_OF_RANGE', () => {
    const { socket } = sockets.bound();
    expect(outcome(() => of({ address: '127.0.0.1', port: 9, message: 'a' }).pipe(sendTo(socket, { concurrency: NaN })))).toBe('ERR_OUT_OF_RANGE -1');
  });

  it('sendTo with a bad argument does not subscribe to its source: no value is consumed', () => {
    const { socket, port } = sockets.bound();
    const source = new Subject<string>();
    source.pipe(sendTo(socket, { address: '127.0.0.1', port }, { concurrency: 0 })).subscribe({ error: () => undefined });
    expect(source.observed).toBe(false);
  });

  it('sendTo with null options or a null target uses the defaults', async () => {
    const server = sockets.bound();
    const { socket } = sockets.bound();
    const withTarget = await lastValueFrom(of('a').pipe(sendTo(socket, { address: '127.0.0.1', port: server.port }, null as never), toArray()));
    const withoutTarget = await lastValueFrom(of({ address: '127.0.0.1', port: server.port, message: 'b' }).pipe(sendTo(socket, null as unknown as undefined), toArray()));
    expect([withTarget.length, withoutTarget.length]).toEqual([1, 1]);
  });
});
