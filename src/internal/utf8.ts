/**
 * UTF-8 without relying on `TextEncoder` / `TextDecoder`: some mini-program runtimes have
 * neither. The globals are used when present (they are native and fast); the pure fallback is
 * picked on first use, never at module load, so importing the package costs nothing.
 */

type Encode = (text: string) => Uint8Array;
type Decode = (bytes: Uint8Array) => string;

let encodeImpl: Encode | undefined;
let decodeImpl: Decode | undefined;

/** The `TextEncoder` / `TextDecoder` constructors of this realm, if it has them. */
interface TextCodecGlobals {
  TextEncoder?: new () => { encode(text: string): Uint8Array };
  TextDecoder?: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
}

/**
 * Encodes a string as UTF-8; a lone surrogate becomes U+FFFD, as `TextEncoder` does.
 * @param text - the string.
 * @returns its UTF-8 bytes.
 */
export function encodeUtf8(text: string): Uint8Array {
  if (encodeImpl === undefined) {
    const Encoder = (globalThis as TextCodecGlobals).TextEncoder;
    if (typeof Encoder === 'function') {
      const encoder = new Encoder();
      encodeImpl = (value) => encoder.encode(value);
    } else {
      encodeImpl = encodeUtf8Pure;
    }
  }
  return encodeImpl(text);
}

/**
 * Decodes UTF-8 strictly, as `new TextDecoder('utf-8', { fatal: true })` does: a leading BOM is
 * dropped, malformed input throws a `TypeError`.
 * @param bytes - the bytes.
 * @returns the text.
 * @throws TypeError when `bytes` is not valid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (decodeImpl === undefined) {
    const Decoder = (globalThis as TextCodecGlobals).TextDecoder;
    if (typeof Decoder === 'function') {
      const decoder = new Decoder('utf-8', { fatal: true });
      decodeImpl = (value) => decoder.decode(value);
    } else {
      decodeImpl = decodeUtf8Pure;
    }
  }
  return decodeImpl(bytes);
}

/**
 * The pure encoder behind {@link encodeUtf8}.
 * @param text - the string.
 * @returns its UTF-8 bytes.
 */
export function encodeUtf8Pure(text: string): Uint8Array {
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      size += 4;
      i++;
    } else size += 3; // the BMP, and a lone surrogate written as U+FFFD
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
      continue;
    }
    if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && isLow(next)) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        out[at++] = 0xf0 | (point >> 18);
        out[at++] = 0x80 | ((point >> 12) & 0x3f);
        out[at++] = 0x80 | ((point >> 6) & 0x3f);
        out[at++] = 0x80 | (point & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    out[at++] = 0xe0 | (c >> 12);
    out[at++] = 0x80 | ((c >> 6) & 0x3f);
    out[at++] = 0x80 | (c & 0x3f);
  }
  return out;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function malformed(at: number): TypeError {
  return new TypeError(`the data is not valid UTF-8 (at byte ${at})`);
}

/**
 * The pure decoder behind {@link decodeUtf8}: strict, as `TextDecoder` with `fatal: true`
 * (overlong forms, surrogates, code points above U+10FFFF and truncated sequences throw).
 * @param bytes - the bytes.
 * @returns the text.
 * @throws TypeError when `bytes` is not valid UTF-8.
 */
export function decodeUtf8Pure(bytes: Uint8Array): string {
  const end = bytes.length;
  let i = end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let text = '';
  const units: number[] = [];
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units.push(b);
      i++;
    } else {
      let need: number;
      let point: number;
      let lower = 0x80;
      let upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        point = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        point = b & 0x0f;
        if (b === 0xe0) lower = 0xa0; // no overlong forms
        if (b === 0xed) upper = 0x9f; // no surrogates
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        point = b & 0x07;
        if (b === 0xf0) lower = 0x90; // no overlong forms
        if (b === 0xf4) upper = 0x8f; // nothing above U+10FFFF
      } else {
        throw malformed(i);
      }
      if (i + need >= end) throw malformed(i); // truncated
      for (let k = 1; k <= need; k++) {
        const next = bytes[i + k]!;
        if (next < (k === 1 ? lower : 0x80) || next > (k === 1 ? upper : 0xbf)) throw malformed(i);
        point = (point << 6) | (next & 0x3f);
      }
      i += need + 1;
      if (point < 0x10000) {
        units.push(point);
      } else {
        point -= 0x10000;
        units.push(0xd800 + (point >> 10), 0xdc00 + (point & 0x3ff));
      }
    }
    if (units.length >= 4096) {
      text += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return units.length === 0 ? text : text + String.fromCharCode.apply(null, units);
}
