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
import { benchSend, type SendResult } from './send';
import { senders } from './subjects';

/** Messages from the child to the bench. */
export type SendChildMessage = { type: 'progress'; detail: string } | { type: 'result'; result: SendResult } | { type: 'error'; error: string };

const post = (message: SendChildMessage): void => {
  process.send!(message);
};

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const progress: BenchContext['progress'] = {
    begin: () => undefined,
    update: (detail: string) => post({ type: 'progress', detail }),
  };
  const ctx: BenchContext = { peer: undefined as never, progress, quick };
  const result = await benchSend(ctx, senders(), 1);
  post({ type: 'result', result });
}

main().then(
  () => process.disconnect(),
  (error: unknown) => {
    post({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.disconnect();
  },
);
