import { decodeUtf8 } from '../../internal/utf8';
import type { UDPMessage } from '../../socket/types';

/** The bytes of a datagram, as `onMessage` gives them or as a view. */
export type UDPBytes = ArrayBuffer | ArrayBufferView;

/**
 * Turns datagram bytes into values of type `T` and back, for {@link decode} and {@link encode}.
 * `decode` throws on bytes it cannot read; `encode` throws on a value it cannot write.
 */
export interface UDPCodec<T> {
  /** A short name for error messages (`'text'`, `'json'`, `'bytes'`). */
  readonly name: string;
  /** Reads a datagram. */
  decode(data: UDPBytes): T;
  /** Writes a datagram payload. */
  encode(value: T): UDPMessage;
}

/** The value type of a codec: `CodecValue<typeof text>` is `string`. */
export type CodecValue<C> = C extends UDPCodec<infer T> ? T : never;

function view(data: UDPBytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // `new Uint8Array("abc")` would be an empty array: never read a non-byte value as nothing.
  throw new TypeError(`expected an ArrayBuffer or an ArrayBufferView, got ${typeof data}`);
}

/**
 * UTF-8 text. Decoding invalid UTF-8 (or anything but bytes) fails (the datagram goes to the
 * error callback of `decode`); encoding returns the string itself, which the socket sends as
 * UTF-8, and fails on a value that is not a string (no coercion).
 *
 * @example
 * rx.message$.pipe(decode(text)).subscribe((line) => console.log(line));
 */
export const text: UDPCodec<string> = {
  name: 'text',
  decode: (data) => decodeUtf8(view(data)),
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError(`expected a string, got ${typeof value}`);
    return value;
  },
};

/**
 * Raw bytes as a `Uint8Array` view of the datagram (no copy). Encoding takes bytes (a
 * `Uint8Array`, any view or an ArrayBuffer) as they are and fails on anything else.
 *
 * @example
 * rx.message$.pipe(decode(bytes), map((b) => b[0]));
 */
export const bytes: UDPCodec<Uint8Array> = {
  name: 'bytes',
  decode: view,
  encode: (value) => {
    if (!(value instanceof ArrayBuffer || ArrayBuffer.isView(value))) {
      throw new TypeError(`expected a Uint8Array, an ArrayBuffer or a view, got ${typeof value}`);
    }
    return value;
  },
};

/** Options of {@link json}. */
export interface JsonCodecOptions<T> {
  /** Passed to `JSON.parse`. */
  reviver?: (this: unknown, key: string, value: unknown) => unknown;
  /** A type guard: a datagram whose JSON it rejects fails to decode. */
  validate?: (value: unknown) => value is T;
}

/**
 * JSON in UTF-8, typed `T`: `decode(json<Reading>())` gives an `Observable<Reading>`.
 *
 * `T` is not checked at run time unless `validate` is given; invalid UTF-8, invalid JSON, or a
 * value `validate` rejects fail to decode. Encoding a value `JSON.stringify` cannot write
 * (`undefined`, a function, a BigInt, a cycle) fails.
 *
 * @param options - `reviver` for `JSON.parse`, `validate` type guard. Options that are not an
 *   object, cannot be read, or hold a non-function are not thrown at: the codec then refuses
 *   every value with the reason (decode reports each datagram, encode errors its stream).
 * @returns a codec for `T`.
 * @example
 * interface Reading { sensor: string; value: number }
 * rx.message$.pipe(decode(json<Reading>())).subscribe((r) => console.log(r.sensor, r.value));
 */
export function json<T = unknown>(options: JsonCodecOptions<T> = {}): UDPCodec<T> {
  let reviver: JsonCodecOptions<T>['reviver'];
  let validate: JsonCodecOptions<T>['validate'];
  let problem: string | undefined;
  try {
    if (options !== null && options !== undefined) ({ reviver, validate } = options);
    if (options === null || typeof options !== 'object') problem = `options must be an object, got ${options === null ? 'null' : typeof options}`;
    else if (reviver !== undefined && typeof reviver !== 'function') problem = `reviver must be a function, got ${typeof reviver}`;
    else if (validate !== undefined && typeof validate !== 'function') problem = `validate must be a function, got ${typeof validate}`;
  } catch (thrown) {
    problem = `options cannot be read: ${thrown instanceof Error ? thrown.message : typeof thrown}`;
  }
  if (problem !== undefined) {
    // Never thrown at the call: the codec refuses every value, so decode reports each datagram
    // and encode errors its stream, with the reason.
    const refusal = problem;
    const refuse = (): never => {
      throw new TypeError(`json codec: ${refusal}`);
    };
    return { name: 'json', decode: refuse, encode: refuse };
  }
  return {
    name: 'json',
    decode: (data) => {
      const value: unknown = JSON.parse(decodeUtf8(view(data)), reviver);
      if (validate !== undefined && !validate(value)) throw new TypeError('the JSON value was rejected by validate');
      return value as T;
    },
    encode: (value) => {
      const written = JSON.stringify(value);
      if (written === undefined) throw new TypeError(`${typeof value} cannot be written as JSON`);
      return written;
    },
  };
}
