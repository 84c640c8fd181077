/**
 * WeChat `errCode` values carried by every {@link UDPSocketError}.
 *
 * - `-1` a system or usage error (wrong argument type, socket closed, ...),
 * - `-2` a socket errno reported by the operating system (`EADDRINUSE`, `EMSGSIZE`, ...),
 * - `-3` no permission (`EACCES`, `EPERM`),
 * - `1` the address is invalid or cannot be resolved,
 * - `2` the port is invalid.
 */
export type UDPErrCode = -1 | -2 | -3 | 1 | 2;

/** The operations of the socket layer (`createUDPSocket` and the socket's methods), and `receive`. */
export type UDPSocketOperation =
  | 'createUDPSocket'
  | 'bind'
  | 'send'
  | 'write'
  | 'connect'
  | 'disconnect'
  | 'close'
  | 'setTTL'
  | 'setBroadcast'
  | 'setMulticastTTL'
  | 'setMulticastLoopback'
  | 'setMulticastInterface'
  | 'addMembership'
  | 'dropMembership'
  | 'addSourceSpecificMembership'
  | 'dropSourceSpecificMembership'
  | 'setRecvBufferSize'
  | 'setSendBufferSize'
  | 'getRecvBufferSize'
  | 'getSendBufferSize'
  | 'remoteAddress'
  | 'onClose'
  | 'offClose'
  | 'onError'
  | 'offError'
  | 'onListening'
  | 'offListening'
  | 'onMessage'
  | 'offMessage'
  | 'receive';

/** The operations the reactive layer adds (its sends and receives report as `send` / `receive`). */
export type UDPReactiveOperation = 'request';

/** The operations of the virtual network (`rxjs-udp/testing`). */
export type UDPTestingOperation = 'createVirtualNetwork' | 'configure' | 'addHost' | 'partition' | 'heal' | 'inject';

/**
 * The operation an error is reported for; it prefixes the WeChat `errMsg` (`"send:fail ..."`).
 * The union of each layer's own: {@link UDPSocketOperation}, {@link UDPReactiveOperation},
 * {@link UDPTestingOperation}.
 */
export type UDPOperation = UDPSocketOperation | UDPReactiveOperation | UDPTestingOperation;

/** Options of the {@link UDPSocketError} constructor. */
export interface UDPSocketErrorOptions {
  /** The WeChat error code; derived from `code` when omitted. */
  errCode?: UDPErrCode;
  /** The underlying error (an OS error from node:dgram, a DNS error, ...). */
  cause?: unknown;
}

/** The brand of every {@link UDPSocketError}, shared by all copies of the package through the global symbol registry. */
const kUDPSocketError = Symbol.for('rxjs-udp.UDPSocketError');

const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);
const ADDRESS_CODES = new Set(['ERR_INVALID_ADDRESS', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ERR_INVALID_ADDRESS_FAMILY']);

/**
 * Derives the WeChat `errCode` of a stable error `code`.
 *
 * @param code - a stable code such as `ERR_SOCKET_BAD_PORT` or `EADDRINUSE`.
 * @returns `2` for port errors, `1` for address errors, `-3` for permission errors,
 *   `-2` for other OS errnos (`E...`), `-1` otherwise.
 * @example
 * errCodeOf('ERR_SOCKET_BAD_PORT'); // 2
 */
export function errCodeOf(code: string): UDPErrCode {
  if (code === 'ERR_SOCKET_BAD_PORT') return 2;
  if (ADDRESS_CODES.has(code)) return 1;
  if (PERMISSION_CODES.has(code)) return -3;
  if (/^E[A-Z0-9]+$/.test(code)) return -2;
  return -1;
}

/**
 * The one error type of rxjs-udp.
 *
 * Match on {@link UDPSocketError.code} (stable, Node's vocabulary: `ERR_SOCKET_BAD_PORT`,
 * `EADDRINUSE`, ...), not on the message. `errMsg` is the WeChat form of the message
 * (`"send:fail invalid port"`), `errCode` the WeChat error code, `cause` the OS error if any.
 *
 * @example
 * udp.onError(({ error }) => {
 *   if (error.code === 'EADDRINUSE') console.log('port taken');
 * });
 */
export class UDPSocketError extends Error {
  /**
   * `instanceof UDPSocketError` is true for the errors of every copy of the package (two versions
   * in one bundle, a CJS and an ESM copy): it checks a `Symbol.for` brand, not the prototype chain
   * (undici's pattern). A subclass (`RequestTimeoutError`) keeps the ordinary check.
   *
   * @param value - anything.
   * @returns whether `value` is a `UDPSocketError` of any copy of the package.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== UDPSocketError) return Function.prototype[Symbol.hasInstance].call(this, value);
    try {
      return value !== null && typeof value === 'object' && (value as { [kUDPSocketError]?: unknown })[kUDPSocketError] === true;
    } catch {
      return false; // a revoked Proxy is no error of ours
    }
  }

  /** The brand that `instanceof UDPSocketError` checks. */
  get [kUDPSocketError](): true {
    return true;
  }

  /** `'UDPSocketError'`, or the name of a subclass (`'RequestTimeoutError'`). */
  override readonly name: string = 'UDPSocketError';
  /** Stable string code, e.g. `ERR_SOCKET_BAD_PORT`, `EADDRINUSE`, `ETIMEDOUT`. */
  readonly code: string;
  /** WeChat error code: -1 system, -2 socket errno, -3 permission, 1 bad address, 2 bad port. */
  readonly errCode: UDPErrCode;
  /** WeChat-style message: `"<operation>:fail <reason>"`. */
  readonly errMsg: string;
  /** The operation that failed. */
  readonly operation: UDPOperation;

  /**
   * @param code - stable error code.
   * @param operation - the operation that failed (prefix of `errMsg`).
   * @param reason - human-readable reason, lower case, no trailing period.
   * @param options - `errCode` override and `cause`.
   */
  constructor(code: string, operation: UDPOperation, reason: string, options: UDPSocketErrorOptions = {}) {
    const errMsg = `${operation}:fail ${reason}`;
    super(errMsg, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.operation = operation;
    this.errMsg = errMsg;
    this.errCode = options.errCode ?? errCodeOf(code);
  }
}

/**
 * Type guard for {@link UDPSocketError}, also true for errors from another copy of the library.
 *
 * @param value - anything.
 * @returns whether `value` is a `UDPSocketError`.
 * @example
 * if (isUDPSocketError(err) && err.code === 'ETIMEDOUT') retry();
 */
export function isUDPSocketError(value: unknown): value is UDPSocketError {
  if (value instanceof UDPSocketError) return true; // the brand: any copy of the package
  try {
    // An error of a copy from before the brand: the shape of one.
    return (
      value instanceof Error &&
      value.name === 'UDPSocketError' &&
      typeof (value as Partial<UDPSocketError>).code === 'string' &&
      typeof (value as Partial<UDPSocketError>).errCode === 'number'
    );
  } catch {
    return false; // a revoked Proxy, or getters that throw
  }
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMSGSIZE: 'message too long',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'address not found',
  EAI_AGAIN: 'address lookup failed temporarily',
  EINVAL: 'invalid argument',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENOBUFS: 'no buffer space available',
  EAFNOSUPPORT: 'address family not supported',
  EBADF: 'bad file descriptor',
  ENODEV: 'no such device',
  ENOPROTOOPT: 'protocol option not available',
};

/**
 * The text of a thrown or reported value, for an error message: an `Error`'s message, else the
 * value as a string. Never throws (a Symbol message, a revoked Proxy, a `toString` that throws).
 */
export function reasonOf(thrown: unknown): string {
  try {
    const message: unknown = thrown instanceof Error ? thrown.message : thrown;
    return typeof message === 'string' ? message : String(message);
  } catch {
    return 'an unprintable value was thrown';
  }
}

/**
 * Wraps any error (an OS error from node:dgram, a DNS error, a Node `ERR_*`) into a
 * {@link UDPSocketError} for `operation`, keeping its code and the original as `cause`.
 *
 * @param operation - the operation that failed.
 * @param error - the thrown or reported value.
 * @returns the wrapped error (`error` itself when it already is a `UDPSocketError`).
 * @example
 * toUDPSocketError('bind', osError).code; // 'EADDRINUSE'
 */
export function toUDPSocketError(operation: UDPOperation, error: unknown): UDPSocketError {
  if (isUDPSocketError(error)) return error;
  const code =
    error !== null && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
      ? ((error as { code: string }).code)
      : 'ERR_SOCKET_UNKNOWN';
  const message = reasonOf(error);
  const known = REASONS[code];
  const reason = known === undefined ? message : `${known} (${message})`;
  return new UDPSocketError(code, operation, reason, { cause: error });
}
