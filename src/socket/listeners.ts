import { reportUnhandledError } from 'rxjs/internal/util/reportUnhandledError';

/**
 * The listeners of one event, in registration order. Copy-on-write: `add`/`remove` replace the
 * array and `emit` iterates the one it started with, so dispatch allocates nothing and a listener
 * removing itself (or adding another) does not disturb the dispatch in progress.
 */
export class ListenerList<T> {
  listeners: ReadonlyArray<(value: T) => void> = [];

  add(listener: (value: T) => void): void {
    this.listeners = [...this.listeners, listener];
  }

  /** Removes every registration of `listener`, or all listeners when it is undefined. */
  remove(listener: ((value: T) => void) | undefined): void {
    this.listeners = listener === undefined ? [] : this.listeners.filter((l) => l !== listener);
  }

  /**
   * Calls each listener with `value`. A throwing listener does not stop the others; its error is
   * re-thrown asynchronously the way RxJS reports unhandled errors (`config.onUnhandledError`).
   */
  emit(value: T): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(value);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }
}
