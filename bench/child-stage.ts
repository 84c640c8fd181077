/**
 * A stage of the bench run in a process of its own (send, round trips with the echo in process,
 * flood): the parent forks the child's script with {@link runStageChild}, the child runs its stage
 * with {@link serveStage}, and progress and the result come back over IPC.
 */
import type { BenchContext } from './context';
import { forkBenchChild } from './peer-client';

/** What a stage child tells the bench. */
export type StageMessage<R> = { detail: string; advance: boolean } | { result: R } | { error: string };

/**
 * Forks `script` (a file of `bench/`) with `args` and waits for its result; each progress step
 * goes to `onProgress`.
 * @param what - the child, as errors name it.
 */
export function runStageChild<R>(script: string, args: string[], what: string, onProgress: (detail: string, advance: boolean) => void): Promise<R> {
  const child = forkBenchChild(script, args);
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: StageMessage<R>) => {
      if ('detail' in message) {
        onProgress(message.detail, message.advance);
        return;
      }
      settled = true;
      if ('result' in message) resolve(message.result);
      else reject(new Error(`${what}: ${message.error}`));
    });
    child.once('exit', (code: number | null) => {
      if (!settled) reject(new Error(`${what} exited with ${code} before its result`));
    });
  });
}

function tell<R>(message: StageMessage<R>, then: () => void = () => undefined): void {
  process.send!(message, then);
}

/**
 * The child's side: runs `stage` with a progress that forwards each step to the parent, sends
 * the result (or the error), then exits.
 */
export function serveStage<R>(stage: (ctx: Pick<BenchContext, 'quick' | 'progress'>) => Promise<R>): void {
  const progress: BenchContext['progress'] = {
    begin: () => undefined,
    update: (detail: string, advance = true) => tell<R>({ detail, advance }),
  };
  stage({ quick: process.argv.includes('--quick'), progress }).then(
    (result) => tell<R>({ result }, () => process.exit(0)),
    (error: unknown) => tell<R>({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
}
