import type { SchedulerLike } from 'rxjs';
import type { UDPSendCallback, UDPSendOption, UDPSocketLike } from '../../socket/types';

/** A socket with the `sendWithCallback` extension of the sockets of `createUDPSocket`. */
export interface ConfirmingSocket extends UDPSocketLike {
  sendWithCallback(option: UDPSendOption, callback: UDPSendCallback): void;
}

/** Whether `socket` reports the outcome of each datagram (`sendWithCallback`). WeChat's does not. */
export function canConfirm(socket: UDPSocketLike): socket is ConfirmingSocket {
  try {
    return typeof (socket as Partial<ConfirmingSocket>).sendWithCallback === 'function';
  } catch {
    return false;
  }
}

/** The scheduler a socket dispatches its events on, when it says so (ours do, WeChat's do not). */
export function socketScheduler(socket: UDPSocketLike): SchedulerLike | undefined {
  try {
    const scheduler = (socket as { scheduler?: Partial<SchedulerLike> }).scheduler;
    return scheduler !== undefined && scheduler !== null && typeof scheduler.schedule === 'function'
      ? (scheduler as SchedulerLike)
      : undefined;
  } catch {
    return undefined; // a foreign socket whose `scheduler` cannot be read has none we can use
  }
}

/** `bind(port, address)` on the sockets that take an address; WeChat's `bind(port)` ignores it. */
export interface BindWithAddress {
  bind(port?: number, address?: string): number;
}

/** The optional queries of the sockets of `createUDPSocket` (absent on WeChat's). */
export interface QueryableSocket {
  address?: () => unknown;
  remoteAddress?: () => unknown;
  closed?: unknown;
}
