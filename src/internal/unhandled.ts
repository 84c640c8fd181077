import { config } from 'rxjs';

/**
 * Reports an error nobody can receive (a throwing listener, a throwing callback) the way RxJS
 * reports unhandled errors, through its public `config.onUnhandledError`: there when one is set,
 * else re-thrown from a fresh timer task, so it is never swallowed and never stops the code that
 * was running (the other listeners of the same event, the events queued behind it).
 *
 * @param error - what was thrown.
 */
export function reportUnhandled(error: unknown): void {
  const handler = config.onUnhandledError;
  if (handler !== null && handler !== undefined) {
    try {
      handler(error);
    } catch (thrown) {
      rethrow(thrown);
    }
    return;
  }
  rethrow(error);
}

function rethrow(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
