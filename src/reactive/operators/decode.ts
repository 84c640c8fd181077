import { Observable, config, type OperatorFunction } from 'rxjs';
import { createOperatorSubscriber } from 'rxjs/internal/operators/OperatorSubscriber';
import { UDPSocketError } from '../../errors';
import type { UDPMessageResult } from '../../socket/types';
import type { UDPBytes, UDPCodec } from './codec';

/** What {@link decode} reads: a received message (its `message` is decoded) or bare bytes. */
export type DecodeInput = UDPMessageResult | UDPBytes;

/**
 * Where {@link decode} reports a datagram it could not read: a function, or an observer such as
 * a `Subject` (`{ next(error, input) }`).
 */
export type DecodeErrorHandler =
  | ((error: UDPSocketError, input: DecodeInput) => void)
  | { next(error: UDPSocketError, input: DecodeInput): void };

function bytesOf(input: DecodeInput): UDPBytes {
  return input instanceof ArrayBuffer || ArrayBuffer.isView(input) ? input : input.message;
}

/**
 * Decodes each datagram with `codec`. A datagram that fails to decode is reported and skipped:
 * the stream goes on. Codes: `ERR_DATAGRAM_DECODE` (`operation: 'receive'`, the codec's error as
 * `cause`).
 *
 * Failures go to `onError`; without it, to RxJS `config.onUnhandledError` when one is set,
 * else they are dropped (a malformed datagram from the network must not crash a server).
 *
 * @param codec - `text`, `bytes`, `json<T>()` or your own {@link UDPCodec}.
 * @param onError - receives each decode failure and the input that caused it.
 * @returns an operator from messages (or bytes) to decoded values of type `T`.
 * @example
 * const bad$ = new Subject<UDPSocketError>();
 * rx.message$.pipe(decode(json<{ id: number }>(), bad$)).subscribe(({ id }) => console.log(id));
 */
export function decode<T>(codec: UDPCodec<T>, onError?: DecodeErrorHandler): OperatorFunction<DecodeInput, T> {
  const report =
    onError === undefined
      ? (error: UDPSocketError): void => config.onUnhandledError?.(error)
      : typeof onError === 'function'
        ? onError
        : (error: UDPSocketError, input: DecodeInput): void => onError.next(error, input);
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe(
        createOperatorSubscriber(subscriber, (input: DecodeInput) => {
          let value: T;
          try {
            value = codec.decode(bytesOf(input));
          } catch (cause) {
            const reason = cause instanceof Error ? cause.message : String(cause);
            report(new UDPSocketError('ERR_DATAGRAM_DECODE', 'receive', `cannot decode ${codec.name}: ${reason}`, { cause }), input);
            return;
          }
          subscriber.next(value);
        }),
      ),
    );
}
