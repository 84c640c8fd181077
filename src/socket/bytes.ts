import { encodeUtf8 } from '../internal/utf8';
import { UDPSocketError, type UDPOperation } from '../errors';
import { checkInteger, describe } from '../internal/validators';

/**
 * Converts a WeChat `message` (+ `offset`/`length`) to bytes without copying where it can.
 * `offset`/`length` apply to ArrayBuffers and views and are ignored for strings, as in WeChat.
 * @returns the bytes to send, or the error to report.
 */
export function toBytes(
  operation: UDPOperation,
  message: unknown,
  offset: unknown,
  length: unknown,
): Uint8Array | UDPSocketError {
  let bytes: Uint8Array;
  if (typeof message === 'string') {
    return encodeUtf8(message);
  } else if (message instanceof Uint8Array) {
    bytes = message;
  } else if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
    try {
      bytes =
        message instanceof ArrayBuffer
          ? new Uint8Array(message)
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    } catch {
      // A detached (transferred) ArrayBuffer cannot be viewed.
      return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, 'message is a detached ArrayBuffer');
    }
  } else {
    return new UDPSocketError(
      'ERR_INVALID_ARG_TYPE',
      operation,
      `message must be a string, an ArrayBuffer or an ArrayBufferView, got ${describe(message)}`,
    );
  }
  if (offset == null && length == null) return bytes;
  const size = bytes.byteLength;
  const start = offset == null ? 0 : offset;
  const error = checkInteger(operation, 'offset', start, 0, size);
  if (error !== undefined) return error;
  const first = start as number;
  const count = length == null ? size - first : length;
  const lengthError = checkInteger(operation, 'length', count, 0, size - first);
  if (lengthError !== undefined) return lengthError;
  return bytes.subarray(first, first + (count as number));
}
