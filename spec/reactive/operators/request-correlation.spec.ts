import fc from 'fast-check';
import { EMPTY, Observable, TimeoutError as RxTimeoutError, catchError, concatMap, firstValueFrom, from, lastValueFrom, map, mergeMap, of, range, toArray } from 'rxjs';
import { RequestTimeoutError, UDPSocketError, createUDPSocket, fromUDPSocket, reply, request, type RxUDPSocket, type UDPMessageResult } from 'rxjs-udp';
import { createVirtualNetwork, type VirtualNetworkOptions } from 'rxjs-udp/testing';
import { marbles, outcomeOf, textOf, useLoopbackSockets } from '../../helpers/reactive';

/** `"<id>:<text>"` — the wire format of the id tests: a server echoes the id with its answer. */
const ask = (id: number, question: string): string => `${id}:${question}`;
const idOf = (message: UDPMessageResult): number => Number(textOf(message).split(':', 1)[0]);
const byId = (reply: UDPMessageResult, question: string): boolean => idOf(reply) === Number(question.split(':', 1)[0]);
const upper = (m: UDPMessageResult): string => textOf(m).toUpperCase();

/** An echo server on the virtual network at 10.0.0.1:7 (answering `project` of each datagram). */
function virtualPair(options: VirtualNetworkOptions, project: (m: UDPMessageResult) => string = textOf) {
  const net = createVirtualNetwork(options);
  const serverHost = net.addHost('10.0.0.1');
  const clientHost = net.addHost('10.0.0.2');
  const server = fromUDPSocket(net.createUDPSocket('udp4', { host: serverHost }));
  const port = server.bind(7);
  server.message$.pipe(reply(server, project)).subscribe();
  const client = fromUDPSocket(net.createUDPSocket('udp4', { host: clientHost }));
  return { net, server, client, target: { address: '10.0.0.1', port } };
}

describe('request correlation: a reply goes to at most one request (virtual network)', () => {
  it('without match, three values to one peer are asked one at a time and each gets its own answer', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const { client, target } = virtualPair({ scheduler, latency: 1 }, upper);
      // a: sent 0, answered 2; then b: sent 2, answered 4; c: sent 4, answered 6
      const answers$ = from(['a', 'b', 'c']).pipe(request(client, target, { timeout: 10 }), map(textOf));
      expectObservable(answers$).toBe('--a-b-(c|)', { a: 'A', b: 'B', c: 'C' });
    });
  });

  it('without match, single-shot requests inside mergeMap are serialised per peer and never swap answers', () => {
    const scheduler = marbles();
    let pairs: Array<[string, string]> = [];
    scheduler.run(() => {
      const { client, target } = virtualPair({ scheduler, latency: 2, jitter: 5, seed: 7 }, upper);
      const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
      from(words)
        .pipe(
          mergeMap((w) => of(w).pipe(request(client, target, { timeout: 20 }), map((m) => [w, textOf(m)] as [string, string]))),
          toArray(),
        )
        .subscribe((all) => (pairs = all));
    });
    expect(pairs).toHaveLength(6);
    for (const [word, answer] of pairs) expect(answer).toBe(word.toUpperCase());
  });

  it('with match, single-shot requests inside mergeMap run concurrently and each answer pairs with its own question', () => {
    const scheduler = marbles();
    let pairs: Array<[string, string]> = [];
    let finishedAt = -1;
    scheduler.run(() => {
      const { client, target } = virtualPair({ scheduler, latency: 2, jitter: 10, seed: 3 });
      from(range(0, 50).pipe(map((i) => ask(i, `word${i}`))))
        .pipe(
          mergeMap((q) => of(q).pipe(request(client, target, { timeout: 100, match: byId }), map((m) => [q, textOf(m)] as [string, string]))),
          toArray(),
        )
        .subscribe((all) => {
          pairs = all;
          finishedAt = scheduler.now();
        });
    });
    expect(pairs).toHaveLength(50);
    for (const [question, answer] of pairs) expect(answer).toBe(question);
    expect(finishedAt).toBeLessThanOrEqual(2 * (2 + 10)); // all in flight at once: one round trip
  });

  it('refuses retries without match when subscribed, naming match (a late reply to a retransmission would be mistaken)', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const { client, target, net } = virtualPair({ scheduler });
      const sends$ = net.traffic$.pipe(map(() => 's'));
      const asked$ = of('q').pipe(request(client, target, { timeout: 20, retries: 2 }));
      expectObservable(asked$.pipe(catchError((e: UDPSocketError) => of(`${e.code} ${/match/.test(e.message)}`)))).toBe('(e|)', {
        e: 'ERR_INVALID_ARG_VALUE true',
      });
      expectObservable(sends$, '^ 100ms !').toBe('');
    });
  });

  it('refuses a broadcast request without match when subscribed (several peers answer one broadcast)', () => {
    const socket = createUDPSocket();
    const outcome = outcomeOf(() => of('who?').pipe(request(socket, { address: '127.255.255.255', port: 9, setBroadcast: true }, { timeout: 10 })), (e) => `${e.code} ${/match/.test(e.message)}`);
    socket.close();
    expect(outcome).toBe('ERR_INVALID_ARG_VALUE true');
  });

  it.each([1, 2, 3, 4, 5])(
    'the concatMap pattern with ids, jitter 0-30, timeout 20 and retries 3 pairs every answer with its question (seed %i)',
    (seed) => {
      const scheduler = marbles();
      const results: string[] = [];
      scheduler.run(() => {
        const { client, target } = virtualPair({ scheduler, latency: 1, jitter: 30, seed });
        range(0, 20)
          .pipe(
            concatMap((i) =>
              of(ask(i, `q${i}`)).pipe(
                request(client, target, { timeout: 20, retries: 3, match: byId }),
                map((m) => `${i}=${idOf(m)}`),
                catchError((e: UDPSocketError) => of(`${i}=${e.code}`)),
              ),
            ),
          )
          .subscribe((r) => results.push(r));
      });
      expect(results).toHaveLength(20);
      for (const r of results) {
        const [i, answer] = r.split('=');
        if (answer !== 'ETIMEDOUT') expect(answer).toBe(i);
      }
    },
  );

  it.each([11, 12, 13, 14, 15])(
    'without match, jitter 0-30 each way and timeout 40, a late reply is dropped after a timeout, never taken by the next question (seed %i)',
    (seed) => {
      const scheduler = marbles();
      const results: Array<[string, string]> = [];
      let timeouts = 0;
      scheduler.run(() => {
        const { client, target } = virtualPair({ scheduler, latency: 1, jitter: 30, seed });
        range(0, 30)
          .pipe(
            concatMap((i) =>
              of(`q${i}`).pipe(
                request(client, target, { timeout: 40 }),
                map((m) => [`q${i}`, textOf(m)] as [string, string]),
                catchError(() => {
                  timeouts++;
                  return EMPTY;
                }),
              ),
            ),
          )
          .subscribe((pair) => results.push(pair));
      });
      expect(timeouts).toBeGreaterThan(0); // the case is exercised: some replies came late
      for (const [question, answer] of results) expect(answer).toBe(question);
    },
  );

  it.each([21, 22, 23, 24, 25])(
    'without match, with duplicate 0.3 and jitter 0-30, settle 62 (a duplicated request is answered twice, up to 60 apart) keeps every duplicate from being taken as the next answer (seed %i)',
    (seed) => {
      const scheduler = marbles();
      const results: Array<[string, string]> = [];
      scheduler.run(() => {
        const { client, target } = virtualPair({ scheduler, latency: 1, jitter: 30, duplicate: 0.3, seed });
        range(0, 20)
          .pipe(
            concatMap((i) =>
              of(`q${i}`).pipe(
                request(client, target, { timeout: 70, settle: 62 }),
                map((m) => [`q${i}`, textOf(m)] as [string, string]),
                catchError(() => EMPTY),
              ),
            ),
          )
          .subscribe((pair) => results.push(pair));
      });
      expect(results.length).toBeGreaterThan(0);
      for (const [question, answer] of results) expect(answer).toBe(question);
    },
  );

  it('drops duplicated replies: on a network that duplicates every datagram, each request emits exactly one answer', () => {
    const scheduler = marbles();
    let answers: string[] = [];
    scheduler.run(() => {
      const { client, target, net } = virtualPair({ scheduler, latency: 1, duplicate: 1 });
      range(0, 10)
        .pipe(
          map((i) => ask(i, 'x')),
          request(client, target, { timeout: 50, match: byId }),
          map(textOf),
          toArray(),
        )
        .subscribe((all) => (answers = all));
      void net;
    });
    expect(answers.sort()).toEqual(range(0, 10).pipe(map((i) => ask(i, 'x'))) && Array.from({ length: 10 }, (_, i) => ask(i, 'x')).sort());
  });

  it('a reply from another source is never taken, even when match would accept it (a forged answer)', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const serverHost = net.addHost('10.0.0.1');
      const forgerHost = net.addHost('10.0.0.66');
      const silent = net.createUDPSocket('udp4', { host: serverHost });
      const port = silent.bind(7);
      const forger = net.createUDPSocket('udp4', { host: forgerHost });
      const client = fromUDPSocket(net.createUDPSocket('udp4', { host: net.addHost('10.0.0.2') }));
      const clientPort = client.bind(5000);
      scheduler.schedule(() => forger.send({ address: '10.0.0.2', port: clientPort, message: 'forged' }), 1);
      const asked$ = of('q').pipe(
        request(client, { address: '10.0.0.1', port }, { timeout: 10, match: () => true }),
        map(textOf),
        catchError((e: UDPSocketError) => of(e.code)),
      );
      expectObservable(asked$).toBe('10ms (t|)', { t: 'ETIMEDOUT' });
    });
  });

  it('retransmissions of requests that fall due together are spread over half a wait, not sent as one burst', () => {
    const scheduler = marbles();
    const sentAt: number[] = [];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const port = net.createUDPSocket().bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      net.traffic$.subscribe(() => sentAt.push(scheduler.now()));
      range(0, 10)
        .pipe(
          map((i) => ask(i, 'x')),
          request(client, { address: '127.0.0.1', port }, { timeout: 20, retries: 1, match: byId }),
          catchError(() => EMPTY),
        )
        .subscribe();
    });
    const first = sentAt.filter((t) => t === 0);
    const retransmissions = sentAt.filter((t) => t > 0 && t < 40);
    expect(first).toHaveLength(10);
    expect(retransmissions).toHaveLength(10);
    expect(new Set(retransmissions).size).toBeGreaterThanOrEqual(5);
    expect(Math.min(...retransmissions)).toBe(20);
    expect(Math.max(...retransmissions)).toBeLessThan(30);
  });

  it('a connected socket whose peer is gone fails a pending request at once with ECONNREFUSED', () => {
    const scheduler = marbles();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const client = fromUDPSocket(net.createUDPSocket());
      client.connect({ address: '127.0.0.1', port: 9 });
      const asked$ = of('q').pipe(
        request(client, { address: '127.0.0.1', port: 9 }, { timeout: 1000 }),
        catchError((e: UDPSocketError) => of(e.code)),
      );
      expectObservable(asked$, '^ 1000ms !').toBe('-(e|)', { e: 'ECONNREFUSED' });
    });
  });

  it('property: with a server answering ids, over random seeds, faults and orderings, no answer pairs with the wrong question', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 16 }),
        (seed, loss, duplicate, jitter, concurrency) => {
          const scheduler = marbles();
          const pairs: Array<[string, string]> = [];
          scheduler.run(() => {
            const { client, target } = virtualPair({ scheduler, latency: 1, loss, duplicate, jitter, seed });
            from(Array.from({ length: 30 }, (_, i) => ask(i, `v${i}`)))
              .pipe(
                mergeMap(
                  (q) =>
                    of(q).pipe(
                      request(client, target, { timeout: 15, retries: 3, backoff: 2, match: byId }),
                      map((m) => [q, textOf(m)] as [string, string]),
                      catchError(() => EMPTY),
                    ),
                  concurrency,
                ),
              )
              .subscribe((p) => pairs.push(p));
          });
          for (const [q, a] of pairs) if (q !== a) return false;
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('request correlation on real loopback sockets', () => {
  const sockets = useLoopbackSockets();

  function echoServer(): { rx: RxUDPSocket; port: number } {
    const rx = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const port = rx.bind(0, '127.0.0.1');
    rx.message$.pipe(reply(rx, ({ message }) => message)).subscribe();
    return { rx, port };
  }

  it('500 concurrent values without match get 500 answers, each its own question, in order', async () => {
    const { port } = echoServer();
    const client = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const words = Array.from({ length: 500 }, (_, i) => `w${i}`);
    const answers = await lastValueFrom(from(words).pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, settle: 0 }), map(textOf), toArray()));
    expect(answers).toEqual(words);
  });

  it('500 single-shot requests with match inside mergeMap: every answer pairs with its word', async () => {
    const { port } = echoServer();
    const client = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const words = Array.from({ length: 500 }, (_, i) => ask(i, `word${i}`));
    const pairs = await lastValueFrom(
      from(words).pipe(
        mergeMap((w) => of(w).pipe(request(client, { address: '127.0.0.1', port }, { timeout: 2000, retries: 2, match: byId }), map((m) => [w, textOf(m)]))),
        toArray(),
      ),
    );
    expect(pairs).toHaveLength(500);
    for (const [w, a] of pairs) expect(a).toBe(w);
  });

  it('2,000 requests with an id match and default options against a loopback echo all complete, none times out', async () => {
    const { port } = echoServer();
    const client = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    const questions = Array.from({ length: 2000 }, (_, i) => ask(i, 'ping'));
    const answers = await lastValueFrom(
      from(questions).pipe(request(client, { address: '127.0.0.1', port }, { timeout: 1000, retries: 3, match: byId }), map(idOf), toArray()),
    );
    expect(answers.sort((a, b) => a - b)).toEqual(questions.map((_, i) => i));
  });

  it('a connected socket whose peer is gone fails the request at once with ECONNREFUSED, not after the timeout', async () => {
    const gone = createUDPSocket('udp4');
    const port = gone.bind(0, '127.0.0.1');
    gone.close();
    const client = fromUDPSocket(sockets.track(createUDPSocket('udp4')));
    client.connect({ address: '127.0.0.1', port });
    const started = Date.now();
    const code = await firstValueFrom(
      range(0, 3).pipe(
        concatMap((i) => of(`q${i}`)),
        request(client, { address: '127.0.0.1', port }, { timeout: 60_000 }),
        map(() => 'answered'),
        catchError((e: UDPSocketError) => of(e.code)),
      ),
    );
    expect(code).toBe('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a request over a socket without the off* methods errors when subscribed, naming them, and sends nothing', () => {
    let sent = 0;
    const partial = { send: () => sent++, onMessage: () => undefined, close: () => undefined };
    const outcome = outcomeOf(() => of('x').pipe(request(partial as never, { address: '127.0.0.1', port: 9 }, { timeout: 10 })), (e) => `${e.code} ${/offMessage/.test(e.message)}`);
    expect(outcome).toBe('ERR_INVALID_ARG_TYPE true');
    expect(sent).toBe(0);
  });

  it.each([
    ['options with a throwing getter', { get timeout(): number { throw new Error('boom'); } }],
    ['a revoked Proxy as options', (() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()],
    ['a Proxy whose get trap throws', new Proxy({}, { get() { throw new Error('trap'); } })],
  ])('request given %s does not throw at the call; it errors with ERR_INVALID_ARG_TYPE when subscribed', (_, options) => {
    let operator: unknown;
    expect(() => (operator = request(sockets.track(createUDPSocket()), { address: '127.0.0.1', port: 9 }, options as never))).not.toThrow();
    const outcome = outcomeOf(() => of('x').pipe(operator as never) as Observable<unknown>);
    expect(outcome).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('request given options whose has and ownKeys traps throw (get works) does not throw and reads the options', () => {
    const options = new Proxy({ timeout: 10 }, { has() { throw new Error('has'); }, ownKeys() { throw new Error('keys'); } });
    let operator: unknown;
    expect(() => (operator = request(sockets.track(createUDPSocket()), { address: '127.0.0.1', port: 9 }, options))).not.toThrow();
    expect(outcomeOf(() => of('x').pipe(operator as never) as Observable<unknown>)).not.toMatch(/^threw|ERR_INVALID/);
  });

  it('RequestTimeoutError is named after its class and is not RxJS TimeoutError', () => {
    const error = new RequestTimeoutError(1, 10, '127.0.0.1:9');
    expect(error.name).toBe('RequestTimeoutError');
    expect(error).not.toBeInstanceOf(RxTimeoutError);
    expect(error).toBeInstanceOf(UDPSocketError);
  });
});
