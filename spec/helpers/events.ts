import type {
  UDPCloseResult,
  UDPErrorResult,
  UDPListeningResult,
  UDPMessageResult,
  UDPMessageResultLike,
  UDPSocketLike,
} from 'rxjs-udp';

/** The four events of a socket and their payloads. */
export interface UDPEventMap {
  message: UDPMessageResult;
  error: UDPErrorResult;
  listening: UDPListeningResult;
  close: UDPCloseResult;
}

/** The name of one socket event: `'message' | 'error' | 'listening' | 'close'`. */
export type UDPEventName = keyof UDPEventMap;

/** Default time to wait for one event before a test fails, in ms. */
export const DEFAULT_EVENT_TIMEOUT = 2000;

type On<K extends UDPEventName> = (listener: (value: UDPEventMap[K]) => void) => void;

function on<K extends UDPEventName>(socket: UDPSocketLike, event: K, listener: (value: UDPEventMap[K]) => void): void {
  switch (event) {
    case 'message':
      socket.onMessage(listener as (value: UDPMessageResultLike) => void);
      break;
    case 'error':
      socket.onError(listener as (value: UDPErrorResult) => void);
      break;
    case 'listening':
      socket.onListening(listener as (value: UDPListeningResult) => void);
      break;
    default:
      (socket.onClose as On<'close'>)(listener as (value: UDPCloseResult) => void);
  }
}

function off<K extends UDPEventName>(socket: UDPSocketLike, event: K, listener: (value: UDPEventMap[K]) => void): void {
  switch (event) {
    case 'message':
      socket.offMessage(listener as (value: UDPMessageResultLike) => void);
      break;
    case 'error':
      socket.offError(listener as (value: UDPErrorResult) => void);
      break;
    case 'listening':
      socket.offListening(listener as (value: UDPListeningResult) => void);
      break;
    default:
      socket.offClose(listener as (value: UDPCloseResult) => void);
  }
}

/** Resolves after `ms` milliseconds of real time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the next `event` of `socket`, or rejects after `timeout` ms so a failing test
 * fails instead of hanging. The listener is removed either way.
 */
export function nextEvent<K extends UDPEventName>(
  socket: UDPSocketLike,
  event: K,
  timeout = DEFAULT_EVENT_TIMEOUT,
): Promise<UDPEventMap[K]> {
  return new Promise<UDPEventMap[K]>((resolve, reject) => {
    const listener = (value: UDPEventMap[K]): void => {
      clearTimeout(timer);
      off(socket, event, listener);
      resolve(value);
    };
    const timer = setTimeout(() => {
      off(socket, event, listener);
      reject(new Error(`timed out after ${timeout} ms waiting for the ${event} event`));
    }, timeout);
    on(socket, event, listener);
  });
}

/**
 * Records every occurrence of one event of a socket, from now on, and waits for a count of them.
 *
 * @example
 * const errors = record(udp, 'error');
 * udp.setTTL(-1);
 * const [error] = await errors.waitFor(1);
 */
export class EventLog<K extends UDPEventName> {
  readonly values: Array<UDPEventMap[K]> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly socket: UDPSocketLike,
    private readonly event: K,
  ) {
    on(socket, event, this.listener);
  }

  private readonly listener = (value: UDPEventMap[K]): void => {
    this.values.push(value);
    const ready = this.waiters.filter((w) => this.values.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.values.length < w.count);
    for (const waiter of ready) waiter.resolve();
  };

  get length(): number {
    return this.values.length;
  }

  /** Resolves with the recorded values once there are at least `count`; rejects after `timeout` ms. */
  waitFor(count: number, timeout = DEFAULT_EVENT_TIMEOUT): Promise<Array<UDPEventMap[K]>> {
    if (this.values.length >= count) return Promise.resolve(this.values);
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: (): void => {
          clearTimeout(timer);
          resolve(this.values);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out after ${timeout} ms waiting for ${count} ${this.event} event(s), got ${this.values.length}`),
        );
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** Stops recording. */
  stop(): void {
    off(this.socket, this.event, this.listener);
  }
}

/** Starts recording `event` of `socket`. */
export function record<K extends UDPEventName>(socket: UDPSocketLike, event: K): EventLog<K> {
  return new EventLog(socket, event);
}
