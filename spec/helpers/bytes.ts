/** The bytes of an ArrayBuffer or a view, as a Uint8Array over the same memory. */
function view(message: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(message) ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength) : new Uint8Array(message);
}

/** The UTF-8 text of received bytes. */
export function text(message: ArrayBuffer | ArrayBufferView): string {
  return Buffer.from(view(message)).toString('utf8');
}

/** The bytes of an ArrayBuffer or a view, as a plain number array (for `toEqual`). */
export function bytesOf(message: ArrayBuffer | ArrayBufferView): number[] {
  return Array.from(view(message));
}
