import { Subject, lastValueFrom, map, of, toArray } from 'rxjs';
import { UDPSocketError, bytes, decode, fromUDPSocket, json, text, type DecodeInput } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { marbles } from '../../helpers/reactive';

const enc = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('decode', () => {
  it('a datagram that fails to decode goes to the error callback and the stream goes on (marbles over the virtual network)', () => {
    const scheduler = marbles();
    const failures: Array<[string, string]> = [];
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = fromUDPSocket(net.createUDPSocket());
      const payloads = { a: '{"n":1}', b: 'not json', c: '{"n":3}' };
      cold('a-b-c|', payloads).subscribe((message) => client.send({ address: '127.0.0.1', port, message }).subscribe());
      const values$ = server.message$.pipe(
        decode(json<{ n: number }>(), (error, input) => failures.push([error.code, (input as { remoteInfo: { address: string } }).remoteInfo.address])),
        map(({ n }) => n),
      );
      expectObservable(values$, '^ 10ms !').toBe('-a---c', { a: 1, c: 3 });
    });
    expect(failures).toEqual([['ERR_DATAGRAM_DECODE', '127.0.0.1']]);
  });

  it('reports failures to an observer such as a Subject, as UDPSocketError with operation receive and the cause', () => {
    const errors = new Subject<UDPSocketError>();
    const seen: UDPSocketError[] = [];
    errors.subscribe((e) => seen.push(e));
    const out: string[] = [];
    const source = new Subject<DecodeInput>();
    source.pipe(decode(text, errors)).subscribe((s) => out.push(s));
    source.next(enc('ok'));
    source.next(new Uint8Array([0xff, 0xfe]).buffer);
    source.next(new Uint8Array([0x68, 0x69]));
    expect(out).toEqual(['ok', 'hi']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(UDPSocketError);
    expect(seen[0]).toMatchObject({ code: 'ERR_DATAGRAM_DECODE', operation: 'receive', errCode: -1 });
    expect((seen[0]!.cause as Error).name).toBe('TypeError'); // invalid UTF-8
  });

  it('json with validate rejects a value of the wrong shape', () => {
    const isPoint = (v: unknown): v is { x: number } => typeof (v as { x?: unknown })?.x === 'number';
    const out: number[] = [];
    const codes: string[] = [];
    const source = new Subject<DecodeInput>();
    source.pipe(decode(json({ validate: isPoint }), (e) => codes.push(e.code))).subscribe((p) => out.push(p.x));
    source.next(enc('{"x":1}'));
    source.next(enc('{"y":2}'));
    expect(out).toEqual([1]);
    expect(codes).toEqual(['ERR_DATAGRAM_DECODE']);
  });

  it('bytes gives a Uint8Array view of the datagram without copying', () => {
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    let view: Uint8Array | undefined;
    const source = new Subject<DecodeInput>();
    source.pipe(decode(bytes)).subscribe((b) => (view = b));
    source.next(buffer);
    expect(Array.from(view!)).toEqual([1, 2, 3]);
    expect(view!.buffer).toBe(buffer);
  });

  it('passes upstream errors and completion through', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const values = { a: enc('x') };
      expectObservable(cold('a|', values).pipe(decode(text))).toBe('a|', { a: 'x' });
      expectObservable(cold('a#', values).pipe(decode(text))).toBe('a#', { a: 'x' });
    });
  });
});

describe('decode (bad input and arguments)', () => {
  it('decode(text) of a string input reports ERR_INVALID_ARG_TYPE to the error handler and emits nothing, instead of emitting an empty string', async () => {
    const failures: Array<[string, unknown]> = [];
    const values = await lastValueFrom(
      of('abc' as never, enc('ok')).pipe(
        decode(text, (error, input) => failures.push([error.code, input])),
        toArray(),
      ),
    );
    expect(values).toEqual(['ok']);
    expect(failures).toEqual([['ERR_INVALID_ARG_TYPE', 'abc']]);
  });

  it('decode(text) of a message whose message is not bytes reports ERR_INVALID_ARG_TYPE to the error handler', async () => {
    const codes: string[] = [];
    await lastValueFrom(of({ message: 5 } as never, null as never).pipe(decode(text, (error) => codes.push(error.code)), toArray()));
    expect(codes).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
  });

  it.each([
    ['codec undefined', undefined, undefined],
    ['codec {}', {}, undefined],
    ['onError 5', text, 5],
  ])('decode with %s errors with ERR_INVALID_ARG_TYPE when subscribed instead of a raw TypeError', async (_name, codec, onError) => {
    let operator: ReturnType<typeof decode> | undefined;
    expect(() => (operator = decode(codec as never, onError as never))).not.toThrow();
    await expect(lastValueFrom(of(enc('x')).pipe(operator!))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', operation: 'receive' });
  });
});
