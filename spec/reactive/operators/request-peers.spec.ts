import fc from 'fast-check';
import { catchError, map, of, timeout as rxTimeout, type Observable } from 'rxjs';
import { fromUDPSocket, request, type RxUDPSocket, type UDPMessageResult, type UDPSocketError, type UDPSocketLike } from 'rxjs-udp';
import { createVirtualNetwork, type VirtualNetwork, type VirtualNetworkOptions } from 'rxjs-udp/testing';
import { marbles, textOf, useLoopbackSockets } from '../../helpers/reactive';

/*
 * Which replies a request may take, when the peer is named in different ways, when other
 * exchanges with the peer ended just before, and when several wrappers share one socket: a reply
 * goes to the question it answers or to none (review findings of 2026-12-03).
 */

type Lookup = (hostname: string, family: number, callback: (error: Error | null, address: string, family: number) => void) => void;

/** A `lookup` answering from a table (hermetic: no resolver). */
const lookupFrom =
  (hosts: Record<string, string>): Lookup =>
  (hostname, _family, callback) => {
    const address = hosts[hostname.toLowerCase()];
    if (address === undefined) callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    else callback(null, address, address.includes(':') ? 6 : 4);
  };

/**
 * A server at `host`:`port` answering `answer to <question>` after `delayOf(question)` frames
 * (every copy of a question gets its own answer).
 */
function server(net: VirtualNetwork, host: string, port: number, delayOf: (question: string) => number = () => 0, type: 'udp4' | 'udp6' = 'udp4'): UDPSocketLike {
  const socket = net.createUDPSocket(type, { host });
  socket.onMessage(({ message, remoteInfo }) => {
    const question = textOf({ message } as UDPMessageResult);
    const send = (): void => socket.send({ address: remoteInfo.address, port: remoteInfo.port, message: `answer to ${question}` });
    const delay = delayOf(question);
    if (delay === 0) send();
    else net.scheduler.schedule(send, delay);
  });
  socket.bind(port);
  return socket;
}

/** A client wrapper at `host` whose lookup knows `hosts`. */
function client(net: VirtualNetwork, host: string, hosts: Record<string, string> = {}, type: 'udp4' | 'udp6' = 'udp4'): RxUDPSocket {
  const rx = fromUDPSocket(net.createUDPSocket(type, { host, lookup: lookupFrom(hosts) as never }));
  rx.bind(4000);
  return rx;
}

/** What `asked$` gave, as `answer@frame` or `error code@frame`. */
function outcome(net: VirtualNetwork, asked$: Observable<UDPMessageResult>, into: string[], label: string): void {
  asked$.subscribe({
    next: (m) => into.push(`${label}: ${textOf(m)} @${net.scheduler.now()}`),
    error: (e: UDPSocketError) => into.push(`${label}: ${e.code} @${net.scheduler.now()}`),
  });
}

function onVirtual(options: Omit<VirtualNetworkOptions, 'scheduler'>, body: (net: VirtualNetwork) => void): void {
  const scheduler = marbles();
  scheduler.run(() => body(createVirtualNetwork({ ...options, scheduler })));
}

describe('request: which peer a reply may come from', () => {
  it('refuses a hostname target without match when subscribed, naming match (the reply carries only the address it came from)', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 53);
      const rx = client(net, '10.0.0.2', { 'dns.test': '10.0.0.1' });
      of('q')
        .pipe(
          request(rx, { address: 'dns.test', port: 53 }, { timeout: 50 }),
          map(textOf),
          catchError((e: UDPSocketError) => of(`${e.code} names match: ${/\bmatch\b/.test(e.message)}, names the host: ${e.message.includes('dns.test')}`)),
        )
        .subscribe((s) => seen.push(s));
    });
    expect(seen).toEqual(['ERR_INVALID_ARG_VALUE names match: true, names the host: true']);
  });

  it('refuses a multicast group given as a hostname without match, as it refuses the group literal', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      const rx = client(net, '10.0.0.2', { 'group.test': '239.1.2.3' });
      for (const address of ['239.1.2.3', 'group.test']) {
        of('q')
          .pipe(
            request(rx, { address, port: 5000 }, { timeout: 50 }),
            map(textOf),
            catchError((e: UDPSocketError) => of(`${address}: ${e.code}`)),
          )
          .subscribe((s) => seen.push(s));
      }
    });
    expect(seen).toEqual(['239.1.2.3: ERR_INVALID_ARG_VALUE', 'group.test: ERR_INVALID_ARG_VALUE']);
  });

  it('with match, a hostname target takes the reply match accepts and no other', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 53, () => 3);
      const stranger = net.createUDPSocket('udp4', { host: '10.0.0.3' });
      stranger.bind(53);
      const rx = client(net, '10.0.0.2', { 'dns.test': '10.0.0.1' });
      net.scheduler.schedule(() => stranger.send({ address: '10.0.0.2', port: 4000, message: 'forged' }), 1);
      const match = (reply: UDPMessageResult, question: string): boolean => textOf(reply) === `answer to ${question}`;
      outcome(net, of('id-1').pipe(request(rx, { address: 'dns.test', port: 53 }, { timeout: 50, match })), seen, 'id-1');
    });
    expect(seen).toEqual(['id-1: answer to id-1 @5']);
  });

  it.each([
    ['fd00::1', 'FD00::1'],
    ['fd00::1', 'fd00:0:0:0:0:0:0:1'],
    ['fd00::1', 'fd00:0000::0001'],
  ])('treats %s and %s as one peer: requests without match to it go one at a time and never swap answers', (a, b) => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, 'fd00::1', 53, (q) => (q === 'slow' ? 10 : 0), 'udp6');
      const rx = client(net, 'fd00::2', {}, 'udp6');
      outcome(net, of('slow').pipe(request(rx, { address: a, port: 53 }, { timeout: 50 })), seen, 'slow');
      outcome(net, of('fast').pipe(request(rx, { address: b, port: 53 }, { timeout: 50 })), seen, 'fast');
    });
    expect(seen).toEqual(['slow: answer to slow @12', 'fast: answer to fast @14']);
  });

  it('a request to a hostname with match and a request without match to its address never take each other’s replies', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 53, (q) => (q === 'id-1' ? 10 : 0));
      const rx = client(net, '10.0.0.2', { 'dns.test': '10.0.0.1' });
      const match = (reply: UDPMessageResult, question: string): boolean => textOf(reply) === `answer to ${question}`;
      outcome(net, of('plain').pipe(request(rx, { address: '10.0.0.1', port: 53 }, { timeout: 50 })), seen, 'plain');
      outcome(net, of('id-1').pipe(request(rx, { address: 'dns.test', port: 53 }, { timeout: 50, match })), seen, 'id-1');
      outcome(net, of('plain-2').pipe(request(rx, { address: '10.0.0.1', port: 53 }, { timeout: 50 })), seen, 'plain-2');
    });
    // plain first; id-1 waits for it (a reply from 10.0.0.1:53 could be either's); plain-2 waits for id-1
    expect(seen).toEqual(['plain: answer to plain @2', 'id-1: answer to id-1 @14', 'plain-2: answer to plain-2 @16']);
  });

  it('a broadcast request with match and a request without match to a peer that answers the broadcast never take each other’s replies', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      const responder = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      responder.onMessage(({ message, remoteInfo }) => {
        const question = textOf({ message } as UDPMessageResult);
        const answer = (): void => responder.send({ address: remoteInfo.address, port: remoteInfo.port, message: `answer to ${question}` });
        net.scheduler.schedule(answer, question === 'who?' ? 6 : 0);
      });
      responder.bind(9);
      const rx = client(net, '10.0.0.2');
      const match = (reply: UDPMessageResult, question: string): boolean => textOf(reply) === `answer to ${question}`;
      outcome(net, of('who?').pipe(request(rx, { address: '10.0.0.255', port: 9, setBroadcast: true }, { timeout: 50, match })), seen, 'who?');
      outcome(net, of('plain').pipe(request(rx, { address: '10.0.0.1', port: 9 }, { timeout: 50 })), seen, 'plain');
    });
    expect(seen).toEqual(['who?: answer to who? @8', 'plain: answer to plain @10']);
  });

  it('requests on two wrappers of one socket (or the socket itself) share its demultiplexer: answers never swap', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 53, (q) => (q === 'slow' ? 10 : 0));
      const socket = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      socket.bind(4000);
      const first = fromUDPSocket(socket);
      const second = fromUDPSocket(socket);
      const target = { address: '10.0.0.1', port: 53 };
      outcome(net, of('slow').pipe(request(first, target, { timeout: 50 })), seen, 'slow');
      outcome(net, of('fast').pipe(request(second, target, { timeout: 50 })), seen, 'fast');
      outcome(net, of('plain').pipe(request(socket, target, { timeout: 50 })), seen, 'plain');
    });
    expect(seen).toEqual(['slow: answer to slow @12', 'fast: answer to fast @14', 'plain: answer to plain @16']);
  });
});

describe('request: quiet time after an exchange with the peer', () => {
  const match = (reply: UDPMessageResult, question: string): boolean => textOf(reply) === `answer to ${question}`;

  it('after a matched request answered once it was sent again, a request without match waits settle (default its timeout) and is not handed the late copy’s answer', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 9, () => 14);
      const rx = client(net, '10.0.0.2');
      const target = { address: '10.0.0.1', port: 9 };
      // id-7: sent 0 and 10; the answer to the first copy arrives at 16, to the second at 26
      outcome(net, of('id-7').pipe(request(rx, target, { timeout: 10, retries: 2, match })), seen, 'id-7');
      net.scheduler.schedule(() => outcome(net, of('status?').pipe(request(rx, target, { timeout: 100 })), seen, 'status?'), 1);
    });
    // id-7's last wait ends at 20, and its settle (its timeout, 10) after it: status? is sent at 30,
    // the late answer (26) was dropped, and its own comes 16 frames later
    expect(seen).toEqual(['id-7: answer to id-7 @16', 'status?: answer to status? @46']);
  });

  it('a request’s own settle holds it back after a matched exchange with the peer ended, so a duplicate of that answer is dropped', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      const srv = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      // every answer is sent twice, the copy 20 frames later (a duplicating network)
      srv.onMessage(({ message, remoteInfo }) => {
        const answer = { address: remoteInfo.address, port: remoteInfo.port, message: `answer to ${textOf({ message } as UDPMessageResult)}` };
        srv.send(answer);
        net.scheduler.schedule(() => srv.send(answer), 20);
      });
      srv.bind(53);
      const rx = client(net, '10.0.0.2');
      const target = { address: '10.0.0.1', port: 53 };
      of('id-1')
        .pipe(request(rx, target, { timeout: 100, match }))
        .subscribe((m) => {
          seen.push(`id-1: ${textOf(m)} @${net.scheduler.now()}`);
          outcome(net, of('plain-2').pipe(request(rx, target, { timeout: 100, settle: 50 })), seen, 'plain-2');
        });
    });
    expect(seen).toEqual(['id-1: answer to id-1 @2', 'plain-2: answer to plain-2 @54']);
  });

  it('the first request given settle on a socket waits it in full once (ends were not timed before), later ones after the last end only', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 53);
      const rx = client(net, '10.0.0.2');
      const target = { address: '10.0.0.1', port: 53 };
      outcome(net, of('plain').pipe(request(rx, target, { timeout: 100 })), seen, 'plain');
      net.scheduler.schedule(() => outcome(net, of('first').pipe(request(rx, target, { timeout: 100, settle: 50 })), seen, 'first'), 100);
      net.scheduler.schedule(() => outcome(net, of('second').pipe(request(rx, target, { timeout: 100, settle: 50 })), seen, 'second'), 300);
    });
    // first: the end at 2 was not timed, so it counts as 100 (when first came): sent at 150.
    // second: first ended at 152, timed: 152 + 50 is past, sent at once.
    expect(seen).toEqual(['plain: answer to plain @2', 'first: answer to first @152', 'second: answer to second @302']);
  });

  it('a matched request to one peer that ends unanswered does not hold back a request without match to another peer', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      const silent = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      silent.bind(7000);
      server(net, '10.0.0.3', 8000);
      const rx = client(net, '10.0.0.2');
      of('to-x')
        .pipe(request(rx, { address: '10.0.0.1', port: 7000 }, { timeout: 10_000, match }), rxTimeout(5))
        .subscribe({ error: () => seen.push(`to-x: cancelled @${net.scheduler.now()}`) });
      net.scheduler.schedule(() => outcome(net, of('to-y').pipe(request(rx, { address: '10.0.0.3', port: 8000 }, { timeout: 50 })), seen, 'to-y'), 10);
    });
    expect(seen).toEqual(['to-x: cancelled @5', 'to-y: answer to to-y @12']);
  });

  it('a matched request to a peer that is cancelled holds back a request without match to that peer until its wait and settle are over', () => {
    const seen: string[] = [];
    onVirtual({ latency: 1 }, (net) => {
      server(net, '10.0.0.1', 7000, (q) => (q === 'to-x' ? 30 : 0));
      const rx = client(net, '10.0.0.2');
      const target = { address: '10.0.0.1', port: 7000 };
      of('to-x')
        .pipe(request(rx, target, { timeout: 20, match }), rxTimeout(5))
        .subscribe({ error: () => seen.push(`to-x: cancelled @${net.scheduler.now()}`) });
      net.scheduler.schedule(() => outcome(net, of('plain').pipe(request(rx, target, { timeout: 50 })), seen, 'plain'), 10);
    });
    // to-x was cancelled at 5, but its reply may come until its wait is over (20): the peer is quiet
    // until 20 + 20 (its settle: its timeout), and to-x's answer (32) is dropped
    expect(seen).toEqual(['to-x: cancelled @5', 'plain: answer to plain @42']);
  });
});

describe('request: addresses on real sockets', () => {
  const sockets = useLoopbackSockets();

  it.each(['0:0:0:0:0:0:0:1', '0::1', '::0001'])('a request to %s (another spelling of ::1) gets its answer', async (address) => {
    const echo = sockets.bound('udp6');
    echo.socket.onMessage(({ message, remoteInfo }) => echo.socket.send({ address: remoteInfo.address, port: remoteInfo.port, message }));
    const rx = fromUDPSocket(sockets.bound('udp6').socket);
    const answer = await new Promise<string>((resolve, reject) =>
      of('ping')
        .pipe(request(rx, { address, port: echo.port }, { timeout: 2000 }))
        .subscribe({ next: (m) => resolve(textOf(m)), error: reject }),
    );
    expect(answer).toBe('ping');
  });
});

describe('request: a random mix of requests on one socket (property)', () => {
  it('never pairs an answer with another question: with and without match, to a hostname, to a broadcast, with duplication and jitter', () => {
    const kind = fc.constantFrom('plain', 'matched', 'matched-hostname', 'broadcast');
    const ask = fc.record({
      kind,
      peer: fc.integer({ min: 0, max: 1 }),
      at: fc.integer({ min: 0, max: 40 }),
      delay: fc.integer({ min: 0, max: 8 }),
      // Some requests are cancelled by the caller after a while (waiting, or in flight).
      cancelAfter: fc.option(fc.integer({ min: 1, max: 15 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(ask, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 1000 }), (asks, seed) => {
        const results: string[] = [];
        onVirtual({ latency: 1, jitter: 3, duplicate: 0.3, seed }, (net) => {
          const peers = ['10.0.0.1', '10.0.0.3'];
          for (const host of peers) {
            const srv = net.createUDPSocket('udp4', { host });
            srv.onMessage(({ message, remoteInfo }) => {
              const question = textOf({ message } as UDPMessageResult);
              const delay = Number(question.split('/')[2]);
              net.scheduler.schedule(() => srv.send({ address: remoteInfo.address, port: remoteInfo.port, message: `answer to ${question}` }), delay);
            });
            srv.bind(53);
          }
          const rx = client(net, '10.0.0.2', { 'one.test': '10.0.0.1', 'three.test': '10.0.0.3' });
          const match = (reply: UDPMessageResult, question: string): boolean => textOf(reply) === `answer to ${question}`;
          asks.forEach(({ kind: k, peer, at, delay, cancelAfter }, i) => {
            const question = `${i}/${k}/${delay}`;
            const target =
              k === 'matched-hostname'
                ? { address: peer === 0 ? 'one.test' : 'three.test', port: 53 }
                : k === 'broadcast'
                  ? { address: '10.0.0.255', port: 53, setBroadcast: true }
                  : { address: peers[peer]!, port: 53 };
            // Late answers come within delay 8 + 2 × (latency 1 + jitter 3) = 16 frames: timeout 20 and settle 8 cover them.
            const options = k === 'plain' ? { timeout: 20, settle: 8 } : { timeout: 20, match };
            net.scheduler.schedule(
              () =>
                of(question)
                  .pipe(request(rx, target, options), cancelAfter === undefined ? (source) => source : rxTimeout(cancelAfter))
                  .subscribe({
                    next: (m) => results.push(`${question} <- ${textOf(m)}`),
                    error: (e: UDPSocketError) => results.push(`${question} x ${e.code ?? e.name}`),
                  }),
              at,
            );
          });
        });
        // every request ended (answered, timed out or cancelled): none waits forever behind another
        expect(results).toHaveLength(asks.length);
        for (const r of results) {
          const [question, answer] = r.split(' <- ');
          if (answer !== undefined) expect(answer).toBe(`answer to ${question}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
