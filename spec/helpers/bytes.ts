/** The UTF-8 text of received bytes. */
export function text(message: ArrayBuffer | ArrayBufferView): string {
  const bytes = ArrayBuffer.isView(message)
    ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
    : new Uint8Array(message);
  return Buffer.from(bytes).toString('utf8');
}

/** The bytes of an ArrayBuffer or a view, as a plain number array (for `toEqual`). */
export function bytesOf(message: ArrayBuffer | ArrayBufferView): number[] {
  const bytes = ArrayBuffer.isView(message)
    ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
    : new Uint8Array(message);
  return Array.from(bytes);
}
