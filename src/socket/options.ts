import { asapScheduler, type SchedulerLike } from 'rxjs';
import { UDPSocketError, reasonOf } from '../errors';
import { defaultDriver } from '../driver/default-driver';
import { DEFAULT_LOOKUP_TIMEOUT, LookupGuard, MAX_LOOKUP_TIMEOUT } from '../driver/lookup-timeout';
import type { UDPDriver, UDPHandleOptions } from '../driver/udp-driver';
import type { UDPAbortSignal, UDPSocketOptions } from './types';
import { describe, isScheduler } from '../internal/validators';

/** The largest SO_RCVBUF / SO_SNDBUF a socket accepts, bytes. */
export const MAX_BUFFER_SIZE = 0x7fffffff;

/** The options of {@link createUDPSocket}, checked. */
export interface SocketSettings {
  /** The driver, or `null` when none is usable: the socket then starts closed. */
  readonly driver: UDPDriver | null;
  /** The driver's scheduler, read once (`asapScheduler` when there is no usable driver). */
  readonly scheduler: SchedulerLike;
  /** What the driver applies when it opens the handle. */
  readonly handleOptions: UDPHandleOptions;
  /** The signal that closes the socket, when a usable one was given. */
  readonly signal: UDPAbortSignal | undefined;
  /** What to report on `onError` once the socket exists, in order. */
  readonly errors: UDPSocketError[];
  /** The guard of the `lookup` option, when one was given: it lives and dies with the socket. */
  readonly lookupGuard?: LookupGuard;
}

/** A driver's scheduler, or undefined when `value` is not a usable driver (never throws). */
function schedulerOf(value: unknown): SchedulerLike | undefined {
  try {
    if (value === null || typeof value !== 'object' || typeof (value as UDPDriver).open !== 'function') return undefined;
    const scheduler: unknown = (value as UDPDriver).scheduler;
    return isScheduler(scheduler) ? scheduler : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` can be watched as an AbortSignal (never throws). */
function isAbortSignal(value: unknown): value is UDPAbortSignal {
  try {
    return (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as UDPAbortSignal).aborted === 'boolean' &&
      typeof (value as UDPAbortSignal).addEventListener === 'function' &&
      typeof (value as UDPAbortSignal).removeEventListener === 'function'
    );
  } catch {
    return false;
  }
}

/**
 * Checks the options of `createUDPSocket` without ever throwing: each bad field is one error and
 * is ignored; an unusable driver, or options that cannot be read at all (a getter that throws, a
 * revoked Proxy), is one error and leaves the socket closed — better than a silent fallback to
 * real sockets. Each field is read once.
 */
export function parseSocketOptions(options: unknown): SocketSettings {
  const errors: UDPSocketError[] = [];
  const handleOptions: UDPHandleOptions = {};
  const bad = (name: string, expected: string, value: unknown): void => {
    errors.push(
      new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `option ${name} must be ${expected}, got ${describe(value)}; ignored`),
    );
  };
  /** The default driver, or null after the error saying this platform has none. */
  const fallback = (): SocketSettings => {
    const driver = defaultDriver(errors);
    return { driver, scheduler: driver?.scheduler ?? asapScheduler, handleOptions, signal: undefined, errors };
  };
  if (options === undefined) return fallback();
  if (options === null || typeof options !== 'object') {
    bad('options', 'an object', options);
    return fallback();
  }
  let fields: UDPSocketOptions;
  try {
    const { driver, reuseAddr, ipv6Only, exclusive, reusePort, recvBufferSize, sendBufferSize, lookup, lookupTimeout, signal } =
      options as UDPSocketOptions;
    fields = { driver, reuseAddr, ipv6Only, exclusive, reusePort, recvBufferSize, sendBufferSize, lookup, lookupTimeout, signal };
  } catch (thrown) {
    errors.push(
      new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `options could not be read: ${reasonOf(thrown)}; the socket is closed`, { cause: thrown }),
    );
    return { driver: null, scheduler: asapScheduler, handleOptions, signal: undefined, errors };
  }
  let driver: UDPDriver | null;
  let scheduler: SchedulerLike = asapScheduler;
  if (fields.driver === undefined) {
    driver = defaultDriver(errors);
    if (driver !== null) scheduler = driver.scheduler;
  } else {
    const driverScheduler = schedulerOf(fields.driver);
    if (driverScheduler === undefined) {
      driver = null;
      errors.push(
        new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `option driver must be a UDPDriver, got ${describe(fields.driver)}; the socket is closed`),
      );
    } else {
      driver = fields.driver;
      scheduler = driverScheduler;
    }
  }
  for (const name of ['reuseAddr', 'ipv6Only', 'exclusive', 'reusePort'] as const) {
    const value = fields[name];
    if (value === undefined) continue;
    if (typeof value === 'boolean') handleOptions[name] = value;
    else bad(name, 'a boolean', value);
  }
  for (const name of ['recvBufferSize', 'sendBufferSize'] as const) {
    const value = fields[name];
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_BUFFER_SIZE) handleOptions[name] = value;
    else bad(name, 'a positive integer', value);
  }
  let lookupTimeout = DEFAULT_LOOKUP_TIMEOUT;
  const timeout = fields.lookupTimeout;
  if (timeout !== undefined) {
    if (timeout === Infinity || (Number.isInteger(timeout) && timeout > 0 && timeout <= MAX_LOOKUP_TIMEOUT)) lookupTimeout = timeout;
    else bad('lookupTimeout', `a positive integer of ms up to ${MAX_LOOKUP_TIMEOUT}, or Infinity`, timeout);
  }
  handleOptions.lookupTimeout = lookupTimeout;
  let lookupGuard: LookupGuard | undefined;
  if (fields.lookup !== undefined) {
    // Guarded here, on the driver's scheduler, so every driver (the virtual network too) gets it.
    if (typeof fields.lookup === 'function') {
      lookupGuard = new LookupGuard(fields.lookup, lookupTimeout, scheduler);
      handleOptions.lookup = lookupGuard.lookup;
    } else {
      bad('lookup', 'a function', fields.lookup);
    }
  }
  let signal: UDPAbortSignal | undefined;
  if (fields.signal !== undefined) {
    if (isAbortSignal(fields.signal)) signal = fields.signal;
    else bad('signal', 'an AbortSignal', fields.signal);
  }
  return { driver, scheduler, handleOptions, signal, errors, lookupGuard };
}
