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
 */
import * as dgram from 'node:dgram';
import type { BenchContext, Figure } from './context';
import { collectGarbage, pairedRatios, percentile, rotate, summarize, type Summary } from './stats';
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
}

export interface RttResult {
  /** Where the echo ran. */
  echo: 'peer' | 'local';
  pings: number;
  rounds: number;
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
  ctx: BenchContext,
  subjects: PingerSubject[],
  stageIndex: number,
  echo: 'peer' | 'local' = 'peer',
  title = echo === 'local' ? 'round trip, echo in process' : 'round trip, echo in the peer process',
): Promise<RttResult> {
  const pings = ctx.quick ? 500 : 2000;
  const rounds = ctx.quick ? 2 : 15;
  // TurboFan tiers up by call count: after the forced collection 500 pings left the reactive
  // subjects partly in baseline code; 5,000 is ten times that, and the rounds add 30,000 more.
  const warmup = ctx.quick ? 1000 : 5000;
  const local = echo === 'local' ? await localEcho() : undefined;
  const echoPort = local !== undefined ? local.port : await ctx.peer.openEcho();
  ctx.progress.begin(title, rounds * subjects.length, stageIndex);
  try {
    return await measure(ctx, subjects, echo, echoPort, { pings, rounds, warmup });
  } finally {
    local?.close();
  }
}

async function measure(
  ctx: BenchContext,
  subjects: PingerSubject[],
  echo: 'peer' | 'local',
  echoPort: number,
  { pings, rounds, warmup }: { pings: number; rounds: number; warmup: number },
): Promise<RttResult> {
  const p50s = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  const p99s = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  const lost = new Map<string, number>(subjects.map((s) => [s.id, 0]));
  const samples = new Float64Array(pings);
  const scratch = new Float64Array(warmup);
  const opened = new Map<string, Pinger>();
  try {
    for (const subject of subjects) opened.set(subject.id, await subject.open(echoPort));
    collectGarbage();
    for (const subject of subjects) await opened.get(subject.id)!.run(warmup, scratch);
    for (let round = 0; round < rounds; round++) {
      for (const subject of rotate(subjects, round)) {
        const { lost: missing } = await opened.get(subject.id)!.run(pings, samples);
        lost.set(subject.id, lost.get(subject.id)! + missing);
        const p50 = percentile(samples, 50);
        const p99 = percentile(samples, 99);
        p50s.get(subject.id)!.push(p50);
        p99s.get(subject.id)!.push(p99);
        ctx.progress.update(`round ${round + 1}/${rounds} ${subject.id}: p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs`);
      }
    }
  } finally {
    // Each on its own: one that throws neither leaves the others open nor hides the first error.
    for (const pinger of opened.values()) {
      try {
        pinger.close();
      } catch (error) {
        process.stderr.write(`round trip: closing a pinger failed: ${String(error)}\n`);
      }
    }
  }
  const results: Record<string, RttSubjectResult> = {};
  for (const subject of subjects) {
    results[subject.id] = {
      label: subject.label,
      baseline: subject.baseline === true,
      p50: summarize(p50s.get(subject.id)!),
      p99: summarize(p99s.get(subject.id)!),
      lost: lost.get(subject.id)!,
      ratioP50: NaN,
      ratioP99: NaN,
      ratiosP50: summarize([]),
      ratiosP99: summarize([]),
    };
  }
  const baseId = subjects[0]!.id;
  for (const subject of subjects) {
    const result = results[subject.id]!;
    result.ratiosP50 = pairedRatios(p50s.get(subject.id)!, p50s.get(baseId)!);
    result.ratiosP99 = pairedRatios(p99s.get(subject.id)!, p99s.get(baseId)!);
    result.ratioP50 = result.ratiosP50.median;
    result.ratioP99 = result.ratiosP99.median;
  }
  return { echo, pings, rounds, subjects: results };
}
