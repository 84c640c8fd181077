/**
 * The flood stage in a process of its own: `npm run bench` forks this file so the server's heap is
 * measured in a process that ran nothing before (after the other stages V8 had sized the heap up,
 * and the old generation's garbage from the flood waited for a full GC: the stage measured +40-58
 * MB at peak in the full bench against +24-37 MB alone). Progress and the result go to the parent
 * over IPC.
 */
import { benchFlood, type FloodResult } from './flood';

/** What the parent receives. */
export type FloodServerMessage = { detail: string; advance: boolean } | { result: FloodResult } | { error: string };

function tell(message: FloodServerMessage, then: () => void = () => undefined): void {
  process.send!(message, then);
}

/** The parent shows the progress: the stage's title is its own, each step is forwarded. */
const progress = {
  begin: (): void => undefined,
  update: (detail: string, advance = true): void => tell({ detail, advance }),
};

benchFlood({ quick: process.argv.includes('--quick'), progress }, 1).then(
  (result) => tell({ result }, () => process.exit(0)),
  (error: unknown) => tell({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
);
