const ERRNO: Record<string, number> = {
  EACCES: -13,
  EADDRINUSE: -98,
  EADDRNOTAVAIL: -99,
  EAGAIN: -11,
  ECONNREFUSED: -111,
  EINVAL: -22,
  EMSGSIZE: -90,
  ENETUNREACH: -101,
  ENODEV: -19,
  ENOTFOUND: -3008,
};

/** An error shaped like the ones node:dgram throws or reports: `code`, `errno`, `syscall`. */
export interface OsError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
}

/**
 * Builds an error the way node reports OS errors (`"bind EADDRINUSE 127.0.0.1:5000"`), so the
 * socket layer maps it exactly as it maps the node driver's errors.
 *
 * @param code - errno name (`EADDRINUSE`) or node code (`ERR_SOCKET_DGRAM_NOT_RUNNING`).
 * @param syscall - the failing call (`bind`, `send`, `recvmsg`, `setTTL`, ...).
 * @param address - the address involved, if any.
 * @param port - the port involved, if any.
 * @returns the error.
 * @example
 * osError('EADDRINUSE', 'bind', '127.0.0.1', 5000).message; // 'bind EADDRINUSE 127.0.0.1:5000'
 */
export function osError(code: string, syscall: string, address?: string, port?: number): OsError {
  const where = address === undefined ? '' : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const error = new Error(code.startsWith('E') ? `${syscall} ${code}${where}` : `${syscall}: ${code}${where}`) as OsError;
  error.code = code;
  const errno = ERRNO[code];
  if (errno !== undefined) error.errno = errno;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}
