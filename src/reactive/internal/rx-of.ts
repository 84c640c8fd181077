import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { UDPOperation, UDPSocketError } from '../../errors';
import { checkScheduler } from '../../internal/validators';
import { checkSocket } from './validate';
import type { UDPSocketLike } from '../../socket/types';
import { fromUDPSocket } from '../from-udp-socket';
import { isRxUDPSocket } from './brand';
import type { RxUDPSocket } from '../types';
import { socketScheduler } from './capabilities';

/** What the operators take: a reactive wrapper or a plain socket. */
export type SocketInput = RxUDPSocket | UDPSocketLike;

const wrappers = new WeakMap<UDPSocketLike, RxUDPSocket>();

/** The reactive wrapper of `socket`; one per plain socket, so operators share its listeners. */
export function rxOf(socket: SocketInput): RxUDPSocket {
  if (isRxUDPSocket(socket)) return socket;
  let rx = wrappers.get(socket);
  if (rx === undefined) {
    rx = fromUDPSocket(socket);
    wrappers.set(socket, rx);
  }
  return rx;
}

/** The plain socket behind `socket`. */
export function rawOf(socket: SocketInput): UDPSocketLike {
  return isRxUDPSocket(socket) ? socket.socket : socket;
}

/** The scheduler for the timers of an operator: the option, else the socket's, else `asyncScheduler`. */
export function schedulerOf(socket: SocketInput, scheduler: SchedulerLike | undefined): SchedulerLike {
  if (scheduler !== undefined) return scheduler;
  if (isRxUDPSocket(socket)) return socket.scheduler;
  return socketScheduler(socket) ?? asyncScheduler;
}

/**
 * The scheduler of an operator's timers from its `socket` and `scheduler` options, both checked:
 * the option, else the socket's (when given), else `asyncScheduler`.
 * @returns the scheduler, or the error of the first bad option.
 */
export function timerSchedulerOf(operation: UDPOperation, socket: unknown, scheduler: unknown): SchedulerLike | UDPSocketError {
  const error = (socket === undefined ? undefined : checkSocket(operation, socket)) ?? checkScheduler(operation, scheduler);
  if (error !== undefined) return error;
  if (socket !== undefined) return schedulerOf(socket as SocketInput, scheduler as SchedulerLike | undefined);
  return (scheduler as SchedulerLike | undefined) ?? asyncScheduler;
}
