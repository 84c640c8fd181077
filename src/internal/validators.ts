/**
 * The argument checks of every layer (node's `lib/internal/validators.js` is the model): each
 * returns the `UDPSocketError` to report, or `undefined` when the value is fine, and never throws,
 * whatever it is given (a revoked Proxy, a getter that throws). A leaf module: it imports only the
 * error class and the IP parser, so the socket, reactive and testing layers all use it.
 */
import type { SchedulerLike } from 'rxjs';
import { ipFamily } from './ip';
import { UDPSocketError, reasonOf, type UDPOperation } from '../errors';
import type { UDPSocketType } from '../driver/udp-driver';

/** A name whose last label is numeric is a mistyped IP address, not a hostname (RFC 3696 §2). */
const NUMERIC_TLD = /(?:^|\.)[0-9]+\.?$/;
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** Describes a value for an error message without dumping it whole. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}..."` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'undefined') return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  try {
    if (Array.isArray(value)) return 'an array';
    return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  } catch {
    // A revoked Proxy, or one whose traps throw: it cannot even be looked at.
    return 'an unreadable object (a revoked Proxy?)';
  }
}

/**
 * The error for an option object whose fields cannot be read (a getter threw, a revoked Proxy).
 * @param name - what could not be read (`options`, `options.idle`), when the caller knows.
 */
export function unreadableOption(operation: UDPOperation, thrown: unknown, name = 'option'): UDPSocketError {
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} could not be read: ${reasonOf(thrown)}`, { cause: thrown });
}

/**
 * Checks a port: an integer in 1–65535, or 0–65535 when `allowZero` (bind).
 * @returns the error to report, or undefined when the port is valid.
 */
export function checkPort(operation: UDPOperation, port: unknown, allowZero: boolean): UDPSocketError | undefined {
  if (typeof port === 'number' && Number.isInteger(port) && port <= 65535 && (port > 0 || (allowZero && port === 0))) {
    return undefined;
  }
  const range = allowZero ? '0-65535' : '1-65535';
  return new UDPSocketError('ERR_SOCKET_BAD_PORT', operation, `invalid port: ${describe(port)}, expected an integer in ${range}`);
}

/**
 * Checks an address: an IP literal of the socket's family, `localhost`, or a well-formed hostname.
 * @returns the error to report, or undefined when the address is usable.
 */
export function checkAddress(operation: UDPOperation, address: unknown, type: UDPSocketType): UDPSocketError | undefined {
  if (typeof address !== 'string' || address.length === 0) {
    return new UDPSocketError('ERR_INVALID_ADDRESS', operation, `invalid address: ${describe(address)}, expected an IP address or a hostname`);
  }
  const family = ipFamily(address);
  if (family === 0) {
    return HOSTNAME.test(address) && !NUMERIC_TLD.test(address)
      ? undefined
      : new UDPSocketError('ERR_INVALID_ADDRESS', operation, `invalid address: ${describe(address)} is neither an IP address nor a hostname`);
  }
  if ((family === 4) !== (type === 'udp4')) {
    return new UDPSocketError(
      'ERR_INVALID_ADDRESS',
      operation,
      `invalid address: ${address} is an IPv${family} address but the socket is ${type}`,
    );
  }
  return undefined;
}

/** The range {@link checkNumber} accepts. */
export interface NumberRange {
  readonly min: number;
  /** Whether `min` itself is out of range. */
  readonly above?: boolean;
  /** @default no bound but finiteness */
  readonly max?: number;
  readonly integer?: boolean;
  /** Whether `Infinity` is accepted (beyond `max`). */
  readonly infinity?: boolean;
}

/**
 * Checks a numeric argument: `ERR_INVALID_ARG_TYPE` when it is not a number, `ERR_OUT_OF_RANGE`
 * when it is NaN, infinite (unless allowed), fractional (for an integer) or out of range.
 */
export function checkNumber(operation: UDPOperation, name: string, value: unknown, range: NumberRange): UDPSocketError | undefined {
  if (typeof value !== 'number') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be a number, got ${describe(value)}`);
  }
  const { min, above = false, max = Infinity, integer = false, infinity = false } = range;
  if (value === Infinity && infinity) return undefined;
  if (Number.isFinite(value) && (integer ? Number.isInteger(value) : true) && (above ? value > min : value >= min) && value <= max) {
    return undefined;
  }
  return new UDPSocketError('ERR_OUT_OF_RANGE', operation, `${name} must be ${rangeText(min, above, max, integer, infinity)}, got ${describe(value)}`);
}

function rangeText(min: number, above: boolean, max: number, integer: boolean, infinity: boolean): string {
  // The socket's form for its bounded integers (TTLs, buffer sizes, offsets): "an integer in 0-255".
  if (integer && !above && !infinity && max !== Infinity) return `an integer in ${min}-${max}`;
  const upper = max === Infinity ? '' : ` and <= ${max}`;
  return `${integer ? 'an integer' : 'a number'} ${above ? '>' : '>='} ${min}${upper}${infinity ? ', or Infinity' : ''}`;
}

/** Checks an integer in [min, max] (TTLs, buffer sizes, offsets): {@link checkNumber} with a fast path for a valid value. */
export function checkInteger(operation: UDPOperation, name: string, value: unknown, min: number, max: number): UDPSocketError | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return checkNumber(operation, name, value, { min, max, integer: true });
}

/** Checks a boolean flag. */
export function checkBoolean(operation: UDPOperation, name: string, value: unknown): UDPSocketError | undefined {
  return typeof value === 'boolean'
    ? undefined
    : new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be a boolean, got ${describe(value)}`);
}

/** Checks a multicast/interface address argument: a non-empty IP literal. */
export function checkIp(operation: UDPOperation, name: string, value: unknown): UDPSocketError | undefined {
  if (typeof value === 'string' && ipFamily(value) !== 0) return undefined;
  return new UDPSocketError('ERR_INVALID_ADDRESS', operation, `${name} must be an IP address, got ${describe(value)}`);
}

/** Checks that `value` is a function (`undefined` too when `optional`): listeners, callbacks, options. */
export function checkFunction(operation: UDPOperation, name: string, value: unknown, optional = false): UDPSocketError | undefined {
  if (typeof value === 'function' || (optional && value === undefined)) return undefined;
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be a function, got ${describe(value)}`);
}

/**
 * Whether `value` is a scheduler: an object with a `schedule` method, and a `now` method too when
 * `withNow` (a scheduler the caller reads the time from). Never throws (a revoked Proxy is not one).
 */
export function isScheduler(value: unknown, withNow = false): value is SchedulerLike {
  try {
    return (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { schedule?: unknown }).schedule === 'function' &&
      (!withNow || typeof (value as { now?: unknown }).now === 'function')
    );
  } catch {
    return false;
  }
}

/** Checks an optional scheduler option: `undefined`, or an object with `schedule` and `now`. */
export function checkScheduler(operation: UDPOperation, value: unknown): UDPSocketError | undefined {
  if (value === undefined || isScheduler(value, true)) return undefined;
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `scheduler must be a SchedulerLike, got ${describe(value)}`);
}
