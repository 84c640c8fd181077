import { describe } from '../../internal/validators';
import type { RxUDPSocket } from '../types';

/**
 * The brand of the wrappers of `fromUDPSocket`: a registered symbol, so a wrapper made by another
 * copy of the package (a bundle with two copies, CJS beside ESM) is recognised too. A leaf module:
 * the operators check sockets here without importing the wrapper.
 */
export const RX_UDP_SOCKET = Symbol.for('rxjs-udp.RxUDPSocket');

/**
 * Whether `value` is an {@link RxUDPSocket} made by {@link fromUDPSocket} / {@link openUDPSocket}
 * (of any copy of rxjs-udp).
 *
 * @param value - anything.
 * @returns `true` for a reactive wrapper, `false` for a plain socket or anything else (never throws).
 * @example
 * const rx = isRxUDPSocket(socket) ? socket : fromUDPSocket(socket);
 */
export function isRxUDPSocket(value: unknown): value is RxUDPSocket {
  try {
    return value !== null && typeof value === 'object' && (value as { [RX_UDP_SOCKET]?: unknown })[RX_UDP_SOCKET] === true;
  } catch {
    return false; // a revoked Proxy, a throwing getter: no wrapper
  }
}

/** What the wrapper calls on every socket: the listener methods of the WeChat / Taro `UDPSocket`, plus `close`. */
export const SOCKET_METHODS = [
  'onMessage',
  'offMessage',
  'onError',
  'offError',
  'onListening',
  'offListening',
  'onClose',
  'offClose',
  'close',
] as const;

/** Why `socket` cannot be wrapped, or `undefined` when it has the methods the wrapper calls. */
export function invalidSocketReason(socket: unknown): string | undefined {
  if ((typeof socket === 'object' && socket !== null) || typeof socket === 'function') {
    let missing: string[];
    try {
      missing = SOCKET_METHODS.filter((name) => typeof (socket as Record<string, unknown>)[name] !== 'function');
    } catch {
      return `socket must be a UDP socket, got ${describe(socket)} whose methods cannot be read`;
    }
    if (missing.length === 0) return undefined;
    return `socket must be a UDP socket, got ${describe(socket)} without ${missing.join(', ')}`;
  }
  return `socket must be a UDP socket, got ${describe(socket)}`;
}
