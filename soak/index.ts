/**
 * `npm run soak`: a bounded soak and fault suite on loopback (about 2 minutes; `--quick` about
 * 20 s, run in CI). Each stage checks invariants — counts, never timings — and the run exits
 * non-zero when one fails.
 *
 * 1. Lifecycle churn: sockets created, bound, used and closed, and wrapper subscriptions opened
 *    and closed, many times over; file descriptors, active handles and the heap come back to
 *    their baseline and no listener is left on the socket.
 * 2. Request/reply with ids across two processes: single-shot requests, 64 in flight, against an
 *    echo server in a child process that also duplicates some answers; no answer may pair with
 *    the wrong question. Throughput and heap are printed as it runs.
 * 3. Faults: peer gone (ECONNREFUSED), EMSGSIZE, ENOTFOUND through an injected lookup, close with
 *    requests pending, EADDRINUSE then a retry.
 *
 *   npx tsx soak/index.ts [--quick]      table on stdout, JSON in soak/results/
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { EMPTY, Subject, catchError, firstValueFrom, map, mergeMap, of, take, tap, timeout } from 'rxjs';
import {
  createUDPSocket,
  fromUDPSocket,
  request,
  type UDPLookupFunction,
  type UDPMessageResult,
  type UDPSocket,
  type UDPSocketError,
} from '../src/node';
import { listenerCount } from '../src/socket/udp-socket';

const quick = process.argv.includes('--quick');
const LOOPBACK = '127.0.0.1';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Check {
  stage: string;
  name: string;
  value: string;
  pass: boolean;
}
const checks: Check[] = [];
const report: Record<string, unknown> = { date: new Date().toISOString(), quick, node: process.version };

function check(stage: string, name: string, value: string, pass: boolean): void {
  checks.push({ stage, name, value, pass });
  process.stdout.write(`${pass ? 'ok  ' : 'FAIL'}  ${stage}: ${name} — ${value}\n`);
}

const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;
const handles = (): number => process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'Timeout').length;
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MB`;

function closed(socket: UDPSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.onClose(() => resolve());
    socket.close();
  });
}

/** One socket's whole life: bind, send to itself, receive, close. */
async function lifecycle(): Promise<void> {
  const socket = createUDPSocket('udp4');
  const got = new Promise<void>((resolve) => socket.onMessage(() => resolve()));
  const port = socket.bind(0, LOOPBACK);
  socket.send({ address: LOOPBACK, port, message: 'x' });
  await got;
  await closed(socket);
}

async function churn(): Promise<void> {
  const sockets = quick ? 2_000 : 20_000;
  const cycles = quick ? 20_000 : 200_000;
  await lifecycle(); // warm-up: modules, JIT, the first handles
  await delay(50);
  const before = { fds: fdCount(), handles: handles(), heap: heap() };
  for (let i = 0; i < sockets; i += 50) await Promise.all(Array.from({ length: Math.min(50, sockets - i) }, lifecycle));
  const socket = createUDPSocket('udp4');
  socket.bind(0, LOOPBACK);
  const rx = fromUDPSocket(socket);
  for (let i = 0; i < cycles; i++) {
    const a = rx.message$.subscribe();
    const b = rx.error$.subscribe();
    const c = rx.state$.subscribe();
    a.unsubscribe();
    b.unsubscribe();
    c.unsubscribe();
  }
  const leftListeners = (['message', 'error', 'listening', 'close'] as const).reduce((n, event) => n + (listenerCount(socket, event) ?? 0), 0);
  await closed(socket);
  await delay(100);
  const after = { fds: fdCount(), handles: handles(), heap: heap() };
  report['churn'] = { sockets, cycles, before, after, leftListeners };
  check('churn', `${sockets.toLocaleString('en-US')} socket lifecycles: file descriptors back to baseline`, `${before.fds} → ${after.fds}`, after.fds <= before.fds);
  check('churn', 'active handles back to baseline', `${before.handles} → ${after.handles}`, after.handles <= before.handles);
  check('churn', 'heap back to baseline (within 5 MB)', `${mb(before.heap)} → ${mb(after.heap)}`, after.heap - before.heap < 5 * 1048576);
  check('churn', `${cycles.toLocaleString('en-US')} wrapper subscribe/unsubscribe cycles leave no socket listener`, String(leftListeners), leftListeners === 0);
}

function startEcho(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(__dirname, 'echo-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`echo child exited with ${code}`)));
  });
}

async function requestReply(): Promise<void> {
  const seconds = quick ? 8 : 70;
  const every = quick ? 4 : 10;
  const { child, port } = await startEcho();
  const socket = createUDPSocket('udp4');
  socket.bind(0, LOOPBACK);
  const rx = fromUDPSocket(socket);
  const target = { address: LOOPBACK, port };
  const idOf = (text: string): string => text.slice(0, text.indexOf(':'));
  const decoder = new TextDecoder();
  const textOf = (m: UDPMessageResult): string => decoder.decode(m.message);
  const options = { timeout: 500, retries: 2, match: (reply: UDPMessageResult, question: string) => idOf(textOf(reply)) === idOf(question) };
  let answered = 0;
  let mismatches = 0;
  let timeouts = 0;
  let otherErrors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const samples: Array<{ t: number; requestsPerSecond: number; heap: number }> = [];
  let lastAnswered = 0;
  let lastT = started;
  const ticker = setInterval(() => {
    const now = performance.now();
    const rate = ((answered - lastAnswered) * 1000) / (now - lastT);
    lastAnswered = answered;
    lastT = now;
    const used = process.memoryUsage().heapUsed;
    samples.push({ t: Math.round((now - started) / 1000), requestsPerSecond: Math.round(rate), heap: used });
    process.stdout.write(`      ${Math.round((now - started) / 1000)} s: ${Math.round(rate).toLocaleString('en-US')} requests/s, heap ${mb(used)}, ${answered.toLocaleString('en-US')} answered, ${mismatches} mismatches\n`);
  }, every * 1000);
  const questions = new Subject<string>();
  const done = new Promise<void>((resolve) => {
    let inFlight = 0;
    const ask = (): void => {
      if (performance.now() >= deadline) {
        if (inFlight === 0) resolve();
        return;
      }
      questions.next(`${next++}:${'x'.repeat(next % 50)}`);
    };
    questions
      .pipe(
        mergeMap((question) => {
          inFlight++;
          return of(question).pipe(
            request(rx, target, options),
            map((reply) => [question, textOf(reply)] as const),
            catchError((error: UDPSocketError) => {
              if (error.code === 'ETIMEDOUT') timeouts++;
              else otherErrors++;
              return EMPTY;
            }),
            tap({
              finalize: () => {
                inFlight--;
                ask();
              },
            }),
          );
        }),
      )
      .subscribe(([question, answer]) => {
        answered++;
        if (answer !== question) mismatches++;
      });
    for (let i = 0; i < 64; i++) ask();
  });
  await done;
  clearInterval(ticker);
  const elapsed = (performance.now() - started) / 1000;
  const serverAnswered = await new Promise<number>((resolve) => {
    child.once('message', (message: { answered: number }) => resolve(message.answered));
    child.send({ type: 'stop' });
  });
  await closed(socket);
  report['requestReply'] = { seconds: elapsed, asked: next, answered, mismatches, timeouts, otherErrors, serverAnswered, requestsPerSecond: answered / elapsed, samples };
  check('request/reply', `${next.toLocaleString('en-US')} requests with ids across two processes, 64 in flight: no answer pairs with another question`, `${mismatches} mismatches`, mismatches === 0);
  check('request/reply', 'requests answered (duplicated answers dropped, not counted twice)', `${answered.toLocaleString('en-US')} of ${next.toLocaleString('en-US')}, ${timeouts} timed out, ${(answered / elapsed).toFixed(0)}/s`, answered > 0 && answered + timeouts + otherErrors === next && otherErrors === 0);
}

/** The first error code a socket reports (through `sendWithCallback` when given a send). */
function outcome(socket: UDPSocket, send: Parameters<UDPSocket['send']>[0]): Promise<string> {
  return new Promise((resolve) => socket.sendWithCallback(send, (error) => resolve(error === null ? 'ok' : error.code)));
}

async function faults(): Promise<void> {
  // Peer gone: a connected socket's request fails at once with ECONNREFUSED.
  {
    const gone = createUDPSocket('udp4');
    const port = gone.bind(0, LOOPBACK);
    await closed(gone);
    const socket = createUDPSocket('udp4');
    const rx = fromUDPSocket(socket);
    rx.connect({ address: LOOPBACK, port });
    const started = performance.now();
    const code = await firstValueFrom(
      of('a', 'b').pipe(
        request(rx, { address: LOOPBACK, port }, { timeout: 30_000 }),
        map(() => 'answered'),
        catchError((error: UDPSocketError) => of(error.code)),
      ),
    );
    const ms = performance.now() - started;
    await closed(socket);
    check('faults', 'peer gone: a pending request fails with ECONNREFUSED, not after its 30 s timeout', `${code} after ${ms.toFixed(0)} ms`, code === 'ECONNREFUSED' && ms < 30_000);
  }
  // EMSGSIZE.
  {
    const socket = createUDPSocket('udp4');
    socket.bind(0, LOOPBACK);
    const code = await outcome(socket, { address: LOOPBACK, port: 9, message: new Uint8Array(70_000) });
    await closed(socket);
    check('faults', 'a 70,000-byte datagram fails with EMSGSIZE', code, code === 'EMSGSIZE');
  }
  // ENOTFOUND through an injected lookup (never the machine's resolver).
  {
    const lookup: UDPLookupFunction = (hostname, _family, callback) =>
      setTimeout(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4), 1);
    const socket = createUDPSocket('udp4', { lookup });
    const code = await outcome(socket, { address: 'soak.invalid', port: 9, message: 'x' });
    await closed(socket);
    check('faults', 'a name the lookup does not know fails with ENOTFOUND', code, code === 'ENOTFOUND');
  }
  // Close with requests pending.
  {
    const silent = createUDPSocket('udp4');
    const port = silent.bind(0, LOOPBACK);
    const socket = createUDPSocket('udp4');
    const rx = fromUDPSocket(socket);
    const codes = new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) {
        of(`${i}:q`)
          .pipe(
            request(rx, { address: LOOPBACK, port }, { timeout: 30_000, match: () => true }),
            catchError((error: UDPSocketError) => of(error.code)),
            take(1),
            timeout({ first: 5_000, with: () => of('hung') }),
          )
          .subscribe((code) => {
            seen.push(String(code));
            if (seen.length === 5) resolve(seen);
          });
      }
    });
    await delay(20);
    rx.close();
    const all = await codes;
    await closed(silent);
    check('faults', 'closing the socket with 5 requests pending fails each with ERR_SOCKET_DGRAM_NOT_RUNNING', all.join(', '), all.every((c) => c === 'ERR_SOCKET_DGRAM_NOT_RUNNING'));
  }
  // EADDRINUSE, then a retry on port 0.
  {
    const first = createUDPSocket('udp4');
    const port = first.bind(0, LOOPBACK);
    const second = createUDPSocket('udp4');
    const error = new Promise<string>((resolve) => second.onError(({ code }) => resolve(code)));
    const returned = second.bind(port, LOOPBACK);
    const code = await error;
    const retried = second.bind(0, LOOPBACK);
    await closed(second);
    await closed(first);
    check('faults', 'binding a taken port reports EADDRINUSE (bind returns 0); a retry on port 0 binds', `${code}, bind ${returned}, retry port ${retried > 0 ? 'bound' : 0}`, code === 'EADDRINUSE' && returned === 0 && retried > 0);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`rxjs-udp soak${quick ? ' (quick)' : ''} — node ${process.version}\n`);
  for (const [name, stage] of [
    ['churn', churn],
    ['request/reply', requestReply],
    ['faults', faults],
  ] as const) {
    process.stdout.write(`\n== ${name}\n`);
    try {
      await stage();
    } catch (error) {
      check(name, 'stage ran to its end', String(error), false);
    }
  }
  report['checks'] = checks;
  report['seconds'] = (performance.now() - started) / 1000;
  const out = path.join(__dirname, 'results', quick ? 'quick.json' : 'latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const failed = checks.filter((c) => !c.pass).length;
  process.stdout.write(`\n${((performance.now() - started) / 1000).toFixed(0)} s; JSON in ${path.relative(process.cwd(), out)}\n`);
  process.stdout.write(`${checks.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

void main();
