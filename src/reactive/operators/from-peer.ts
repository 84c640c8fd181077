import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { UDPRemoteInfo } from '../../socket/types';

/** Anything that knows its sender, as a received message does. */
export interface FromSender {
  remoteInfo: Pick<UDPRemoteInfo, 'address' | 'port'>;
}

/**
 * Lets through only the messages from `address` (and `port`, when given).
 *
 * The address is compared as a string: pass it in the form the socket reports it
 * (`'127.0.0.1'`, `'::1'`), not a hostname.
 *
 * @param address - the sender's IP address.
 * @param port - the sender's port; any port when omitted.
 * @returns a filtering operator.
 * @example
 * rx.message$.pipe(fromPeer('127.0.0.1', 53)).subscribe(handleDnsAnswer);
 */
export function fromPeer<T extends FromSender>(address: string, port?: number): MonoTypeOperatorFunction<T> {
  return port === undefined
    ? filter((message) => message.remoteInfo.address === address)
    : filter((message) => message.remoteInfo.port === port && message.remoteInfo.address === address);
}
