/**
 * The flood stage in a process of its own: `npm run bench` forks this file so the server's heap is
 * measured in a process that ran nothing before (after the other stages V8 had sized the heap up,
 * and the old generation's garbage from the flood waited for a full GC: the stage measured +40-58
 * MB at peak in the full bench against +24-37 MB alone). Progress and the result go to the parent
 * over IPC.
 */
import { serveStage } from './child-stage';
import { benchFlood } from './flood';

serveStage((ctx) => benchFlood(ctx, 1));
