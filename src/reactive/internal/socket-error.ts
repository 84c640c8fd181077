import { UDPSocketError, isUDPSocketError, type UDPErrCode, type UDPOperation } from '../../errors';

const ERR_CODES: ReadonlySet<number> = new Set([-1, -2, -3, 1, 2]);

/**
 * The `UDPSocketError` of an `onError` payload: the `error` field of our sockets, or one built
 * from the `errMsg` (`"send:fail ..."`) and `errCode` a WeChat / Taro socket reports.
 */
export function errorOfPayload(payload: unknown): UDPSocketError {
  if (isUDPSocketError(payload)) return payload;
  const p = (payload !== null && typeof payload === 'object' ? payload : {}) as {
    error?: unknown;
    errMsg?: unknown;
    errCode?: unknown;
    code?: unknown;
  };
  if (isUDPSocketError(p.error)) return p.error;
  const errMsg = typeof p.errMsg === 'string' ? p.errMsg : String(payload);
  const parsed = /^(\w+):fail ?([\s\S]*)$/.exec(errMsg);
  const operation = (parsed === null ? 'receive' : parsed[1]) as UDPOperation;
  const reason = parsed === null ? errMsg : parsed[2] || 'unknown error';
  const code = typeof p.code === 'string' && p.code !== '' ? p.code : 'ERR_SOCKET_UNKNOWN';
  const errCode = typeof p.errCode === 'number' && ERR_CODES.has(p.errCode) ? (p.errCode as UDPErrCode) : undefined;
  return new UDPSocketError(code, operation, reason, errCode === undefined ? { cause: payload } : { errCode, cause: payload });
}
