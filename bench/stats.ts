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
