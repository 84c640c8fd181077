/**
 * Send rate: every subject sends 64-byte datagrams to a sink that never reads (the kernel drops
 * what its queue cannot hold), in samples of {@link BATCH} datagrams, each sample waiting for its
 * completions. Subjects stay open for the whole stage and take turns sample by sample, in an
 * order rotated every round, so each ratio compares samples taken milliseconds apart.
 *
 * Why this shape: against a sink that reads, the receiver on the other core and the shared
 * machine swung a subject's rate by ±30 % between 500 ms trials, and fifteen of them could not
 * tell 0.97× from 1.03×. A few hundred short paired samples can: identical subjects come out
 * within 1 % of each other.
 */
import type { BenchContext, Figure } from './context';
import { openDropSink } from './drop-sink';
import { runStageChild } from './child-stage';
import { iqr, nowMs, pairedRatios, summarize, takeTurns, type Summary } from './stats';
import type { Sender, SenderSubject } from './subjects';

/** Datagrams per sample. */
const BATCH = 500;

export interface SendSubjectResult {
  label: string;
  baseline: boolean;
  /** Datagrams handed to the OS per second, per sample. */
  rate: Figure;
  /** CPU time (user + system) of the bench process per datagram, µs, per sample. */
  cpuUsPerDatagram: Figure;
  errors: number;
  /** Median of the per-sample rate ratios to the baseline. */
  ratio: number;
  ratios: Summary;
  /** Interquartile range of the per-sample rate ratios (min–max over hundreds of samples says little). */
  ratioIqr: [number, number];
  /** Ratio of the baseline's CPU per datagram to this subject's (> 1: cheaper than raw). */
  cpuRatios: Summary;
}

export interface SendResult {
  /** Samples per subject. */
  rounds: number;
  batch: number;
  sink: string;
  subjects: Record<string, SendSubjectResult>;
}

interface Sample {
  rate: number;
  cpuUs: number;
}

async function sample(sender: Sender): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  await sender.run(BATCH);
  const elapsed = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rate: (BATCH / elapsed) * 1000, cpuUs: (cpu.user + cpu.system) / BATCH };
}

export async function benchSend(ctx: BenchContext, subjects: SenderSubject[], stageIndex: number): Promise<SendResult> {
  const rounds = ctx.quick ? 10 : 400;
  const sink = await openDropSink();
  const senders = new Map<string, Sender>();
  try {
    ctx.progress.begin('send', subjects.length + Math.ceil(rounds / 20), stageIndex);
    const samples = await takeTurns(ctx.progress, subjects, senders, (subject) => subject.open(sink.port), {
      rounds,
      warmUps: 20, // first sends: implicit paths, JIT
      sample,
      figure: (s) => s.rate,
    });
    const base = samples.get(subjects[0]!.id)!;
    const results: Record<string, SendSubjectResult> = {};
    for (const subject of subjects) {
      const runs = samples.get(subject.id)!;
      const ratios = pairedRatios(runs.map((s) => s.rate), base.map((s) => s.rate));
      results[subject.id] = {
        label: subject.label,
        baseline: subject.baseline === true,
        rate: summarize(runs.map((s) => s.rate)),
        cpuUsPerDatagram: summarize(runs.map((s) => s.cpuUs)),
        errors: senders.get(subject.id)!.errors(),
        ratio: ratios.median,
        ratios,
        ratioIqr: iqr(ratios),
        cpuRatios: pairedRatios(runs.map((s) => s.cpuUs), base.map((s) => s.cpuUs), true),
      };
    }
    return { rounds, batch: BATCH, sink: 'non-reading (kernel drops), other process', subjects: results };
  } finally {
    for (const sender of senders.values()) sender.close();
    sink.close();
  }
}

/**
 * The send stage again, in a fresh process that runs nothing else (`bench/send-child.ts`): the
 * least favourable case for rxjs-udp, where node's extra tick per raw send is cheapest.
 */
export async function benchSendFresh(ctx: BenchContext, stageIndex: number): Promise<SendResult> {
  ctx.progress.begin('send, fresh process', ctx.quick ? 8 : 27, stageIndex);
  return runStageChild<SendResult>('send-child.ts', ctx.quick ? ['--quick'] : [], 'send child', (detail, advance) => ctx.progress.update(detail, advance));
}
