import { asapScheduler } from 'rxjs';
import {
  nodeDgramDriver,
  type UDPMessageResult,
  type UDPRemoteInfo,
  type UDPDriver,
  type UDPHandle,
  type UDPHandleSink,
} from 'rxjs-udp';
import { bytesOf } from '../helpers/bytes';
import { nextEvent } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

const { open, bound } = useNodeSockets();

/** The node driver, recording the bytes it hands to the socket. */
function spyingDriver(seen: Uint8Array[]): UDPDriver {
  return {
    scheduler: nodeDgramDriver.scheduler,
    open: (type, options, sink) =>
      nodeDgramDriver.open(type, options, {
        message: (data, remote) => {
          seen.push(data);
          sink.message(data, remote);
        },
        error: (error, syscall) => sink.error(error, syscall),
      }),
  };
}

/** A driver whose one handle delivers whatever the test hands to `deliver`. */
function manualDriver(): { driver: UDPDriver; deliver: (data: Uint8Array, remote: UDPRemoteInfo) => void } {
  let sink: UDPHandleSink | undefined;
  const local = { address: '10.0.0.1', family: 'IPv4', port: 4000 };
  const handle: Partial<UDPHandle> = {
    bind: (_port, _address, done) => done(null),
    address: () => local,
    close: () => undefined,
  };
  return {
    driver: {
      scheduler: asapScheduler,
      open: (_type, _options, s) => {
        sink = s;
        return handle as UDPHandle;
      },
    },
    deliver: (data, remote) => sink!.message(data, remote),
  };
}

describe('onMessage message buffer', () => {
  it('is the very ArrayBuffer of the Buffer node handed over (zero-copy)', async () => {
    const seen: Uint8Array[] = [];
    const receiver = open('udp4', { driver: spyingDriver(seen) });
    receiver.bind(0, LOOPBACK.udp4);
    const sender = await bound();
    const received = nextEvent(receiver, 'message');
    sender.send({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'zero copy' });
    const { message } = await received;
    expect(seen).toHaveLength(1);
    const data = seen[0]!;
    // node 20 allocates one ArrayBuffer per datagram: the precondition of zero-copy.
    expect([data.byteOffset, data.byteLength]).toEqual([0, data.buffer.byteLength]);
    expect(message).toBe(data.buffer);
  });

  it('is the same ArrayBuffer for every listener of one datagram', async () => {
    const receiver = await bound();
    const sender = await bound();
    const results: UDPMessageResult[] = [];
    receiver.onMessage((r) => results.push(r));
    const received = nextEvent(receiver, 'message');
    sender.send({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'shared' });
    const last = await received;
    expect(results).toHaveLength(1);
    expect(results[0]!.message).toBe(last.message);
  });

  it('is an exact copy when the driver hands over a view of a larger buffer', async () => {
    const { driver, deliver } = manualDriver();
    const socket = open('udp4', { driver });
    socket.bind(0);
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const view = backing.subarray(2, 5);
    const received = nextEvent(socket, 'message');
    deliver(view, { address: '10.0.0.2', family: 'IPv4', port: 5000, size: 3 });
    const { message, remoteInfo, localInfo } = await received;
    expect(message).not.toBe(backing.buffer);
    expect(bytesOf(message)).toEqual([2, 3, 4]);
    expect(message.byteLength).toBe(3);
    backing[3] = 99;
    expect(bytesOf(message)).toEqual([2, 3, 4]);
    expect(remoteInfo).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 5000, size: 3 });
    expect(localInfo).toEqual({ address: '10.0.0.1', family: 'IPv4', port: 4000, size: 3 });
  });

  it('is an exact copy when the view starts at offset 0 but the buffer is larger', async () => {
    const { driver, deliver } = manualDriver();
    const socket = open('udp4', { driver });
    socket.bind(0);
    const backing = new Uint8Array([9, 8, 7, 6]);
    const received = nextEvent(socket, 'message');
    deliver(backing.subarray(0, 2), { address: '10.0.0.2', family: 'IPv4', port: 5000, size: 2 });
    const { message } = await received;
    expect(message).not.toBe(backing.buffer);
    expect(bytesOf(message)).toEqual([9, 8]);
  });

  it('is an ArrayBuffer (a copy) when the driver hands over a view of a SharedArrayBuffer', async () => {
    const { driver, deliver } = manualDriver();
    const socket = open('udp4', { driver });
    socket.bind(0);
    const shared = new Uint8Array(new SharedArrayBuffer(4));
    shared.set([4, 3, 2, 1]);
    const received = nextEvent(socket, 'message');
    deliver(shared, { address: '10.0.0.2', family: 'IPv4', port: 5000, size: 4 });
    const { message } = await received;
    expect(message).toBeInstanceOf(ArrayBuffer);
    expect(bytesOf(message)).toEqual([4, 3, 2, 1]);
  });

  it('a datagram without message listeners reaches none and costs no error', async () => {
    const { driver, deliver } = manualDriver();
    const socket = open('udp4', { driver });
    socket.bind(0);
    const errors: unknown[] = [];
    socket.onError((e) => errors.push(e));
    deliver(new Uint8Array(2), { address: '10.0.0.2', family: 'IPv4', port: 5000, size: 2 });
    const heard = nextEvent(socket, 'message');
    deliver(new Uint8Array([1]), { address: '10.0.0.2', family: 'IPv4', port: 5000, size: 1 });
    expect(bytesOf((await heard).message)).toEqual([1]);
    expect(errors).toEqual([]);
  });
});
