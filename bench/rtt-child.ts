/**
 * A round-trip pass with the echo in process, in a process of its own: `npm run bench` forks this
 * file several times (see {@link benchRttInFreshProcesses}). Progress and the result go to the
 * parent over IPC.
 *
 * argv: `pingers` (raw, request, one-shot request, callback API) or `floor` (raw, the RxJS
 * floor), then `--quick` for the CI run.
 */
import { serveStage } from './child-stage';
import { benchRtt } from './rtt';
import { floorPingers, pingers } from './subjects';

const subjects = process.argv[2] === 'floor' ? floorPingers() : pingers();
serveStage((ctx) => benchRtt(ctx, subjects, 1, 'local'));
