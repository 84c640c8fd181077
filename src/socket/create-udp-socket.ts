import { UDPSocketError, toUDPSocketError } from '../errors';
import type { UDPSocketType } from '../driver/udp-driver';
import { parseSocketOptions } from './options';
import { SocketCore } from './socket-core';
import type { UDPSocket, UDPSocketOptions } from './types';
import { UDPSocketImpl } from './udp-socket';
import { describe } from '../internal/validators';

/**
 * Creates a UDP socket with the WeChat / Taro `UDPSocket` API, on node:dgram by default.
 *
 * Nothing but an unknown `type` throws: every bad argument of every method, and every failure,
 * is reported on `onError` with a stable `code`.
 *
 * @param type - `'udp4'` (default) or `'udp6'`.
 * @param options - driver, SO_REUSEADDR, IPV6_V6ONLY, buffer sizes, hostname lookup, an AbortSignal.
 * @returns an unbound socket.
 * @throws UDPSocketError `ERR_SOCKET_BAD_TYPE` when `type` is neither `'udp4'` nor `'udp6'`.
 * @example
 * const udp = createUDPSocket();
 * udp.onMessage(({ message, remoteInfo }) => console.log(Buffer.from(message).toString(), remoteInfo));
 * const port = udp.bind();
 * udp.send({ address: '127.0.0.1', port, message: 'hello' });
 */
export function createUDPSocket(type: UDPSocketType = 'udp4', options?: UDPSocketOptions): UDPSocket {
  if (type !== 'udp4' && type !== 'udp6') {
    throw new UDPSocketError('ERR_SOCKET_BAD_TYPE', 'createUDPSocket', `bad socket type: ${describe(type)}, expected "udp4" or "udp6"`);
  }
  const { driver, scheduler, handleOptions, signal, errors, lookupGuard } = parseSocketOptions(options);
  const core = new SocketCore(type, scheduler, { recv: handleOptions.recvBufferSize, send: handleOptions.sendBufferSize });
  core.lookupGuard = lookupGuard;
  // Without a usable driver the socket starts closed: better than a silent fallback to real sockets.
  if (driver !== null) {
    try {
      core.open(driver.open(type, handleOptions, core));
    } catch (error) {
      errors.push(toUDPSocketError('createUDPSocket', error));
    }
  }
  for (const error of errors) core.report(error);
  if (signal !== undefined) core.watch(signal);
  return new UDPSocketImpl(core);
}
