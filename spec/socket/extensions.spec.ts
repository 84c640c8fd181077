import { spawnSync } from 'node:child_process';
import { text } from '../helpers/bytes';
import { delay, nextEvent, record } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';
import { expectEcho } from '../helpers/sockets';

const { open, bound, pool } = useNodeSockets();

describe('address() and remoteAddress()', () => {
  it('address() is undefined before bind, the bound address after, undefined after close', async () => {
    const socket = open();
    expect(socket.address()).toBeUndefined();
    const port = socket.bind(0, LOOPBACK.udp4);
    expect(socket.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
    socket.close();
    expect(socket.address()).toBeUndefined();
  });

  it('address() returns a copy the caller cannot use to change the socket', async () => {
    const socket = await bound();
    const info = socket.address()!;
    info.port = 1;
    expect(socket.address()!.port).not.toBe(1);
  });

  it('remoteAddress() is undefined until connect and after disconnect', async () => {
    const peer = await bound();
    const socket = await bound();
    expect(socket.remoteAddress()).toBeUndefined();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    expect(socket.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: peer.address()!.port });
    socket.disconnect();
    expect(socket.remoteAddress()).toBeUndefined();
  });

  it('connect to localhost reports the resolved peer', async () => {
    const peer = await bound();
    const socket = await bound();
    socket.connect({ address: 'localhost', port: peer.address()!.port });
    expect(socket.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: peer.address()!.port });
    const received = nextEvent(peer, 'message');
    socket.write({ address: 'localhost', port: peer.address()!.port, message: 'hi' });
    expect(text((await received).message)).toBe('hi');
  });
});

describe('disconnect()', () => {
  it('after disconnect the socket sends to any peer and receives from anyone', async () => {
    const peer = await bound();
    const other = await bound();
    const socket = await bound();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    socket.disconnect();
    const errors = record(socket, 'error');
    const received = nextEvent(other, 'message');
    socket.send({ address: LOOPBACK.udp4, port: other.address()!.port, message: 'free again' });
    const { message, remoteInfo } = await received;
    expect(text(message)).toBe('free again');
    expect(remoteInfo.port).toBe(socket.address()!.port);
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values).toEqual([]);
  });

  it('on Linux an OS-chosen port is given up at disconnect: address() reports port 0, then the port of the next send', async () => {
    const peer = await bound();
    const socket = await bound();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    socket.disconnect();
    expect(socket.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: 0 });
    const received = nextEvent(peer, 'message');
    socket.send({ address: LOOPBACK.udp4, port: peer.address()!.port, message: 'new port' });
    const { remoteInfo } = await received;
    expect(remoteInfo.port).toBeGreaterThan(0);
    expect(socket.address()!.port).toBe(remoteInfo.port);
  });

  it('a socket bound to an explicit port keeps it across connect and disconnect', async () => {
    const peer = await bound();
    const probe = await bound();
    const port = probe.address()!.port;
    probe.close();
    const socket = open();
    expect(socket.bind(port, LOOPBACK.udp4)).toBe(port);
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    socket.disconnect();
    expect(socket.address()?.port).toBe(port);
    await expectEcho(pool(), socket, LOOPBACK.udp4);
  });

  it('after disconnect the socket can connect to another peer', async () => {
    const peer = await bound();
    const other = await bound();
    const socket = await bound();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    socket.disconnect();
    socket.connect({ address: LOOPBACK.udp4, port: other.address()!.port });
    const received = nextEvent(other, 'message');
    socket.write({ address: LOOPBACK.udp4, port: other.address()!.port, message: 'second peer' });
    expect(text((await received).message)).toBe('second peer');
  });

  it('a second disconnect reports ERR_SOCKET_DGRAM_NOT_CONNECTED once', async () => {
    const peer = await bound();
    const socket = await bound();
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    const errors = record(socket, 'error');
    socket.disconnect();
    socket.disconnect();
    socket.send({ address: LOOPBACK.udp4, port: peer.address()!.port, message: 'pick a port again' });
    await errors.waitFor(1);
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values.map((e) => [e.code, e.errCode, e.errMsg.split(' ')[0]])).toEqual([
      ['ERR_SOCKET_DGRAM_NOT_CONNECTED', -1, 'disconnect:fail'],
    ]);
  });
});

describe('socket buffers', () => {
  it('getRecvBufferSize/getSendBufferSize are undefined before bind when nothing was set', () => {
    const socket = open();
    expect(socket.getRecvBufferSize()).toBeUndefined();
    expect(socket.getSendBufferSize()).toBeUndefined();
  });

  it('sizes given as options are reported before bind', () => {
    const socket = open('udp4', { recvBufferSize: 100000, sendBufferSize: 50000 });
    expect(socket.getRecvBufferSize()).toBe(100000);
    expect(socket.getSendBufferSize()).toBe(50000);
    socket.setRecvBufferSize(70000);
    expect(socket.getRecvBufferSize()).toBe(70000);
  });

  it('sizes set before bind are reported before bind and applied at bind', async () => {
    const socket = open();
    const errors = record(socket, 'error');
    socket.setRecvBufferSize(120000);
    socket.setSendBufferSize(60000);
    expect(socket.getRecvBufferSize()).toBe(120000);
    expect(socket.getSendBufferSize()).toBe(60000);
    socket.bind(0, LOOPBACK.udp4);
    expect(socket.getRecvBufferSize()).toBeGreaterThanOrEqual(120000);
    expect(socket.getSendBufferSize()).toBeGreaterThanOrEqual(60000);
    await delay(20);
    expect(errors.values).toEqual([]);
  });

  it('setRecvBufferSize on a bound socket changes the size the OS reports', async () => {
    const socket = await bound();
    socket.setRecvBufferSize(300000);
    socket.setSendBufferSize(150000);
    // Linux doubles the requested value (socket(7)).
    expect(socket.getRecvBufferSize()).toBeGreaterThanOrEqual(300000);
    expect(socket.getSendBufferSize()).toBeGreaterThanOrEqual(150000);
  });
});

describe('send queue', () => {
  it('getSendQueueSize and getSendQueueCount are 0 on an unbound, an idle and a closed socket', async () => {
    const socket = open();
    expect([socket.getSendQueueSize(), socket.getSendQueueCount()]).toEqual([0, 0]);
    socket.bind(0, LOOPBACK.udp4);
    expect([socket.getSendQueueSize(), socket.getSendQueueCount()]).toEqual([0, 0]);
    socket.close();
    expect([socket.getSendQueueSize(), socket.getSendQueueCount()]).toEqual([0, 0]);
  });

  it('the send queue drains to 0 once the datagrams are sent', async () => {
    const receiver = await bound();
    const socket = await bound();
    const messages = record(receiver, 'message');
    for (let i = 0; i < 50; i++) socket.send({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: new Uint8Array(1000) });
    expect(socket.getSendQueueCount()).toBeGreaterThanOrEqual(0);
    await messages.waitFor(50);
    expect(socket.getSendQueueCount()).toBe(0);
    expect(socket.getSendQueueSize()).toBe(0);
  });
});

describe('multicast options', () => {
  it('setMulticastTTL, setMulticastLoopback and setMulticastInterface on a bound socket report nothing', async () => {
    const socket = await bound();
    const errors = record(socket, 'error');
    socket.setMulticastTTL(4);
    socket.setMulticastLoopback(true);
    socket.setMulticastInterface('127.0.0.1');
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values).toEqual([]);
  });

  it('multicast settings made before bind are applied at bind without error', async () => {
    const socket = open();
    const errors = record(socket, 'error');
    socket.setMulticastTTL(2);
    socket.setMulticastLoopback(true);
    socket.setMulticastInterface('127.0.0.1');
    socket.bind(0, '0.0.0.0');
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values).toEqual([]);
  });

  it('source-specific membership: joining (127.0.0.1, 232.1.2.3) receives from that source', async () => {
    const receiver = open();
    const port = receiver.bind(0, '0.0.0.0');
    const errors = record(receiver, 'error');
    receiver.addSourceSpecificMembership('127.0.0.1', '232.1.2.3', '127.0.0.1');
    const sender = await bound();
    sender.setMulticastInterface('127.0.0.1');
    const received = nextEvent(receiver, 'message');
    sender.send({ address: '232.1.2.3', port, message: 'ssm' });
    expect(text((await received).message)).toBe('ssm');
    receiver.dropSourceSpecificMembership('127.0.0.1', '232.1.2.3', '127.0.0.1');
    await delay(20);
    expect(errors.values).toEqual([]);
  });
});

describe('ref() and unref()', () => {
  it('ref() and unref() return the socket, also after close', () => {
    const socket = open();
    expect(socket.unref()).toBe(socket);
    expect(socket.ref()).toBe(socket);
    socket.close();
    expect(socket.unref()).toBe(socket);
    expect(socket.ref()).toBe(socket);
  });

  const run = (body: string): number | null => {
    const script = `const { createUDPSocket } = require(${JSON.stringify(`${process.cwd()}/src/node/index.ts`)});\n${body}`;
    return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 8000, stdio: 'ignore' }).status;
  };

  it('an unref()ed bound socket does not keep the process alive', () => {
    expect(run("const s = createUDPSocket(); s.bind(0, '127.0.0.1'); s.unref();")).toBe(0);
  });

  it('a bound socket keeps the process alive until it is closed (ref() after unref() restores that)', () => {
    // The socket closes itself after 300 ms: a process that exits 0 afterwards was kept alive by it.
    const status = run(
      "const s = createUDPSocket(); s.bind(0, '127.0.0.1'); s.unref(); s.ref();" +
        "let closed = false; s.onClose(() => { closed = true; });" +
        "setTimeout(() => s.close(), 300).unref();" +
        "process.on('exit', () => { if (!closed) process.exitCode = 3; });",
    );
    expect(status).toBe(0);
  });
});

describe('datagram size limits of udp6 on Linux loopback', () => {
  it('65527 bytes (65535 minus the UDP header) are delivered whole', async () => {
    const socket = await bound('udp6');
    const received = nextEvent(socket, 'message');
    socket.send({ address: LOOPBACK.udp6, port: socket.address()!.port, message: new Uint8Array(65527) });
    expect((await received).message.byteLength).toBe(65527);
  });

  it('65528 bytes report EMSGSIZE once and the socket stays usable', async () => {
    const socket = await bound('udp6');
    const errors = record(socket, 'error');
    socket.send({ address: LOOPBACK.udp6, port: socket.address()!.port, message: new Uint8Array(65528) });
    await errors.waitFor(1);
    await expectEcho(pool(), socket, LOOPBACK.udp6);
    expect(errors.values.map((e) => [e.code, e.errCode])).toEqual([['EMSGSIZE', -2]]);
  });
});

describe('the order of errors', () => {
  it('errors found at the call come in call order; an error the OS reports for a send comes after those of calls made in the same turn', async () => {
    const socket = await bound();
    const port = socket.address()!.port;
    const errors = record(socket, 'error');
    socket.send({ address: LOOPBACK.udp4, port: 0, message: 'bad port' });
    socket.send({ address: LOOPBACK.udp4, port, message: new Uint8Array(70000) });
    socket.setTTL(-1);
    socket.write({ address: LOOPBACK.udp4, port, message: new Uint8Array(70000) });
    socket.send({ address: LOOPBACK.udp4, port: -5, message: 'bad port' });
    await errors.waitFor(5);
    expect(errors.values.map((e) => `${e.errMsg.split(' ')[0]} ${e.code}`)).toEqual([
      'send:fail ERR_SOCKET_BAD_PORT',
      'setTTL:fail ERR_OUT_OF_RANGE',
      'send:fail ERR_SOCKET_BAD_PORT',
      'send:fail EMSGSIZE',
      'write:fail EMSGSIZE',
    ]);
  });
});
