import { EMPTY, Observable, firstValueFrom, map, of, take, toArray, lastValueFrom } from 'rxjs';
import { UDPSocketError, fromUDPSocket, reply, request, type DroppedReply, type UDPMessageResult } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { ManualConfirmSocket, useLoopbackSockets, marbles, textOf, outcomeOf } from '../../helpers/reactive';
import { WeChatStandIn } from '../../helpers/wechat-stand-in';

describe('reply (marbles over the virtual network)', () => {
  it('sends project(message) back to each sender: a round trip with latency 2 takes 4 frames', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 2 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const receipts$ = server.message$.pipe(reply(server, (m) => textOf(m).toUpperCase()), map((r) => String(r.message)));
      const alice = fromUDPSocket(net.createUDPSocket());
      const bob = fromUDPSocket(net.createUDPSocket());
      cold('a---').subscribe(() => alice.send({ address: '127.0.0.1', port, message: 'hi' }).subscribe());
      cold('--b-').subscribe(() => bob.send({ address: '127.0.0.1', port, message: 'yo' }).subscribe());
      expectObservable(receipts$, '^ 10ms !').toBe('--a-b', { a: 'HI', b: 'YO' });
      expectObservable(alice.message$.pipe(map(textOf)), '^ 10ms !').toBe('----a', { a: 'HI' });
      expectObservable(bob.message$.pipe(map(textOf)), '^ 10ms !').toBe('------b', { b: 'YO' });
    });
  });

  it('an Observable of payloads sends each as it comes; nothing (undefined) sends nothing', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      server.message$
        .pipe(reply(server, (m) => (textOf(m) === 'count' ? cold('1-2-3|') : textOf(m) === 'empty' ? EMPTY : undefined)))
        .subscribe();
      const client = fromUDPSocket(net.createUDPSocket());
      cold('c-------e-s').subscribe((v) =>
        client.send({ address: '127.0.0.1', port, message: v === 'c' ? 'count' : v === 'e' ? 'empty' : 'silence' }).subscribe(),
      );
      expectObservable(client.message$.pipe(map(textOf)), '^ 20ms !').toBe('1-2-3');
    });
  });

  it('completes when the source completed and every reply was sent', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'x' }).subscribe(), 1);
      expectObservable(server.message$.pipe(take(1), reply(server, (m) => m.message), map(() => 'r'))).toBe('-(r|)');
    });
  });

  it('a project that throws for one request is reported to onError and the server goes on answering the next ones', () => {
    const scheduler = marbles();
    const reported: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      for (const [frame, text] of [[1, 'bad'], [2, 'ok'], [3, 'bad'], [4, 'fine']] as const) {
        scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: text }).subscribe(), frame);
      }
      const boom = new Error('boom');
      const receipts$ = server.message$.pipe(
        reply(
          server,
          (m) => {
            if (textOf(m) === 'bad') throw boom;
            return textOf(m).toUpperCase();
          },
          { onError: (error, request) => reported.push(`${error.code} ${textOf(request)} ${error.cause === boom}`) },
        ),
        map((receipt) => String(receipt.message)),
      );
      expectObservable(receipts$, '^ 10ms !').toBe('--a-b', { a: 'OK', b: 'FINE' });
    });
    expect(reported).toEqual(['ERR_REPLY_FAILED bad true', 'ERR_REPLY_FAILED bad true']);
  });
});

describe('reply (real loopback)', () => {
  const sockets = useLoopbackSockets();

  it.each(['udp4', 'udp6'] as const)('echoes datagrams back to their %s senders', async (type) => {
    const server = sockets.bound(type);
    const rx = fromUDPSocket(server.socket);
    rx.message$.pipe(reply(rx, ({ message }) => message)).subscribe();
    const client = sockets.bound(type).socket;
    const match = (r: UDPMessageResult, req: string): boolean => textOf(r) === req;
    const answers = await lastValueFrom(
      of('one', 'two').pipe(
        request(client, { address: server.address, port: server.port }, { timeout: 1000, retries: 2, match }),
        map(textOf),
        toArray(),
      ),
    );
    expect(answers.sort()).toEqual(['one', 'two']);
  });

  it('works on a WeChat socket (replies through its plain send)', async () => {
    const wx = sockets.track(new WeChatStandIn());
    const rx = fromUDPSocket(wx);
    const port = rx.bind();
    rx.message$.pipe(reply(rx, (m) => `re:${textOf(m)}`)).subscribe();
    const client = sockets.bound().socket;
    const answer = firstValueFrom(fromUDPSocket(client).message$.pipe(map(textOf)));
    client.send({ address: '127.0.0.1', port, message: 'wx' });
    expect(await answer).toBe('re:wx');
  });
});

describe('reply (bad arguments: the operator errors when subscribed, never throws)', () => {
  const sockets = useLoopbackSockets();

  const message = (port: number): UDPMessageResult => ({
    message: new TextEncoder().encode('hi').buffer as ArrayBuffer,
    remoteInfo: { address: '127.0.0.1', family: 'IPv4', port, size: 2 },
    localInfo: { address: '127.0.0.1', family: 'IPv4', port: 1, size: 2 },
  });

  /** Subscribes; returns the error code, or what happened instead. */
  const outcome = (build: () => Observable<unknown>): string => outcomeOf(build);

  it('reply with socket null errors with ERR_INVALID_ARG_TYPE instead of a raw TypeError', () => {
    const { port } = sockets.bound();
    expect(outcome(() => of(message(port)).pipe(reply(null as never, ({ message: m }) => m)))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('reply with project undefined errors with ERR_INVALID_ARG_TYPE when subscribed, not a raw TypeError at the first message', () => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of(message(port)).pipe(reply(socket, undefined as never)))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it.each([
    ['concurrency NaN', 'ERR_OUT_OF_RANGE', { concurrency: NaN }],
    ['concurrency 0', 'ERR_OUT_OF_RANGE', { concurrency: 0 }],
    ['bufferSize NaN', 'ERR_OUT_OF_RANGE', { bufferSize: NaN }],
    ['options "x"', 'ERR_INVALID_ARG_TYPE', 'x'],
  ])('reply with %s errors with %s when subscribed instead of falling back to the default', (_name, expected, options) => {
    const { socket, port } = sockets.bound();
    expect(outcome(() => of(message(port)).pipe(reply(socket, ({ message: m }) => m, options as never)))).toBe(expected);
  });
});

describe('reply (values that are not messages)', () => {
  const sockets = useLoopbackSockets();

  it('reply given a value without remoteInfo reports ERR_INVALID_ARG_TYPE to onError before calling project, and completes', async () => {
    const { socket } = sockets.bound();
    const project = jest.fn(() => 'x');
    const reported: unknown[] = [];
    const receipts = await lastValueFrom(of(5 as unknown as UDPMessageResult).pipe(reply(socket, project, { onError: (e) => reported.push(e) }), toArray()));
    expect(receipts).toEqual([]);
    expect(reported).toEqual([expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', operation: 'send' })]);
    expect(project).not.toHaveBeenCalled();
  });
});

describe('reply: each receipt and each failure belongs to its own reply, whatever order completions come in', () => {
  it('a socket that confirms the second reply first emits its receipt, and reports the first one\'s failure with the first request', () => {
    const socket = new ManualConfirmSocket();
    const requestOf = (text: string, port: number): UDPMessageResult =>
      ({ message: new TextEncoder().encode(text).buffer, remoteInfo: { address: '127.0.0.1', family: 'IPv4', port, size: text.length } }) as never;
    const events: string[] = [];
    of(requestOf('one', 1001), requestOf('two', 1002))
      .pipe(reply(socket as never, (m) => `re ${textOf(m)}`, { onError: (e, request) => events.push(`failed ${e.code} for ${textOf(request)}`) }))
      .subscribe({ next: (r) => events.push(`receipt ${String(r.message)} to ${r.port}`), complete: () => events.push('complete') });
    socket.confirmAt(1);
    socket.confirmAt(0, new UDPSocketError('EMSGSIZE', 'send', 'message too long'));
    expect(events).toEqual(['receipt re two to 1002', 'failed EMSGSIZE for one', 'complete']);
  });
});

describe('reply: onDrop', () => {
  it('gets each dropped reply as a DroppedReply: where it was going, its payload and the request it answered', () => {
    const socket = new ManualConfirmSocket();
    const requestOf = (text: string, port: number): UDPMessageResult =>
      ({ message: new TextEncoder().encode(text).buffer, remoteInfo: { address: '127.0.0.1', family: 'IPv4', port, size: text.length } }) as never;
    const drops: string[] = [];
    const onDrop = (dropped: DroppedReply, count: number): void => {
      drops.push(`${dropped.address}:${dropped.port} ${String(dropped.message)} for ${textOf(dropped.request)} from ${dropped.request.remoteInfo.port} #${count}`);
    };
    of(requestOf('one', 1001), requestOf('two', 1002))
      .pipe(reply(socket as never, (m) => `re ${textOf(m)}`, { concurrency: 1, bufferSize: 0, overflow: 'drop-newest', onDrop }))
      .subscribe();
    expect(socket.sent).toEqual(['re one']);
    expect(drops).toEqual(['127.0.0.1:1002 re two for two from 1002 #1']);
  });
});
