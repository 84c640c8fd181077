import * as fc from 'fast-check';
import { decodeUtf8Pure, encodeUtf8Pure } from '../../src/internal/utf8';

const strict = new TextDecoder('utf-8', { fatal: true });

/** What TextDecoder (fatal) answers: the text, or 'error'. */
function reference(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return 'error';
  }
}

function pure(bytes: Uint8Array): string {
  try {
    return decodeUtf8Pure(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return 'error';
  }
}

describe('UTF-8 fallback', () => {
  it('encodes every string as TextEncoder does, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }), (a, b) => {
        const s = a + b;
        expect(encodeUtf8Pure(s)).toEqual(encoder.encode(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('decodes what it encodes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => decodeUtf8Pure(encodeUtf8Pure(s)) === s), { numRuns: 5000 });
  });

  it('accepts and rejects bytes exactly as TextDecoder with fatal: true', () => {
    const interesting = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f, 0xbb);
    fc.assert(
      fc.property(fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), (list) => {
        const bytes = Uint8Array.from(list);
        expect(pure(bytes)).toBe(reference(bytes));
      }),
      { numRuns: 50_000 },
    );
  });

  it.each([
    ['a leading BOM is dropped', [0xef, 0xbb, 0xbf, 0x61]],
    ['a second BOM is kept', [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]],
    ['an overlong slash is refused', [0xc0, 0xaf]],
    ['an encoded surrogate is refused', [0xed, 0xa0, 0x80]],
    ['U+110000 is refused', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence is refused', [0xe2, 0x82]],
    ['U+10FFFF is read', [0xf4, 0x8f, 0xbf, 0xbf]],
  ])('%s, as TextDecoder does', (_, list) => {
    const bytes = Uint8Array.from(list);
    expect(pure(bytes)).toBe(reference(bytes));
  });

  it('decodes long texts (beyond one fromCharCode chunk)', () => {
    const s = 'héllo wörld 😀 '.repeat(2000);
    expect(decodeUtf8Pure(encodeUtf8Pure(s))).toBe(s);
  });
});

describe('UTF-8 without TextEncoder / TextDecoder', () => {
  const saved = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };

  afterEach(() => {
    Object.assign(globalThis, saved);
  });

  it('the module loads and works with the globals removed, and does not look for them at load', () => {
    let loaded!: typeof import('../../src/internal/utf8');
    const deleted = globalThis as { TextEncoder?: unknown; TextDecoder?: unknown };
    delete deleted.TextEncoder;
    delete deleted.TextDecoder;
    jest.isolateModules(() => {
      loaded = require('../../src/internal/utf8');
    });
    expect(loaded.decodeUtf8(loaded.encodeUtf8('你好, wörld 😀'))).toBe('你好, wörld 😀');
    expect(() => loaded.decodeUtf8(Uint8Array.from([0xff]))).toThrow(TypeError);
  });

  it('the codecs and the socket send text with the globals removed', () => {
    const deleted = globalThis as { TextEncoder?: unknown; TextDecoder?: unknown };
    let lib!: typeof import('../../src/index');
    let testing!: typeof import('../../src/testing/index');
    jest.isolateModules(() => {
      lib = require('../../src/index');
      testing = require('../../src/testing/index');
    });
    // Removed after loading: the fallback is chosen on first use, not at module load.
    delete deleted.TextEncoder;
    delete deleted.TextDecoder;
    const { asapScheduler } = require('rxjs') as typeof import('rxjs');
    const net = testing.createVirtualNetwork({ scheduler: asapScheduler });
    const server = net.createUDPSocket();
    const port = server.bind();
    return new Promise<void>((resolve, reject) => {
      server.onMessage(({ message }) => {
        try {
          expect(lib.text.decode(message)).toBe('温度 21.5 °C');
          expect(lib.json().decode(encodeUtf8Pure('{"a":"ü"}'))).toEqual({ a: 'ü' });
          resolve();
        } catch (error) {
          reject(error);
        }
      });
      net.createUDPSocket().send({ address: '127.0.0.1', port, message: '温度 21.5 °C' });
    });
  });
});
