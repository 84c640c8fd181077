import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Median, minimum and maximum of the per-round values of one figure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function summarize(samples: number[]): Summary {
  const finite = samples.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, samples };
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite), samples };
}

/** The p-th percentile (nearest rank on a sorted copy, interpolated). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Variant order for round `round`: rotated so that no variant always goes first (A B C, B C A, ...). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection; works without `--expose-gc` by enabling it at run time. */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === 'function') {
      gcFunction = existing;
    } else {
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
  gcFunction();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Per-round ratios of a subject to its baseline, `subject[r] / baseline[r]` (or the inverse
 * when lower is better), summarised. Each pair was measured next to each other in time, so
 * load that drifts over the run cancels out in the pair; the median of these is the ratio the
 * bench reports.
 */
export function pairedRatios(subject: readonly number[], baseline: readonly number[], lowerIsBetter = false): Summary {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(subject.length, baseline.length); i++) {
    ratios.push(lowerIsBetter ? baseline[i]! / subject[i]! : subject[i]! / baseline[i]!);
  }
  return summarize(ratios);
}

/** The interquartile range of a summary's samples. */
export const iqr = (summary: Summary): [number, number] => [percentile(summary.samples, 25), percentile(summary.samples, 75)];

/** How {@link takeTurns} samples the subjects. */
export interface Turns<O, S> {
  rounds: number;
  /** Samples per subject before the rounds, not recorded (JIT, first use). */
  warmUps: number;
  sample: (opened: O) => Promise<S>;
  /**
   * Collect garbage before the warm-ups instead of after them. The round trips need it: a forced
   * collection discarded the optimized code of their hot functions, so the rounds after it
   * measured a re-warm-up (docs/performance.md).
   */
  collectFirst?: boolean;
  /** The figure the progress line compares with the baseline, and whether lower is better. */
  figure: (sample: S) => number;
  lowerIsBetter?: boolean;
}

/**
 * Opens every subject into `opened` (the caller closes them) and warms them up, then samples them
 * in turns, rotated every round (A B C, B C A, ...), so each ratio compares samples taken next
 * to each other in time. The progress line advances per warm-up and every 20 rounds, with the
 * second subject's ratio to the first (the baseline) so far.
 * @returns the samples of each subject, by id, in round order.
 */
export async function takeTurns<J extends { id: string }, O, S>(
  progress: { update(detail: string): void },
  subjects: readonly J[],
  opened: Map<string, O>,
  open: (subject: J) => Promise<O>,
  turns: Turns<O, S>,
): Promise<Map<string, S[]>> {
  for (const subject of subjects) opened.set(subject.id, await open(subject));
  if (turns.collectFirst === true) collectGarbage();
  for (const subject of subjects) {
    const one = opened.get(subject.id)!;
    for (let i = 0; i < turns.warmUps; i++) await turns.sample(one);
    progress.update(`warm-up ${subject.id}`);
  }
  if (turns.collectFirst !== true) collectGarbage();
  const samples = new Map<string, S[]>(subjects.map((s) => [s.id, []]));
  const base = samples.get(subjects[0]!.id)!;
  const other = subjects[1] ?? subjects[0]!;
  for (let round = 0; round < turns.rounds; round++) {
    for (const subject of rotate(subjects, round)) samples.get(subject.id)!.push(await turns.sample(opened.get(subject.id)!));
    if (round % 20 === 19 || round === turns.rounds - 1) {
      const ratio = pairedRatios(samples.get(other.id)!.map(turns.figure), base.map(turns.figure), turns.lowerIsBetter).median;
      progress.update(`round ${round + 1}/${turns.rounds}: ${other.id} ${ratio.toFixed(3)}× raw so far`);
    }
  }
  return samples;
}
