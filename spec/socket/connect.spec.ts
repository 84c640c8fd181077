import type { UDPLookupFunction, UDPSocketError } from 'rxjs-udp';
import { text } from '../helpers/bytes';
import { hostsLookup } from '../helpers/lookup';
import { delay, nextEvent, record } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

const { open, bound } = useNodeSockets();

/** Resolves `peer.test` to 127.0.0.1 after a real delay; anything else fails (asynchronously). */
const slowLookup: UDPLookupFunction = (hostname, family, callback) => {
  setTimeout(() => {
    if (hostname === 'peer.test') callback(null, '127.0.0.1', family);
    else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', family);
  }, 20);
};

describe('connect() to a hostname that resolves asynchronously', () => {
  it('remoteAddress() is undefined until the hostname resolved, then the resolved peer', async () => {
    const peer = await bound();
    const socket = open('udp4', { lookup: slowLookup });
    socket.connect({ address: 'peer.test', port: peer.address()!.port });
    expect(socket.remoteAddress()).toBeUndefined();
    await delay(60);
    expect(socket.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: peer.address()!.port });
  });

  it('writes made while connecting reach the peer, in order, with no error', async () => {
    const peer = await bound();
    const port = peer.address()!.port;
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    const messages = record(peer, 'message');
    socket.connect({ address: 'peer.test', port });
    socket.write({ address: 'peer.test', port, message: 'one' });
    socket.send({ address: '127.0.0.1', port, message: 'two' });
    socket.write({ address: 'peer.test', port, message: 'three' });
    await messages.waitFor(3);
    await delay(20);
    expect(messages.values.map((m) => text(m.message))).toEqual(['one', 'two', 'three']);
    expect(errors.values).toEqual([]);
  });

  it('a write made while connecting to another peer reports ERR_SOCKET_DGRAM_IS_CONNECTED once connected', async () => {
    const peer = await bound();
    const other = await bound();
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    const otherMessages = record(other, 'message');
    socket.connect({ address: 'peer.test', port: peer.address()!.port });
    socket.write({ address: '127.0.0.1', port: other.address()!.port, message: 'misdirected' });
    await errors.waitFor(1);
    await delay(20);
    expect(errors.values.map((e) => [e.code, e.errMsg.split(' ')[0]])).toEqual([['ERR_SOCKET_DGRAM_IS_CONNECTED', 'write:fail']]);
    expect(otherMessages.values).toEqual([]);
  });

  it('when the hostname does not resolve, connect and each held write report the error once', async () => {
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    socket.connect({ address: 'missing.test', port: 9 });
    socket.write({ address: 'missing.test', port: 9, message: 'never' });
    await errors.waitFor(2);
    await delay(20);
    expect(errors.values.map((e) => [e.code, e.errCode, e.errMsg.split(' ')[0]])).toEqual([
      ['ENOTFOUND', 1, 'connect:fail'],
      ['ENOTFOUND', 1, 'write:fail'],
    ]);
    expect(socket.remoteAddress()).toBeUndefined();
  });

  it('sendWithCallback while connecting calls back null once the datagram went out', async () => {
    const peer = await bound();
    const socket = open('udp4', { lookup: slowLookup });
    socket.connect({ address: 'peer.test', port: peer.address()!.port });
    const received = nextEvent(peer, 'message');
    const outcome = new Promise<UDPSocketError | null>((resolve) =>
      socket.sendWithCallback({ address: 'peer.test', port: peer.address()!.port, message: 'receipt' }, resolve),
    );
    expect(await outcome).toBeNull();
    expect(text((await received).message)).toBe('receipt');
  });

  it('sendWithCallback held while connecting gets ERR_SOCKET_DGRAM_NOT_RUNNING when the socket closes first', async () => {
    const socket = open('udp4', { lookup: slowLookup });
    socket.connect({ address: 'peer.test', port: 9 });
    const outcome = new Promise<UDPSocketError | null>((resolve) =>
      socket.sendWithCallback({ address: 'peer.test', port: 9, message: 'x' }, resolve),
    );
    socket.close();
    expect((await outcome)?.code).toBe('ERR_SOCKET_DGRAM_NOT_RUNNING');
  });

  it('a second connect while the first is resolving reports ERR_SOCKET_DGRAM_IS_CONNECTED', async () => {
    const peer = await bound();
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    socket.connect({ address: 'peer.test', port: peer.address()!.port });
    socket.connect({ address: LOOPBACK.udp4, port: peer.address()!.port });
    await errors.waitFor(1);
    await delay(60);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_SOCKET_DGRAM_IS_CONNECTED']);
    expect(socket.remoteAddress()?.port).toBe(peer.address()!.port);
  });
  it('disconnect() while connecting cancels the connect: it never links, and held writes fail ERR_SOCKET_DGRAM_NOT_CONNECTED', async () => {
    const peer = await bound();
    const port = peer.address()!.port;
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    const messages = record(peer, 'message');
    socket.connect({ address: 'peer.test', port });
    socket.write({ address: 'peer.test', port, message: 'held' });
    const outcome = new Promise<UDPSocketError | null>((resolve) =>
      socket.sendWithCallback({ address: 'peer.test', port, message: 'held too' }, resolve),
    );
    socket.disconnect();
    expect((await outcome)?.code).toBe('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    await errors.waitFor(1);
    await delay(60);
    expect(errors.values.map((e) => [e.code, e.errMsg.split(' ')[0]])).toEqual([['ERR_SOCKET_DGRAM_NOT_CONNECTED', 'write:fail']]);
    expect(socket.remoteAddress()).toBeUndefined();
    // The handle is not connected either: a datagram to any address goes out.
    socket.send({ address: '127.0.0.1', port, message: 'after' });
    await messages.waitFor(1);
    expect(messages.values.map((m) => text(m.message))).toEqual(['after']);
  });

  it('connect() again before a cancelled connect settled reports ERR_SOCKET_DGRAM_IS_CONNECTED; after it settled, connect works', async () => {
    const peer = await bound();
    const port = peer.address()!.port;
    const socket = open('udp4', { lookup: slowLookup });
    const errors = record(socket, 'error');
    socket.connect({ address: 'peer.test', port });
    socket.disconnect();
    socket.connect({ address: '127.0.0.1', port });
    await errors.waitFor(1);
    await delay(60);
    expect(errors.values.map((e) => [e.code, e.errMsg.split(' ')[0]])).toEqual([['ERR_SOCKET_DGRAM_IS_CONNECTED', 'connect:fail']]);
    expect(socket.remoteAddress()).toBeUndefined();
    socket.connect({ address: '127.0.0.1', port });
    expect(socket.remoteAddress()?.port).toBe(port);
  });
});

describe('send/write on a connected socket compare addresses as addresses', () => {
  it('a write to another spelling of the connected IPv6 peer reaches it', async () => {
    const peer = await bound('udp6');
    const port = peer.address()!.port;
    const socket = open('udp6');
    const errors = record(socket, 'error');
    const messages = record(peer, 'message');
    socket.connect({ address: '::1', port });
    socket.write({ address: '0:0:0:0:0:0:0:1', port, message: 'long form' });
    socket.send({ address: '0::1', port, message: 'short form' });
    await messages.waitFor(2);
    await delay(20);
    expect(messages.values.map((m) => text(m.message))).toEqual(['long form', 'short form']);
    expect(errors.values).toEqual([]);
  });

  it('a write to the resolved IP of a peer connected by hostname reaches it in another spelling', async () => {
    const peer = await bound('udp6');
    const port = peer.address()!.port;
    const socket = open('udp6', { lookup: hostsLookup({ 'peer.test': '::1' }) });
    const messages = record(peer, 'message');
    socket.connect({ address: 'peer.test', port });
    socket.write({ address: '0:0:0:0:0:0:0:1', port, message: 'by ip' });
    await messages.waitFor(1);
    expect(messages.values.map((m) => text(m.message))).toEqual(['by ip']);
  });

  it('a write to a hostname other than the one connect() was given reports ERR_SOCKET_DGRAM_IS_CONNECTED naming the connected address', async () => {
    const peer = await bound();
    const port = peer.address()!.port;
    const socket = open('udp4', { lookup: hostsLookup({ localhost: '127.0.0.1' }) });
    const errors = record(socket, 'error');
    socket.connect({ address: '127.0.0.1', port });
    socket.write({ address: 'localhost', port, message: 'by name' });
    await errors.waitFor(1);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_SOCKET_DGRAM_IS_CONNECTED']);
    expect(errors.values[0]!.errMsg).toContain(`127.0.0.1:${port}`);
  });
});
