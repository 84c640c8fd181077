/**
 * Round trip: sequential 64-byte ping-pongs with an echo server. Every subject is opened once and
 * warmed up, then the rounds run: each round, each subject (rotated) does `pings` exchanges. Per
 * round p50 and p99; the figure is the median over rounds. The echo runs in the peer process
 * (what a client of another process sees) or in this process (`local`): there a round trip pays
 * no cross-process wake-up (~10 µs here: ~28 µs in process against ~38 µs across), so the
 * baseline is tight and a layer's few µs show.
 *
 * Steady state, as a long-running client is: one forced collection (two full GCs) before the
 * warm-up, none between turns. A forced collection before each turn (this stage's method until
 * 2026-12-03) made V8 drop the optimized code of the hot functions and release pages it then
 * faulted back in (0.2–0.8 page faults per round trip against 0.00 without), so each turn
 * measured a re-warm-up, longer for the subjects that run more JavaScript: it added 0.06–0.08× to
 * the ratios of the reactive layer and 0.02–0.03× to the callback API's (docs/performance.md).
 * The price: the young-generation collections that one subject's garbage triggers may land in
 * the next subject's turn. A p50 does not see them; a p99 may.
 *
 * `npm run bench` runs the passes with the echo in process in fresh processes, three each
 * ({@link benchRttInFreshProcesses}); the pass with the echo in the peer process runs in the bench
 * process, which holds the connection to the peer.
 */
import * as dgram from 'node:dgram';
import type { BenchContext, Figure } from './context';
import { runStageChild } from './child-stage';
import { pairedRatios, percentile, summarize, takeTurns, type Summary } from './stats';
import type { Pinger, PingerSubject } from './subjects';

export interface RttSubjectResult {
  label: string;
  baseline: boolean;
  /** Microseconds. */
  p50: Figure;
  p99: Figure;
  lost: number;
  /** p50 over the baseline's p50 (target <= 1.10 for request()): median of the per-round ratios. */
  ratioP50: number;
  ratioP99: number;
  ratiosP50: Summary;
  ratiosP99: Summary;
  /** With the echo in process, the p50 ratio of each fresh process (see {@link benchRttInFreshProcesses}). */
  ratioP50ByProcess?: number[];
}

export interface RttResult {
  /** Where the echo ran. */
  echo: 'peer' | 'local';
  pings: number;
  /** Rounds per process. */
  rounds: number;
  /** How many fresh processes ran the pass (absent: the bench process itself). */
  processes?: number;
  subjects: Record<string, RttSubjectResult>;
}

/** A raw node:dgram echo in this process, on loopback. */
async function localEcho(): Promise<{ port: number; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => socket.send(message, remote.port, remote.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

export async function benchRtt(
  ctx: Pick<BenchContext, 'quick' | 'progress'> & Partial<Pick<BenchContext, 'peer'>>,
  subjects: PingerSubject[],
  stageIndex: number,
  echo: 'peer' | 'local' = 'peer',
  title = echo === 'local' ? 'round trip, echo in process' : 'round trip, echo in the peer process',
): Promise<RttResult> {
  const pings = ctx.quick ? 500 : 2000;
  const rounds = ctx.quick ? 2 : 15;
  // Warm-up turns after the forced collection (TurboFan tiers up by call count): 500 pings left
  // the reactive subjects partly in baseline code; 3 turns are 6,000, and the rounds 30,000 more.
  const warmUps = ctx.quick ? 2 : 3;
  const local = echo === 'local' ? await localEcho() : undefined;
  if (local === undefined && ctx.peer === undefined) throw new Error('round trip: the echo in the peer process needs the peer');
  const echoPort = local !== undefined ? local.port : await ctx.peer!.openEcho();
  const opened = new Map<string, Pinger>();
  const times = new Float64Array(pings);
  try {
    ctx.progress.begin(title, subjects.length + Math.ceil(rounds / 20), stageIndex);
    const samples = await takeTurns(ctx.progress, subjects, opened, (subject) => subject.open(echoPort), {
      rounds,
      warmUps,
      collectFirst: true,
      sample: async (pinger: Pinger): Promise<Turn> => {
        const { lost } = await pinger.run(pings, times);
        return { p50: percentile(times, 50), p99: percentile(times, 99), lost };
      },
      figure: (turn) => turn.p50,
    });
    const base = samples.get(subjects[0]!.id)!;
    const results: Record<string, RttSubjectResult> = {};
    for (const subject of subjects) {
      const turns = samples.get(subject.id)!;
      const ratiosP50 = pairedRatios(turns.map((t) => t.p50), base.map((t) => t.p50));
      const ratiosP99 = pairedRatios(turns.map((t) => t.p99), base.map((t) => t.p99));
      results[subject.id] = {
        label: subject.label,
        baseline: subject.baseline === true,
        p50: summarize(turns.map((t) => t.p50)),
        p99: summarize(turns.map((t) => t.p99)),
        lost: turns.reduce((n, t) => n + t.lost, 0),
        ratioP50: ratiosP50.median,
        ratioP99: ratiosP99.median,
        ratiosP50,
        ratiosP99,
      };
    }
    return { echo, pings, rounds, subjects: results };
  } finally {
    // Each on its own: one that throws neither leaves the others open nor hides the first error.
    for (const pinger of opened.values()) {
      try {
        pinger.close();
      } catch (error) {
        process.stderr.write(`round trip: closing a pinger failed: ${String(error)}\n`);
      }
    }
    local?.close();
  }
}

/** One subject's turn: `pings` round trips. */
interface Turn {
  /** Microseconds. */
  p50: number;
  p99: number;
  lost: number;
}

/** The subjects of a pass in a fresh process: the main set, or the RxJS floor beside raw. */
export type RttSet = 'pingers' | 'floor';

/**
 * A pass with the echo in process, run in `processes` fresh processes one after another
 * (`bench/rtt-child.ts`), each opening, warming up and rotating the subjects as {@link benchRtt}
 * does. Why not in the bench process: there the pass inherited the JIT state and heap of the
 * receive and send stages, whose `message$` and `sendTo` share code with `request` (the long-lived
 * row read up to 0.02x higher in the full bench than alone); and the ratio of a process is one
 * sample of how V8 compiled and laid out the code that time: fresh processes differed by up to
 * 0.02x, more than the rounds of one process did. The figure is the median of the per-round
 * ratios of every process; each process's own median is kept (`ratioP50ByProcess`).
 */
export async function benchRttInFreshProcesses(
  ctx: Pick<BenchContext, 'quick' | 'progress'>,
  set: RttSet,
  processes: number,
  stageIndex: number,
  title: string,
): Promise<RttResult> {
  ctx.progress.begin(`${title} (${processes} fresh process${processes === 1 ? '' : 'es'})`, processes, stageIndex);
  const results: RttResult[] = [];
  for (let i = 0; i < processes; i++) {
    const result = await runChild(ctx, set, (detail) => ctx.progress.update(`process ${i + 1}/${processes}: ${detail}`, false));
    results.push(result);
    const other = Object.values(result.subjects).find((s) => !s.baseline);
    ctx.progress.update(`process ${i + 1}/${processes} done${other === undefined ? '' : `: ${other.label} ${other.ratioP50.toFixed(3)}x raw`}`);
  }
  return mergeProcesses(results);
}

function runChild(ctx: Pick<BenchContext, 'quick'>, set: RttSet, onDetail: (detail: string) => void): Promise<RttResult> {
  return runStageChild<RttResult>('rtt-child.ts', [set, ...(ctx.quick ? ['--quick'] : [])], 'round trip (fresh process)', (detail) => onDetail(detail));
}

/** One result from the passes of several processes: every round of every process counts once. */
export function mergeProcesses(results: readonly RttResult[]): RttResult {
  const first = results[0];
  if (first === undefined) throw new Error('round trip: no process ran');
  const subjects: Record<string, RttSubjectResult> = {};
  for (const [id, one] of Object.entries(first.subjects)) {
    const each = results.map((r) => r.subjects[id]!);
    const ratiosP50 = summarize(each.flatMap((s) => s.ratiosP50.samples));
    const ratiosP99 = summarize(each.flatMap((s) => s.ratiosP99.samples));
    subjects[id] = {
      label: one.label,
      baseline: one.baseline,
      p50: summarize(each.flatMap((s) => s.p50.samples)),
      p99: summarize(each.flatMap((s) => s.p99.samples)),
      lost: each.reduce((n, s) => n + s.lost, 0),
      ratioP50: ratiosP50.median,
      ratioP99: ratiosP99.median,
      ratiosP50,
      ratiosP99,
      ratioP50ByProcess: each.map((s) => s.ratioP50),
    };
  }
  return { echo: first.echo, pings: first.pings, rounds: first.rounds, processes: results.length, subjects };
}
