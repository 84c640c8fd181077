/**
 * Several processes, one port: a `node:cluster` receiver whose workers share one UDP port.
 *
 * Each worker creates its socket and binds the same port, as with node:dgram: the primary opens
 * the socket once and hands it to every worker, and each datagram goes to whichever worker
 * reads it first. In a worker `bind()` is asynchronous (it returns 0): `listening$` (or
 * `onListening`) tells the port. `{ exclusive: true }` opts out (the worker binds alone);
 * `{ reusePort: true }` (Node >= 22.12) gives each worker its own socket on the port instead,
 * the kernel spreading datagrams over them by source address and port.
 *
 * For the demo the primary also sends: it waits until every worker listens, sends 400 datagrams
 * on loopback, collects each worker's count and exits. A deployment binds a fixed port
 * (`PORT=41234`) and lets the senders come; PM2's cluster mode runs the worker part the same way.
 *
 * Only a given port is shared: `bind()` / `bind(0)` in a worker is a free port of that socket
 * alone. So with PORT=0 the primary picks a free port first and hands it to the workers.
 *
 * Run it: `npx tsx examples/cluster-receiver.ts` (WORKERS=2, PORT=0: a free port the primary picks,
 * shared by all). spec/examples/cluster-receiver.spec.ts runs it too. Loopback only.
 */
import cluster from 'node:cluster';
import { firstValueFrom } from 'rxjs';
import { createUDPSocket, fromUDPSocket } from '../src/node';

const WORKERS = Number(process.env['WORKERS'] ?? 2);
const PORT = Number(process.env['PORT'] ?? 0);
const DATAGRAMS = 400;

type ToPrimary = { kind: 'listening'; port: number } | { kind: 'count'; received: number };
type ToWorker = { kind: 'count' } | { kind: 'stop' };

async function worker(): Promise<void> {
  const socket = fromUDPSocket(createUDPSocket('udp4'));
  let received = 0;
  const counting = socket.message$.subscribe(() => received++);
  const listening = firstValueFrom(socket.listening$);
  socket.bind(PORT, '127.0.0.1'); // 0 in a worker: the primary is opening the shared socket
  const { port } = await listening;
  process.send!({ kind: 'listening', port } satisfies ToPrimary);
  process.on('message', (message: ToWorker) => {
    if (message.kind === 'count') {
      process.send!({ kind: 'count', received } satisfies ToPrimary);
    } else {
      counting.unsubscribe();
      socket.close();
      process.disconnect();
    }
  });
}

/** A free port on loopback, for PORT=0 (an OS-chosen port is never shared: pick one to share). */
function freePort(): number {
  const probe = createUDPSocket('udp4');
  const port = probe.bind(0, '127.0.0.1');
  probe.close();
  return port;
}

/** Forks the workers, sends the demo traffic, prints one line per worker and a JSON summary. */
async function primary(): Promise<void> {
  const shared = PORT === 0 ? freePort() : PORT;
  const workers = Array.from({ length: WORKERS }, () => cluster.fork({ PORT: String(shared) }));
  const next = (w: (typeof workers)[number]): Promise<ToPrimary> => new Promise((resolve) => w.once('message', resolve));
  const ports = (await Promise.all(workers.map(next))).map((m) => (m.kind === 'listening' ? m.port : 0));
  const port = ports[0]!;
  console.log(`${WORKERS} workers listening on 127.0.0.1:${port} (${new Set(ports).size === 1 ? 'one shared port' : ports.join(', ')})`);

  const sender = createUDPSocket('udp4');
  for (let i = 0; i < DATAGRAMS; i++) {
    sender.send({ address: '127.0.0.1', port, message: `reading ${i}` });
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5)); // paced: nothing lost on loopback
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  sender.close();

  const counts = await Promise.all(
    workers.map((w) => {
      const answer = next(w);
      w.send({ kind: 'count' } satisfies ToWorker);
      return answer.then((m) => (m.kind === 'count' ? m.received : 0));
    }),
  );
  counts.forEach((n, i) => console.log(`worker ${i + 1}: ${n} datagrams`));
  for (const w of workers) w.send({ kind: 'stop' } satisfies ToWorker);
  console.log(JSON.stringify({ workers: WORKERS, ports, sent: DATAGRAMS, counts }));
}

if (cluster.isPrimary) {
  primary().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  worker().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
