/**
 * Memory: heap growth after N datagrams through a subscription (target < 5 MB for 1,000,000
 * through `message$`), and the heap cost of one open socket. Each measurement runs in a fresh
 * child process with `--expose-gc` (`bench/memory-child.ts`); subjects alternate.
 */
import type { BenchContext, Figure } from './context';
import type { MemoryChildReport } from './memory-child';
import { forkBenchChild } from './peer-client';
import { fmtMB } from './report';
import { rotate, summarize } from './stats';
import { PAYLOAD_SIZE, type ReceiverSubject } from './subjects';

export interface MemorySubjectResult {
  label: string;
  baseline: boolean;
  /** Heap growth after GC, bytes, over `datagrams` datagrams. */
  heapGrowth: Figure;
  /** Highest heap used while receiving, bytes above the starting heap. */
  heapPeakAbove: Figure;
  /** Heap cost of one bound socket with its consumer, bytes. */
  perSocket: Figure;
  reports: MemoryChildReport[];
}

export interface MemoryResult {
  datagrams: number;
  sockets: number;
  rounds: number;
  subjects: Record<string, MemorySubjectResult>;
}

type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'reached' }
  | { type: 'result'; report?: MemoryChildReport; perSocket?: number };

const CHILD_TIMEOUT_MS = 180_000;

function runChild<T>(args: string[], onMessage: (message: ChildMessage, reply: (m: object) => void) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = forkBenchChild('memory-child.ts', args, ['--expose-gc']);
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      if (!settled) reject(new Error(`memory child ${args.join(' ')} timed out`));
    }, CHILD_TIMEOUT_MS);
    child.on('message', (message: ChildMessage) => {
      const result = onMessage(message, (m) => child.send(m));
      if (result !== undefined) {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`memory child ${args.join(' ')} exited with ${code}`));
    });
  });
}

async function flow(ctx: BenchContext, subject: ReceiverSubject, datagrams: number): Promise<MemoryChildReport> {
  let blasting: Promise<unknown> = Promise.resolve();
  const report = await runChild<MemoryChildReport>(['flow', subject.id, String(datagrams)], (message, reply) => {
    if (message.type === 'ready') {
      blasting = ctx.peer.blast({ port: message.port, rate: 0, size: PAYLOAD_SIZE, durationMs: 150_000, count: 1e9 });
    } else if (message.type === 'reached') {
      void ctx.peer.stopBlast().then(() => reply({ type: 'measure' }));
    } else if (message.type === 'result') {
      return message.report!;
    }
    return undefined;
  }).catch(async (error: unknown) => {
    await ctx.peer.stopBlast();
    throw error;
  });
  await blasting;
  return report;
}

function perSocket(subject: ReceiverSubject, count: number): Promise<number> {
  return runChild<number>(['sockets', subject.id, String(count)], (message) =>
    message.type === 'result' ? message.perSocket! : undefined,
  );
}

export async function benchMemory(ctx: BenchContext, subjects: ReceiverSubject[], stageIndex: number): Promise<MemoryResult> {
  const datagrams = ctx.quick ? 100_000 : 1_000_000;
  const rounds = ctx.quick ? 1 : 2;
  const sockets = ctx.quick ? 50 : 200;
  ctx.progress.begin(`memory: ${datagrams.toLocaleString('en-US')} datagrams, ${sockets} sockets`, rounds * subjects.length * 2, stageIndex);
  const reports = new Map<string, MemoryChildReport[]>(subjects.map((s) => [s.id, []]));
  const costs = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of rotate(subjects, round)) {
      const report = await flow(ctx, subject, datagrams);
      reports.get(subject.id)!.push(report);
      ctx.progress.update(`round ${round + 1}/${rounds} ${subject.id}: heap ${fmtMB(report.heapAfter - report.heapBefore)} after ${report.received.toLocaleString('en-US')} datagrams`);
      const cost = await perSocket(subject, sockets);
      costs.get(subject.id)!.push(cost);
      ctx.progress.update(`round ${round + 1}/${rounds} ${subject.id}: ${(cost / 1024).toFixed(1)} KiB per socket`);
    }
  }
  const results: Record<string, MemorySubjectResult> = {};
  for (const subject of subjects) {
    const runs = reports.get(subject.id)!;
    results[subject.id] = {
      label: subject.label,
      baseline: subject.baseline === true,
      heapGrowth: summarize(runs.map((r) => r.heapAfter - r.heapBefore)),
      heapPeakAbove: summarize(runs.map((r) => r.heapPeak - r.heapBefore)),
      perSocket: summarize(costs.get(subject.id)!),
      reports: runs,
    };
  }
  return { datagrams, sockets, rounds, subjects: results };
}

