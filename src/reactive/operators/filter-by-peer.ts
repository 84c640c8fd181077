import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import { ipFamily, isPeerAddress, peerAddress } from '../../internal/ip';
import { UDPSocketError } from '../../errors';
import type { UDPRemoteInfo } from '../../socket/types';
import { checkPort, describe } from '../../internal/validators';
import { failing } from '../internal/validate';

/** Anything that knows its sender, as a received message does. */
export interface FromSender {
  /** The sender's address and port. */
  remoteInfo: Pick<UDPRemoteInfo, 'address' | 'port'>;
}

/**
 * The `remoteInfo` of a value that should be a received message; throws (erroring the stream) a
 * clear `ERR_INVALID_ARG_TYPE` when it has none, instead of a TypeError on `undefined.address`.
 *
 * @param message - a received message, or anything with a `remoteInfo`.
 * @param operation - the operation to report.
 * @returns its `remoteInfo`.
 */
export function infoOf(message: FromSender, operation: 'receive' | 'send' = 'receive'): FromSender['remoteInfo'] {
  const info = message !== null && typeof message === 'object' ? message.remoteInfo : undefined;
  if (info !== null && typeof info === 'object') return info;
  throw new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `expected a received message with remoteInfo, got ${describe(message)}`);
}

/**
 * Lets through only the messages from `address` (and `port`, when given).
 *
 * The address is compared as an address, not as text: `FD00:0:0::1` lets through the messages
 * of `fd00::1`, and `10.0.0.1` those that a dual-stack socket reports from `::ffff:10.0.0.1`. Give
 * an IP address, not a hostname (a message carries no name): an `address` that is not one errors the
 * operator with `ERR_INVALID_ADDRESS` when subscribed, a `port` not in 1–65535 with
 * `ERR_SOCKET_BAD_PORT`. A value without `remoteInfo` errors the stream with `ERR_INVALID_ARG_TYPE`.
 *
 * @param address - the sender's IP address.
 * @param port - the sender's port; any port when omitted.
 * @returns a filtering operator.
 * @example
 * rx.message$.pipe(filterByPeer('127.0.0.1', 53)).subscribe(handleDnsAnswer);
 */
export function filterByPeer<T extends FromSender>(address: string, port?: number): MonoTypeOperatorFunction<T> {
  const error =
    typeof address === 'string' && ipFamily(address) !== 0
      ? port === undefined
        ? undefined
        : checkPort('receive', port, false)
      : new UDPSocketError('ERR_INVALID_ADDRESS', 'receive', `filterByPeer: address must be an IP address, got ${describe(address)}`);
  if (error !== undefined) return failing(error);
  const form = peerAddress(address)!;
  return port === undefined
    ? filter((message) => isPeerAddress(form, infoOf(message).address))
    : filter((message) => {
        const info = infoOf(message);
        return info.port === port && isPeerAddress(form, info.address);
      });
}
