import { asyncScheduler, firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import {
  UDPSocketError,
  createUDPSocket,
  fromUDPSocket,
  type RxUDPSocketState,
  type UDPMessageResult,
  type UDPSocket,
  type UDPSocketLike,
  type UDPSocketType,
} from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { useLoopbackSockets, loopbackOf, marbles, textOf } from '../helpers/reactive';
import { delay, nextEvent } from '../helpers/events';
import { WeChatStandIn } from '../helpers/wechat-stand-in';
import { listenerCount } from '../../src/socket/udp-socket';

const sockets = useLoopbackSockets();

/** The listeners on a socket of createUDPSocket, per event (close/error/listening/message). */
function listenersOf(socket: UDPSocket): string {
  return (['close', 'error', 'listening', 'message'] as const).map((e) => `${e} ${listenerCount(socket, e)}`).join(', ');
}

describe.each<UDPSocketType>(['udp4', 'udp6'])('fromUDPSocket over real %s loopback', (type) => {
  it('message$ emits the onMessage payload of each datagram received', async () => {
    const server = sockets.bound(type);
    const client = sockets.bound(type);
    const rx = fromUDPSocket(server.socket);
    const received = firstValueFrom(rx.message$);
    client.socket.send({ address: server.address, port: server.port, message: 'ping' });
    const { message, remoteInfo, localInfo } = await received;
    expect(Buffer.from(message).toString()).toBe('ping');
    expect(remoteInfo).toEqual({ address: loopbackOf(type), family: type === 'udp6' ? 'IPv6' : 'IPv4', port: client.port, size: 4 });
    expect(localInfo.port).toBe(server.port);
  });

  it('send emits one receipt and completes once the datagram was handed to the OS, and it arrives', async () => {
    const server = sockets.bound(type);
    const rx = fromUDPSocket(sockets.bound(type).socket);
    const arrived = firstValueFrom(fromUDPSocket(server.socket).message$);
    const receipts = await lastValueFrom(rx.send({ address: server.address, port: server.port, message: 'hello' }).pipe(toArray()));
    expect(receipts).toEqual([{ address: server.address, port: server.port, message: 'hello', confirmed: true }]);
    expect(Buffer.from((await arrived).message).toString()).toBe('hello');
  });
});

describe('fromUDPSocket', () => {
  it('shares one socket listener per event between subscribers and removes it after the last (WeChat stand-in)', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    expect(wx.listenerCount()).toBe(0);
    const a = rx.message$.subscribe();
    const b = rx.message$.subscribe();
    // one message listener, one close listener (message$ completes on close)
    expect(wx.listenerCount('message')).toBe(1);
    expect(wx.listenerCount('close')).toBe(1);
    const c = rx.error$.subscribe();
    const d = rx.listening$.subscribe();
    const e = rx.close$.subscribe();
    const f = rx.state$.subscribe();
    expect(wx.listenerCount()).toBe(4);
    for (const s of [a, b, c, d, e]) s.unsubscribe();
    expect(wx.listenerCount()).toBe(3); // state$ still listens to listening, error and close
    f.unsubscribe();
    expect(wx.listenerCount()).toBe(0);
  });

  it('delivers a datagram to every subscriber of message$ of a WeChat stand-in', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const port = rx.bind();
    const both = Promise.all([firstValueFrom(rx.message$), firstValueFrom(rx.message$)]);
    sockets.bound().socket.send({ address: '127.0.0.1', port, message: 'x' });
    const [one, two] = await both;
    expect(one).toBe(two);
    expect(wx.listenerCount()).toBe(0);
  });

  it('does not own the socket: unsubscribing everything leaves it open and working', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(server.socket);
    rx.message$.subscribe().unsubscribe();
    const again = firstValueFrom(rx.message$);
    sockets.bound().socket.send({ address: server.address, port: server.port, message: 'still open' });
    expect(Buffer.from((await again).message).toString()).toBe('still open');
  });

  it('message$ and listening$ complete when the socket closes, and close$ emits once', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const messages = lastValueFrom(rx.message$.pipe(toArray()));
    const listenings = lastValueFrom(rx.listening$.pipe(toArray()));
    const closes = lastValueFrom(rx.close$.pipe(toArray()));
    rx.bind();
    await firstValueFrom(rx.listening$);
    rx.close();
    expect(await messages).toEqual([]);
    expect(await listenings).toEqual([{ errMsg: 'bind:ok' }]);
    expect(await closes).toEqual([{ errMsg: 'close:ok' }]);
    expect(wx.listenerCount()).toBe(0);
  });

  it('after the close, message$ completes at once and close$ replays the close to a late subscriber', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(server.socket);
    const closed = firstValueFrom(rx.close$);
    rx.close();
    await closed;
    await expect(lastValueFrom(rx.message$.pipe(toArray()))).resolves.toEqual([]);
    await expect(lastValueFrom(rx.close$.pipe(toArray()))).resolves.toEqual([{ errMsg: 'close:ok' }]);
  });

  it('streams subscribed after close() but before the close event still complete', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(server.socket);
    rx.close();
    await expect(lastValueFrom(rx.message$.pipe(toArray()))).resolves.toEqual([]);
  });

  it('error$ emits each reported error as a UDPSocketError with its code and never errors itself', async () => {
    const { socket } = sockets.bound();
    const rx = fromUDPSocket(socket);
    const errors = firstValueFrom(rx.error$.pipe(take(2), toArray()));
    socket.send({ address: '127.0.0.1', port: 0, message: 'x' });
    socket.send({ address: 'not an address!', port: 9, message: 'x' });
    const [first, second] = await errors;
    expect(first).toBeInstanceOf(UDPSocketError);
    expect(first!.code).toBe('ERR_SOCKET_BAD_PORT');
    expect(second!.errCode).toBe(1);
  });

  it('error$ builds a UDPSocketError from the { errMsg, errCode } of a WeChat socket', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const error = firstValueFrom(rx.error$);
    wx.send({ address: '127.0.0.1', port: 0, message: 'x' });
    const e = await error;
    expect(e).toBeInstanceOf(UDPSocketError);
    expect(e.errCode).toBe(2);
    expect(e.errMsg).toMatch(/^send:fail /);
    expect(e.operation).toBe('send');
  });

  it('state$ replays the current state to late subscribers: unbound, listening, connected, closed', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(sockets.unbound());
    const seen: RxUDPSocketState[] = [];
    rx.state$.subscribe((s) => seen.push(s));
    expect(await firstValueFrom(rx.state$)).toBe('unbound');
    rx.bind(0, '127.0.0.1');
    expect(await firstValueFrom(rx.state$)).toBe('listening');
    rx.connect({ address: server.address, port: server.port });
    expect(await firstValueFrom(rx.state$)).toBe('connected');
    rx.close();
    expect(await lastValueFrom(rx.state$.pipe(toArray()))).toEqual(['closed']);
    expect(seen).toEqual(['unbound', 'listening', 'connected', 'closed']);
  });

  it('address() gives the bound address of a socket that can tell, and undefined for a WeChat socket', () => {
    const { socket, port } = sockets.bound();
    expect(fromUDPSocket(socket).address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
    const wx = fromUDPSocket(sockets.track(new WeChatStandIn()));
    wx.bind();
    expect(wx.address()).toBeUndefined();
  });

  it('state$ of a socket bound before wrapping starts at listening', async () => {
    const rx = fromUDPSocket(sockets.bound().socket);
    expect(await firstValueFrom(rx.state$)).toBe('listening');
  });

  it('state$ sees the implicit bind of a first send on a WeChat stand-in through onListening', async () => {
    const server = sockets.bound();
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const states = firstValueFrom(rx.state$.pipe(take(2), toArray()));
    wx.send({ address: server.address, port: server.port, message: 'x' });
    expect(await states).toEqual(['unbound', 'listening']);
  });

  it('send is cold: nothing is sent until it is subscribed, and each subscription sends once more', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(sockets.bound().socket);
    const inbox = fromUDPSocket(server.socket).message$;
    const received: string[] = [];
    const sub = inbox.subscribe(({ message }) => received.push(Buffer.from(message).toString()));
    const send$ = rx.send({ address: server.address, port: server.port, message: 'once' });
    const marker = firstValueFrom(inbox);
    await lastValueFrom(rx.send({ address: server.address, port: server.port, message: 'marker' }));
    await marker;
    expect(received).toEqual(['marker']);
    await lastValueFrom(send$);
    await lastValueFrom(send$);
    await firstValueFrom(inbox.pipe(take(2), toArray()));
    sub.unsubscribe();
    expect(received).toEqual(['marker', 'once', 'once']);
  });

  it('send errors with ERR_SOCKET_DGRAM_NOT_RUNNING after close', async () => {
    const rx = fromUDPSocket(sockets.bound().socket);
    rx.close();
    await expect(lastValueFrom(rx.send({ address: '127.0.0.1', port: 9, message: 'x' }))).rejects.toMatchObject({
      code: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
    });
  });

  it('on a WeChat socket the receipt completes right after send() (confirmed: false) and a failure reaches error$ only', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const error = firstValueFrom(rx.error$);
    const receipts = await lastValueFrom(rx.send({ address: '127.0.0.1', port: 0, message: 'x' }).pipe(toArray()));
    expect(receipts).toEqual([{ address: '127.0.0.1', port: 0, message: 'x', confirmed: false }]);
    expect((await error).code).toBe('ERR_SOCKET_UNKNOWN');
    expect((await error).errCode).toBe(2);
  });

  it('message$ carries a datagram from the WeChat stand-in with the WeChat payload shape', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const port = rx.bind();
    const message: Promise<UDPMessageResult> = firstValueFrom(rx.message$);
    sockets.bound().socket.send({ address: '127.0.0.1', port, message: 'wx' });
    expect(Buffer.from((await message).message).toString()).toBe('wx');
  });
});

describe('fromUDPSocket: a close the wrapper did not see, connect, a second close, a bad argument', () => {
  it.each([null, undefined, 'x'])('rx.send(%p) errors with ERR_INVALID_ARG_TYPE instead of a TypeError', async (option) => {
    const { socket } = sockets.bound();
    const rx = fromUDPSocket(socket);
    await expect(lastValueFrom(rx.send(option as never))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', errMsg: expect.stringMatching(/^send:fail /) });
  });

  it('rx.send reads the option once (the receipt is the datagram sent) and reports an unreadable one as ERR_INVALID_ARG_TYPE', async () => {
    const server = sockets.bound();
    const rx = fromUDPSocket(sockets.bound().socket);
    let reads = 0;
    const counted = {
      get address(): string {
        reads++;
        return '127.0.0.1';
      },
      port: server.port,
      message: 'once',
    };
    const receipts = await lastValueFrom(rx.send(counted).pipe(toArray()));
    expect(reads).toBe(1);
    expect(receipts).toEqual([{ address: '127.0.0.1', port: server.port, message: 'once', confirmed: true }]);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    await expect(lastValueFrom(rx.send(proxy as never))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', errMsg: expect.stringMatching(/^send:fail option could not be read/) });
  });

  it('never throws at a foreign socket whose properties throw when read: it wraps what it can use, or returns a dead wrapper', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const hostile = new Proxy(wx, {
      get(target, key, receiver) {
        if (key === 'closed' || key === 'address' || key === 'scheduler' || key === 'sendWithCallback') throw new Error(`no ${String(key)}`);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const rx = fromUDPSocket(hostile as UDPSocketLike);
    expect(rx.state).toBe('unbound');
    expect(rx.bind()).toBeGreaterThan(0);
    rx.close();
    await expect(lastValueFrom(rx.close$)).resolves.toEqual({ errMsg: 'close:ok' });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    let dead: ReturnType<typeof fromUDPSocket> | undefined;
    expect(() => (dead = fromUDPSocket(proxy as never))).not.toThrow();
    expect(dead!.state).toBe('closed');
    await expect(lastValueFrom(dead!.message$)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('sees a close that happened while it held no close listener: streams end at once, state closed, no listener left', async () => {
    const { socket } = sockets.bound();
    const rx = fromUDPSocket(socket);
    const closed = nextEvent(socket, 'close');
    socket.close();
    await closed;
    await expect(lastValueFrom(rx.message$.pipe(toArray()))).resolves.toEqual([]);
    expect(rx.state).toBe('closed');
    await expect(lastValueFrom(rx.state$.pipe(toArray()))).resolves.toEqual(['closed']);
    await expect(lastValueFrom(rx.close$.pipe(toArray()))).resolves.toEqual([{ errMsg: 'close:ok' }]);
    const errors: string[] = [];
    rx.error$.subscribe((e) => errors.push(e.code));
    const close = jest.spyOn(socket, 'close');
    rx.close();
    await delay(10);
    expect(close).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
    expect(listenersOf(socket)).toBe('close 0, error 1, listening 0, message 0'); // error$ above
  });

  it('sees the close of a socket closed before it ever bound, while the wrapper held no close listener', async () => {
    const socket = sockets.track(createUDPSocket('udp4'));
    const rx = fromUDPSocket(socket);
    expect(rx.state).toBe('unbound');
    const closed = nextEvent(socket, 'close');
    socket.close();
    await closed;
    expect(rx.state).toBe('closed');
    await expect(lastValueFrom(rx.message$.pipe(toArray()))).resolves.toEqual([]);
    await expect(lastValueFrom(rx.state$.pipe(toArray()))).resolves.toEqual(['closed']);
    await expect(lastValueFrom(rx.close$.pipe(toArray()))).resolves.toEqual([{ errMsg: 'close:ok' }]);
    expect(listenersOf(socket)).toBe('close 0, error 0, listening 0, message 0');
  });

  it('knows a socket that started closed is closed: its streams end at once, rx.close() is a no-op, no listener left', async () => {
    const socket = createUDPSocket('udp4', { driver: null as never });
    const rx = fromUDPSocket(socket);
    expect(rx.state).toBe('closed');
    const errors: string[] = [];
    rx.error$.subscribe((e) => errors.push(e.code));
    const close = jest.spyOn(socket, 'close');
    await expect(lastValueFrom(rx.message$.pipe(toArray()))).resolves.toEqual([]);
    await expect(lastValueFrom(rx.state$.pipe(toArray()))).resolves.toEqual(['closed']);
    await expect(lastValueFrom(rx.close$.pipe(toArray()))).resolves.toEqual([{ errMsg: 'close:ok' }]);
    rx.close();
    await delay(10);
    expect(close).not.toHaveBeenCalled();
    expect(errors).toEqual(['ERR_INVALID_ARG_TYPE']); // the socket's own report of `driver: null`; no NOT_RUNNING
    expect(listenersOf(socket)).toBe('close 0, error 1, listening 0, message 0'); // error$ above
  });

  it('ends the streams of a WeChat socket closed before rx.close() when the socket refuses the second close', async () => {
    const wx = sockets.track(new WeChatStandIn());
    wx.bind();
    wx.close();
    await delay(10); // past the close event
    const rx = fromUDPSocket(wx);
    const messages = lastValueFrom(rx.message$.pipe(toArray()));
    rx.close();
    await expect(messages).resolves.toEqual([]);
    expect(rx.state).toBe('closed');
    expect(wx.listenerCount()).toBe(0);
  });

  it('a second rx.close() does not close the socket again: no ERR_SOCKET_DGRAM_NOT_RUNNING on error$', async () => {
    const { socket } = sockets.bound();
    const rx = fromUDPSocket(socket);
    const errors: string[] = [];
    rx.error$.subscribe((e) => errors.push(e.code));
    const close = jest.spyOn(socket, 'close');
    const closed = firstValueFrom(rx.close$);
    rx.close();
    rx.close();
    await closed;
    rx.close();
    await delay(10);
    expect(close).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([]);
  });

  it('connect() refused by the socket leaves the state listening, without and with subscribers', async () => {
    const rx = fromUDPSocket(sockets.unbound());
    rx.bind(0, '127.0.0.1');
    rx.connect({ address: '127.0.0.1', port: -1 });
    expect(rx.state).toBe('listening');

    const watched = fromUDPSocket(sockets.unbound());
    const seen: RxUDPSocketState[] = [];
    watched.state$.subscribe((s) => seen.push(s));
    const error = firstValueFrom(watched.error$);
    watched.bind(0, '127.0.0.1');
    watched.connect({ address: '127.0.0.1', port: -1 });
    expect((await error).code).toBe('ERR_SOCKET_BAD_PORT');
    expect(seen).toEqual(['unbound', 'listening']);
    expect(watched.state).toBe('listening');
  });

  it('state follows a connect and a disconnect made on the socket itself', async () => {
    const server = sockets.bound();
    const socket = sockets.unbound();
    const rx = fromUDPSocket(socket);
    const seen: RxUDPSocketState[] = [];
    rx.state$.subscribe((s) => seen.push(s));
    const connected = firstValueFrom(rx.listening$);
    socket.connect({ address: server.address, port: server.port }); // binds implicitly: onListening
    await connected;
    expect(seen).toEqual(['unbound', 'connected']);
    socket.disconnect();
    expect(rx.state).toBe('listening');
    expect(seen).toEqual(['unbound', 'connected', 'listening']);
  });

  it('on a WeChat socket (no remoteAddress) connect() is optimistic: connected at once, listening again on its error', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    rx.bind();
    const seen: RxUDPSocketState[] = [];
    rx.state$.subscribe((s) => seen.push(s));
    const error = firstValueFrom(rx.error$);
    rx.connect({ address: '127.0.0.1', port: -1 });
    expect(rx.state).toBe('connected');
    await error;
    expect(seen).toEqual(['listening', 'connected', 'listening']);
  });

  it.each([
    ['null', null],
    ['an object without the socket methods', {}],
  ])('given %s, returns a wrapper whose streams report ERR_INVALID_ARG_TYPE instead of throwing', async (_, value) => {
    const rx = fromUDPSocket(value as unknown as UDPSocketLike);
    await expect(lastValueFrom(rx.message$)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(lastValueFrom(rx.listening$)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(lastValueFrom(rx.close$)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(lastValueFrom(rx.send({ address: '127.0.0.1', port: 9, message: 'x' }))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    const [error, ...more] = await lastValueFrom(rx.error$.pipe(toArray()));
    expect(error).toBeInstanceOf(UDPSocketError);
    expect(error!.message).toMatch(/socket must be a UDP socket/);
    expect(more).toEqual([]);
    expect(rx.state).toBe('closed');
    await expect(lastValueFrom(rx.state$.pipe(toArray()))).resolves.toEqual(['closed']);
    expect(rx.bind()).toBe(0);
    expect(() => {
      rx.connect({ address: '127.0.0.1', port: 9 });
      rx.close();
    }).not.toThrow();
    expect(rx.address()).toBeUndefined();
  });
});

describe('fromUDPSocket (marbles over the virtual network)', () => {
  it('message$ emits each datagram latency frames after its send and completes in the frame of the close', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 3 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      cold('a-b').subscribe((message) => client.send({ address: '127.0.0.1', port, message }).subscribe());
      scheduler.schedule(() => server.close(), 8);
      expectObservable(server.message$.pipe(map(textOf))).toBe('---a-b--|');
      expectObservable(server.close$.pipe(map((c) => c.errMsg))).toBe('8ms (c|)', { c: 'close:ok' });
    });
  });

  it('state$ and listening$ follow bind, connect and close frame by frame', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const peer = net.createUDPSocket();
      const peerPort = peer.bind(9);
      const rx = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => rx.bind(0, '127.0.0.1'), 2);
      scheduler.schedule(() => rx.connect({ address: '127.0.0.1', port: peerPort }), 4);
      scheduler.schedule(() => rx.close(), 6);
      expectObservable(rx.state$).toBe('u-l-c-(x|)', { u: 'unbound', l: 'listening', c: 'connected', x: 'closed' });
      expectObservable(rx.listening$.pipe(map((l) => l.address))).toBe('--a---|', { a: '127.0.0.1' });
      expectObservable(rx.state$, '-----^').toBe('-----c(x|)', { c: 'connected', x: 'closed' });
    });
  });

  it('error$ emits in the frame of the failed call and goes on; it does not complete on close', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const rx = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => rx.socket.send({ address: '127.0.0.1', port: 0, message: 'x' }), 1);
      scheduler.schedule(() => rx.close(), 3);
      scheduler.schedule(() => rx.socket.send({ address: '127.0.0.1', port: 9, message: 'x' }), 5);
      expectObservable(rx.error$.pipe(map((e) => e.code)), '^ 10ms !').toBe('-p---n', {
        p: 'ERR_SOCKET_BAD_PORT',
        n: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
      });
    });
  });

  it('a close made on the socket while the wrapper had no listener ends the streams in the frame they are subscribed', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket();
      socket.bind(7);
      const rx = fromUDPSocket(socket);
      scheduler.schedule(() => socket.close(), 2);
      expectObservable(rx.message$, '----^').toBe('----|');
      expectObservable(rx.state$, '----^').toBe('----(x|)', { x: 'closed' });
      expectObservable(rx.close$.pipe(map((c) => c.errMsg)), '----^').toBe('----(c|)', { c: 'close:ok' });
    });
  });

  it('a connect the socket refuses never shows as connected on state$', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const rx = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => rx.bind(0, '127.0.0.1'), 1);
      scheduler.schedule(() => rx.connect({ address: '127.0.0.1', port: 0 }), 2);
      scheduler.schedule(() => rx.close(), 4);
      expectObservable(rx.state$).toBe('ul--(x|)', { u: 'unbound', l: 'listening', x: 'closed' });
      expectObservable(rx.error$.pipe(map((e) => e.code)), '^ 6ms !').toBe('--p', { p: 'ERR_SOCKET_BAD_PORT' });
    });
  });

  it('takes the scheduler for operator timers from the socket (the virtual network), else asyncScheduler, unless one is given', () => {
    const scheduler = marbles();
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      expect(fromUDPSocket(net.createUDPSocket()).scheduler).toBe(net.scheduler);
      expect(fromUDPSocket(sockets.track(new WeChatStandIn())).scheduler).toBe(asyncScheduler);
      expect(fromUDPSocket(sockets.track(new WeChatStandIn()), { scheduler }).scheduler).toBe(scheduler);
    });
  });
});
