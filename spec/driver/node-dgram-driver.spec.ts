import { asapScheduler, asyncScheduler } from 'rxjs';
import {
  createNodeDgramDriver,
  nodeDgramDriver,
  type UDPLookupFunction,
  type UDPRemoteInfo,
  type UDPSocketType,
  type UDPHandle,
  type UDPHandleOptions,
} from 'rxjs-udp';
import { delay } from '../helpers/events';

/** A sink that records what the handle reports. */
class RecordingSink {
  readonly messages: Array<{ data: Uint8Array; remote: UDPRemoteInfo }> = [];
  readonly errors: Array<{ error: Error & { code?: string }; syscall: string }> = [];
  private waiting: Array<() => void> = [];

  message(data: Uint8Array, remote: UDPRemoteInfo): void {
    this.messages.push({ data, remote });
    this.wake();
  }

  error(error: Error, syscall: 'send' | 'receive'): void {
    this.errors.push({ error, syscall });
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Resolves once `predicate` holds, rejecting after 2 s. */
  async until(predicate: () => boolean): Promise<void> {
    const deadline = Date.now() + 2000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the sink');
      await Promise.race([new Promise<void>((resolve) => this.waiting.push(resolve)), delay(50)]);
    }
  }
}

const handles: UDPHandle[] = [];
afterEach(async () => {
  for (const handle of handles.splice(0)) handle.close();
  await delay(10);
});

function openHandle(type: UDPSocketType = 'udp4', options: UDPHandleOptions = {}): { handle: UDPHandle; sink: RecordingSink } {
  const sink = new RecordingSink();
  const handle = nodeDgramDriver.open(type, options, sink);
  handles.push(handle);
  return { handle, sink };
}

/** Binds synchronously and returns the port; fails the test if `done` was not called inside bind. */
function bindNow(handle: UDPHandle, address: string | undefined): number {
  let result: Error | null | undefined;
  handle.bind(0, address, (error) => (result = error));
  expect(result).toBeNull();
  return handle.address().port;
}

describe('createNodeDgramDriver', () => {
  it('dispatches on asapScheduler by default', () => {
    expect(nodeDgramDriver.scheduler).toBe(asapScheduler);
    expect(createNodeDgramDriver().scheduler).toBe(asapScheduler);
  });

  it('dispatches on the scheduler it is given', () => {
    expect(createNodeDgramDriver({ scheduler: asyncScheduler }).scheduler).toBe(asyncScheduler);
  });
});

describe('node:dgram handle', () => {
  it.each([
    ['an IPv4 literal', 'udp4', '127.0.0.1', '127.0.0.1'],
    ['no address (any)', 'udp4', undefined, '0.0.0.0'],
    ['localhost on udp4', 'udp4', 'localhost', '127.0.0.1'],
    ['an IPv6 literal', 'udp6', '::1', '::1'],
    ['localhost on udp6', 'udp6', 'localhost', '::1'],
  ] as const)('bind with %s completes inside the call', (_name, type, address, expected) => {
    const { handle } = openHandle(type);
    const port = bindNow(handle, address);
    expect(port).toBeGreaterThan(0);
    expect(handle.address().address).toBe(expected);
  });

  it('bind with a hostname goes through the lookup option, with the family of the socket', () => {
    const lookup = jest.fn<void, Parameters<UDPLookupFunction>>((_host, family, callback) => callback(null, '::1', family));
    const { handle } = openHandle('udp6', { lookup });
    bindNow(handle, 'me.test');
    expect(lookup).toHaveBeenCalledWith('me.test', 6, expect.any(Function));
    expect(handle.address().address).toBe('::1');
  });

  it('bind of a port in use reports EADDRINUSE to done', async () => {
    const { handle: owner } = openHandle();
    const port = bindNow(owner, '127.0.0.1');
    const { handle } = openHandle();
    let error: (Error & { code?: string }) | null | undefined;
    handle.bind(port, '127.0.0.1', (e) => (error = e));
    await delay(20);
    expect(error?.code).toBe('EADDRINUSE');
  });

  it('delivers a datagram to sink.message as bytes with the sender and its size', async () => {
    const { handle: receiver, sink } = openHandle();
    const port = bindNow(receiver, '127.0.0.1');
    const { handle: sender } = openHandle();
    const senderPort = bindNow(sender, '127.0.0.1');
    sender.send(Buffer.from('abc'), 0, 3, port, '127.0.0.1');
    await sink.until(() => sink.messages.length === 1);
    const [{ data, remote }] = sink.messages as [{ data: Uint8Array; remote: UDPRemoteInfo }];
    expect(Buffer.from(data).toString()).toBe('abc');
    expect(remote).toEqual({ address: '127.0.0.1', family: 'IPv4', port: senderPort, size: 3 });
  });

  it('sends only the bytes between offset and offset + length', async () => {
    const { handle: receiver, sink } = openHandle();
    const port = bindNow(receiver, '127.0.0.1');
    const { handle: sender } = openHandle();
    bindNow(sender, '127.0.0.1');
    sender.send(new Uint8Array([1, 2, 3, 4, 5]), 1, 3, port, '127.0.0.1');
    await sink.until(() => sink.messages.length === 1);
    expect(Array.from(sink.messages[0]!.data)).toEqual([2, 3, 4]);
  });

  it('a send failure goes to done when given, else to sink.error with syscall "send"', async () => {
    const { handle, sink } = openHandle();
    const port = bindNow(handle, '127.0.0.1');
    let viaDone: (Error & { code?: string }) | null | undefined;
    handle.send(new Uint8Array(65508), 0, 65508, port, '127.0.0.1', (e) => (viaDone = e));
    handle.send(new Uint8Array(65508), 0, 65508, port, '127.0.0.1');
    await sink.until(() => sink.errors.length === 1);
    expect(viaDone?.code).toBe('EMSGSIZE');
    expect(sink.errors.map((e) => [e.error.code, e.syscall])).toEqual([['EMSGSIZE', 'send']]);
  });

  it('connect completes inside the call for an IP literal and remoteAddress reports the peer', () => {
    const { handle: peer } = openHandle();
    const peerPort = bindNow(peer, '127.0.0.1');
    const { handle } = openHandle();
    bindNow(handle, '127.0.0.1');
    let result: Error | null | undefined;
    handle.connect(peerPort, '127.0.0.1', (e) => (result = e));
    expect(result).toBeNull();
    expect(handle.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: peerPort });
  });

  it('a connected handle whose peer has no listener reports ECONNREFUSED to sink.error with syscall "receive"', async () => {
    const { handle: gone } = openHandle();
    const deadPort = bindNow(gone, '127.0.0.1');
    gone.close();
    const { handle, sink } = openHandle();
    bindNow(handle, '127.0.0.1');
    handle.connect(deadPort, '127.0.0.1', () => undefined);
    handle.send(Buffer.from('x'), 0, 1, undefined, undefined);
    await sink.until(() => sink.errors.length >= 1);
    expect(sink.errors[0]!.error.code).toBe('ECONNREFUSED');
    expect(sink.errors[0]!.syscall).toBe('receive');
  });

  it('disconnect and remoteAddress throw ERR_SOCKET_DGRAM_NOT_CONNECTED when not connected', () => {
    const { handle } = openHandle();
    bindNow(handle, '127.0.0.1');
    expect(() => handle.disconnect()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' }));
    expect(() => handle.remoteAddress()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' }));
  });

  it('close is idempotent and nothing reaches the sink after it, not even a datagram in flight', async () => {
    const { handle: receiver, sink } = openHandle();
    const port = bindNow(receiver, '127.0.0.1');
    const { handle: sender } = openHandle();
    bindNow(sender, '127.0.0.1');
    sender.send(Buffer.from('late'), 0, 4, port, '127.0.0.1');
    receiver.close();
    expect(() => receiver.close()).not.toThrow();
    await delay(50);
    expect(sink.messages).toEqual([]);
    expect(sink.errors).toEqual([]);
  });

  it('a send failure after close is not reported to the sink', async () => {
    const { handle, sink } = openHandle();
    const port = bindNow(handle, '127.0.0.1');
    handle.send(new Uint8Array(65508), 0, 65508, port, '127.0.0.1');
    handle.close();
    await delay(50);
    expect(sink.errors).toEqual([]);
  });

  it('socket options throw before bind, as node:dgram does (the socket layer defers them)', () => {
    const { handle } = openHandle();
    expect(() => handle.setTTL(64)).toThrow();
    bindNow(handle, '127.0.0.1');
    expect(() => handle.setTTL(64)).not.toThrow();
  });

  it('setTTL(0) throws EINVAL on Linux', () => {
    const { handle } = openHandle();
    bindNow(handle, '127.0.0.1');
    expect(() => handle.setTTL(0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
