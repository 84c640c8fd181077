/**
 * Receive rate: 64-byte datagrams from the peer process, each subject in turn (rotated every
 * round), counting what the consumer got against what the peer sent.
 *
 * Three measurements, all interleaved across subjects:
 * 1. saturation — the peer sends as fast as it can: the delivered rate, the loss, the CPU time
 *    per datagram;
 * 2. CPU cost of draining a backlog: the bench process blocks its event loop (`Atomics.wait`)
 *    while the peer fills the receiver's socket buffer with {@link BACKLOG} datagrams, then
 *    measures its CPU (user + system) until the consumer has them all — the work per datagram
 *    of a receiver that is the bottleneck, whose inverse is the capacity of one core. No
 *    datagram may be lost, and the drain must be busy (no idle wait for the sender). Receivers
 *    stay open and take turns sample by sample, a few hundred times: the paced probes this
 *    replaced swung by ±30 % per round, and fifteen of them could not resolve a few per cent;
 * 3. lossless — per subject, a bisection on the paced rate for the highest rate received with
 *    loss <= 0.1 % (the figure of the targets in docs/design.md). When the bisection reaches what the peer can
 *    send (a node sender on a 2-core machine tops out near a node receiver), the subject is
 *    flagged `senderLimited` and the ratio falls back on the CPU cost (`basis: 'cpu'`).
 */
import type { BenchContext, Figure } from './context';
import { collectGarbage, iqr, nowMs, pairedRatios, rotate, sleep, summarize, takeTurns, type Summary } from './stats';
import { PAYLOAD_SIZE, type Receiver, type ReceiverSubject } from './subjects';

/** A rate counts as lossless at or below this loss. */
export const LOSSLESS_THRESHOLD = 0.001;

/** Datagrams per backlog sample: well inside the 4 MiB receive buffer (~1 KiB of it per 64-byte datagram). */
export const BACKLOG = 2000;
/** How long the event loop is blocked while the peer fills the buffer (it sends ~200,000/s). */
const BACKLOG_FILL_MS = 40;
const blocker = new Int32Array(new SharedArrayBuffer(4));

/** One backlog drain: CPU per datagram, and how much of the drain was spent waiting (should be ~0). */
export interface DrainSample {
  cpuUsPerDatagram: number;
  idle: number;
  lost: number;
}

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
  /** Receiver CPU per datagram draining a backlog, in µs. */
  cpuUsDraining: Figure;
  /** Datagrams lost over all backlog samples (should be 0), and the idle share of the drains. */
  backlogLost: number;
  backlogIdle: Figure;
  /** `1e6 / cpuUsDraining`: datagrams/s one fully busy core would receive. */
  cpuCapacity: Figure;
  /** Highest paced rate received with loss <= 0.1 %, datagrams/s (NaN where never confirmed). */
  lossless: Figure;
  /** True when the search reached what the peer can send: the lossless rate is the sender's limit. */
  senderLimited: boolean;
  /** Ratio to the baseline and what it is based on: the lossless rates, or the CPU costs. */
  ratio: number;
  basis: 'lossless' | 'cpu';
  /** Per-sample (per-rep for lossless) ratios to the baseline on that basis. */
  ratios: Summary;
  /** Interquartile range of `ratios`. */
  ratioIqr: [number, number];
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
  /** Datagrams per backlog sample, and samples per subject. */
  backlog: number;
  backlogRounds: number;
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

/** Fills `receiver`'s socket buffer while this process does not read, then times the drain. */
async function drain(ctx: BenchContext, receiver: Receiver): Promise<DrainSample> {
  const start = receiver.received();
  const blast = ctx.peer.blast({ port: receiver.port, rate: 0, size: PAYLOAD_SIZE, durationMs: 2000, count: BACKLOG });
  Atomics.wait(blocker, 0, 0, BACKLOG_FILL_MS);
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (receiver.received() - start >= BACKLOG || nowMs() - t0 > 1000) resolve();
      else setImmediate(check);
    };
    setImmediate(check);
  });
  const cpu = process.cpuUsage(cpu0);
  const wallMs = nowMs() - t0;
  await blast;
  const got = receiver.received() - start;
  const cpuUs = cpu.user + cpu.system;
  return { cpuUsPerDatagram: got > 0 ? cpuUs / got : NaN, idle: Math.max(0, 1 - cpuUs / 1000 / wallMs), lost: BACKLOG - got };
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
  // The CPU cost is the figure that decides the ratio on a 2-core machine: many short samples.
  const backlogRounds = quick ? 10 : 300;
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

  // CPU cost of draining a backlog: receivers stay open, samples take turns.
  ctx.progress.begin(`receive: CPU per datagram draining ${BACKLOG}-datagram backlogs`, subjects.length + Math.ceil(backlogRounds / 20), stageIndex);
  const open = new Map<string, Receiver>();
  let common: Map<string, DrainSample[]>;
  try {
    common = await takeTurns(ctx.progress, subjects, open, (subject) => subject.open(), {
      rounds: backlogRounds,
      warmUps: 5, // JIT, first reads
      sample: (receiver) => drain(ctx, receiver),
      figure: (d) => d.cpuUsPerDatagram,
      lowerIsBetter: true,
    });
  } finally {
    for (const receiver of open.values()) {
      if (receiver.bytes() !== receiver.received() * PAYLOAD_SIZE) throw new Error('wrong byte count');
      receiver.close();
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
        const cpu = summarize(common.get(s.id)!.map((d) => d.cpuUsPerDatagram)).median;
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
      cpuUsDraining: summarize(commonRuns.map((d) => d.cpuUsPerDatagram)),
      backlogLost: commonRuns.reduce((sum, d) => sum + d.lost, 0),
      backlogIdle: summarize(commonRuns.map((d) => d.idle)),
      cpuCapacity: summarize(commonRuns.map((d) => 1e6 / d.cpuUsPerDatagram)),
      lossless: summarize(lossless.get(subject.id)!),
      senderLimited: reachedSender.get(subject.id)! > searchReps / 2,
      ratio: NaN,
      basis: 'lossless',
      ratios: summarize([]),
      ratioIqr: [NaN, NaN],
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
      : pairedRatios(common.get(subject.id)!.map((d) => d.cpuUsPerDatagram), common.get(baseId)!.map((d) => d.cpuUsPerDatagram), true);
    result.ratio = result.ratios.median;
    result.ratioIqr = iqr(result.ratios);
    result.saturatedCpuRatios = pairedRatios(
      saturation.get(subject.id)!.map((p) => p.cpuUsPerDatagram),
      saturation.get(baseId)!.map((p) => p.cpuUsPerDatagram),
      true,
    );
  }
  return { probeMs, rounds, backlog: BACKLOG, backlogRounds, searchReps, searchProbes, senderMax, subjects: results, probes };
}
