import { ipFamily } from '../internal/ip';
import { encodeUtf8 } from '../internal/utf8';
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

/** The error for an option object whose fields cannot be read (a getter threw, a revoked Proxy). */
export function unreadableOption(operation: UDPOperation, thrown: unknown): UDPSocketError {
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `option could not be read: ${reasonOf(thrown)}`, { cause: thrown });
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

/** Checks a non-negative integer in [min, max]; for TTLs, buffer sizes and offsets. */
export function checkInteger(
  operation: UDPOperation,
  name: string,
  value: unknown,
  min: number,
  max: number,
): UDPSocketError | undefined {
  if (typeof value !== 'number') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    return new UDPSocketError('ERR_OUT_OF_RANGE', operation, `${name} must be an integer in ${min}-${max}, got ${describe(value)}`);
  }
  return undefined;
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

/**
 * Converts a WeChat `message` (+ `offset`/`length`) to bytes without copying where it can.
 * `offset`/`length` apply to ArrayBuffers and views and are ignored for strings, as in WeChat.
 * @returns the bytes to send, or the error to report.
 */
export function toBytes(
  operation: UDPOperation,
  message: unknown,
  offset: unknown,
  length: unknown,
): Uint8Array | UDPSocketError {
  let bytes: Uint8Array;
  if (typeof message === 'string') {
    return encodeUtf8(message);
  } else if (message instanceof Uint8Array) {
    bytes = message;
  } else if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
    try {
      bytes =
        message instanceof ArrayBuffer
          ? new Uint8Array(message)
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    } catch {
      // A detached (transferred) ArrayBuffer cannot be viewed.
      return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, 'message is a detached ArrayBuffer');
    }
  } else {
    return new UDPSocketError(
      'ERR_INVALID_ARG_TYPE',
      operation,
      `message must be a string, an ArrayBuffer or an ArrayBufferView, got ${describe(message)}`,
    );
  }
  if (offset == null && length == null) return bytes;
  const size = bytes.byteLength;
  const start = offset == null ? 0 : offset;
  const error = checkInteger(operation, 'offset', start, 0, size);
  if (error !== undefined) return error;
  const first = start as number;
  const count = length == null ? size - first : length;
  const lengthError = checkInteger(operation, 'length', count, 0, size - first);
  if (lengthError !== undefined) return lengthError;
  return bytes.subarray(first, first + (count as number));
}
