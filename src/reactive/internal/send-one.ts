import type { Subscriber } from 'rxjs';
import { UDPSocketError, toUDPSocketError } from '../../errors';
import { describe } from '../../socket/validate';
import type { UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { SendReceipt } from '../types';
import { canConfirm } from './capabilities';

/**
 * Sends `option` once for `subscriber`: a receipt then completion when the socket confirmed the
 * hand-over (or, on a socket that cannot confirm, right after `send()` returned), else the error.
 */
export function sendOne(socket: UDPSocketLike, option: UDPSendOption, subscriber: Subscriber<SendReceipt>): void {
  if (option === null || typeof option !== 'object') {
    subscriber.error(new UDPSocketError('ERR_INVALID_ARG_TYPE', 'send', `option must be an object, got ${describe(option)}`));
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
