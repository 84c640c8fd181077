/**
 * The memory probe, one per process (run with `--expose-gc`), driven by `bench/memory.ts`:
 *
 * - `flow <subject> <datagrams>`: a receiver of the subject takes a warm-up, a GC and a heap
 *   reading, then `<datagrams>` more datagrams from the peer, then a GC and a second reading;
 *   the growth is what the subscription kept.
 * - `sockets <subject> <count>`: heap (after GC) before and after opening `<count>` bound
 *   sockets of the subject, each with its message consumer; the figure is the cost of one.
 */
import { receiverById } from './subjects';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

export interface MemoryChildReport {
  received: number;
  heapBefore: number;
  heapAfter: number;
  heapPeak: number;
  arrayBuffersBefore: number;
  arrayBuffersAfter: number;
  rssAfter: number;
}

const WARMUP = 20_000;

function fullGc(): void {
  for (let i = 0; i < 3; i++) gc!();
}

const send = (message: object): void => {
  process.send?.(message);
};

async function flow(subjectId: string, target: number): Promise<void> {
  const receiver = await receiverById(subjectId).open();
  send({ type: 'ready', port: receiver.port });
  const wait = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (receiver.received() >= count) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
  await wait(WARMUP);
  fullGc();
  const before = process.memoryUsage();
  const start = receiver.received();
  let peak = before.heapUsed;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  await wait(start + target);
  clearInterval(sampler);
  send({ type: 'reached' });
  // The parent stops the sender; let the socket buffer drain, then read the heap.
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  let last = -1;
  while (receiver.received() !== last) {
    last = receiver.received();
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  fullGc();
  const after = process.memoryUsage();
  const report: MemoryChildReport = {
    received: receiver.received() - start,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapPeak: peak,
    arrayBuffersBefore: before.arrayBuffers,
    arrayBuffersAfter: after.arrayBuffers,
    rssAfter: after.rss,
  };
  receiver.close();
  send({ type: 'result', report });
}

async function sockets(subjectId: string, count: number): Promise<void> {
  const subject = receiverById(subjectId);
  // One socket first so that module-level state and JIT code are not charged to the others.
  const first = await subject.open();
  fullGc();
  const before = process.memoryUsage().heapUsed;
  const open = [];
  for (let i = 0; i < count; i++) open.push(await subject.open());
  fullGc();
  const after = process.memoryUsage().heapUsed;
  for (const receiver of open) receiver.close();
  first.close();
  send({ type: 'result', perSocket: (after - before) / count });
}

const [mode, subjectId, amount] = process.argv.slice(2);
process.on('disconnect', () => process.exit(0));
(mode === 'flow' ? flow(subjectId!, Number(amount)) : sockets(subjectId!, Number(amount))).then(
  () => setTimeout(() => process.exit(0), 10),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
