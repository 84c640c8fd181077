import { config } from 'rxjs';
import { nodeDgramDriver, type UDPErrorResult, type UDPHandleSink, type UDPLookupFunction, type UDPSocket } from 'rxjs-udp';
import { text } from '../helpers/bytes';
import { nextEvent } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

/**
 * Whatever a `lookup` does — answer garbage, answer twice, throw — the socket reports it once as
 * an error of the datagram (or bind, or connect) that needed it, and node:dgram never sees it:
 * node aborts the process on an address that is not a string, and a throw leaves its bind or
 * connect half done.
 */
describe('what a lookup answers reaches node:dgram only as an IP address', () => {
  const { open, bound } = useNodeSockets();

  /** Collects the payloads `socket` receives until one reads `marker`: what came before it. */
  function receivedBefore(socket: UDPSocket, marker: string): Promise<string[]> {
    const received: string[] = [];
    return new Promise((resolve) => {
      socket.onMessage(({ message }) => {
        const payload = text(message);
        if (payload === marker) resolve(received);
        else received.push(payload);
      });
    });
  }

  const garbage: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 123],
    ['the { all: true } array', [{ address: '127.0.0.1', family: 4 }]],
    ['an empty string', ''],
  ];

  it.each(garbage)('a lookup answering %s fails the send with EINVAL and the process lives on', async (_name, answer) => {
    const lookup = ((_hostname, _family, callback) => callback(null, answer as string, 4)) as UDPLookupFunction;
    const server = await bound();
    const socket = open('udp4', { lookup });
    const error = nextEvent(socket, 'error');
    socket.send({ address: 'bad.test', port: server.address()!.port, message: 'x' });
    expect((await error).code).toBe('EINVAL');
  });

  it.each(garbage)('a lookup answering %s fails bind(0, hostname) and connect with EINVAL', async (_name, answer) => {
    const lookup = ((_hostname, _family, callback) => callback(null, answer as string, 4)) as UDPLookupFunction;
    const binding = open('udp4', { lookup });
    const bindError = nextEvent(binding, 'error');
    expect(binding.bind(0, 'bad.test')).toBe(0);
    expect((await bindError).code).toBe('EINVAL');
    const connecting = open('udp4', { lookup });
    const connectError = nextEvent(connecting, 'error');
    connecting.connect({ address: 'bad.test', port: 9 });
    expect((await connectError).code).toBe('EINVAL');
  });

  it('a lookup answering undefined hands EINVAL to the callback of sendWithCallback', async () => {
    const lookup = ((_hostname, _family, callback) => callback(null, undefined as unknown as string, 4)) as UDPLookupFunction;
    const socket = open('udp4', { lookup });
    const outcome = new Promise<string | null>((resolve) =>
      socket.sendWithCallback({ address: 'bad.test', port: 9, message: 'x' }, (error) => resolve(error === null ? null : error.code)),
    );
    expect(await outcome).toBe('EINVAL');
  });

  it('the node driver used on its own fails a send whose lookup answers undefined with EINVAL', async () => {
    const errors: Error[] = [];
    const sink: UDPHandleSink = { message: () => undefined, error: (error) => errors.push(error) };
    const lookup = ((_hostname, _family, callback) => callback(null, undefined as unknown as string, 4)) as UDPLookupFunction;
    const handle = nodeDgramDriver.open('udp4', { lookup }, sink);
    try {
      handle.bind(0, LOOPBACK.udp4, () => undefined);
      const outcome = new Promise<Error | null>((resolve) => handle.send(new Uint8Array([1]), 0, 1, 9, 'bad.test', resolve));
      expect(((await outcome) as Error & { code?: string }).code).toBe('EINVAL');
    } finally {
      handle.close();
    }
  });

  it.each([['the default lookupTimeout', {}], ['lookupTimeout: Infinity', { lookupTimeout: Infinity }]])(
    'a lookup that answers twice sends the datagram once, with %s',
    async (_name, options) => {
      const lookup: UDPLookupFunction = (_hostname, _family, callback) => {
        callback(null, LOOPBACK.udp4, 4);
        callback(null, LOOPBACK.udp4, 4);
      };
      const server = await bound();
      const port = server.address()!.port;
      const socket = open('udp4', { lookup, ...options });
      const before = receivedBefore(server, 'marker');
      socket.send({ address: 'twice.test', port, message: 'once' });
      socket.send({ address: LOOPBACK.udp4, port, message: 'marker' });
      expect(await before).toEqual(['once']);
    },
  );

  it('bind(0, hostname) with a lookup answering twice later (lookupTimeout: Infinity) listens once and reports no error', async () => {
    const lookup: UDPLookupFunction = (_hostname, _family, callback) => {
      setImmediate(() => {
        callback(null, LOOPBACK.udp4, 4);
        callback(null, LOOPBACK.udp4, 4);
      });
    };
    const socket = open('udp4', { lookup, lookupTimeout: Infinity });
    const errors: UDPErrorResult[] = [];
    socket.onError((error) => errors.push(error));
    const listening = nextEvent(socket, 'listening');
    socket.bind(0, 'twice.test');
    await listening;
    // A round trip through the socket itself: the second answer has long been handled by then.
    const port = socket.address()!.port;
    const echo = receivedBefore(socket, 'marker');
    socket.send({ address: LOOPBACK.udp4, port, message: 'marker' });
    await echo;
    expect(errors.map(({ code }) => code)).toEqual([]);
  });

  it.each([['the default lookupTimeout', {}], ['lookupTimeout: Infinity', { lookupTimeout: Infinity }]])(
    'a lookup that throws fails bind(0, hostname) once, and the socket binds to an IP address afterwards (%s)',
    async (_name, options) => {
      const socket = open('udp4', {
        lookup: () => {
          throw new Error('resolver bug');
        },
        ...options,
      });
      const errors: UDPErrorResult[] = [];
      socket.onError((error) => errors.push(error));
      expect(socket.bind(0, 'throws.test')).toBe(0);
      const listening = nextEvent(socket, 'listening');
      const port = socket.bind(0, LOOPBACK.udp4);
      expect(port).toBeGreaterThan(0);
      await listening;
      expect(socket.address()).toEqual({ address: LOOPBACK.udp4, family: 'IPv4', port });
      expect(errors.map(({ errMsg }) => errMsg)).toEqual(['bind:fail resolver bug']);
    },
  );

  it('a lookup that throws fails the send, and the socket still sends to an IP address', async () => {
    const server = await bound();
    const port = server.address()!.port;
    const socket = open('udp4', {
      lookup: () => {
        throw new Error('resolver bug');
      },
    });
    const error = nextEvent(socket, 'error');
    const received = receivedBefore(server, 'after');
    socket.send({ address: 'throws.test', port, message: 'lost' });
    expect((await error).errMsg).toBe('send:fail resolver bug');
    socket.send({ address: LOOPBACK.udp4, port, message: 'after' });
    expect(await received).toEqual([]);
  });

  it('a lookup that throws fails connect, and a later connect to an IP address connects', async () => {
    const server = await bound();
    const port = server.address()!.port;
    const socket = await bound('udp4', {
      lookup: () => {
        throw new Error('resolver bug');
      },
    });
    const error = nextEvent(socket, 'error');
    socket.connect({ address: 'throws.test', port });
    expect((await error).errMsg).toBe('connect:fail resolver bug');
    expect(socket.remoteAddress()).toBeUndefined();
    const received = receivedBefore(server, 'marker');
    const errors: UDPErrorResult[] = [];
    socket.onError((failure) => errors.push(failure));
    socket.connect({ address: LOOPBACK.udp4, port });
    socket.write({ address: LOOPBACK.udp4, port, message: 'connected' });
    socket.write({ address: LOOPBACK.udp4, port, message: 'marker' });
    expect(await received).toEqual(['connected']);
    expect(socket.remoteAddress()).toEqual({ address: LOOPBACK.udp4, family: 'IPv4', port });
    expect(errors).toEqual([]);
  });

  it('a lookup that answers and then throws: the datagram is sent, no error is reported, and the exception is re-thrown', async () => {
    const saved = config.onUnhandledError;
    const boom = new Error('after the answer');
    let resolveRethrown!: (error: unknown) => void;
    const rethrown = new Promise<unknown>((resolve) => (resolveRethrown = resolve));
    config.onUnhandledError = resolveRethrown;
    try {
      const server = await bound();
      const port = server.address()!.port;
      const socket = open('udp4', {
        lookup: (_hostname, _family, callback) => {
          callback(null, LOOPBACK.udp4, 4);
          throw boom;
        },
      });
      const errors: UDPErrorResult[] = [];
      socket.onError((error) => errors.push(error));
      const received = receivedBefore(server, 'marker');
      socket.send({ address: 'then-throws.test', port, message: 'delivered' });
      socket.send({ address: LOOPBACK.udp4, port, message: 'marker' });
      expect(await received).toEqual(['delivered']);
      expect(await rethrown).toBe(boom);
      expect(errors).toEqual([]);
    } finally {
      config.onUnhandledError = saved;
    }
  });
});
