import { ipFamily } from '../../internal/ip';
import { throwError, type OperatorFunction } from 'rxjs';
import { UDPSocketError, reasonOf, type UDPOperation } from '../../errors';
import type { UDPMessage, UDPSendOption } from '../../socket/types';
import type { UDPTarget } from '../types';
import { checkAddress, checkPort, describe, unreadableOption } from '../../internal/validators';
import { invalidSocketReason, isRxUDPSocket } from './brand';

/**
 * Argument checks of the reactive layer. Each returns the `UDPSocketError` to report, or
 * `undefined` when the argument is fine; it never throws. They run once, when an operator is
 * created, never per value: an operator given a bad argument errors when subscribed (see
 * {@link failing}), so a mistake is reported through the stream instead of thrown at call time.
 */

/**
 * The longest timer delay, ms: `setTimeout` (so `asyncScheduler`) fires a longer delay after 1 ms.
 */
export const MAX_DELAY = 2_147_483_647;

/** An operator that errors with `error` when subscribed, without subscribing to its source. */
export function failing<T, R>(error: UDPSocketError): OperatorFunction<T, R> {
  return () => throwError(() => error);
}

/**
 * Checks an operator's socket: an `RxUDPSocket`, or an object with the socket's `send` and
 * `onMessage` — and, with `listens` (operators that read replies through the wrapper), every
 * listener method the wrapper calls, so a socket it cannot use is refused when subscribed
 * instead of failing later.
 */
export function checkSocket(operation: UDPOperation, socket: unknown, listens = false): UDPSocketError | undefined {
  if (isRxUDPSocket(socket)) return undefined;
  let reason: string | undefined;
  try {
    if (
      socket !== null &&
      typeof socket === 'object' &&
      typeof (socket as { send?: unknown }).send === 'function' &&
      typeof (socket as { onMessage?: unknown }).onMessage === 'function'
    ) {
      if (!listens) return undefined;
      reason = invalidSocketReason(socket);
      if (reason === undefined) return undefined;
    }
  } catch {
    // A revoked Proxy, or an object whose getters throw: no socket.
  }
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, reason ?? `socket must be an RxUDPSocket or a UDP socket, got ${describe(socket)}`);
}

const NO_OPTIONS = Object.freeze({});

/**
 * An options argument: `undefined` and `null` mean no options.
 * @returns the options, or the error to report when they are not an object.
 */
export function optionsOf<O extends object>(operation: UDPOperation, options: unknown, name = 'options'): O | UDPSocketError {
  if (options === undefined || options === null) return NO_OPTIONS as O;
  let array: boolean;
  try {
    array = Array.isArray(options); // throws for a revoked Proxy
  } catch (thrown) {
    return unreadableOption(operation, thrown, name);
  }
  if (typeof options === 'object' && !array) return options as O;
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be an object, got ${describe(options)}`);
}

/**
 * Reads the fields `names` of an options argument, each exactly once, into a plain object: the
 * caller checks and uses what was read, so a getter cannot pass a check with one value and be
 * used with another. Options that are not an object are reported as by {@link optionsOf}; a
 * field whose read throws (a getter, a Proxy trap, a revoked Proxy) is `ERR_INVALID_ARG_TYPE`
 * naming it (`options.idle could not be read: ...`).
 * @returns the fields read (absent ones `undefined`), or the error to report.
 */
export function readOptions<K extends string>(operation: UDPOperation, options: unknown, names: readonly K[]): { [P in K]?: unknown } | UDPSocketError {
  const opts = optionsOf<Record<string, unknown>>(operation, options);
  if (opts instanceof UDPSocketError) return opts;
  const read: { [P in K]?: unknown } = {};
  for (const name of names) {
    try {
      read[name] = opts[name];
    } catch (thrown) {
      return unreadableOption(operation, thrown, `options.${name}`);
    }
  }
  return read;
}

/**
 * Readies a `counters` option: an object whose fields `names` an operator keeps counting. A field
 * that is not a number starts at 0. Each field is written once here, so an object that cannot
 * take the counts — frozen, sealed without the field, a read-only field, a Proxy that refuses —
 * is reported now (`ERR_INVALID_ARG_VALUE`, naming `counters`) instead of throwing at some later
 * datagram or teardown. Not an object, or a field that cannot be read, is `ERR_INVALID_ARG_TYPE`.
 * @returns the counters, `undefined` when absent, or the error to report.
 */
export function countersOf<C extends object>(operation: UDPOperation, value: unknown, names: ReadonlyArray<keyof C & string>): C | UDPSocketError | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `counters must be an object, got ${describe(value)}`);
  }
  const counters = value as Record<string, unknown>;
  for (const name of names) {
    let count: unknown;
    try {
      count = counters[name];
    } catch (thrown) {
      return unreadableOption(operation, thrown, `counters.${name}`);
    }
    try {
      counters[name] = typeof count === 'number' ? count : 0; // strict mode: a refused write throws
    } catch (thrown) {
      return new UDPSocketError(
        'ERR_INVALID_ARG_VALUE',
        operation,
        `counters must be an object the operator can write its counts to (not frozen, sealed or read-only): counters.${name}: ${reasonOf(thrown)}`,
        { cause: thrown },
      );
    }
  }
  return value as C;
}

/**
 * Reads a target `{ address, port, setBroadcast? }` once and checks it: an IP literal, `localhost`
 * or a hostname, a port in 1–65535, a boolean or absent `setBroadcast`. A target whose fields
 * cannot be read (a getter that throws, a revoked Proxy) is `ERR_INVALID_ARG_TYPE`.
 * @returns a plain copy of the target (later reads see the values checked), or the error.
 */
export function readTarget(operation: UDPOperation, target: unknown): UDPTarget | UDPSocketError {
  if (target === null || typeof target !== 'object') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `target must be an object { address, port }, got ${describe(target)}`);
  }
  let address: unknown;
  let port: unknown;
  let setBroadcast: unknown;
  try {
    ({ address, port, setBroadcast } = target as { address?: unknown; port?: unknown; setBroadcast?: unknown });
  } catch (thrown) {
    return unreadableOption(operation, thrown);
  }
  return checkTarget(operation, address, port, setBroadcast);
}

/**
 * Checks the fields of a target read by the caller (see {@link readTarget}).
 * @returns a plain target of them, or the error.
 */
export function checkTarget(operation: UDPOperation, address: unknown, port: unknown, setBroadcast: unknown): UDPTarget | UDPSocketError {
  const family = typeof address === 'string' && ipFamily(address) === 6 ? 'udp6' : 'udp4';
  const error = checkAddress(operation, address, family) ?? checkPort(operation, port, false);
  if (error !== undefined) return error;
  if (setBroadcast !== undefined && typeof setBroadcast !== 'boolean') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `target.setBroadcast must be a boolean, got ${describe(setBroadcast)}`);
  }
  const copy: UDPTarget = { address: address as string, port: port as number };
  if (setBroadcast !== undefined) copy.setBroadcast = setBroadcast;
  return copy;
}

/**
 * Reads a send option once (a value of `rx.send` or of `sendTo` without a target): the socket
 * then gets a plain copy, so the receipt describes exactly the datagram sent. Not an object, or
 * fields that cannot be read, is `ERR_INVALID_ARG_TYPE`; the fields themselves are the socket's
 * to check.
 */
export function readSendOption(value: unknown): UDPSendOption | UDPSocketError {
  if (value === null || typeof value !== 'object') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', 'send', `a send option must be an object, got ${describe(value)}`);
  }
  try {
    const { address, port, message, offset, length, setBroadcast } = value as UDPSendOption;
    return { address, port, message, offset, length, setBroadcast };
  } catch (thrown) {
    return unreadableOption('send', thrown);
  }
}

// The numeric, function and scheduler checks are the package's one set (src/internal/validators.ts).
export { checkFunction, checkNumber, checkScheduler, type NumberRange } from '../../internal/validators';

/** Whether `value` is a payload a socket sends: a string, an ArrayBuffer or a view. */
export function isPayload(value: unknown): value is UDPMessage {
  return typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Checks that `value` is one of `allowed` (an option taking one of a few strings).
 * @returns the error naming `name` and the allowed values, or `undefined`.
 */
export function checkOneOf(operation: UDPOperation, name: string, value: unknown, allowed: readonly string[]): UDPSocketError | undefined {
  if (allowed.includes(value as string)) return undefined;
  const choices = allowed.map((a) => `'${a}'`);
  const listed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be ${listed}, got ${describe(value)}`);
}
