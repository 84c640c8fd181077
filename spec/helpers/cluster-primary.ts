/**
 * A node:cluster primary and its workers in one script, for spec/node/cluster.spec.ts (run as
 * `node --import tsx spec/helpers/cluster-primary.ts <scenario>`; the workers inherit --import tsx).
 *
 * Scenarios:
 * - `shared`: two workers bind one port (found free by the primary, as a deployment's fixed port
 *   would be); a sender on loopback then sends until each worker got datagrams (bounded).
 * - `exclusive`: the first worker binds port 0 with `exclusive: true`, the second binds that
 *   port with `exclusive: true` too.
 * - `any-port`: both workers call `bind()` without a port (WeChat's "a random free port for this
 *   socket"), without `exclusive`.
 *
 * Prints one JSON line: what each worker's bind() returned, its onListening port or onError
 * code, the datagrams each received and how many were sent. Every wait is bounded; exits by itself.
 */
import cluster from 'node:cluster';
import * as dgram from 'node:dgram';
import { createUDPSocket } from '../../src/node';

type Scenario = 'shared' | 'exclusive' | 'any-port';

interface BindCommand {
  type: 'bind';
  /** undefined: `bind()` without a port. */
  port: number | undefined;
  exclusive: boolean;
}

type WorkerReport =
  | { type: 'bound'; returned: number; listening: number | null; error: string | null }
  | { type: 'message' }
  | { type: 'ready' };

const LIMIT_MS = 15_000;

function worker(): void {
  let socket: ReturnType<typeof createUDPSocket> | undefined;
  process.on('message', (command: BindCommand | { type: 'close' }) => {
    if (command.type === 'close') {
      socket?.close();
      process.disconnect();
      return;
    }
    socket = createUDPSocket('udp4', { exclusive: command.exclusive });
    let returned = -1;
    const report = (listening: number | null, error: string | null): void => {
      process.send!({ type: 'bound', returned, listening, error } satisfies WorkerReport);
    };
    socket.onListening(({ port }) => report(port, null));
    socket.onError(({ code }) => report(null, code));
    socket.onMessage(() => process.send!({ type: 'message' } satisfies WorkerReport));
    returned = command.port === undefined ? socket.bind() : socket.bind(command.port, '127.0.0.1');
  });
  process.send!({ type: 'ready' });
}

async function freePort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(resolve));
  return port;
}

async function primary(scenario: Scenario): Promise<void> {
  const deadline = setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ error: 'timed out' })}\n`);
    process.exit(2);
  }, LIMIT_MS);
  const workers = [cluster.fork(), cluster.fork()];
  const bound: Array<Extract<WorkerReport, { type: 'bound' }>> = [];
  const received = [0, 0];
  const bind = (index: number, command: BindCommand): Promise<Extract<WorkerReport, { type: 'bound' }>> =>
    new Promise((resolve) => {
      const w = workers[index]!;
      w.on('message', (report: WorkerReport) => {
        if (report.type === 'bound') resolve(report);
        else if (report.type === 'message') received[index]!++;
      });
      w.send(command);
    });
  // 'online' comes before the worker's script has loaded: wait for its own word.
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  let sent = 0;
  if (scenario === 'shared') {
    const port = await freePort();
    bound.push(...(await Promise.all([0, 1].map((i) => bind(i, { type: 'bind', port, exclusive: false })))));
    if (bound.every((b) => b.listening === port)) {
      const sender = dgram.createSocket('udp4');
      const payload = Buffer.from('hello workers');
      // Bursts until both workers got some (each datagram goes to whichever worker reads first).
      while (sent < 2000 && received.some((n) => n === 0)) {
        for (let i = 0; i < 20; i++, sent++) sender.send(payload, port, '127.0.0.1');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const until = Date.now() + 2000;
      while (received[0]! + received[1]! < sent && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      sender.close();
    }
  } else if (scenario === 'any-port') {
    bound.push(...(await Promise.all([0, 1].map((i) => bind(i, { type: 'bind', port: undefined, exclusive: false })))));
  } else {
    const first = await bind(0, { type: 'bind', port: 0, exclusive: true });
    bound.push(first);
    bound.push(await bind(1, { type: 'bind', port: first.listening ?? 0, exclusive: true }));
  }
  process.stdout.write(`${JSON.stringify({ bound, received, sent })}\n`);
  for (const w of workers) w.send({ type: 'close' });
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.isDead() ? resolve(null) : w.once('exit', resolve)))));
  clearTimeout(deadline);
}

if (cluster.isPrimary) {
  primary(process.argv[2] as Scenario).catch((error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    process.exit(1);
  });
} else {
  worker();
}
