/**
 * The send stage in a process of its own, started for it and doing nothing else: forked by
 * {@link benchSendFresh}, it runs {@link benchSend} and posts the progress and the result.
 *
 * Why: the raw baseline pays two ticks per send (node's `dns.lookup` defers even an IP literal
 * by one, and the completion takes another), rxjs-udp one, and what a tick costs depends on what
 * the process ran before: after the other stages of the bench, raw node:dgram with a synchronous
 * lookup runs ~1.09x raw, in a fresh process ~1.02x. The bench shows both.
 */
import type { BenchContext } from './context';
import { serveStage } from './child-stage';
import { benchSend } from './send';
import { senders } from './subjects';

serveStage((ctx) => benchSend({ ...ctx, peer: undefined as never } satisfies BenchContext, senders(), 1));
