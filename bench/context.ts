import type { Peer } from './peer-client';
import type { Progress } from './progress';

/** What every stage of the bench gets. */
export interface BenchContext {
  peer: Peer;
  progress: Progress;
  /** The short CI run: fewer rounds, shorter probes, no assertions. */
  quick: boolean;
}

/** Median (min–max over the rounds) of one figure of one subject. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  samples: number[];
}
