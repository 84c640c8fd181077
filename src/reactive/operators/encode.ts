import { Observable, type OperatorFunction } from 'rxjs';
import { UDPSocketError, reasonOf } from '../../errors';
import type { UDPMessage } from '../../socket/types';
import { describe, unreadableOption } from '../../internal/validators';
import { failing, isPayload } from '../internal/validate';
import type { UDPCodec } from './codec';
import { operate } from '../internal/operate';

/**
 * Encodes each value with `codec` into a datagram payload, ready for {@link sendTo} or
 * {@link request}. A value the codec cannot write is a bug of the sender, so it errors the
 * stream: `ERR_DATAGRAM_ENCODE` (`operation: 'send'`, the codec's error as `cause`).
 * So does a codec that returns something other than a string or bytes. A `codec` without an
 * `encode` function errors the operator with `ERR_INVALID_ARG_TYPE` when subscribed.
 *
 * @param codec - `text`, `bytes`, `json<T>()` or your own {@link UDPCodec}.
 * @returns an operator from values of type `T` to payloads.
 * @example
 * readings$.pipe(encode(json<Reading>()), sendTo(rx, { address: '127.0.0.1', port: 9000 })).subscribe();
 */
export function encode<T>(codec: UDPCodec<T>): OperatorFunction<T, UDPMessage> {
  let readable: boolean;
  try {
    readable = codec !== null && typeof codec === 'object' && typeof (codec as { encode?: unknown }).encode === 'function';
  } catch (thrown) {
    return failing(unreadableOption('send', thrown));
  }
  if (!readable) {
    return failing(new UDPSocketError('ERR_INVALID_ARG_TYPE', 'send', `codec must be a UDPCodec with an encode function, got ${describe(codec)}`));
  }
  return (source) =>
    new Observable<UDPMessage>((subscriber) =>
      source.subscribe(
        operate({
          destination: subscriber,
          next: (value: T) => {
            let payload: UDPMessage;
            try {
              payload = codec.encode(value);
            } catch (cause) {
              subscriber.error(new UDPSocketError('ERR_DATAGRAM_ENCODE', 'send', `cannot encode ${codec.name}: ${reasonOf(cause)}`, { cause }));
              return;
            }
            if (!isPayload(payload)) {
              subscriber.error(
                new UDPSocketError('ERR_DATAGRAM_ENCODE', 'send', `cannot encode ${codec.name}: the codec returned ${describe(payload)}, not a string or bytes`),
              );
              return;
            }
            subscriber.next(payload);
          },
        }),
      ),
    );
}
