/**
 * Cluster stage: receive capacity of node:cluster workers sharing one port, 1 worker vs 2.
 *
 * The primary (this process) forks three workers through `bench/cluster-worker.ts`: one binds
 * port A alone, two bind port B together (the shared socket node:cluster hands them). A sample
 * blocks the workers of one group (each stops its event loop until a common instant), queues a
 * backlog of 64-byte datagrams in their socket from this process, and measures how long the
 * group takes to drain it once released: capacity = datagrams / drain time. The sender is idle
 * while they drain, so both cores of the machine are the receivers'. Groups take turns sample
 * by sample; the figure is the ratio of the medians (and the median of the paired ratios).
 * Loopback only; every wait is bounded.
 */
import cluster, { type Worker } from 'node:cluster';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import type { BenchContext, Figure } from './context';
import { pairedRatios, sleep, summarize } from './stats';

/** Datagrams per sample: well inside the 4 MiB receive buffer (~1.2 KiB of it per 64-byte datagram). */
const BACKLOG = 2000;
const PAYLOAD = Buffer.alloc(64, 0x61);
const RECV_BUFFER = 4 * 1024 * 1024;
/** How long the workers stay blocked: IPC delivery, then the backlog sent (~10 ms), with margin. */
const BLOCK_MS = 120;

export interface ClusterResult {
  backlog: number;
  samples: number;
  /** Datagrams/s drained by one worker. */
  oneWorker: Figure;
  /** Datagrams/s drained by two workers sharing the port. */
  twoWorkers: Figure;
  /** twoWorkers / oneWorker, paired sample by sample. */
  ratio: Figure;
  /** Share of the backlog each of the two workers took (median of the first worker's share). */
  firstWorkerShare: Figure;
  /** Datagrams lost over all samples (should be 0), and samples discarded (sender too late). */
  lost: number;
  discarded: number;
}

type Reply = { kind: 'ready' } | { kind: 'listening'; port: number } | { kind: 'error'; code: string } | { kind: 'report'; received: number; lastNs: string };

function next(worker: Worker, kinds: Array<Reply['kind']>, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', onMessage);
      reject(new Error(`cluster worker did not answer ${kinds.join('/')} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply: Reply): void => {
      if (!kinds.includes(reply.kind)) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(reply);
    };
    worker.on('message', onMessage);
  });
}

async function freePort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(resolve));
  return port;
}

/** One backlog drained by `group`: datagrams/s, the per-worker counts, or undefined when the sender missed the window. */
async function sample(group: Worker[], port: number, sender: dgram.Socket): Promise<{ rate: number; counts: number[] } | undefined> {
  const untilNs = process.hrtime.bigint() + BigInt(BLOCK_MS) * 1_000_000n;
  for (const w of group) w.send({ kind: 'block', untilNs: untilNs.toString() });
  await sleep(40);
  for (let i = 0; i < BACKLOG; i++) sender.send(PAYLOAD, port, '127.0.0.1');
  const late = process.hrtime.bigint() > untilNs - 5_000_000n;
  await sleep(BLOCK_MS - 40 + 300);
  const reports = await Promise.all(
    group.map((w) => {
      const reply = next(w, ['report']);
      w.send({ kind: 'report' });
      return reply as Promise<Extract<Reply, { kind: 'report' }>>;
    }),
  );
  if (late) return undefined;
  const counts = reports.map((r) => r.received);
  const last = reports.reduce((max, r) => (BigInt(r.lastNs) > max ? BigInt(r.lastNs) : max), 0n);
  const drainS = Number(last - untilNs) / 1e9;
  const total = counts.reduce((a, b) => a + b, 0);
  return { rate: drainS > 0 ? total / drainS : NaN, counts };
}

export async function benchCluster(ctx: BenchContext, index: number): Promise<ClusterResult> {
  const rounds = ctx.quick ? 4 : 30;
  ctx.progress.begin('cluster: 1 vs 2 workers on one port', rounds, index);
  cluster.setupPrimary({ exec: path.join(__dirname, 'cluster-worker.ts'), silent: false });
  const workers = [cluster.fork(), cluster.fork(), cluster.fork()];
  const sender = dgram.createSocket('udp4');
  try {
    await Promise.all(workers.map((w) => next(w, ['ready'])));
    const [portA, portB] = [await freePort(), await freePort()];
    const bind = async (w: Worker, port: number): Promise<void> => {
      const reply = next(w, ['listening', 'error']);
      w.send({ kind: 'bind', port, recvBufferSize: RECV_BUFFER });
      const answer = await reply;
      if (answer.kind !== 'listening' || answer.port !== port) throw new Error(`cluster worker could not bind ${port}: ${JSON.stringify(answer)}`);
    };
    await bind(workers[0]!, portA);
    await bind(workers[1]!, portB);
    await bind(workers[2]!, portB);
    const one: number[] = [];
    const two: number[] = [];
    const shares: number[] = [];
    let lost = 0;
    let discarded = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which group goes first, so drift in the machine's load hits both alike.
      const order = round % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const);
      const pair: Partial<Record<'one' | 'two', number>> = {};
      for (const which of order) {
        const result = which === 'one' ? await sample([workers[0]!], portA, sender) : await sample([workers[1]!, workers[2]!], portB, sender);
        if (result === undefined) {
          discarded++;
          continue;
        }
        lost += BACKLOG - result.counts.reduce((a, b) => a + b, 0);
        pair[which] = result.rate;
        if (which === 'two') shares.push(result.counts[0]! / BACKLOG);
      }
      if (pair.one !== undefined && pair.two !== undefined) {
        one.push(pair.one);
        two.push(pair.two);
      }
      ctx.progress.update(`${round + 1}/${rounds}`);
    }
    const result: ClusterResult = {
      backlog: BACKLOG,
      samples: one.length,
      oneWorker: summarize(one),
      twoWorkers: summarize(two),
      ratio: pairedRatios(two, one),
      firstWorkerShare: summarize(shares),
      lost,
      discarded,
    };
    ctx.progress.update(`2 workers ${result.ratio.median.toFixed(2)}× 1 worker`);
    return result;
  } finally {
    sender.close();
    for (const w of workers) if (!w.isDead()) w.send({ kind: 'stop' });
    await Promise.race([Promise.all(workers.map((w) => (w.isDead() ? null : new Promise((resolve) => w.once('exit', resolve))))), sleep(3000)]);
    for (const w of workers) if (!w.isDead()) w.kill();
  }
}
