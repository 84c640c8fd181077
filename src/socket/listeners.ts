import { CopyOnWriteList } from '../internal/copy-on-write-list';
import { reportUnhandledError } from '../internal/report-unhandled-error';

/**
 * The listeners of one socket event, in registration order, on the package's one copy-on-write
 * list: dispatch allocates nothing, and a listener removing itself (or adding another) does not
 * disturb the dispatch in progress.
 */
export class ListenerList<T> extends CopyOnWriteList<(value: T) => void> {
  /** Removes every registration of `listener`, or all listeners when it is undefined (`offX()`). */
  remove(listener: ((value: T) => void) | undefined): void {
    if (listener === undefined) this.take();
    else this.removeEvery(listener);
  }

  /**
   * Calls each listener with `value`. A throwing listener does not stop the others; its error is
   * reported through {@link reportUnhandledError} (`config.onUnhandledError`, else re-thrown on a
   * job of its own).
   */
  emit(value: T): void {
    const listeners = this.items;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(value);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }
}
