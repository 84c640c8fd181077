/**
 * Send rate: each subject sends 64-byte datagrams to a sink in the peer process in batches,
 * waiting for the batch's completions before the next one, for a fixed time; subjects rotate
 * every round. The rate is datagrams handed to the OS per second.
 */
import type { BenchContext, Figure } from './context';
import { collectGarbage, nowMs, pairedRatios, rotate, summarize, type Summary } from './stats';
import type { SenderSubject } from './subjects';

const BATCH = 500;

export interface SendSubjectResult {
  label: string;
  baseline: boolean;
  /** Datagrams handed to the OS per second. */
  rate: Figure;
  /** Share of the datagrams the sink counted (the sink is on the other core; informative only). */
  delivered: Figure;
  /** CPU time (user + system) of the bench process per datagram sent, µs: robust to other load. */
  cpuUsPerDatagram: Figure;
  errors: number;
  /** Median of the per-round rate ratios to the baseline. */
  ratio: number;
  ratios: Summary;
  /** Ratio of the baseline's CPU per datagram to this subject's (> 1: cheaper than raw). */
  cpuRatios: Summary;
}

export interface SendResult {
  trialMs: number;
  rounds: number;
  batch: number;
  subjects: Record<string, SendSubjectResult>;
}

interface Trial {
  rate: number;
  cpuUs: number;
  delivered: number;
  errors: number;
}

async function trial(ctx: BenchContext, subject: SenderSubject, sinkPort: number, durationMs: number): Promise<Trial> {
  collectGarbage();
  const sender = await subject.open(sinkPort);
  await sender.run(BATCH); // first sends: implicit paths, JIT
  const before = await ctx.peer.readSink();
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  let sent = 0;
  let elapsed = 0;
  do {
    await sender.run(BATCH);
    sent += BATCH;
    elapsed = nowMs() - t0;
  } while (elapsed < durationMs);
  const cpu = process.cpuUsage(cpu0);
  const errors = sender.errors();
  sender.close();
  // Datagrams still in flight on loopback arrive within a few ms.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = await ctx.peer.readSink();
  return { rate: (sent / elapsed) * 1000, cpuUs: (cpu.user + cpu.system) / sent, delivered: (after - before) / (sent + BATCH), errors };
}

export async function benchSend(ctx: BenchContext, subjects: SenderSubject[], stageIndex: number): Promise<SendResult> {
  const trialMs = ctx.quick ? 200 : 500;
  const rounds = ctx.quick ? 3 : 15;
  const sinkPort = await ctx.peer.openSink();
  ctx.progress.begin('send', (rounds + 1) * subjects.length, stageIndex);
  for (const subject of subjects) {
    await trial(ctx, subject, sinkPort, 200); // warm-up, not recorded
    ctx.progress.update(`warm-up ${subject.id}`);
  }
  const trials = new Map<string, Trial[]>(subjects.map((s) => [s.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of rotate(subjects, round)) {
      const result = await trial(ctx, subject, sinkPort, trialMs);
      trials.get(subject.id)!.push(result);
      ctx.progress.update(`round ${round + 1}/${rounds} ${subject.id}: ${Math.round(result.rate / 1000)}k/s, ${result.cpuUs.toFixed(2)} µs CPU/datagram`);
    }
  }
  const results: Record<string, SendSubjectResult> = {};
  for (const subject of subjects) {
    const runs = trials.get(subject.id)!;
    results[subject.id] = {
      label: subject.label,
      baseline: subject.baseline === true,
      rate: summarize(runs.map((t) => t.rate)),
      delivered: summarize(runs.map((t) => t.delivered)),
      cpuUsPerDatagram: summarize(runs.map((t) => t.cpuUs)),
      errors: runs.reduce((sum, t) => sum + t.errors, 0),
      ratio: NaN,
      ratios: summarize([]),
      cpuRatios: summarize([]),
    };
  }
  const base = trials.get(subjects[0]!.id)!;
  for (const subject of subjects) {
    const runs = trials.get(subject.id)!;
    const result = results[subject.id]!;
    result.ratios = pairedRatios(runs.map((t) => t.rate), base.map((t) => t.rate));
    result.cpuRatios = pairedRatios(runs.map((t) => t.cpuUs), base.map((t) => t.cpuUs), true);
    result.ratio = result.ratios.median;
  }
  return { trialMs, rounds, batch: BATCH, subjects: results };
}
