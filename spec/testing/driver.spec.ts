import { VirtualTimeScheduler } from 'rxjs';
import type { UDPRemoteInfo, UDPHandle, UDPHandleSink } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

interface RecordingSink extends UDPHandleSink {
  messages: Array<{ text: string; remote: UDPRemoteInfo }>;
  errors: Array<{ code: unknown; syscall: string }>;
}

function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    messages: [],
    errors: [],
    message(data, remote) {
      sink.messages.push({ text: Buffer.from(data).toString(), remote });
    },
    error(error, syscall) {
      sink.errors.push({ code: (error as Error & { code?: unknown }).code, syscall });
    },
  };
  return sink;
}

/** Calls `fn` and returns the error it throws. */
function thrown(fn: () => void): Error & { code?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error('expected a throw');
}

describe('virtual network: the UDPDriver interface', () => {
  let scheduler: VirtualTimeScheduler;
  let net: ReturnType<typeof createVirtualNetwork>;
  let sink: RecordingSink;
  let handle: UDPHandle;

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    net = createVirtualNetwork({ scheduler });
    sink = recordingSink();
    handle = net.driver.open('udp4', {}, sink);
  });

  it("the driver's scheduler is the network's", () => {
    expect(net.driver.scheduler).toBe(scheduler);
    expect(net.addHost('10.0.0.1').driver.scheduler).toBe(scheduler);
  });

  it('bind with an IP literal completes synchronously and address() reports it', () => {
    const done = jest.fn();
    handle.bind(0, '127.0.0.1', done);
    expect(done).toHaveBeenCalledWith(null);
    expect(handle.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: 32768 });
  });

  it('handle methods throw Errors with a string code, like node', () => {
    expect(thrown(() => handle.address())).toBeInstanceOf(Error);
    expect(thrown(() => handle.address()).code).toBe('ERR_SOCKET_DGRAM_NOT_RUNNING');
    handle.bind(0, undefined, () => {});
    expect(thrown(() => handle.setTTL(0)).code).toBe('EINVAL');
    expect(thrown(() => handle.remoteAddress()).code).toBe('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    expect(thrown(() => handle.disconnect()).code).toBe('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    expect(thrown(() => handle.setMulticastInterface('10.9.9.9')).code).toBe('EADDRNOTAVAIL');
    expect(thrown(() => handle.bind(0, undefined, () => {})).code).toBe('ERR_SOCKET_ALREADY_BOUND');
  });

  it('a failed bind reports the error to done, with errno and syscall like node', () => {
    const other = net.driver.open('udp4', {}, recordingSink());
    handle.bind(5000, '127.0.0.1', () => {});
    const done = jest.fn();
    other.bind(5000, '0.0.0.0', done);
    const [error] = done.mock.calls[0] as [Error & { code: string; errno: number; syscall: string }];
    expect(error).toMatchObject({ code: 'EADDRINUSE', errno: -98, syscall: 'bind' });
    expect(error.message).toBe('bind EADDRINUSE 0.0.0.0:5000');
  });

  it('send completion is asynchronous: done runs when the scheduler runs, not inside send()', () => {
    handle.bind(0, '127.0.0.1', () => {});
    const done = jest.fn();
    handle.send(new Uint8Array([1]), 0, 1, 9, '127.0.0.1', done);
    expect(done).not.toHaveBeenCalled();
    scheduler.flush();
    expect(done).toHaveBeenCalledWith(null);
  });

  it('a failed send without done goes to sink.error(error, "send"), asynchronously', () => {
    handle.bind(0, '127.0.0.1', () => {});
    handle.send(new Uint8Array(70000), 0, 70000, 9, '127.0.0.1');
    expect(sink.errors).toEqual([]);
    scheduler.flush();
    expect(sink.errors).toEqual([{ code: 'EMSGSIZE', syscall: 'send' }]);
  });

  it('the receiver gets a copy: changing the sent buffer after send() changes nothing', () => {
    const receiver = net.driver.open('udp4', {}, sink);
    receiver.bind(7000, '127.0.0.1', () => {});
    handle.bind(0, '127.0.0.1', () => {});
    const bytes = Buffer.from('before');
    handle.send(bytes, 0, bytes.byteLength, 7000, '127.0.0.1');
    bytes.write('after!');
    scheduler.flush();
    expect(sink.messages.map(({ text }) => text)).toEqual(['before']);
  });

  it('offset and length select the bytes sent', () => {
    const receiver = net.driver.open('udp4', {}, sink);
    receiver.bind(7000, '127.0.0.1', () => {});
    handle.send(Buffer.from('0123456789'), 2, 3, 7000, '127.0.0.1');
    scheduler.flush();
    expect(sink.messages.map(({ text, remote }) => [text, remote.size])).toEqual([['234', 3]]);
  });

  it('no sink method is called after close, not for datagrams in flight nor for send errors', () => {
    const receiverSink = recordingSink();
    const receiver = net.driver.open('udp4', {}, receiverSink);
    receiver.bind(7000, '127.0.0.1', () => {});
    handle.bind(0, '127.0.0.1', () => {});
    handle.send(Buffer.from('x'), 0, 1, 7000, '127.0.0.1');
    handle.send(new Uint8Array(70000), 0, 70000, 7000, '127.0.0.1');
    receiver.close();
    handle.close();
    scheduler.flush();
    expect(receiverSink.messages).toEqual([]);
    expect(sink.errors).toEqual([]);
  });

  it('a send before bind binds implicitly to an ephemeral port', () => {
    handle.send(Buffer.from('x'), 0, 1, 9, '127.0.0.1');
    expect(handle.address()).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 32768 });
  });
});
