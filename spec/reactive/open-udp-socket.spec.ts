import { Observable, asapScheduler, firstValueFrom, map, mergeMap, retry, switchMap } from 'rxjs';
import { createUDPSocket, fromUDPSocket, openUDPSocket, reply, type RxUDPSocket, type UDPSocketError, type UDPSocketLike } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { useLoopbackSockets, marbles, textOf } from '../helpers/reactive';
import { WeChatStandIn } from '../helpers/wechat-stand-in';

describe('openUDPSocket (marbles over the virtual network)', () => {
  it('is cold: creates and binds a socket per subscription, emitting it in the frame it listens', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const create = jest.fn(() => net.createUDPSocket());
      const socket$ = openUDPSocket({ create, address: '127.0.0.1' }).pipe(map((rx) => rx.state));
      expectObservable(socket$, '--^').toBe('--l', { l: 'listening' });
      expectObservable(socket$, '-----^').toBe('-----l', { l: 'listening' });
      scheduler.schedule(() => expect(create).toHaveBeenCalledTimes(1), 3);
      scheduler.schedule(() => expect(create).toHaveBeenCalledTimes(2), 6);
    });
  });

  it('closes the socket on unsubscribe: a datagram sent to its port afterwards is refused', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      let opened: RxUDPSocket | undefined;
      const sub = openUDPSocket({ create: () => net.createUDPSocket(), port: 5000 }).subscribe((rx) => (opened = rx));
      scheduler.schedule(() => sub.unsubscribe(), 5);
      const probe = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => probe.send({ address: '127.0.0.1', port: 5000, message: 'before' }).subscribe(), 2);
      scheduler.schedule(() => probe.send({ address: '127.0.0.1', port: 5000, message: 'after' }).subscribe(), 7);
      expectObservable(net.traffic$.pipe(map((t) => t.fate)), '^ 10ms !').toBe('--d----r', { d: 'delivered', r: 'refused' });
      scheduler.schedule(() => expect(opened?.state).toBe('closed'), 6);
    });
  });

  it('errors when bind fails (EADDRINUSE) and closes the socket it created', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      net.createUDPSocket().bind(7);
      const socket = net.createUDPSocket();
      const close = jest.spyOn(socket, 'close');
      const socket$ = openUDPSocket({ create: () => socket, port: 7 });
      expectObservable(socket$.pipe(map(() => 'x'))).toBe('#', undefined, expect.objectContaining({ code: 'EADDRINUSE' }));
      scheduler.schedule(() => expect(close).toHaveBeenCalledTimes(1), 1);
    });
  });

  it('is made for retry: each retry opens a fresh socket, and succeeds once the port is free', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const squatter = net.createUDPSocket();
      squatter.bind(7);
      scheduler.schedule(() => squatter.close(), 7);
      const port$ = openUDPSocket({ create: () => net.createUDPSocket(), port: 7 }).pipe(
        retry({ count: 3, delay: 5 }),
        map((rx) => rx.state),
      );
      expectObservable(port$).toBe('10ms l', { l: 'listening' });
    });
  });

  it('serves with switchMap: an echo server that lives as long as the subscription', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      openUDPSocket({ create: () => net.createUDPSocket(), port: 7 })
        .pipe(switchMap((rx) => rx.message$.pipe(reply(rx, (m) => m.message))))
        .subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port: 7, message: 'echo' }).subscribe(), 1);
      expectObservable(client.message$.pipe(map(textOf)), '^ 5ms !').toBe('---e', { e: 'echo' });
    });
  });
});

describe('openUDPSocket (real sockets)', () => {
  const sockets = useLoopbackSockets();

  it.each([
    ['udp4', '127.0.0.1'],
    ['udp6', '::1'],
  ] as const)('binds a %s socket on %s, and closes it on unsubscribe', async (type, address) => {
    const rx = await new Promise<RxUDPSocket>((resolve, reject) => {
      const sub = openUDPSocket({ type, address }).subscribe({
        next: (socket) => {
          resolve(socket);
          setImmediate(() => sub.unsubscribe());
        },
        error: reject,
      });
    });
    const closed = firstValueFrom(rx.close$);
    expect(rx.state === 'listening' || rx.state === 'closed').toBe(true);
    await closed;
    expect(rx.state).toBe('closed');
  });

  it('errors with ERR_SOCKET_BAD_PORT for port 70000', async () => {
    await expect(firstValueFrom(openUDPSocket({ port: 70000, address: '127.0.0.1' }))).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
  });

  it('errors with EADDRINUSE for a port taken on 127.0.0.1', async () => {
    const taken = sockets.bound();
    await expect(firstValueFrom(openUDPSocket({ port: taken.port, address: '127.0.0.1' }))).rejects.toMatchObject<Partial<UDPSocketError>>({
      code: 'EADDRINUSE',
    });
  });

  it('errors with the reason of a socket that could not be opened (driver null: ERR_INVALID_ARG_TYPE)', async () => {
    await expect(firstValueFrom(openUDPSocket({ driver: null as never }))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it("errors with the driver's error when its open() throws (EMFILE)", async () => {
    const driver = {
      scheduler: asapScheduler,
      open: (): never => {
        throw Object.assign(new Error('too many open files'), { code: 'EMFILE' });
      },
    };
    await expect(firstValueFrom(openUDPSocket({ driver }))).rejects.toMatchObject({ code: 'EMFILE' });
  });

  it('errors with ERR_SOCKET_DGRAM_NOT_RUNNING when `create` hands over a socket closed already', async () => {
    const create = (): UDPSocketLike => {
      const socket = createUDPSocket('udp4');
      socket.close();
      return socket;
    };
    await expect(firstValueFrom(openUDPSocket({ create }))).rejects.toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });

  it('opens a WeChat socket through `create` and leaves no listener behind once closed', async () => {
    const wx = new WeChatStandIn();
    const bind = jest.spyOn(wx, 'bind');
    const rx = await firstValueFrom(openUDPSocket({ create: () => wx }).pipe(mergeMap((socket) => [socket])));
    await firstValueFrom(rx.close$);
    expect(bind).toHaveBeenCalledWith(); // no port: WeChat picks one
    expect(wx.listenerCount()).toBe(0);
  });
});

describe('openUDPSocket (bad options: no synchronous throw)', () => {
  it('openUDPSocket(null) opens a socket as with no options instead of throwing a TypeError', async () => {
    let socket$: Observable<RxUDPSocket> | undefined;
    expect(() => (socket$ = openUDPSocket(null as never))).not.toThrow();
    const rx = await new Promise<RxUDPSocket>((resolve, reject) => {
      const sub = socket$!.subscribe({
        next: (socket) => {
          resolve(socket);
          setImmediate(() => sub.unsubscribe());
        },
        error: reject,
      });
    });
    expect(rx.state).toBe('listening');
    await firstValueFrom(rx.close$);
  });

  it.each([
    ['options "x"', 'x'],
    ['create 5', { create: 5 }],
    ['a create that returns null', { create: () => null }],
    ['scheduler {}', { scheduler: {} }],
  ])('openUDPSocket with %s errors with ERR_INVALID_ARG_TYPE when subscribed', async (_name, options) => {
    let socket$: Observable<RxUDPSocket> | undefined;
    expect(() => (socket$ = openUDPSocket(options as never))).not.toThrow();
    await expect(firstValueFrom(socket$!)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', operation: 'createUDPSocket' });
  });
});

describe('openUDPSocket with a signal', () => {
  it('aborting the signal closes the socket and completes the Observable', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      openUDPSocket({ address: '127.0.0.1', signal: controller.signal }).subscribe({
        next: (rx) => {
          events.push(`open ${rx.state}`);
          controller.abort();
        },
        complete: () => {
          events.push('complete');
          resolve();
        },
      });
    });
    expect(events).toEqual(['open listening', 'complete']);
  });
});
