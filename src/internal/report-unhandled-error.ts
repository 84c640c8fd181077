import { asyncScheduler, config, type SchedulerAction } from 'rxjs';

/** Hands the error to `config.onUnhandledError`, or throws it on a job of its own. */
function deliver(this: SchedulerAction<unknown>, error: unknown): void {
  const onUnhandledError = config.onUnhandledError;
  if (onUnhandledError !== null && onUnhandledError !== undefined) onUnhandledError(error);
  else throw error;
}

/**
 * Reports an error no caller can receive (a listener or a send callback that threw), the way
 * RxJS reports its own unhandled errors, through public API only: on a timer job of its own, the
 * error goes to `config.onUnhandledError` when set, else it is thrown there for the runtime's
 * `uncaughtException` / `window.onerror`.
 *
 * Never synchronous and never on the caller's queue: each error gets its own `asyncScheduler`
 * job (a timer; virtual inside `TestScheduler.run()`), so a rethrow cannot cut short a flush of
 * queued socket events, and every event already queued is delivered first.
 *
 * @param error - what the callback threw.
 */
export function reportUnhandledError(error: unknown): void {
  asyncScheduler.schedule(deliver, 0, error);
}
