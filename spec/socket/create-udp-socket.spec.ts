import { asyncScheduler } from 'rxjs';
import {
  UDPSocketError,
  createNodeDgramDriver,
  createUDPSocket,
  nodeDgramDriver,
  type UDPLookupFunction,
  type UDPSocketOptions,
  type UDPSocketType,
} from 'rxjs-udp';
import { text } from '../helpers/bytes';
import { delay, nextEvent, record } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';
import { expectEcho } from '../helpers/sockets';

const { open, bound, pool } = useNodeSockets();

describe('createUDPSocket type', () => {
  it.each(['tcp', 'UDP4', 'udp', '', 4, null, {}] as unknown[])('createUDPSocket(%p) throws ERR_SOCKET_BAD_TYPE', (type) => {
    let thrown: unknown;
    try {
      createUDPSocket(type as UDPSocketType);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UDPSocketError);
    expect((thrown as UDPSocketError).code).toBe('ERR_SOCKET_BAD_TYPE');
    expect((thrown as UDPSocketError).errCode).toBe(-1);
    expect((thrown as UDPSocketError).errMsg.startsWith('createUDPSocket:fail ')).toBe(true);
  });

  it('defaults to udp4 on the node:dgram driver', () => {
    const socket = open();
    expect(socket.type).toBe('udp4');
    expect(socket.scheduler).toBe(nodeDgramDriver.scheduler);
  });

  it('createUDPSocket("udp6") makes an IPv6 socket', () => {
    const socket = open('udp6');
    expect(socket.type).toBe('udp6');
    socket.bind(0, '::1');
    expect(socket.address()?.family).toBe('IPv6');
  });

  it('a socket dispatches its events on the scheduler of its driver', async () => {
    const socket = open('udp4', { driver: createNodeDgramDriver({ scheduler: asyncScheduler }) });
    expect(socket.scheduler).toBe(asyncScheduler);
    const listening = nextEvent(socket, 'listening');
    socket.bind(0, LOOPBACK.udp4);
    await expect(listening).resolves.toMatchObject({ errMsg: 'bind:ok' });
  });
});

describe('createUDPSocket options', () => {
  it.each([
    ['options null', null],
    ['options a string', 'udp4'],
    ['reuseAddr "yes"', { reuseAddr: 'yes' }],
    ['ipv6Only 1', { ipv6Only: 1 }],
    ['recvBufferSize -5', { recvBufferSize: -5 }],
    ['recvBufferSize 1.5', { recvBufferSize: 1.5 }],
    ['sendBufferSize "big"', { sendBufferSize: 'big' }],
    ['sendBufferSize 0', { sendBufferSize: 0 }],
    ['lookup 3', { lookup: 3 }],
  ])('%s is reported once as ERR_INVALID_ARG_TYPE and ignored: the socket works', async (_name, options) => {
    const socket = open('udp4', options as UDPSocketOptions);
    const errors = record(socket, 'error');
    await errors.waitFor(1);
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values.map((e) => [e.code, e.errCode])).toEqual([['ERR_INVALID_ARG_TYPE', -1]]);
    expect(errors.values[0]!.errMsg.startsWith('createUDPSocket:fail ')).toBe(true);
  });

  it('an error listener added right after createUDPSocket hears the option errors', async () => {
    const socket = open('udp4', { reuseAddr: 1, ipv6Only: 2 } as unknown as UDPSocketOptions);
    const errors = record(socket, 'error');
    await errors.waitFor(2);
    await delay(20);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
  });

  it.each([
    ['a number', 42],
    ['an object without open', { scheduler: asyncScheduler }],
    ['an object without a scheduler', { open: () => undefined }],
  ])('a driver that is %s leaves the socket closed instead of falling back to real sockets', async (_name, driver) => {
    const socket = open('udp4', { driver } as unknown as UDPSocketOptions);
    const errors = record(socket, 'error');
    expect(socket.bind(0, LOOPBACK.udp4)).toBe(0);
    await errors.waitFor(2);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_SOCKET_DGRAM_NOT_RUNNING']);
    expect(socket.address()).toBeUndefined();
  });

  it('a driver whose open() throws leaves the socket closed and reports the error', async () => {
    const driver = {
      scheduler: asyncScheduler,
      open: () => {
        throw Object.assign(new Error('too many open files'), { code: 'EMFILE' });
      },
    };
    const socket = open('udp4', { driver });
    const errors = record(socket, 'error');
    socket.send({ address: LOOPBACK.udp4, port: 9, message: 'x' });
    await errors.waitFor(2);
    expect(errors.values.map((e) => e.code)).toEqual(['EMFILE', 'ERR_SOCKET_DGRAM_NOT_RUNNING']);
    expect(errors.values[0]!.errMsg.startsWith('createUDPSocket:fail ')).toBe(true);
  });

  it('reuseAddr lets two sockets bind one port', async () => {
    const first = open('udp4', { reuseAddr: true });
    const port = first.bind(0, LOOPBACK.udp4);
    const second = open('udp4', { reuseAddr: true });
    const errors = record(second, 'error');
    expect(second.bind(port, LOOPBACK.udp4)).toBe(port);
    await delay(20);
    expect(errors.values).toEqual([]);
  });

  it('without reuseAddr the second bind of a port reports EADDRINUSE', async () => {
    const first = await bound();
    const second = open('udp4', { reuseAddr: true });
    const errors = record(second, 'error');
    expect(second.bind(first.address()!.port, LOOPBACK.udp4)).toBe(0);
    await errors.waitFor(1);
    expect(errors.values[0]!.code).toBe('EADDRINUSE');
  });

  it('ipv6Only: a udp6 socket on :: no longer receives IPv4 traffic', async () => {
    const dual = open('udp6');
    const only = open('udp6', { ipv6Only: true });
    const dualPort = dual.bind(0, '::');
    const onlyPort = only.bind(0, '::');
    const sender = await bound('udp4');
    const dualMessages = record(dual, 'message');
    const onlyMessages = record(only, 'message');
    sender.send({ address: LOOPBACK.udp4, port: dualPort, message: 'v4 to dual' });
    sender.send({ address: LOOPBACK.udp4, port: onlyPort, message: 'v4 to only' });
    await dualMessages.waitFor(1);
    await delay(30);
    expect(text(dualMessages.values[0]!.message)).toBe('v4 to dual');
    expect(dualMessages.values[0]!.remoteInfo.address).toBe('::ffff:127.0.0.1');
    expect(onlyMessages.values).toEqual([]);
  });

  it('recvBufferSize and sendBufferSize options are applied at bind', async () => {
    const socket = await bound('udp4', { recvBufferSize: 100000, sendBufferSize: 50000 });
    // Linux doubles the value it was given (socket(7)).
    expect(socket.getRecvBufferSize()).toBeGreaterThanOrEqual(100000);
    expect(socket.getSendBufferSize()).toBeGreaterThanOrEqual(50000);
  });
});

describe('the lookup option', () => {
  const mapping = (table: Record<string, string>): jest.Mock & UDPLookupFunction =>
    jest.fn((hostname: string, family: 4 | 6, callback: (error: Error | null, address: string, family: number) => void) => {
      const address = table[hostname];
      if (address === undefined) callback(Object.assign(new Error(`no ${hostname}`), { code: 'ENOTFOUND' }), '', family);
      else callback(null, address, family);
    });

  it('send resolves a hostname through lookup, with the family of the socket', async () => {
    const lookup = mapping({ 'peer.test': '127.0.0.1' });
    const receiver = await bound();
    const socket = open('udp4', { lookup });
    const received = nextEvent(receiver, 'message');
    socket.send({ address: 'peer.test', port: receiver.address()!.port, message: 'by name' });
    expect(text((await received).message)).toBe('by name');
    expect(lookup).toHaveBeenCalledWith('peer.test', 4, expect.any(Function));
  });

  it('a udp6 socket asks lookup for family 6', async () => {
    const lookup = mapping({ 'peer6.test': '::1' });
    const receiver = await bound('udp6');
    const socket = open('udp6', { lookup });
    const received = nextEvent(receiver, 'message');
    socket.send({ address: 'peer6.test', port: receiver.address()!.port, message: 'six by name' });
    expect(text((await received).message)).toBe('six by name');
    expect(lookup).toHaveBeenCalledWith('peer6.test', 6, expect.any(Function));
  });

  it('IP literals and localhost never reach lookup', async () => {
    const lookup = mapping({});
    const receiver = await bound();
    const socket = open('udp4', { lookup });
    const messages = record(receiver, 'message');
    socket.send({ address: '127.0.0.1', port: receiver.address()!.port, message: 'literal' });
    socket.send({ address: 'localhost', port: receiver.address()!.port, message: 'localhost' });
    await messages.waitFor(2);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('a synchronous lookup keeps bind(port, hostname) synchronous', () => {
    const socket = open('udp4', { lookup: mapping({ 'me.test': '127.0.0.1' }) });
    const port = socket.bind(0, 'me.test');
    expect(port).toBeGreaterThan(0);
    expect(socket.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
  });

  it('with an asynchronous lookup bind(0, hostname) returns 0 and onListening tells the port', async () => {
    const lookup: UDPLookupFunction = (_hostname, family, callback) => {
      setImmediate(() => callback(null, '127.0.0.1', family));
    };
    const socket = open('udp4', { lookup });
    const listening = nextEvent(socket, 'listening');
    expect(socket.bind(0, 'me.test')).toBe(0);
    const { port, address } = await listening;
    expect(port).toBeGreaterThan(0);
    expect(address).toBe('127.0.0.1');
    expect(socket.address()?.port).toBe(port);
  });

  it('datagrams sent while an asynchronous bind resolves go out once bound', async () => {
    const receiver = await bound();
    const lookup: UDPLookupFunction = (_hostname, family, callback) => {
      setTimeout(() => callback(null, '127.0.0.1', family), 10);
    };
    const socket = open('udp4', { lookup });
    const messages = record(receiver, 'message');
    socket.bind(0, 'me.test');
    const outcome = new Promise<unknown>((resolve) =>
      socket.sendWithCallback({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'queued 1' }, resolve),
    );
    socket.send({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: 'queued 2' });
    expect(await outcome).toBeNull();
    await messages.waitFor(2);
    expect(messages.values.map((m) => text(m.message))).toEqual(['queued 1', 'queued 2']);
  });

  it('datagrams sent while an asynchronous bind resolves fail with its error when the bind fails', async () => {
    const lookup: UDPLookupFunction = (_hostname, family, callback) => {
      setTimeout(() => callback(null, '192.0.2.1', family), 10);
    };
    const socket = open('udp4', { lookup });
    const errors = record(socket, 'error');
    expect(socket.bind(0, 'far.test')).toBe(0);
    const outcome = new Promise<{ code?: string } | null>((resolve) =>
      socket.sendWithCallback({ address: LOOPBACK.udp4, port: 9, message: 'x' }, resolve),
    );
    socket.write({ address: LOOPBACK.udp4, port: 9, message: 'y' });
    expect((await outcome)?.code).toBe('EADDRNOTAVAIL');
    await errors.waitFor(2);
    await delay(20);
    expect(errors.values.map((e) => [e.code, e.errMsg.split(' ')[0]])).toEqual([
      ['EADDRNOTAVAIL', 'bind:fail'],
      ['EADDRNOTAVAIL', 'write:fail'],
    ]);
  });

  it('connect resolves its hostname through lookup', async () => {
    const peer = await bound();
    const socket = open('udp4', { lookup: mapping({ 'peer.test': '127.0.0.1' }) });
    socket.connect({ address: 'peer.test', port: peer.address()!.port });
    const received = nextEvent(peer, 'message');
    socket.write({ address: 'peer.test', port: peer.address()!.port, message: 'connected by name' });
    expect(text((await received).message)).toBe('connected by name');
    expect(socket.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: peer.address()!.port });
  });

  it('a lookup failure is reported as one error with errCode 1 and the socket stays usable', async () => {
    const socket = await bound('udp4', { lookup: mapping({}) });
    const errors = record(socket, 'error');
    socket.send({ address: 'missing.test', port: socket.address()!.port, message: 'x' });
    await errors.waitFor(1);
    await expectEcho(pool(), socket, LOOPBACK.udp4);
    expect(errors.values.map((e) => [e.code, e.errCode])).toEqual([['ENOTFOUND', 1]]);
  });
});
