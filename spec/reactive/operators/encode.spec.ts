import { from, lastValueFrom, map, take, toArray } from 'rxjs';
import { UDPSocketError, bytes, decode, encode, fromUDPSocket, json, sendTo, text } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles } from '../../helpers/reactive';

describe('encode', () => {
  it('encode(json) then decode(json) round-trips values over the virtual network', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const client = net.createUDPSocket();
      const values = { a: { id: 1, tags: ['x'] }, b: { id: 2, tags: [] } };
      cold('a-b|', values).pipe(encode(json<{ id: number; tags: string[] }>()), sendTo(client, { address: '127.0.0.1', port })).subscribe();
      expectObservable(server.message$.pipe(decode(json<{ id: number; tags: string[] }>())), '^ 10ms !').toBe('-a-b', values);
    });
  });

  it('a value the codec cannot write errors the stream with ERR_DATAGRAM_ENCODE', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const values = { a: 1n as unknown, b: 2 };
      expectObservable(
        cold('b-a-b|', values).pipe(
          encode(json<unknown>()),
          map((p) => String(p)),
        ),
      ).toBe('b-#', { b: '2' }, new UDPSocketError('ERR_DATAGRAM_ENCODE', 'send', 'cannot encode json: Do not know how to serialize a BigInt'));
    });
  });

  it('json refuses undefined, which JSON.stringify cannot write', () => {
    let error: unknown;
    from([undefined]).pipe(encode(json<undefined>())).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toMatchObject({ code: 'ERR_DATAGRAM_ENCODE', operation: 'send' });
  });

  it('text and bytes pass strings and byte arrays through untouched', () => {
    const out: unknown[] = [];
    const u8 = new Uint8Array([1]);
    from(['é']).pipe(encode(text)).subscribe((p) => out.push(p));
    from([u8]).pipe(encode(bytes)).subscribe((p) => out.push(p));
    expect(out[0]).toBe('é');
    expect(out[1]).toBe(u8);
  });
});

describe('encode (real loopback)', () => {
  it('encode(json) → sendTo → decode(json) carries typed values between two sockets on 127.0.0.1', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound();
      const client = sockets.bound();
      const values = [{ id: 1 }, { id: 2 }];
      const received = lastValueFrom(fromUDPSocket(server.socket).message$.pipe(decode(json<{ id: number }>()), take(2), toArray()));
      await lastValueFrom(from(values).pipe(encode(json<{ id: number }>()), sendTo(client.socket, { address: '127.0.0.1', port: server.port })));
      expect((await received).map((v) => v.id).sort()).toEqual([1, 2]);
    } finally {
      await sockets.closeAll();
    }
  });
});

describe('encode (values and codecs of the wrong type)', () => {
  it('encode(text) of the number 5 errors with ERR_DATAGRAM_ENCODE instead of passing it through', async () => {
    await expect(lastValueFrom(from([5 as never]).pipe(encode(text)))).rejects.toMatchObject({ code: 'ERR_DATAGRAM_ENCODE', operation: 'send' });
  });

  it('encode(bytes) of a string errors with ERR_DATAGRAM_ENCODE', async () => {
    await expect(lastValueFrom(from(['abc' as never]).pipe(encode(bytes)))).rejects.toMatchObject({ code: 'ERR_DATAGRAM_ENCODE' });
  });

  it('encode with a custom codec that returns a number errors with ERR_DATAGRAM_ENCODE instead of passing it on', async () => {
    const broken = { name: 'broken', decode: () => 0, encode: () => 42 as never };
    await expect(lastValueFrom(from([1]).pipe(encode(broken)))).rejects.toMatchObject({ code: 'ERR_DATAGRAM_ENCODE' });
  });

  it.each([
    ['codec undefined', undefined],
    ['codec { name }', { name: 'x' }],
  ])('encode with %s errors with ERR_INVALID_ARG_TYPE when subscribed instead of a raw TypeError', async (_name, codec) => {
    let operator: ReturnType<typeof encode> | undefined;
    expect(() => (operator = encode(codec as never))).not.toThrow();
    await expect(lastValueFrom(from(['x']).pipe(operator!))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', operation: 'send' });
  });
});
