/**
 * A round-trip pass with the echo in process, in a process of its own: `npm run bench` forks this
 * file several times (see {@link benchRttInFreshProcesses}). Progress and the result go to the
 * parent over IPC.
 *
 * argv: `pingers` (raw, request, one-shot request, callback API) or `floor` (raw, the RxJS
 * floor), then `--quick` for the CI run.
 */
import { benchRtt, type RttChildMessage } from './rtt';
import { floorPingers, pingers } from './subjects';

function tell(message: RttChildMessage, then: () => void = () => undefined): void {
  process.send!(message, then);
}

/** The parent shows the progress under its own title; each step's detail is forwarded. */
const progress = {
  begin: (): void => undefined,
  update: (detail: string): void => tell({ detail }),
};

const subjects = process.argv[2] === 'floor' ? floorPingers() : pingers();
benchRtt({ quick: process.argv.includes('--quick'), progress }, subjects, 1, 'local').then(
  (result) => tell({ result }, () => process.exit(0)),
  (error: unknown) => tell({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
);
