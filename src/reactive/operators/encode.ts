import { Observable, type OperatorFunction } from 'rxjs';
import { createOperatorSubscriber } from 'rxjs/internal/operators/OperatorSubscriber';
import { UDPSocketError } from '../../errors';
import type { UDPMessage } from '../../socket/types';
import type { UDPCodec } from './codec';

/**
 * Encodes each value with `codec` into a datagram payload, ready for {@link sendTo} or
 * {@link request}. A value the codec cannot write is a bug of the sender, so it errors the
 * stream: `ERR_DATAGRAM_ENCODE` (`operation: 'send'`, the codec's error as `cause`).
 *
 * @param codec - `text`, `bytes`, `json<T>()` or your own {@link UDPCodec}.
 * @returns an operator from values of type `T` to payloads.
 * @example
 * readings$.pipe(encode(json<Reading>()), sendTo(rx, { address: '127.0.0.1', port: 9000 })).subscribe();
 */
export function encode<T>(codec: UDPCodec<T>): OperatorFunction<T, UDPMessage> {
  return (source) =>
    new Observable<UDPMessage>((subscriber) =>
      source.subscribe(
        createOperatorSubscriber(subscriber, (value: T) => {
          let payload: UDPMessage;
          try {
            payload = codec.encode(value);
          } catch (cause) {
            const reason = cause instanceof Error ? cause.message : String(cause);
            subscriber.error(new UDPSocketError('ERR_DATAGRAM_ENCODE', 'send', `cannot encode ${codec.name}: ${reason}`, { cause }));
            return;
          }
          subscriber.next(payload);
        }),
      ),
    );
}
