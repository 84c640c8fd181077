/**
 * Receive rate: 64-byte datagrams from the peer process, each subject in turn (rotated every
 * round), counting what the consumer got against what the peer sent.
 *
 * Three measurements, all interleaved across subjects:
 * 1. saturation — the peer sends as fast as it can: the delivered rate, the loss, the CPU time
 *    per datagram;
 * 2. CPU cost at one common paced rate that every subject receives without loss: receiver CPU
 *    (user + system, GC threads included) per datagram, whose inverse is the capacity of a
 *    receiver bound by one core — robust against other load on the machine;
 * 3. lossless — per subject, a bisection on the paced rate for the highest rate received with
 *    loss <= 0.1 % (the figure of DESIGN.md §4). When the bisection reaches what the peer can
 *    send (a node sender on a 2-core machine tops out near a node receiver), the subject is
 *    flagged `senderLimited` and the ratio falls back on the CPU cost (`basis: 'cpu'`).
 */
import type { BenchContext, Figure } from './context';
import { collectGarbage, nowMs, pairedRatios, rotate, sleep, summarize, type Summary } from './stats';
import { PAYLOAD_SIZE, type ReceiverSubject } from './subjects';

/** A rate counts as lossless at or below this loss. */
export const LOSSLESS_THRESHOLD = 0.001;

export interface ReceiveProbe {
  subject: string;
  /** The paced rate asked of the peer; 0 means unpaced. */
  offered: number;
  sent: number;
  received: number;
  elapsedMs: number;
  /** `sent / elapsed`: what the peer achieved. */
  sentRate: number;
  /** `received / elapsed`. */
  deliveredRate: number;
  loss: number;
  cpuUsPerDatagram: number;
}

export interface ReceiveSubjectResult {
  label: string;
  baseline: boolean;
  /** Delivered datagrams/s with the peer unpaced. */
  saturated: Figure;
  /** Loss at saturation (0–1). */
  saturatedLoss: Figure;
  /** Receiver CPU (user + system) per delivered datagram at saturation, in µs. */
  cpuUsPerDatagram: Figure;
  /** Receiver CPU per datagram at the common lossless rate, in µs. */
  cpuUsAtCommonRate: Figure;
  /** Loss at the common rate (should be 0). */
  commonRateLoss: Figure;
  /** `1e6 / cpuUsAtCommonRate`: datagrams/s one fully busy core would receive. */
  cpuCapacity: Figure;
  /** Highest paced rate received with loss <= 0.1 %, datagrams/s (NaN where never confirmed). */
  lossless: Figure;
  /** True when the search reached what the peer can send: the lossless rate is the sender's limit. */
  senderLimited: boolean;
  /** Ratio to the baseline and what it is based on: the lossless rates, or the CPU costs. */
  ratio: number;
  basis: 'lossless' | 'cpu';
  /** Per-round (per-rep for lossless) ratios to the baseline on that basis. */
  ratios: Summary;
  /** Baseline CPU per datagram over this subject's, per saturation round (> 1: cheaper than raw). */
  saturatedCpuRatios: Summary;
}

export interface ReceiveResult {
  probeMs: number;
  rounds: number;
  searchReps: number;
  searchProbes: number;
  /** The fastest the peer sent in the saturation probes, datagrams/s. */
  senderMax: number;
  /** The paced rate of the CPU-cost measurement, datagrams/s... */
  commonRate: number;
  /** ...its rounds and probe length. */
  commonRounds: number;
  commonProbeMs: number;
  subjects: Record<string, ReceiveSubjectResult>;
  probes: ReceiveProbe[];
}

async function probe(ctx: BenchContext, subject: ReceiverSubject, rate: number, durationMs: number): Promise<ReceiveProbe> {
  collectGarbage();
  const receiver = await subject.open();
  const cpu0 = process.cpuUsage();
  const count = rate > 0 ? Math.ceil((rate * durationMs) / 1000) : 1e9;
  const blast = await ctx.peer.blast({ port: receiver.port, rate, size: PAYLOAD_SIZE, durationMs, count });
  // Let the receiver drain its socket buffer: wait until the count stops moving.
  const drainStart = nowMs();
  let last = -1;
  while (receiver.received() !== last && nowMs() - drainStart < 500) {
    last = receiver.received();
    await sleep(15);
  }
  const cpu = process.cpuUsage(cpu0);
  const received = receiver.received();
  if (received > 0 && receiver.bytes() !== received * PAYLOAD_SIZE) throw new Error(`${subject.id}: wrong byte count`);
  receiver.close();
  const seconds = blast.elapsedMs / 1000;
  return {
    subject: subject.id,
    offered: rate,
    sent: blast.sent,
    received,
    elapsedMs: blast.elapsedMs,
    sentRate: blast.sent / seconds,
    deliveredRate: received / seconds,
    loss: blast.sent > 0 ? Math.max(0, 1 - received / blast.sent) : 0,
    cpuUsPerDatagram: received > 0 ? (cpu.user + cpu.system) / received : NaN,
  };
}

const fmt = (rate: number): string => `${Math.round(rate / 1000)}k/s`;

/**
 * Runs the receive figures.
 * @param subjects - the baseline first, then the subjects compared with it.
 */
export async function benchReceive(ctx: BenchContext, subjects: ReceiverSubject[], stageIndex: number): Promise<ReceiveResult> {
  const quick = ctx.quick;
  const probeMs = quick ? 300 : 1000;
  const rounds = quick ? 2 : 5;
  // The CPU cost is the figure that decides the ratio on a 2-core machine: more, shorter rounds.
  const commonRounds = quick ? 2 : 15;
  const commonProbeMs = quick ? 300 : 700;
  const searchReps = quick ? 1 : 3;
  const searchProbes = quick ? 4 : 6;
  const probes: ReceiveProbe[] = [];

  // Warm-up: one short unpaced probe each, not recorded (JIT, first socket).
  ctx.progress.begin('receive: warm-up', subjects.length, stageIndex);
  for (const subject of subjects) {
    await probe(ctx, subject, 0, 200);
    ctx.progress.update(subject.id);
  }

  ctx.progress.begin('receive: saturation', rounds * subjects.length, stageIndex);
  const saturation = new Map<string, ReceiveProbe[]>(subjects.map((s) => [s.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of rotate(subjects, round)) {
      const result = await probe(ctx, subject, 0, probeMs);
      probes.push(result);
      saturation.get(subject.id)!.push(result);
      ctx.progress.update(`round ${round + 1}/${rounds} ${subject.id}: ${fmt(result.deliveredRate)} delivered, ${(result.loss * 100).toFixed(1)}% loss`);
    }
  }
  const senderMax = Math.max(...probes.map((p) => p.sentRate));

  // CPU cost at a rate every subject takes without loss (the peer paces it reliably).
  const commonRate = Math.round(0.6 * senderMax);
  ctx.progress.begin(`receive: CPU per datagram at ${fmt(commonRate)}`, commonRounds * subjects.length, stageIndex);
  const common = new Map<string, ReceiveProbe[]>(subjects.map((s) => [s.id, []]));
  for (let round = 0; round < commonRounds; round++) {
    for (const subject of rotate(subjects, round + 1)) {
      const result = await probe(ctx, subject, commonRate, commonProbeMs);
      probes.push(result);
      common.get(subject.id)!.push(result);
      ctx.progress.update(`round ${round + 1}/${commonRounds} ${subject.id}: ${result.cpuUsPerDatagram.toFixed(2)} µs/datagram, ${(result.loss * 100).toFixed(2)}% loss`);
    }
  }

  // Lossless search: per subject a bracket [lo (lossless), hi (lossy)] around its capacity.
  ctx.progress.begin('receive: lossless search', searchReps * searchProbes * subjects.length, stageIndex + 1);
  const lossless = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  const reachedSender = new Map<string, number>(subjects.map((s) => [s.id, 0]));
  for (let rep = 0; rep < searchReps; rep++) {
    const brackets = new Map(
      subjects.map((s) => {
        const saturated = summarize(saturation.get(s.id)!.map((p) => p.deliveredRate)).median;
        const cpu = summarize(common.get(s.id)!.map((p) => p.cpuUsPerDatagram)).median;
        const capacity = Math.min(saturated * 1.1, 1e6 / cpu);
        const hi = Math.min(Math.max(1.2 * capacity, saturated), senderMax);
        return [s.id, { lo: 0.5 * hi, hi, confirmed: false, top: hi }];
      }),
    );
    for (let step = 0; step < searchProbes; step++) {
      for (const subject of rotate(subjects, step + rep)) {
        const bracket = brackets.get(subject.id)!;
        if (step > 0 && bracket.hi <= bracket.lo * 1.005) {
          ctx.progress.update(`rep ${rep + 1}/${searchReps} ${subject.id}: settled at ${fmt(bracket.lo)}`);
          continue;
        }
        // First probe at the top: lossless there means the sender is the limit.
        const rate = step === 0 ? bracket.top : Math.round(Math.sqrt(bracket.lo * bracket.hi));
        const result = await probe(ctx, subject, rate, probeMs);
        probes.push(result);
        const paced = result.sentRate >= 0.97 * rate;
        if (result.loss <= LOSSLESS_THRESHOLD) {
          bracket.lo = Math.max(bracket.lo, Math.min(rate, result.sentRate));
          bracket.confirmed = true;
          if (step === 0 || !paced) bracket.hi = bracket.lo; // nothing above to find
          if (step === 0) reachedSender.set(subject.id, reachedSender.get(subject.id)! + 1);
        } else if (paced) {
          bracket.hi = rate;
        }
        ctx.progress.update(
          `rep ${rep + 1}/${searchReps} ${subject.id} @ ${fmt(rate)}: ${(result.loss * 100).toFixed(2)}% loss -> [${fmt(bracket.lo)}, ${fmt(bracket.hi)}]`,
        );
      }
    }
    for (const [id, bracket] of brackets) lossless.get(id)!.push(bracket.confirmed ? bracket.lo : NaN);
  }

  const results: Record<string, ReceiveSubjectResult> = {};
  for (const subject of subjects) {
    const runs = saturation.get(subject.id)!;
    const commonRuns = common.get(subject.id)!;
    results[subject.id] = {
      label: subject.label,
      baseline: subject.baseline === true,
      saturated: summarize(runs.map((p) => p.deliveredRate)),
      saturatedLoss: summarize(runs.map((p) => p.loss)),
      cpuUsPerDatagram: summarize(runs.map((p) => p.cpuUsPerDatagram)),
      cpuUsAtCommonRate: summarize(commonRuns.map((p) => p.cpuUsPerDatagram)),
      commonRateLoss: summarize(commonRuns.map((p) => p.loss)),
      cpuCapacity: summarize(commonRuns.map((p) => 1e6 / p.cpuUsPerDatagram)),
      lossless: summarize(lossless.get(subject.id)!),
      senderLimited: reachedSender.get(subject.id)! > searchReps / 2,
      ratio: NaN,
      basis: 'lossless',
      ratios: summarize([]),
      saturatedCpuRatios: summarize([]),
    };
  }
  const baseId = subjects[0]!.id;
  // One basis for every subject: the lossless rates only when no subject reached the sender's limit.
  const byLossless = Object.values(results).every((r) => !r.senderLimited && Number.isFinite(r.lossless.median));
  for (const subject of subjects) {
    const result = results[subject.id]!;
    result.basis = byLossless ? 'lossless' : 'cpu';
    result.ratios = byLossless
      ? pairedRatios(lossless.get(subject.id)!, lossless.get(baseId)!)
      : pairedRatios(common.get(subject.id)!.map((p) => p.cpuUsPerDatagram), common.get(baseId)!.map((p) => p.cpuUsPerDatagram), true);
    result.ratio = result.ratios.median;
    result.saturatedCpuRatios = pairedRatios(
      saturation.get(subject.id)!.map((p) => p.cpuUsPerDatagram),
      saturation.get(baseId)!.map((p) => p.cpuUsPerDatagram),
      true,
    );
  }
  return { probeMs, rounds, commonRounds, commonProbeMs, searchReps, searchProbes, senderMax, commonRate, subjects: results, probes };
}
