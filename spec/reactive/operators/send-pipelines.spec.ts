import { Observable, catchError, from, lastValueFrom, map, of, tap, throwError } from 'rxjs';
import {
  UDPSocketError,
  createUDPSocket,
  fromUDPSocket,
  reply,
  sendTo,
  type SendReceipt,
  type UDPLookupFunction,
} from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { ManualConfirmSocket, marbles, outcomeOf, textOf, useLoopbackSockets } from '../../helpers/reactive';

/** A lookup that fails every name asynchronously (no test asks the machine's resolver). */
const failingLookup: UDPLookupFunction = (hostname, _family, callback) => {
  setTimeout(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4), 5);
};

describe('sendTo: send pipelines that finish', () => {
  const sockets = useLoopbackSockets();

  it('sends a 1,000,000-value array to a loopback peer and completes with default options, one receipt per value', async () => {
    const { port } = sockets.bound();
    const client = sockets.unbound();
    const values = Array.from({ length: 1_000_000 }, (_, i) => (i % 256 === 0 ? 'x' : 'y'));
    let receipts = 0;
    await lastValueFrom(from(values).pipe(sendTo(client, { address: '127.0.0.1', port }), tap(() => receipts++)), { defaultValue: undefined });
    expect(receipts).toBe(1_000_000);
  }, 120_000);

  it("with bufferSize and overflow 'error', a burst past the buffer errors with ENOBUFS and the message names bufferSize and overflow", () => {
    const socket = new ManualConfirmSocket();
    let error: UDPSocketError | undefined;
    from(['a', 'b', 'c', 'd'])
      .pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }, { concurrency: 1, bufferSize: 2 }))
      .subscribe({ error: (e: UDPSocketError) => (error = e) });
    expect(error?.code).toBe('ENOBUFS');
    expect(error?.message).toMatch(/bufferSize/);
    expect(error?.message).toMatch(/overflow/);
  });

  it("overflow 'drop-oldest' keeps the freshest values and reports each drop with the running count", () => {
    const socket = new ManualConfirmSocket();
    const drops: string[] = [];
    const receipts: string[] = [];
    let completed = false;
    from(['a', 'b', 'c', 'd', 'e'])
      .pipe(
        sendTo(socket, { address: '127.0.0.1', port: 9 }, { concurrency: 1, bufferSize: 2, overflow: 'drop-oldest', onDrop: (v, n) => drops.push(`${String(v)}#${n}`) }),
      )
      .subscribe({ next: (r) => receipts.push(String(r.message)), complete: () => (completed = true) });
    while (socket.inFlight > 0) socket.confirm();
    expect(socket.sent).toEqual(['a', 'd', 'e']);
    expect(drops).toEqual(['b#1', 'c#2']);
    expect(receipts).toEqual(['a', 'd', 'e']);
    expect(completed).toBe(true);
  });

  it("overflow 'drop-newest' keeps the values already waiting and drops the arriving ones", () => {
    const socket = new ManualConfirmSocket();
    const drops: string[] = [];
    from(['a', 'b', 'c', 'd', 'e'])
      .pipe(sendTo(socket, { address: '127.0.0.1', port: 9 }, { concurrency: 1, bufferSize: 2, overflow: 'drop-newest', onDrop: (v, n) => drops.push(`${String(v)}#${n}`) }))
      .subscribe();
    while (socket.inFlight > 0) socket.confirm();
    expect(socket.sent).toEqual(['a', 'b', 'c']);
    expect(drops).toEqual(['d#1', 'e#2']);
  });

  it('an unknown overflow errors with ERR_INVALID_ARG_VALUE when subscribed', () => {
    expect(outcomeOf(() => of('x').pipe(sendTo(new ManualConfirmSocket() as never, { address: '127.0.0.1', port: 9 }, { overflow: 'drop-all' as never })))).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('receipts belong to their own datagrams when completions come out of order: a failed lookup never confirms the datagram that did leave', async () => {
    const { socket: receiver, port } = sockets.bound();
    const arrived: string[] = [];
    receiver.onMessage((m) => arrived.push(textOf(m)));
    const client = sockets.track(createUDPSocket('udp4', { lookup: failingLookup }));
    const receipts: SendReceipt[] = [];
    let error: UDPSocketError | undefined;
    await lastValueFrom(
      from([
        { address: 'a-name-that-fails', port, message: 'A' },
        { address: '127.0.0.1', port, message: 'B' },
      ]).pipe(
        sendTo(client),
        tap((r) => receipts.push(r)),
        catchError((e: UDPSocketError) => {
          error = e;
          return of(undefined);
        }),
      ),
    );
    expect(receipts.map((r) => [r.message, r.address, r.confirmed])).toEqual([['B', '127.0.0.1', true]]);
    expect(error?.code).toBe('ENOTFOUND');
    expect(error?.message).toMatch(/a-name-that-fails/);
  });

  it.each([
    ['a target whose has trap throws', new Proxy({ address: '127.0.0.1', port: 9 }, { has() { throw new Error('has'); } }), undefined],
    ['a revoked Proxy as target', (() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })(), undefined],
    ['options with a throwing getter', { address: '127.0.0.1', port: 9 }, { get concurrency(): number { throw new Error('boom'); } }],
    ['options whose ownKeys and get traps throw', { address: '127.0.0.1', port: 9 }, new Proxy({}, { get() { throw new Error('get'); }, ownKeys() { throw new Error('keys'); } })],
  ])('sendTo given %s does not throw at the call; it errors with ERR_INVALID_ARG_TYPE when subscribed', (_, target, options) => {
    const socket = new ManualConfirmSocket();
    let operator: unknown;
    expect(() => (operator = sendTo(socket as never, target as never, options as never))).not.toThrow();
    expect(outcomeOf(() => of('x').pipe(operator as never) as Observable<unknown>)).toBe('ERR_INVALID_ARG_TYPE');
    expect(socket.sent).toEqual([]);
  });
});

describe('reply: one failing request never stops a server', () => {
  const sockets = useLoopbackSockets();

  it('a reply that fails to send (EMSGSIZE) is reported with its request, and the next requests are still answered', async () => {
    const server = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const port = server.bind(0, '127.0.0.1');
    const reported: string[] = [];
    server.message$
      .pipe(reply(server, (m) => (textOf(m) === 'big' ? new Uint8Array(70_000) : textOf(m).toUpperCase()), { onError: (e, request) => reported.push(`${e.code} ${textOf(request)}`), amplificationLimit: Infinity }))
      .subscribe();
    const client = sockets.track(createUDPSocket('udp4'));
    const answered = new Promise<string>((resolve) => client.onMessage((m) => resolve(textOf(m))));
    client.send({ address: '127.0.0.1', port, message: 'big' });
    client.send({ address: '127.0.0.1', port, message: 'ok' });
    expect(await answered).toBe('OK');
    expect(reported).toEqual(['EMSGSIZE big']);
  });

  it('an Observable returned by project that errors is reported, and the server keeps serving', () => {
    const scheduler = marbles();
    const reported: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'fail' }).subscribe(), 1);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'go' }).subscribe(), 2);
      const receipts$ = server.message$.pipe(
        reply(server, (m) => (textOf(m) === 'fail' ? throwError(() => new Error('inner')) : of('went')), { onError: (e) => reported.push(e.code) }),
        map((r) => String(r.message)),
      );
      expectObservable(receipts$, '^ 5ms !').toBe('--a', { a: 'went' });
    });
    expect(reported).toEqual(['ERR_REPLY_FAILED']);
  });
});

describe('message$: a subscriber that closes the socket mid-delivery', () => {
  it('later subscribers do not get that datagram, as in the callback API', () => {
    const scheduler = marbles();
    const seen: string[] = [];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const rx = fromUDPSocket(net.createUDPSocket());
      const port = rx.bind(7);
      rx.message$.subscribe((m) => {
        seen.push(`first ${textOf(m)}`);
        rx.close();
      });
      rx.message$.subscribe((m) => seen.push(`second ${textOf(m)}`));
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'x' }), 1);
    });
    expect(seen).toEqual(['first x']);
  });

  it('also when the subscriber closes the plain socket rather than the wrapper', () => {
    const scheduler = marbles();
    const seen: string[] = [];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket();
      const rx = fromUDPSocket(socket);
      const port = rx.bind(7);
      rx.message$.subscribe(() => {
        seen.push('first');
        socket.close();
      });
      rx.message$.subscribe(() => seen.push('second'));
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'x' }), 1);
    });
    expect(seen).toEqual(['first']);
  });
});
