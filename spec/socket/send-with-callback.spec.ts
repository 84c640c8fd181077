import { asapScheduler } from 'rxjs';
import type { UDPSendCallback, UDPSocketError, UDPDriver, UDPHandle } from 'rxjs-udp';
import { text } from '../helpers/bytes';
import { delay, nextEvent, record } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

const { open, bound } = useNodeSockets();

/** A callback that records its calls and resolves on the first one. */
function outcome(): { callback: UDPSendCallback; calls: Array<UDPSocketError | null>; first: Promise<UDPSocketError | null> } {
  const calls: Array<UDPSocketError | null> = [];
  let resolve!: (value: UDPSocketError | null) => void;
  const first = new Promise<UDPSocketError | null>((r) => (resolve = r));
  return {
    calls,
    first,
    callback: (error) => {
      calls.push(error);
      resolve(error);
    },
  };
}


/** A driver whose handles cannot bind: the implicit bind of a send fails with EACCES. */
function unbindableDriver(): UDPDriver {
  const handle = {
    bind: (): void => {
      throw Object.assign(new Error('bind EACCES'), { code: 'EACCES' });
    },
    close: (): void => undefined,
  };
  return { scheduler: asapScheduler, open: () => handle as unknown as UDPHandle };
}
describe('sendWithCallback', () => {
  it('calls back once with null after the datagram was handed over, and the peer receives it', async () => {
    const receiver = await bound();
    const socket = await bound();
    const { callback, calls, first } = outcome();
    const received = nextEvent(receiver, 'message');
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'receipt' }, callback);
    expect(calls).toEqual([]);
    expect(await first).toBeNull();
    expect(text((await received).message)).toBe('receipt');
    await delay(20);
    expect(calls).toEqual([null]);
  });

  it('reports a validation error to the callback, asynchronously, not on onError', async () => {
    const socket = await bound();
    const errors = record(socket, 'error');
    const { callback, calls, first } = outcome();
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: 0, message: 'x' }, callback);
    expect(calls).toEqual([]);
    const error = await first;
    expect(error?.code).toBe('ERR_SOCKET_BAD_PORT');
    expect(error?.errCode).toBe(2);
    expect(error?.errMsg.startsWith('send:fail ')).toBe(true);
    await delay(20);
    expect(calls).toHaveLength(1);
    expect(errors.values).toEqual([]);
  });

  it('reports an OS error (EMSGSIZE) to the callback, not on onError', async () => {
    const socket = await bound();
    const errors = record(socket, 'error');
    const { callback, first } = outcome();
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: socket.address()!.port, message: new Uint8Array(65508) }, callback);
    expect((await first)?.code).toBe('EMSGSIZE');
    await delay(20);
    expect(errors.values).toEqual([]);
  });

  it('after close the callback gets ERR_SOCKET_DGRAM_NOT_RUNNING', async () => {
    const socket = await bound();
    socket.close();
    const { callback, first } = outcome();
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: 9, message: 'x' }, callback);
    expect((await first)?.code).toBe('ERR_SOCKET_DGRAM_NOT_RUNNING');
  });

  it('a failed implicit bind goes to the callback (with its own code), not to onError', async () => {
    const socket = open('udp4', { driver: unbindableDriver() });
    const errors = record(socket, 'error');
    const { callback, calls, first } = outcome();
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: 9, message: 'x' }, callback);
    const error = await first;
    expect([error?.code, error?.errCode, error?.errMsg.split(' ')[0]]).toEqual(['EACCES', -3, 'send:fail']);
    await delay(20);
    expect(calls).toHaveLength(1);
    expect(errors.values).toEqual([]);
  });

  it('a failed implicit bind of a plain send is reported once on onError', async () => {
    const socket = open('udp4', { driver: unbindableDriver() });
    const errors = record(socket, 'error');
    socket.send({ address: LOOPBACK.udp4, port: 9, message: 'x' });
    await errors.waitFor(1);
    await delay(20);
    expect(errors.values.map((e) => [e.code, e.errMsg.split(' ')[0]])).toEqual([['EACCES', 'send:fail']]);
  });

  it.each([undefined, null, 42, 'cb'])('a callback that is %p is reported on onError as ERR_INVALID_ARG_TYPE and nothing is sent', async (bad) => {
    const receiver = await bound();
    const socket = await bound();
    const errors = record(socket, 'error');
    const messages = record(receiver, 'message');
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'x' }, bad as unknown as UDPSendCallback);
    await errors.waitFor(1);
    await delay(30);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE']);
    expect(messages.values).toEqual([]);
  });

  it('on a connected socket, a datagram to another peer gets ERR_SOCKET_DGRAM_IS_CONNECTED', async () => {
    const peer = await bound();
    const socket = await bound();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    const { callback, first } = outcome();
    socket.sendWithCallback({ address: LOOPBACK.udp4, port: socket.address()!.port, message: 'x' }, callback);
    expect((await first)?.code).toBe('ERR_SOCKET_DGRAM_IS_CONNECTED');
  });
});
