import { Observable, config, type OperatorFunction } from 'rxjs';
import { UDPSocketError, reasonOf } from '../../errors';
import type { UDPMessageResult } from '../../socket/types';
import { describe, unreadableOption } from '../../internal/validators';
import { failing } from '../internal/validate';
import type { UDPBytes, UDPCodec } from './codec';
import { operate } from '../internal/operate';

/** What {@link decode} reads: a received message (its `message` is decoded) or bare bytes. */
export type DecodeInput = UDPMessageResult | UDPBytes;

/**
 * Where {@link decode} reports a datagram it could not read: a function, or an observer such as
 * a `Subject` (`{ next(error, input) }`).
 */
export type DecodeErrorHandler =
  | ((error: UDPSocketError, input: DecodeInput) => void)
  | {
      /** Told about each datagram that failed to decode. */
      next(error: UDPSocketError, input: DecodeInput): void;
    };

/** The bytes of `input`, or undefined when it is neither bytes nor a message carrying bytes. */
function bytesOf(input: unknown): UDPBytes | undefined {
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return input;
  if (input === null || typeof input !== 'object') return undefined;
  const message = (input as { message?: unknown }).message;
  return message instanceof ArrayBuffer || ArrayBuffer.isView(message) ? message : undefined;
}

/** Checks the arguments of {@link decode}: a codec with a `decode` function, an optional handler. */
function checkDecodeArgs(codec: unknown, onError: unknown): UDPSocketError | undefined {
  if (codec === null || typeof codec !== 'object' || typeof (codec as { decode?: unknown }).decode !== 'function') {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', 'receive', `codec must be a UDPCodec with a decode function, got ${describe(codec)}`);
  }
  if (
    onError === undefined ||
    typeof onError === 'function' ||
    (onError !== null && typeof onError === 'object' && typeof (onError as { next?: unknown }).next === 'function')
  ) {
    return undefined;
  }
  return new UDPSocketError('ERR_INVALID_ARG_TYPE', 'receive', `onError must be a function or an observer, got ${describe(onError)}`);
}

/**
 * Decodes each datagram with `codec`. A datagram that fails to decode is reported and skipped:
 * the stream goes on. Codes: `ERR_DATAGRAM_DECODE` (`operation: 'receive'`, the codec's error as
 * `cause`); `ERR_INVALID_ARG_TYPE` for a value that is neither a message nor bytes (a string, say),
 * which is reported and skipped the same way, never decoded as an empty datagram.
 *
 * A `codec` without a `decode` function, or an `onError` that is neither a function nor an
 * observer, errors the operator with `ERR_INVALID_ARG_TYPE` when subscribed.
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
  let argError: UDPSocketError | undefined;
  try {
    argError = checkDecodeArgs(codec, onError);
  } catch (thrown) {
    argError = unreadableOption('receive', thrown);
  }
  if (argError !== undefined) return failing(argError);
  const report =
    onError === undefined
      ? (error: UDPSocketError): void => config.onUnhandledError?.(error)
      : typeof onError === 'function'
        ? onError
        : (error: UDPSocketError, input: DecodeInput): void => onError.next(error, input);
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe(
        operate({
          destination: subscriber,
          next: (input: DecodeInput) => {
            const data = bytesOf(input);
            if (data === undefined) {
              report(new UDPSocketError('ERR_INVALID_ARG_TYPE', 'receive', `cannot decode ${codec.name}: expected a message or bytes, got ${describe(input)}`), input);
              return;
            }
            let value: T;
            try {
              value = codec.decode(data);
            } catch (cause) {
              report(new UDPSocketError('ERR_DATAGRAM_DECODE', 'receive', `cannot decode ${codec.name}: ${reasonOf(cause)}`, { cause }), input);
              return;
            }
            subscriber.next(value);
          },
        }),
      ),
    );
}
