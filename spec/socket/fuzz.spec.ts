import fc from 'fast-check';
import {
  createUDPSocket,
  nodeDgramDriver,
  type UDPSocketType,
  type UDPDoneCallback,
  type UDPDriver,
  type UDPHandle,
} from 'rxjs-udp';
import { delay, record } from '../helpers/events';
import { hostsLookup } from '../helpers/lookup';
import { LOOPBACK } from '../helpers/node';
import { SocketPool, expectEcho } from '../helpers/sockets';

/**
 * The node:dgram driver behind a guard, so random arguments cannot reach beyond this test:
 * binds only on port 0, datagrams only to loopback ports of sockets of this test, multicast
 * only on the loopback interface. What the guard refuses fails like an OS refusal (EACCES).
 */
function guardedDriver(ports: Set<number>): UDPDriver {
  const loopback = new Set(['127.0.0.1', '::1', 'localhost']);
  const anyAddress = new Set([undefined, '0.0.0.0', '::', ...loopback]);
  const refuse = (what: string): Error => Object.assign(new Error(`fuzz guard refused ${what}`), { code: 'EACCES' });
  return {
    scheduler: nodeDgramDriver.scheduler,
    open(type, options, sink) {
      const handle = nodeDgramDriver.open(type, options, sink);
      const guarded: Partial<UDPHandle> = {
        bind(port: number, address: string | undefined, done: UDPDoneCallback) {
          if (port !== 0 || !anyAddress.has(address)) throw refuse(`bind(${port}, ${address})`);
          handle.bind(port, address, (error) => {
            if (error === null) ports.add(handle.address().port);
            done(error);
          });
        },
        connect(port: number, address: string, done: UDPDoneCallback) {
          if (!loopback.has(address) || !ports.has(port)) throw refuse(`connect(${port}, ${address})`);
          handle.connect(port, address, done);
        },
        send(data, offset, length, port, address, done) {
          if (port !== undefined && (!loopback.has(address!) || !ports.has(port))) {
            const error = refuse(`send to ${address}:${port}`);
            setImmediate(() => (done ? done(error) : sink.error(error, 'send')));
            return;
          }
          handle.send(data, offset, length, port, address, done);
        },
        setMulticastInterface(iface: string) {
          if (iface !== '127.0.0.1') throw refuse(`multicast interface ${iface}`);
          handle.setMulticastInterface(iface);
        },
      };
      for (const name of ['addMembership', 'dropMembership'] as const) {
        guarded[name] = (group: string, iface?: string) => {
          if (iface !== '127.0.0.1') throw refuse(`${name} on ${iface}`);
          handle[name](group, iface);
        };
      }
      for (const name of ['addSourceSpecificMembership', 'dropSourceSpecificMembership'] as const) {
        guarded[name] = (source: string, group: string, iface?: string) => {
          if (iface !== '127.0.0.1') throw refuse(`${name} on ${iface}`);
          handle[name](source, group, iface);
        };
      }
      return new Proxy(handle, {
        get(target, property, receiver) {
          if (Object.prototype.hasOwnProperty.call(guarded, property)) return guarded[property as keyof UDPHandle];
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
}

/** Every hostname fails to resolve, synchronously: no DNS traffic. */
const noDns = hostsLookup();

function detachedBuffer(): ArrayBuffer {
  const buffer = new ArrayBuffer(4);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

const METHODS = [
  'bind', 'setTTL', 'send', 'connect', 'write', 'disconnect',
  'onClose', 'offClose', 'onError', 'offError', 'onListening', 'offListening', 'onMessage', 'offMessage',
  'address', 'remoteAddress', 'sendWithCallback',
  'setBroadcast', 'setMulticastTTL', 'setMulticastLoopback', 'setMulticastInterface',
  'addMembership', 'dropMembership', 'addSourceSpecificMembership', 'dropSourceSpecificMembership',
  'setRecvBufferSize', 'setSendBufferSize', 'getRecvBufferSize', 'getSendBufferSize',
  'getSendQueueSize', 'getSendQueueCount', 'ref', 'unref',
] as const;

const interesting = fc.constantFrom<unknown>(
  0, -1, 1, 1.5, 255, 256, 65535, 65536, NaN, Infinity, -Infinity, -0, 2 ** 31, Number.MAX_SAFE_INTEGER,
  '', ' ', '0', '80', 'localhost', '127.0.0.1', '::1', '0.0.0.0', '::', '239.1.2.3', '1.2.3.4.5', 'not an address!',
  'nowhere.invalid', 'x'.repeat(300), null, undefined, true, false, [], {}, Symbol('s'), 10n,
  new ArrayBuffer(4), new Uint8Array(3), new DataView(new ArrayBuffer(2)), new Uint8Array(70000),
  detachedBuffer(), Object.create(null),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  interesting,
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
  fc.string(),
  fc.func(fc.anything()),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object(),
);

/** Send/connect options, often almost right, so the deeper checks are reached too. */
const option: fc.Arbitrary<unknown> = fc.record(
  {
    address: fc.oneof(value, interesting),
    port: fc.oneof(value, interesting),
    message: fc.oneof(value, interesting, fc.string(), fc.uint8Array({ maxLength: 64 })),
    offset: fc.oneof(value, fc.integer({ min: -2, max: 70 })),
    length: fc.oneof(value, fc.integer({ min: -2, max: 70 })),
    setBroadcast: value,
  },
  { requiredKeys: [] },
);

const call = fc.record({
  method: fc.constantFrom(...METHODS),
  args: fc.array(fc.oneof(value, option), { maxLength: 4 }),
});

async function fuzz(type: UDPSocketType, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), async (calls) => {
      const ports = new Set<number>();
      const driver = guardedDriver(ports);
      const pool = new SocketPool((t, options) => createUDPSocket(t, { ...options, driver, lookup: noDns }));
      try {
        const socket = pool.open(type);
        const errors = record(socket, 'error');
        for (const { method, args } of calls) {
          const target = socket as unknown as Record<string, (...a: unknown[]) => unknown>;
          expect(() => target[method]!.apply(socket, args)).not.toThrow();
        }
        // Let every asynchronous report and lookup of the random calls happen first.
        await delay(5);
        // A call reports at most one error (unless offError() removed the recorder).
        if (!calls.some((c) => c.method === 'offError')) expect(errors.length).toBeLessThanOrEqual(calls.length);
        errors.stop();
        if (socket.remoteAddress() !== undefined) socket.disconnect();
        if (socket.address()?.port === 0) {
          // Linux gave up the OS-chosen port at disconnect: a send picks a new one.
          socket.send({ address: LOOPBACK[type], port: [...ports][0]!, message: '' });
          ports.add(socket.address()!.port);
        }
        await expectEcho(pool, socket, LOOPBACK[type], 2000);
      } finally {
        pool.closeAll();
      }
    }),
    { numRuns },
  );
}

describe('random arguments to every method (fast-check)', () => {
  it('never throw, and a udp4 socket still echoes a datagram afterwards', async () => {
    await fuzz('udp4', Number(process.env.FUZZ_RUNS ?? 150));
  }, 60000);

  it('never throw, and a udp6 socket still echoes a datagram afterwards', async () => {
    await fuzz('udp6', 60);
  }, 60000);

  it('never throw on a closed socket', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 10 }), (calls) => {
        const socket = createUDPSocket('udp4', { lookup: noDns });
        socket.close();
        for (const { method, args } of calls) {
          const target = socket as unknown as Record<string, (...a: unknown[]) => unknown>;
          expect(() => target[method]!.apply(socket, args)).not.toThrow();
        }
      }),
      { numRuns: 200 },
    );
  });
});
