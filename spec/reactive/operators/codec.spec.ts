import { bytes, json, text } from 'rxjs-udp';

const utf8 = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('codecs', () => {
  it('text decodes UTF-8 from an ArrayBuffer or any view, and throws on invalid UTF-8', () => {
    expect(text.decode(utf8('你好'))).toBe('你好');
    expect(text.decode(new DataView(utf8('xhiy'), 1, 2))).toBe('hi');
    expect(() => text.decode(new Uint8Array([0xc3]))).toThrow();
    expect(text.encode('é')).toBe('é');
  });

  it('bytes views a DataView over the same memory, without copying', () => {
    const buffer = new Uint8Array([9, 8, 7, 6]).buffer;
    const view = bytes.decode(new DataView(buffer, 1, 2));
    expect(Array.from(view)).toEqual([8, 7]);
    expect(view.buffer).toBe(buffer);
  });

  it('json parses with a reviver and writes with JSON.stringify', () => {
    const codec = json<{ at: Date }>({ reviver: (key, value) => (key === 'at' ? new Date(value as string) : value) });
    expect(codec.decode(utf8('{"at":"2020-01-01T00:00:00.000Z"}')).at).toEqual(new Date('2020-01-01T00:00:00.000Z'));
    expect(json<number[]>().encode([1, 2])).toBe('[1,2]');
    expect(() => json().decode(utf8('{'))).toThrow(SyntaxError);
    expect(() => json<() => void>().encode(() => undefined)).toThrow(TypeError);
  });
});

describe('codecs refuse values of the wrong type instead of coercing them', () => {
  it('text.decode of a string throws a TypeError instead of returning an empty string', () => {
    expect(() => text.decode('abc' as never)).toThrow(TypeError);
  });

  it('text.encode of the number 5 throws a TypeError instead of passing it through', () => {
    expect(() => text.encode(5 as never)).toThrow(TypeError);
  });

  it('bytes.encode of a string throws a TypeError; ArrayBuffers and views pass as they are', () => {
    expect(() => bytes.encode('abc' as never)).toThrow(TypeError);
    const buffer = new ArrayBuffer(2);
    expect(bytes.encode(buffer as never)).toBe(buffer);
  });
});
