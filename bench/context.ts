import type { Peer } from './peer-client';
import type { Progress } from './progress';
import type { Summary } from './stats';

/** What every stage of the bench gets. */
export interface BenchContext {
  peer: Peer;
  /** The live progress line (a child process forwards its updates to the parent's). */
  progress: Pick<Progress, 'begin' | 'update'>;
  /** The short CI run: fewer rounds, shorter probes, no assertions. */
  quick: boolean;
}

/** Median (min–max over the rounds) of one figure of one subject. */
export type Figure = Summary;
