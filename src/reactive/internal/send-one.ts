import type { Subscriber } from 'rxjs';
import { UDPSocketError, toUDPSocketError } from '../../errors';
import type { UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { SendReceipt } from '../types';
import { canConfirm } from './capabilities';
import { readSendOption } from './validate';

/**
 * Sends `option` once for `subscriber`: a receipt then completion when the socket confirmed the
 * hand-over (or, on a socket that cannot confirm, right after `send()` returned), else the error.
 */
export function sendOne(socket: UDPSocketLike, value: UDPSendOption, subscriber: Subscriber<SendReceipt>): void {
  // Read once: the socket gets the copy, so the receipt describes the datagram sent.
  const option = readSendOption(value);
  if (option instanceof UDPSocketError) {
    subscriber.error(option);
    return;
  }
  const confirmed = canConfirm(socket);
  const receipt: SendReceipt = { address: option.address, port: option.port, message: option.message, confirmed };
  try {
    if (confirmed) {
      socket.sendWithCallback(option, (error: UDPSocketError | null) => {
        if (error !== null) {
          subscriber.error(error);
        } else {
          subscriber.next(receipt);
          subscriber.complete();
        }
      });
      return;
    }
    socket.send(option);
  } catch (thrown) {
    subscriber.error(toUDPSocketError('send', thrown));
    return;
  }
  subscriber.next(receipt);
  subscriber.complete();
}
