import { config } from 'rxjs';
import {
  isUDPSocketError,
  type UDPErrorResult,
  type UDPMessageResult,
  type UDPSocket,
  type UDPSocketOptions,
  type UDPSocketType,
} from 'rxjs-udp';
import { bytesOf, text } from '../helpers/bytes';
import { DEFAULT_EVENT_TIMEOUT, delay, nextEvent, record } from '../helpers/events';
import { SocketPool, expectEcho } from '../helpers/sockets';

/** The loopback addresses both drivers are tested on: the real machine's, mirrored by the virtual network. */
export const LOOPBACK_ADDRESSES: ContractHarness['addresses'] = {
  ipv4: '127.0.0.1',
  ipv6: '::1',
  ipv4Any: '0.0.0.0',
  ipv4Broadcast: '127.255.255.255',
  multicastGroup: '239.1.2.3',
  multicastInterface: '127.0.0.1',
  unresolvableHostname: 'nowhere.invalid',
  unavailableIpv4: '192.0.2.1',
};

/**
 * What the UDPSocket contract needs from a backend. One implementation per driver: the node:dgram
 * driver (`node-dgram.contract.spec.ts`) and the virtual network (`spec/testing/`).
 *
 * The suite runs on the real clock with async/await: a driver on an RxJS scheduler must use
 * `asyncScheduler` for it.
 */
export interface ContractHarness {
  /** Shown in the name of the suite, e.g. `'node:dgram'`. */
  readonly name: string;
  /** Creates an unbound socket on the backend, as `createUDPSocket(type, options)` does. */
  createSocket(type?: UDPSocketType, options?: UDPSocketOptions): UDPSocket;
  /** Addresses the suite uses. */
  readonly addresses: {
    /** IPv4 loopback, `'127.0.0.1'`. */
    readonly ipv4: string;
    /** IPv6 loopback, `'::1'`. */
    readonly ipv6: string;
    /** The IPv4 any-address a broadcast receiver binds, `'0.0.0.0'`. */
    readonly ipv4Any: string;
    /** A broadcast address reaching sockets bound to `ipv4Any`, `'127.255.255.255'`. */
    readonly ipv4Broadcast: string;
    /** A multicast group, `'239.1.2.3'`. */
    readonly multicastGroup: string;
    /** The interface to join and send the group on, `'127.0.0.1'`. */
    readonly multicastInterface: string;
    /** A well-formed hostname that never resolves (ENOTFOUND), e.g. `'nowhere.invalid'`. */
    readonly unresolvableHostname: string;
    /** An IPv4 address the host does not have, so binding it fails with EADDRNOTAVAIL, e.g. `'192.0.2.1'`. */
    readonly unavailableIpv4: string;
  };
  /** The largest udp4 payload the backend accepts; one byte more fails with EMSGSIZE (65507 on Linux). */
  readonly maxDatagramSize: number;
  /** How long to wait for one expected event before failing, in ms. @default 2000 */
  readonly eventTimeout?: number;
  /**
   * Resolves once every event already caused (errors, closes, datagrams in flight) was dispatched,
   * so the suite can check that nothing more came. @default a 30 ms real-time delay
   */
  settle?(): Promise<void>;
  /** Runs before each test (e.g. create a fresh network). */
  beforeEach?(): void | Promise<void>;
  /** Runs after each test, after the suite closed its sockets. */
  afterEach?(): void | Promise<void>;
}

/** A method of the socket called with arguments of any type. */
type Loose = Record<string, (...args: unknown[]) => unknown>;

const loose = (socket: UDPSocket): Loose => socket as unknown as Loose;

/** One wrong call and the single error it must report. */
interface BadCall {
  /** The call as a reader would write it. */
  readonly name: string;
  /** The socket state the call is made in. */
  readonly state: 'unbound' | 'bound';
  /** Makes the call; `port` is a valid port of a live socket (the socket itself once bound). */
  readonly call: (socket: Loose, port: number) => void;
  /** The operation prefixing `errMsg`. */
  readonly op: string;
  readonly code: string;
  readonly errCode: number;
}

/**
 * Registers the behavioural suite of the callback API (`createUDPSocket`) against one backend.
 *
 * @param harness - how to create sockets on the backend and which addresses to use.
 * @example
 * describeUDPSocketContract({ name: 'node:dgram', createSocket: createUDPSocket, ... });
 */
export function describeUDPSocketContract(harness: ContractHarness): void {
  const { addresses: ip } = harness;
  const timeout = harness.eventTimeout ?? DEFAULT_EVENT_TIMEOUT;
  const settle = (): Promise<void> => (harness.settle ? harness.settle() : delay(30));
  const loopback = (type: UDPSocketType = 'udp4'): string => (type === 'udp4' ? ip.ipv4 : ip.ipv6);

  describe(`UDPSocket contract (${harness.name})`, () => {
    let pool: SocketPool;

    beforeEach(async () => {
      await harness.beforeEach?.();
      pool = new SocketPool((type, options) => harness.createSocket(type, options));
    });

    afterEach(async () => {
      pool.closeAll();
      await settle();
      await harness.afterEach?.();
    });

    const open = (type?: UDPSocketType, options?: UDPSocketOptions): UDPSocket => pool.open(type, options);
    const echo = (socket: UDPSocket): Promise<void> => expectEcho(pool, socket, loopback(socket.type), timeout);

    /** A socket bound on loopback, once its onListening fired. */
    async function bound(type: UDPSocketType = 'udp4', options?: UDPSocketOptions): Promise<UDPSocket> {
      const socket = open(type, options);
      const listening = nextEvent(socket, 'listening', timeout);
      socket.bind(0, loopback(type));
      await listening;
      return socket;
    }

    /** A port nobody listens on: bound, then closed. */
    async function deadPort(type: UDPSocketType = 'udp4'): Promise<number> {
      const socket = await bound(type);
      const port = socket.address()!.port;
      socket.close();
      await nextEvent(socket, 'close', timeout);
      return port;
    }

    /** Expects exactly one error with `code`/`errCode` and a WeChat errMsg for `op`. */
    function expectError(errors: UDPErrorResult[], op: string, code: string, errCode: number): void {
      expect(errors.map((e) => e.code)).toEqual([code]);
      const [error] = errors;
      expect(error!.errCode).toBe(errCode);
      expect(error!.errMsg.startsWith(`${op}:fail `)).toBe(true);
      expect(isUDPSocketError(error!.error)).toBe(true);
      expect(error!.error.code).toBe(code);
      expect(error!.error.errCode).toBe(errCode);
      expect(error!.error.errMsg).toBe(error!.errMsg);
    }

    // ---- bind ------------------------------------------------------------------------------

    describe('bind', () => {
      it('bind() with no port returns an OS-chosen port synchronously', () => {
        const socket = open();
        const port = socket.bind();
        expect(port).toBeGreaterThan(0);
        expect(socket.address()?.port).toBe(port);
      });

      it('bind(0, loopback) returns the port that address() reports', () => {
        const socket = open();
        const port = socket.bind(0, ip.ipv4);
        expect(port).toBeGreaterThan(0);
        expect(socket.address()).toEqual({ address: ip.ipv4, family: 'IPv4', port });
      });

      it('bind(port) of a free port returns that very port', async () => {
        const port = await deadPort();
        const socket = open();
        expect(socket.bind(port, ip.ipv4)).toBe(port);
      });

      it('onListening fires asynchronously with errMsg, address, family and port, heard by a listener added after bind', async () => {
        const socket = open();
        let heardDuringBind = false;
        socket.onListening(() => (heardDuringBind = true));
        const port = socket.bind(0, ip.ipv4);
        expect(heardDuringBind).toBe(false);
        const listening = await nextEvent(socket, 'listening', timeout);
        expect(listening).toEqual({ errMsg: 'bind:ok', address: ip.ipv4, family: 'IPv4', port });
        expect(heardDuringBind).toBe(true);
      });

      it('onListening fires exactly once per bind', async () => {
        const socket = open();
        const listenings = record(socket, 'listening');
        socket.bind(0, ip.ipv4);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'x' });
        await listenings.waitFor(1, timeout);
        await echo(socket);
        await settle();
        expect(listenings.length).toBe(1);
      });

      it('bind() without an address listens on every address of the family', async () => {
        const socket = open();
        const listening = nextEvent(socket, 'listening', timeout);
        const port = socket.bind();
        expect(await listening).toEqual({ errMsg: 'bind:ok', address: ip.ipv4Any, family: 'IPv4', port });
      });

      it('bind of a port in use returns 0, reports EADDRINUSE once, and the socket can still bind another port', async () => {
        const owner = await bound();
        const port = owner.address()!.port;
        const socket = open();
        const errors = record(socket, 'error');
        const listenings = record(socket, 'listening');
        expect(socket.bind(port, ip.ipv4)).toBe(0);
        await errors.waitFor(1, timeout);
        expect(socket.address()).toBeUndefined();
        const second = socket.bind(0, ip.ipv4);
        expect(second).toBeGreaterThan(0);
        expect(second).not.toBe(port);
        await listenings.waitFor(1, timeout);
        await echo(socket);
        await settle();
        expectError(errors.values, 'bind', 'EADDRINUSE', -2);
        expect(listenings.values.map((l) => l.port)).toEqual([second]);
      });

      it('a second bind returns 0, reports ERR_SOCKET_ALREADY_BOUND, and keeps the first binding', async () => {
        const socket = await bound();
        const port = socket.address()!.port;
        const errors = record(socket, 'error');
        expect(socket.bind(0, ip.ipv4)).toBe(0);
        await errors.waitFor(1, timeout);
        expect(socket.address()?.port).toBe(port);
        await echo(socket);
        expectError(errors.values, 'bind', 'ERR_SOCKET_ALREADY_BOUND', -1);
      });

      it('send before bind binds implicitly and fires onListening', async () => {
        const receiver = await bound();
        const socket = open();
        const listening = nextEvent(socket, 'listening', timeout);
        const received = nextEvent(receiver, 'message', timeout);
        socket.send({ address: ip.ipv4, port: receiver.address()!.port, message: 'implicit' });
        const { port, address } = await listening;
        const { message, remoteInfo } = await received;
        expect(address).toBe(ip.ipv4Any);
        expect(text(message)).toBe('implicit');
        expect(port).toBeGreaterThan(0);
        expect(remoteInfo.port).toBe(port);
        expect(socket.address()?.port).toBe(port);
      });

      it('connect before bind binds implicitly and fires onListening', async () => {
        const peer = await bound();
        const socket = open();
        const listening = nextEvent(socket, 'listening', timeout);
        socket.connect({ address: ip.ipv4, port: peer.address()!.port });
        const { port } = await listening;
        expect(port).toBeGreaterThan(0);
        expect(socket.address()?.port).toBe(port);
      });
    });

    // ---- payloads ----------------------------------------------------------------------------

    describe('send and onMessage', () => {
      /** Sends `message` (+ offset/length) from a fresh socket and resolves with what the receiver got. */
      async function roundTrip(
        option: { message: unknown; offset?: number; length?: number },
        type: UDPSocketType = 'udp4',
      ): Promise<{ received: UDPMessageResult; sender: UDPSocket; receiver: UDPSocket }> {
        const receiver = await bound(type);
        const sender = await bound(type);
        const received = nextEvent(receiver, 'message', timeout);
        const errors = record(sender, 'error');
        loose(sender).send!({ address: loopback(type), port: receiver.address()!.port, ...option });
        const result = await received;
        expect(errors.values).toEqual([]);
        return { received: result, sender, receiver };
      }

      it('a string is sent as UTF-8 and received as an ArrayBuffer with remoteInfo and localInfo', async () => {
        const { received, sender, receiver } = await roundTrip({ message: 'héllo ☃' });
        const size = Buffer.byteLength('héllo ☃');
        expect(received.message).toBeInstanceOf(ArrayBuffer);
        expect(received.message.byteLength).toBe(size);
        expect(text(received.message)).toBe('héllo ☃');
        expect(received.remoteInfo).toEqual({ address: ip.ipv4, family: 'IPv4', port: sender.address()!.port, size });
        expect(received.localInfo).toEqual({ address: ip.ipv4, family: 'IPv4', port: receiver.address()!.port, size });
      });

      it('offset and length are ignored for a string message', async () => {
        const { received } = await roundTrip({ message: 'abcdef', offset: 2, length: 1 });
        expect(text(received.message)).toBe('abcdef');
      });

      it('an ArrayBuffer is sent whole', async () => {
        const { received } = await roundTrip({ message: new Uint8Array([1, 2, 3, 4, 5]).buffer });
        expect(bytesOf(received.message)).toEqual([1, 2, 3, 4, 5]);
      });

      it('an ArrayBuffer with offset and length sends exactly that slice', async () => {
        const { received } = await roundTrip({ message: new Uint8Array([1, 2, 3, 4, 5]).buffer, offset: 1, length: 3 });
        expect(bytesOf(received.message)).toEqual([2, 3, 4]);
        expect(received.remoteInfo.size).toBe(3);
      });

      it('an ArrayBuffer with only offset sends the rest after it', async () => {
        const { received } = await roundTrip({ message: new Uint8Array([1, 2, 3, 4, 5]).buffer, offset: 3 });
        expect(bytesOf(received.message)).toEqual([4, 5]);
      });

      it('an ArrayBuffer with only length sends its first bytes', async () => {
        const { received } = await roundTrip({ message: new Uint8Array([1, 2, 3, 4, 5]).buffer, length: 2 });
        expect(bytesOf(received.message)).toEqual([1, 2]);
      });

      it('offset equal to the byte length with length 0 sends an empty datagram', async () => {
        const { received } = await roundTrip({ message: new Uint8Array([1, 2]).buffer, offset: 2, length: 0 });
        expect(received.message.byteLength).toBe(0);
        expect(received.remoteInfo.size).toBe(0);
        expect(received.localInfo.size).toBe(0);
      });

      it('an empty string is delivered as an empty datagram', async () => {
        const { received } = await roundTrip({ message: '' });
        expect(received.message.byteLength).toBe(0);
        expect(received.remoteInfo.size).toBe(0);
      });

      // Each view covers a window of a larger buffer: only the view's own bytes may be sent.
      const backing = (): ArrayBuffer => {
        const buffer = new ArrayBuffer(32);
        new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i + 1));
        return buffer;
      };
      const views: Array<[string, () => ArrayBufferView]> = [
        ['Int8Array', () => new Int8Array(backing(), 8, 8)],
        ['Uint8Array', () => new Uint8Array(backing(), 8, 8)],
        ['Uint8ClampedArray', () => new Uint8ClampedArray(backing(), 8, 8)],
        ['Int16Array', () => new Int16Array(backing(), 8, 4)],
        ['Uint16Array', () => new Uint16Array(backing(), 8, 4)],
        ['Int32Array', () => new Int32Array(backing(), 8, 2)],
        ['Uint32Array', () => new Uint32Array(backing(), 8, 2)],
        ['Float32Array', () => new Float32Array(backing(), 8, 2)],
        ['Float64Array', () => new Float64Array(backing(), 8, 1)],
        ['BigInt64Array', () => new BigInt64Array(backing(), 8, 1)],
        ['BigUint64Array', () => new BigUint64Array(backing(), 8, 1)],
        ['DataView', () => new DataView(backing(), 8, 8)],
        ['Buffer', () => Buffer.from(backing(), 8, 8)],
      ];
      it.each(views)('a %s view sends exactly the bytes it covers', async (_kind, make) => {
        const { received } = await roundTrip({ message: make() });
        expect(bytesOf(received.message)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
        expect(received.remoteInfo.size).toBe(8);
      });

      it('offset and length select bytes of an ArrayBufferView', async () => {
        const { received } = await roundTrip({ message: new Uint16Array(backing(), 8, 4), offset: 2, length: 4 });
        expect(bytesOf(received.message)).toEqual([11, 12, 13, 14]);
      });

      it('a Uint8Array over a SharedArrayBuffer is received as an ArrayBuffer', async () => {
        const message = new Uint8Array(new SharedArrayBuffer(3));
        message.set([5, 6, 7]);
        const { received } = await roundTrip({ message });
        expect(received.message).toBeInstanceOf(ArrayBuffer);
        expect(bytesOf(received.message)).toEqual([5, 6, 7]);
      });

      it('sending does not modify the message', async () => {
        const message = new Uint8Array([7, 8, 9]);
        await roundTrip({ message });
        expect(Array.from(message)).toEqual([7, 8, 9]);
      });

      it(`a datagram of the largest size is delivered whole`, async () => {
        const message = new Uint8Array(harness.maxDatagramSize).fill(0x5a);
        const { received } = await roundTrip({ message });
        expect(received.message.byteLength).toBe(harness.maxDatagramSize);
        expect(received.remoteInfo.size).toBe(harness.maxDatagramSize);
        expect(new Uint8Array(received.message).every((b) => b === 0x5a)).toBe(true);
      });

      it('datagrams between two sockets on loopback arrive in order', async () => {
        const receiver = await bound();
        const sender = await bound();
        const messages = record(receiver, 'message');
        for (let i = 0; i < 20; i++) sender.send({ address: ip.ipv4, port: receiver.address()!.port, message: `#${i}` });
        await messages.waitFor(20, timeout);
        expect(messages.values.map((m) => text(m.message))).toEqual(Array.from({ length: 20 }, (_, i) => `#${i}`));
      });

      it('localhost is the loopback address of the family', async () => {
        const receiver = await bound();
        const sender = await bound();
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: 'localhost', port: receiver.address()!.port, message: 'named' });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('named');
        expect(remoteInfo.address).toBe(ip.ipv4);
      });

      it('a socket can send to itself', async () => {
        const socket = await bound();
        const received = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'self' });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('self');
        expect(remoteInfo.port).toBe(socket.address()!.port);
      });
    });

    // ---- connect / write -------------------------------------------------------------------

    describe('connect and write', () => {
      it('write after connect reaches the connected peer', async () => {
        const peer = await bound();
        const socket = await bound();
        const port = peer.address()!.port;
        socket.connect({ address: ip.ipv4, port });
        const received = nextEvent(peer, 'message', timeout);
        socket.write({ address: ip.ipv4, port, message: 'connected' });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('connected');
        expect(remoteInfo.port).toBe(socket.address()!.port);
      });

      it('remoteAddress() reports the connected peer', async () => {
        const peer = await bound();
        const socket = await bound();
        const port = peer.address()!.port;
        expect(socket.remoteAddress()).toBeUndefined();
        socket.connect({ address: ip.ipv4, port });
        await echoThroughPeer(socket, peer);
        expect(socket.remoteAddress()).toEqual({ address: ip.ipv4, family: 'IPv4', port });
      });

      it('send to the connected peer works like write', async () => {
        const peer = await bound();
        const socket = await bound();
        const port = peer.address()!.port;
        socket.connect({ address: ip.ipv4, port });
        const received = nextEvent(peer, 'message', timeout);
        socket.send({ address: ip.ipv4, port, message: 'via send' });
        expect(text((await received).message)).toBe('via send');
      });

      it('write without connect behaves like send', async () => {
        const peer = await bound();
        const socket = open();
        const listening = nextEvent(socket, 'listening', timeout);
        const received = nextEvent(peer, 'message', timeout);
        socket.write({ address: ip.ipv4, port: peer.address()!.port, message: 'written' });
        await listening;
        expect(text((await received).message)).toBe('written');
      });

      /** Proves `socket` (connected to `peer`) still delivers to it. */
      async function echoThroughPeer(socket: UDPSocket, peer: UDPSocket): Promise<void> {
        const port = peer.address()!.port;
        const received = nextEvent(peer, 'message', timeout);
        socket.write({ address: ip.ipv4, port, message: 'still connected' });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('still connected');
        const back = nextEvent(socket, 'message', timeout);
        peer.send({ address: remoteInfo.address, port: remoteInfo.port, message: 'back' });
        expect(text((await back).message)).toBe('back');
      }

      it.each([
        ['write', 'another port', 'write'],
        ['send', 'another port', 'send'],
        ['write', 'another address', 'write'],
      ] as const)('%s to %s than the connected peer reports ERR_SOCKET_DGRAM_IS_CONNECTED and sends nothing', async (method, what, op) => {
        const peer = await bound();
        const other = await bound();
        const socket = await bound();
        const port = peer.address()!.port;
        socket.connect({ address: ip.ipv4, port });
        const errors = record(socket, 'error');
        const otherMessages = record(other, 'message');
        const target = what === 'another port' ? { address: ip.ipv4, port: other.address()!.port } : { address: '127.0.0.2', port };
        socket[method]({ ...target, message: 'misdirected' });
        await errors.waitFor(1, timeout);
        await echoThroughPeer(socket, peer);
        await settle();
        expectError(errors.values, op, 'ERR_SOCKET_DGRAM_IS_CONNECTED', -1);
        expect(otherMessages.values).toEqual([]);
      });

      it('a second connect reports ERR_SOCKET_DGRAM_IS_CONNECTED and keeps the first peer', async () => {
        const peer = await bound();
        const other = await bound();
        const socket = await bound();
        socket.connect({ address: ip.ipv4, port: peer.address()!.port });
        const errors = record(socket, 'error');
        socket.connect({ address: ip.ipv4, port: other.address()!.port });
        await errors.waitFor(1, timeout);
        await echoThroughPeer(socket, peer);
        expectError(errors.values, 'connect', 'ERR_SOCKET_DGRAM_IS_CONNECTED', -1);
        expect(socket.remoteAddress()?.port).toBe(peer.address()!.port);
      });

      it('a connected socket only receives datagrams from its peer', async () => {
        const peer = await bound();
        const stranger = await bound();
        const socket = await bound();
        const port = socket.address()!.port;
        socket.connect({ address: ip.ipv4, port: peer.address()!.port });
        const messages = record(socket, 'message');
        stranger.send({ address: ip.ipv4, port, message: 'from stranger' });
        await settle();
        peer.send({ address: ip.ipv4, port, message: 'from peer' });
        await messages.waitFor(1, timeout);
        await settle();
        expect(messages.values.map((m) => text(m.message))).toEqual(['from peer']);
        expect(messages.values[0]!.remoteInfo.port).toBe(peer.address()!.port);
      });

      it('a connected socket whose peer has no listener reports ECONNREFUSED', async () => {
        const port = await deadPort();
        const socket = await bound();
        const errors = record(socket, 'error');
        socket.connect({ address: ip.ipv4, port });
        socket.write({ address: ip.ipv4, port, message: 'anyone?' });
        const [error] = await errors.waitFor(1, timeout);
        expect(error!.code).toBe('ECONNREFUSED');
        expect(error!.errCode).toBe(-2);
        expect(error!.errMsg).toMatch(/^(send|write|receive):fail /);
      });

      it('a connect that failed to resolve leaves the socket unconnected and usable', async () => {
        const socket = await bound();
        const errors = record(socket, 'error');
        socket.connect({ address: ip.unresolvableHostname, port: 9 });
        await errors.waitFor(1, timeout);
        expect(socket.remoteAddress()).toBeUndefined();
        await echo(socket);
        expectError(errors.values, 'connect', 'ENOTFOUND', 1);
      });
    });

    // ---- broadcast / multicast ---------------------------------------------------------------

    describe('broadcast', () => {
      async function broadcastReceiver(): Promise<UDPSocket> {
        const receiver = open();
        const listening = nextEvent(receiver, 'listening', timeout);
        receiver.bind(0, ip.ipv4Any);
        await listening;
        return receiver;
      }

      it('send with setBroadcast: true reaches a socket bound to the any-address', async () => {
        const receiver = await broadcastReceiver();
        const sender = await bound();
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: ip.ipv4Broadcast, port: receiver.address()!.port, message: 'to all', setBroadcast: true });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('to all');
        expect(remoteInfo.port).toBe(sender.address()!.port);
      });

      it('a broadcast without setBroadcast reports EACCES and is not delivered', async () => {
        const receiver = await broadcastReceiver();
        const sender = await bound();
        const port = receiver.address()!.port;
        const errors = record(sender, 'error');
        const messages = record(receiver, 'message');
        sender.send({ address: ip.ipv4Broadcast, port, message: 'refused' });
        await errors.waitFor(1, timeout);
        sender.send({ address: ip.ipv4Broadcast, port, message: 'allowed', setBroadcast: true });
        await messages.waitFor(1, timeout);
        await settle();
        expectError(errors.values, 'send', 'EACCES', -3);
        expect(messages.values.map((m) => text(m.message))).toEqual(['allowed']);
      });

      it('setBroadcast(true) before bind is applied at bind', async () => {
        const receiver = await broadcastReceiver();
        const sender = open();
        const errors = record(sender, 'error');
        sender.setBroadcast(true);
        sender.bind(0, ip.ipv4);
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: ip.ipv4Broadcast, port: receiver.address()!.port, message: 'preset' });
        expect(text((await received).message)).toBe('preset');
        expect(errors.values).toEqual([]);
      });

      it('setBroadcast(false) turns broadcasting off again', async () => {
        const receiver = await broadcastReceiver();
        const sender = await bound();
        const port = receiver.address()!.port;
        const errors = record(sender, 'error');
        sender.setBroadcast(true);
        sender.setBroadcast(false);
        sender.send({ address: ip.ipv4Broadcast, port, message: 'refused' });
        await errors.waitFor(1, timeout);
        expectError(errors.values, 'send', 'EACCES', -3);
      });
    });

    describe('multicast', () => {
      async function member(before = false): Promise<UDPSocket> {
        const receiver = open();
        const listening = nextEvent(receiver, 'listening', timeout);
        if (before) receiver.addMembership(ip.multicastGroup, ip.multicastInterface);
        receiver.bind(0, ip.ipv4Any);
        await listening;
        if (!before) receiver.addMembership(ip.multicastGroup, ip.multicastInterface);
        return receiver;
      }

      async function multicastSender(): Promise<UDPSocket> {
        const sender = await bound();
        sender.setMulticastInterface(ip.multicastInterface);
        return sender;
      }

      it('a member of the group receives a datagram sent to the group via the interface', async () => {
        const receiver = await member();
        const sender = await multicastSender();
        const errors = record(receiver, 'error');
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: ip.multicastGroup, port: receiver.address()!.port, message: 'group' });
        const { message, remoteInfo } = await received;
        expect(text(message)).toBe('group');
        expect(remoteInfo.port).toBe(sender.address()!.port);
        expect(errors.values).toEqual([]);
      });

      it('addMembership before bind is applied at bind', async () => {
        const receiver = await member(true);
        const sender = await multicastSender();
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: ip.multicastGroup, port: receiver.address()!.port, message: 'preset group' });
        expect(text((await received).message)).toBe('preset group');
      });

      it('after dropMembership the socket no longer receives the group', async () => {
        const receiver = await member();
        const sender = await multicastSender();
        const port = receiver.address()!.port;
        const messages = record(receiver, 'message');
        const errors = record(receiver, 'error');
        sender.send({ address: ip.multicastGroup, port, message: 'joined' });
        await messages.waitFor(1, timeout);
        receiver.dropMembership(ip.multicastGroup, ip.multicastInterface);
        sender.send({ address: ip.multicastGroup, port, message: 'dropped' });
        sender.send({ address: ip.ipv4, port, message: 'unicast marker' });
        await messages.waitFor(2, timeout);
        await settle();
        expect(messages.values.map((m) => text(m.message))).toEqual(['joined', 'unicast marker']);
        expect(errors.values).toEqual([]);
      });

      it('dropMembership of a group never joined reports EADDRNOTAVAIL once and leaves the socket usable', async () => {
        const socket = await bound();
        const errors = record(socket, 'error');
        socket.dropMembership(ip.multicastGroup, ip.multicastInterface);
        await errors.waitFor(1, timeout);
        await echo(socket);
        expectError(errors.values, 'dropMembership', 'EADDRNOTAVAIL', -2);
      });
    });

    // ---- setTTL ------------------------------------------------------------------------------

    describe('setTTL', () => {
      it.each([1, 64, 255])('setTTL(%d) on a bound socket reports nothing and the socket still delivers', async (ttl) => {
        const socket = await bound();
        const errors = record(socket, 'error');
        socket.setTTL(ttl);
        await echo(socket);
        await settle();
        expect(errors.values).toEqual([]);
      });

      it('setTTL before bind is remembered and applied at bind (Linux refuses 0: EINVAL at bind)', async () => {
        const socket = open();
        const errors = record(socket, 'error');
        socket.setTTL(0);
        await settle();
        expect(errors.values).toEqual([]);
        const port = socket.bind(0, ip.ipv4);
        expect(port).toBeGreaterThan(0);
        await errors.waitFor(1, timeout);
        await echo(socket);
        expectError(errors.values, 'setTTL', 'EINVAL', -2);
      });

      it('setTTL before an implicit bind (by send) is applied then too', async () => {
        const receiver = await bound();
        const socket = open();
        const errors = record(socket, 'error');
        socket.setTTL(0);
        const received = nextEvent(receiver, 'message', timeout);
        socket.send({ address: ip.ipv4, port: receiver.address()!.port, message: 'ttl' });
        await errors.waitFor(1, timeout);
        expect(text((await received).message)).toBe('ttl');
        expectError(errors.values, 'setTTL', 'EINVAL', -2);
      });

      it('setTTL(0) on a bound socket reports EINVAL once and leaves the socket usable', async () => {
        const socket = await bound();
        const errors = record(socket, 'error');
        socket.setTTL(0);
        await errors.waitFor(1, timeout);
        await echo(socket);
        expectError(errors.values, 'setTTL', 'EINVAL', -2);
      });

      it('a valid setTTL before bind is applied without error', async () => {
        const socket = open();
        const errors = record(socket, 'error');
        socket.setTTL(32);
        await echo(socket);
        await settle();
        expect(errors.values).toEqual([]);
      });
    });

    // ---- close -------------------------------------------------------------------------------

    describe('close', () => {
      it('onClose fires exactly once, asynchronously, with errMsg', async () => {
        const socket = await bound();
        const closes = record(socket, 'close');
        socket.close();
        expect(closes.values).toEqual([]);
        await closes.waitFor(1, timeout);
        await settle();
        expect(closes.values).toEqual([{ errMsg: 'close:ok' }]);
      });

      it('closed is false while open (unbound or bound) and true from the moment close() returns', async () => {
        const unbound = open();
        expect(unbound.closed).toBe(false);
        unbound.close();
        expect(unbound.closed).toBe(true);
        const socket = await bound();
        expect(socket.closed).toBe(false);
        socket.close();
        expect(socket.closed).toBe(true);
        await nextEvent(socket, 'close', timeout);
        expect(socket.closed).toBe(true);
      });

      it('closed cannot be set from outside: assigning it throws and the socket keeps working', async () => {
        const socket = await bound();
        expect(() => {
          (socket as { closed: boolean }).closed = true;
        }).toThrow(TypeError);
        expect(socket.closed).toBe(false);
        await echo(socket);
      });

      it('a listener added right after close() hears onClose', async () => {
        const socket = await bound();
        socket.close();
        await expect(nextEvent(socket, 'close', timeout)).resolves.toEqual({ errMsg: 'close:ok' });
      });

      it('closing an unbound socket fires onClose', async () => {
        const socket = open();
        const closed = nextEvent(socket, 'close', timeout);
        socket.close();
        await expect(closed).resolves.toEqual({ errMsg: 'close:ok' });
      });

      it('a sendWithCallback waiting for its hostname lookup when close() is called gets ERR_SOCKET_DGRAM_NOT_RUNNING once, also when the lookup answers later', async () => {
        let answer: ((error: Error | null, address: string, family: number) => void) | undefined;
        const socket = await bound('udp4', { lookup: (_hostname, _family, callback) => void (answer = callback) });
        const outcomes: Array<string | null> = [];
        const called = new Promise<void>((resolve) =>
          socket.sendWithCallback({ address: 'later.test', port: 9, message: 'x' }, (error) => {
            outcomes.push(error === null ? null : error.code);
            resolve();
          }),
        );
        socket.close();
        await called;
        answer?.(null, ip.ipv4, 4);
        await settle();
        expect(outcomes).toEqual(['ERR_SOCKET_DGRAM_NOT_RUNNING']);
      });

      it('the bytes of a datagram waiting for its hostname lookup are copied at the call: changing the buffer afterwards changes nothing', async () => {
        let answer: ((error: Error | null, address: string, family: number) => void) | undefined;
        const receiver = await bound();
        const socket = await bound('udp4', { lookup: (_hostname, _family, callback) => void (answer = callback) });
        const received = nextEvent(receiver, 'message', timeout);
        const view = new Uint8Array([1, 2, 3, 4]);
        socket.send({ address: 'later.test', port: receiver.address()!.port, message: view });
        view.fill(9);
        answer!(null, ip.ipv4, 4);
        expect([...new Uint8Array((await received).message)]).toEqual([1, 2, 3, 4]);
      });

      it('a second close is silent: no error, no second onClose (cleanup may close from several paths)', async () => {
        const socket = await bound();
        const closes = record(socket, 'close');
        const errors = record(socket, 'error');
        socket.close();
        socket.close();
        await closes.waitFor(1, timeout);
        socket.close();
        await settle();
        expect(closes.length).toBe(1);
        expect(errors.values).toEqual([]);
      });

      it('aborting the signal option closes the socket: onClose fires once, later sends report ERR_SOCKET_DGRAM_NOT_RUNNING', async () => {
        const controller = new AbortController();
        const socket = await bound('udp4', { signal: controller.signal });
        const closes = record(socket, 'close');
        const errors = record(socket, 'error');
        controller.abort();
        expect(socket.closed).toBe(true);
        await closes.waitFor(1, timeout);
        socket.close();
        socket.send({ address: ip.ipv4, port: 9, message: 'x' });
        await errors.waitFor(1, timeout);
        await settle();
        expect(closes.values).toEqual([{ errMsg: 'close:ok' }]);
        expect(errors.values.map((e) => e.code)).toEqual(['ERR_SOCKET_DGRAM_NOT_RUNNING']);
      });

      it('an already aborted signal closes the socket at creation; onClose still fires, asynchronously', async () => {
        const controller = new AbortController();
        controller.abort();
        const socket = open('udp4', { signal: controller.signal });
        expect(socket.closed).toBe(true);
        const closes = record(socket, 'close');
        const errors = record(socket, 'error');
        await closes.waitFor(1, timeout);
        await settle();
        expect(closes.values).toEqual([{ errMsg: 'close:ok' }]);
        expect(errors.values).toEqual([]);
      });

      it('the socket stops listening to its signal when it closes, so a long-lived signal keeps no socket', async () => {
        const listeners = new Set<() => void>();
        const signal = {
          aborted: false,
          addEventListener: (_type: 'abort', listener: () => void) => listeners.add(listener),
          removeEventListener: (_type: 'abort', listener: () => void) => listeners.delete(listener),
        };
        const socket = await bound('udp4', { signal });
        expect(listeners.size).toBe(1);
        socket.close();
        expect(listeners.size).toBe(0);
      });

      it.each([
        ['a string', 'abort'],
        ['an object without addEventListener', { aborted: false }],
        ['a revoked Proxy', (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()],
      ])('a signal option that is %s is reported once as ERR_INVALID_ARG_TYPE and ignored, never thrown', async (_name, signal) => {
        const socket = open('udp4', { signal } as unknown as UDPSocketOptions);
        const errors = record(socket, 'error');
        await errors.waitFor(1, timeout);
        await echo(socket);
        expect(errors.values.map((e) => [e.code, e.errMsg.startsWith('createUDPSocket:fail option signal')])).toEqual([['ERR_INVALID_ARG_TYPE', true]]);
      });

      it('Symbol.asyncDispose closes the socket and resolves once onClose listeners ran; on a closed socket it resolves silently', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const errors = record(socket, 'error');
        socket.onClose(() => calls.push('onClose'));
        const disposed = socket[Symbol.asyncDispose]();
        expect(socket.closed).toBe(true);
        await disposed;
        calls.push('disposed');
        await socket[Symbol.asyncDispose]();
        await settle();
        expect(calls).toEqual(['onClose', 'disposed']);
        expect(errors.values).toEqual([]);
      });

      it('close releases the port: another socket can bind it', async () => {
        const socket = await bound();
        const port = socket.address()!.port;
        socket.close();
        expect(socket.address()).toBeUndefined();
        const next = open();
        expect(next.bind(port, ip.ipv4)).toBe(port);
      });

      it('no message listener runs after close, not even for datagrams already queued', async () => {
        const receiver = await bound();
        const sender = await bound();
        const port = receiver.address()!.port;
        const seen: string[] = [];
        receiver.onMessage(({ message }) => {
          seen.push(`first ${text(message)}`);
          receiver.close();
        });
        receiver.onMessage(({ message }) => seen.push(`second ${text(message)}`));
        const closed = nextEvent(receiver, 'close', timeout);
        for (let i = 0; i < 10; i++) sender.send({ address: ip.ipv4, port, message: `#${i}` });
        await closed;
        await settle();
        expect(seen).toEqual(['first #0']);
      });

      it('a datagram in flight when close() is called is not delivered', async () => {
        const receiver = await bound();
        const sender = await bound();
        const messages = record(receiver, 'message');
        sender.send({ address: ip.ipv4, port: receiver.address()!.port, message: 'late' });
        receiver.close();
        await nextEvent(receiver, 'close', timeout);
        await settle();
        expect(messages.values).toEqual([]);
      });

      it.each(['send', 'write'] as const)('every %s after close reports ERR_SOCKET_DGRAM_NOT_RUNNING', async (method) => {
        const receiver = await bound();
        const socket = await bound();
        socket.close();
        const errors = record(socket, 'error');
        const messages = record(receiver, 'message');
        for (let i = 0; i < 3; i++) socket[method]({ address: ip.ipv4, port: receiver.address()!.port, message: 'ghost' });
        await errors.waitFor(3, timeout);
        await settle();
        expect(errors.values.map((e) => e.code)).toEqual(Array(3).fill('ERR_SOCKET_DGRAM_NOT_RUNNING'));
        expect(errors.values.every((e) => e.errCode === -1 && e.errMsg.startsWith(`${method}:fail `))).toBe(true);
        expect(messages.values).toEqual([]);
      });

      it('address() and remoteAddress() are undefined after close', async () => {
        const peer = await bound();
        const socket = await bound();
        socket.connect({ address: ip.ipv4, port: peer.address()!.port });
        socket.close();
        expect(socket.address()).toBeUndefined();
        expect(socket.remoteAddress()).toBeUndefined();
      });

      const afterClose: Array<[string, (s: Loose, port: number) => void, string]> = [
        ['bind()', (s) => s.bind!(), 'bind'],
        ['bind(0, loopback)', (s) => s.bind!(0, ip.ipv4), 'bind'],
        ['send()', (s, port) => s.send!({ address: ip.ipv4, port, message: 'x' }), 'send'],
        ['write()', (s, port) => s.write!({ address: ip.ipv4, port, message: 'x' }), 'write'],
        ['connect()', (s, port) => s.connect!({ address: ip.ipv4, port }), 'connect'],
        ['disconnect()', (s) => s.disconnect!(), 'disconnect'],
        ['setTTL(64)', (s) => s.setTTL!(64), 'setTTL'],
        ['setBroadcast(true)', (s) => s.setBroadcast!(true), 'setBroadcast'],
        ['setMulticastTTL(1)', (s) => s.setMulticastTTL!(1), 'setMulticastTTL'],
        ['setMulticastLoopback(true)', (s) => s.setMulticastLoopback!(true), 'setMulticastLoopback'],
        ['setMulticastInterface(iface)', (s) => s.setMulticastInterface!(ip.multicastInterface), 'setMulticastInterface'],
        ['addMembership(group)', (s) => s.addMembership!(ip.multicastGroup, ip.multicastInterface), 'addMembership'],
        ['dropMembership(group)', (s) => s.dropMembership!(ip.multicastGroup, ip.multicastInterface), 'dropMembership'],
        ['setRecvBufferSize(65536)', (s) => s.setRecvBufferSize!(65536), 'setRecvBufferSize'],
        ['setSendBufferSize(65536)', (s) => s.setSendBufferSize!(65536), 'setSendBufferSize'],
        ['getRecvBufferSize()', (s) => s.getRecvBufferSize!(), 'getRecvBufferSize'],
        ['getSendBufferSize()', (s) => s.getSendBufferSize!(), 'getSendBufferSize'],
      ];
      it.each(afterClose)('%s after close reports ERR_SOCKET_DGRAM_NOT_RUNNING exactly once, without throwing', async (_name, call, op) => {
        const peer = await bound();
        const socket = await bound();
        socket.close();
        await nextEvent(socket, 'close', timeout);
        const errors = record(socket, 'error');
        const closes = record(socket, 'close');
        expect(() => call(loose(socket), peer.address()!.port)).not.toThrow();
        await errors.waitFor(1, timeout);
        await settle();
        expectError(errors.values, op, 'ERR_SOCKET_DGRAM_NOT_RUNNING', -1);
        expect(closes.values).toEqual([]);
      });
    });

    // ---- listeners ---------------------------------------------------------------------------

    describe('on/off listeners', () => {
      it('onError fires asynchronously: never inside the failing call, and a listener added right after it hears it', async () => {
        const socket = await bound();
        let duringCall = false;
        socket.onError(() => (duringCall = true));
        socket.setTTL(-1);
        socket.send({ address: ip.ipv4, port: 0, message: 'x' });
        expect(duringCall).toBe(false);
        const errors = record(socket, 'error');
        await errors.waitFor(2, timeout);
        expect(errors.values.map((e) => e.code)).toEqual(['ERR_OUT_OF_RANGE', 'ERR_SOCKET_BAD_PORT']);
        expect(duringCall).toBe(true);
      });

      it('listeners run in registration order', async () => {
        const socket = await bound();
        const order: number[] = [];
        const done = nextEvent(socket, 'message', timeout);
        socket.onMessage(() => order.push(1));
        socket.onMessage(() => order.push(2));
        socket.onMessage(() => order.push(3));
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'order' });
        await done;
        expect(order).toEqual([1, 2, 3]);
      });

      it('offMessage(fn) removes only that function', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const a = (): void => void calls.push('a');
        const b = (): void => void calls.push('b');
        socket.onMessage(a);
        socket.onMessage(b);
        socket.offMessage(a);
        const done = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'x' });
        await done;
        expect(calls).toEqual(['b']);
      });

      it('offMessage(fn) of a function never added changes nothing', async () => {
        const socket = await bound();
        const calls: string[] = [];
        socket.onMessage(() => calls.push('a'));
        socket.offMessage(() => calls.push('a'));
        const done = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'x' });
        await done;
        expect(calls).toEqual(['a']);
      });

      it('a function added twice runs twice per event, and offMessage(fn) removes both registrations', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const twice = (): void => void calls.push('twice');
        socket.onMessage(twice);
        socket.onMessage(twice);
        const first = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'one' });
        await first;
        expect(calls).toEqual(['twice', 'twice']);
        socket.offMessage(twice);
        const second = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'two' });
        await second;
        expect(calls).toEqual(['twice', 'twice']);
      });

      it('a listener removing itself during dispatch still lets the next listeners run', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const once = (): void => {
          calls.push('once');
          socket.offMessage(once);
        };
        socket.onMessage(once);
        socket.onMessage(() => calls.push('always'));
        const messages = record(socket, 'message');
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'one' });
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'two' });
        await messages.waitFor(2, timeout);
        expect(calls).toEqual(['once', 'always', 'always']);
      });

      it('offMessage() removes every message listener added before it', async () => {
        const socket = await bound();
        const calls: string[] = [];
        socket.onMessage(() => calls.push('a'));
        socket.onMessage(() => calls.push('b'));
        socket.offMessage();
        socket.onMessage(() => calls.push('c'));
        const heard = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'heard' });
        await heard;
        expect(calls).toEqual(['c']);
      });

      it('offListening() removes every listening listener added before it', async () => {
        const socket = open();
        const calls: string[] = [];
        socket.onListening(() => calls.push('a'));
        socket.onListening(() => calls.push('b'));
        socket.offListening();
        socket.onListening(() => calls.push('c'));
        const listening = nextEvent(socket, 'listening', timeout);
        socket.bind(0, ip.ipv4);
        await listening;
        expect(calls).toEqual(['c']);
      });

      it('offListening(fn) removes only that function', async () => {
        const socket = open();
        const calls: string[] = [];
        const a = (): void => void calls.push('a');
        socket.onListening(a);
        socket.onListening(() => calls.push('b'));
        socket.offListening(a);
        const listening = nextEvent(socket, 'listening', timeout);
        socket.bind(0, ip.ipv4);
        await listening;
        expect(calls).toEqual(['b']);
      });

      it('offClose() removes every close listener and offClose(fn) only that one', async () => {
        const first = open();
        const second = open();
        const calls: string[] = [];
        const a = (): void => void calls.push('a');
        first.onClose(() => calls.push('first'));
        first.offClose();
        second.onClose(a);
        second.onClose(() => calls.push('b'));
        second.offClose(a);
        const closed = nextEvent(second, 'close', timeout);
        first.close();
        second.close();
        await closed;
        await settle();
        expect(calls).toEqual(['b']);
      });

      it('offError() removes every error listener and offError(fn) only that one', async () => {
        const socket = await bound();
        const calls: string[] = [];
        socket.onError(() => calls.push('all'));
        socket.offError();
        const a = (): void => void calls.push('a');
        socket.onError(a);
        socket.onError(() => calls.push('b'));
        socket.offError(a);
        const error = nextEvent(socket, 'error', timeout);
        socket.setTTL(-1);
        await error;
        expect(calls).toEqual(['b']);
      });

      it('a listener added during dispatch does not run for the event being dispatched', async () => {
        const socket = await bound();
        const calls: string[] = [];
        socket.onMessage(() => {
          calls.push('outer');
          socket.onMessage(() => calls.push('inner'));
        });
        const first = nextEvent(socket, 'message', timeout);
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'x' });
        await first;
        expect(calls).toEqual(['outer']);
      });

      it('a listener removed by an earlier one during dispatch still runs for that event, not for the next', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const later = (): void => {
          calls.push('later');
        };
        socket.onMessage(() => {
          calls.push('earlier');
          socket.offMessage(later);
        });
        socket.onMessage(later);
        const messages = record(socket, 'message');
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'one' });
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'two' });
        await messages.waitFor(2, timeout);
        expect(calls).toEqual(['earlier', 'later', 'earlier']);
      });

      it('an error listener removed by an earlier one during dispatch still runs for that error', async () => {
        const socket = await bound();
        const calls: string[] = [];
        const later = (): void => {
          calls.push('later');
        };
        socket.onError(() => {
          calls.push('earlier');
          socket.offError(later);
        });
        socket.onError(later);
        const errors = record(socket, 'error');
        socket.setTTL(-1);
        socket.setTTL(-1);
        await errors.waitFor(2, timeout);
        expect(calls).toEqual(['earlier', 'later', 'earlier']);
      });

      it('a throwing listener does not stop the others and its error is re-thrown asynchronously', async () => {
        const socket = await bound();
        const boom = new Error('listener failure');
        const rethrown: unknown[] = [];
        const saved = config.onUnhandledError;
        let resolveRethrown!: () => void;
        const gotRethrown = new Promise<void>((resolve) => (resolveRethrown = resolve));
        config.onUnhandledError = (error) => {
          rethrown.push(error);
          resolveRethrown();
        };
        try {
          const calls: string[] = [];
          const thrower = (): void => {
            calls.push('thrower');
            throw boom;
          };
          socket.onMessage(thrower);
          socket.onMessage(() => calls.push('after'));
          const received = nextEvent(socket, 'message', timeout);
          socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'x' });
          await received;
          expect(calls).toEqual(['thrower', 'after']);
          expect(rethrown).toEqual([]);
          await gotRethrown;
          expect(rethrown).toEqual([boom]);
          socket.offMessage(thrower);
          await echo(socket);
        } finally {
          config.onUnhandledError = saved;
        }
      });

      it('with config.onUnhandledError, what throwing listeners and send callbacks of several sockets throw in one flush goes there, and every other event still arrives', async () => {
        const saved = config.onUnhandledError;
        const unhandled: unknown[] = [];
        config.onUnhandledError = (error) => unhandled.push(error);
        try {
          const peer = await bound();
          const [a, b, c, d] = [open(), await bound(), open(), open()];
          const delivered: string[] = [];
          const thrown = (name: string): Error => new Error(name);
          const failures = {
            error: thrown('onError listener'),
            close: thrown('onClose listener'),
            invalid: thrown('sendWithCallback callback, validation failure'),
            listening: thrown('onListening listener'),
            sent: thrown('sendWithCallback callback, sent'),
          };
          a.onError(() => {
            throw failures.error;
          });
          a.onError(({ code }) => delivered.push(`a error ${code}`));
          b.onClose(() => {
            throw failures.close;
          });
          b.onClose(() => delivered.push('b close'));
          d.onListening(() => {
            throw failures.listening;
          });
          d.onListening(() => delivered.push('d listening'));
          // Everything below is queued on the sockets' scheduler before any of it is dispatched.
          a.setTTL(-1);
          b.close();
          c.sendWithCallback({ address: ip.ipv4, port: 0, message: 'x' }, (error) => {
            delivered.push(`c callback ${error?.code}`);
            throw failures.invalid;
          });
          d.bind(0, ip.ipv4);
          d.sendWithCallback({ address: ip.ipv4, port: peer.address()!.port, message: 'x' }, (error) => {
            delivered.push(`d callback ${error}`);
            throw failures.sent;
          });
          const deadline = Date.now() + timeout;
          while (unhandled.length < 5 && Date.now() < deadline) await delay(5);
          await settle();
          expect(delivered.sort()).toEqual(
            ['a error ERR_OUT_OF_RANGE', 'b close', 'c callback ERR_SOCKET_BAD_PORT', 'd callback null', 'd listening'].sort(),
          );
          expect(new Set(unhandled)).toEqual(new Set(Object.values(failures)));
          expect(unhandled).toHaveLength(5);
          await echo(d);
        } finally {
          config.onUnhandledError = saved;
        }
      });

      it('a throwing onListening listener does not stop the others and its error is re-thrown', async () => {
        const saved = config.onUnhandledError;
        const failure = new Error('listening failure');
        const rethrown = new Promise<unknown>((resolve) => (config.onUnhandledError = resolve));
        try {
          const socket = open();
          const calls: string[] = [];
          socket.onListening(() => {
            calls.push('thrower');
            throw failure;
          });
          const listening = nextEvent(socket, 'listening', timeout);
          socket.bind(0, ip.ipv4);
          await listening;
          expect(calls).toEqual(['thrower']);
          expect(await rethrown).toBe(failure);
        } finally {
          config.onUnhandledError = saved;
        }
      });
    });

    // ---- udp6 --------------------------------------------------------------------------------

    describe('udp6', () => {
      it('a udp6 socket binds ::1 and exchanges datagrams with family IPv6', async () => {
        const receiver = await bound('udp6');
        const sender = await bound('udp6');
        expect(receiver.type).toBe('udp6');
        expect(receiver.address()).toEqual({ address: ip.ipv6, family: 'IPv6', port: receiver.address()!.port });
        const received = nextEvent(receiver, 'message', timeout);
        sender.send({ address: ip.ipv6, port: receiver.address()!.port, message: 'six' });
        const { message, remoteInfo, localInfo } = await received;
        expect(text(message)).toBe('six');
        expect(remoteInfo).toEqual({ address: ip.ipv6, family: 'IPv6', port: sender.address()!.port, size: 3 });
        expect(localInfo).toEqual({ address: ip.ipv6, family: 'IPv6', port: receiver.address()!.port, size: 3 });
      });

      it('udp6 onListening reports family IPv6', async () => {
        const socket = open('udp6');
        const listening = nextEvent(socket, 'listening', timeout);
        const port = socket.bind(0, ip.ipv6);
        expect(await listening).toEqual({ errMsg: 'bind:ok', address: ip.ipv6, family: 'IPv6', port });
      });

      it('udp6 connect and write reach the peer', async () => {
        const peer = await bound('udp6');
        const socket = await bound('udp6');
        const port = peer.address()!.port;
        socket.connect({ address: ip.ipv6, port });
        const received = nextEvent(peer, 'message', timeout);
        socket.write({ address: ip.ipv6, port, message: 'six connected' });
        expect(text((await received).message)).toBe('six connected');
        expect(socket.remoteAddress()).toEqual({ address: ip.ipv6, family: 'IPv6', port });
      });

      it('a udp6 bind of a port in use reports EADDRINUSE', async () => {
        const owner = await bound('udp6');
        const socket = open('udp6');
        const errors = record(socket, 'error');
        expect(socket.bind(owner.address()!.port, ip.ipv6)).toBe(0);
        await errors.waitFor(1, timeout);
        await echo(socket);
        expectError(errors.values, 'bind', 'EADDRINUSE', -2);
      });

      it('a udp6 socket reports an IPv4 address as ERR_INVALID_ADDRESS and stays usable', async () => {
        const socket = await bound('udp6');
        const errors = record(socket, 'error');
        socket.send({ address: ip.ipv4, port: socket.address()!.port, message: 'wrong family' });
        await errors.waitFor(1, timeout);
        await echo(socket);
        expectError(errors.values, 'send', 'ERR_INVALID_ADDRESS', 1);
      });
    });

    // ---- bad input ---------------------------------------------------------------------------

    describe('bad input: exactly one onError, never a throw, the socket stays usable', () => {
      const msg = 'payload';
      const buf = (): ArrayBuffer => new Uint8Array([1, 2, 3, 4]).buffer;
      const revokedProxy = (): object => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      };
      const detached = (): ArrayBuffer => {
        const buffer = new ArrayBuffer(4);
        structuredClone(buffer, { transfer: [buffer] });
        return buffer;
      };
      const rows: BadCall[] = [
        // bind
        ...([
          ['"80"', '80'],
          ['NaN', NaN],
          ['-1', -1],
          ['1.5', 1.5],
          ['65536', 65536],
          ['Infinity', Infinity],
          ['{}', {}],
        ] as Array<[string, unknown]>).map(
          ([name, port]): BadCall => ({ name: `bind(${name})`, state: 'unbound', call: (s) => s.bind!(port, ip.ipv4), op: 'bind', code: 'ERR_SOCKET_BAD_PORT', errCode: 2 }),
        ),
        ...([
          ['""', ''],
          ['"not an address!"', 'not an address!'],
          ['42', 42],
          ['"::1" on udp4', '::1'],
          ['"1.2.3.4.5"', '1.2.3.4.5'],
        ] as Array<[string, unknown]>).map(
          ([name, address]): BadCall => ({ name: `bind(0, ${name})`, state: 'unbound', call: (s) => s.bind!(0, address), op: 'bind', code: 'ERR_INVALID_ADDRESS', errCode: 1 }),
        ),
        { name: 'bind(0, an address the host does not have)', state: 'unbound', call: (s) => s.bind!(0, ip.unavailableIpv4), op: 'bind', code: 'EADDRNOTAVAIL', errCode: -2 },
        { name: 'bind(0, an unresolvable hostname)', state: 'unbound', call: (s) => s.bind!(0, ip.unresolvableHostname), op: 'bind', code: 'ENOTFOUND', errCode: 1 },
        { name: 'bind() twice', state: 'bound', call: (s) => s.bind!(), op: 'bind', code: 'ERR_SOCKET_ALREADY_BOUND', errCode: -1 },
        // send: the option
        ...([
          ['undefined', undefined],
          ['null', null],
          ['"text"', 'text'],
          ['42', 42],
        ] as Array<[string, unknown]>).flatMap(([name, option]): BadCall[] =>
          (['send', 'write'] as const).map((op) => ({ name: `${op}(${name})`, state: 'bound', call: (s) => s[op]!(option), op, code: 'ERR_INVALID_ARG_TYPE', errCode: -1 })),
        ),
        // send: an option whose fields cannot be read
        ...(['send', 'write'] as const).flatMap((op): BadCall[] => [
          {
            name: `${op} with an option whose message getter throws`,
            state: 'bound',
            call: (s, port) => s[op]!({ address: ip.ipv4, port, get message(): never { throw new Error('boom'); } }),
            op,
            code: 'ERR_INVALID_ARG_TYPE',
            errCode: -1,
          },
          { name: `${op}(a revoked Proxy)`, state: 'bound', call: (s) => s[op]!(revokedProxy()), op, code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
          {
            name: `${op} of a message that is a revoked Proxy`,
            state: 'bound',
            call: (s, port) => s[op]!({ address: ip.ipv4, port, message: revokedProxy() }),
            op,
            code: 'ERR_INVALID_ARG_TYPE',
            errCode: -1,
          },
        ]),
        {
          name: 'send with an address getter that throws a value whose toString throws',
          state: 'bound',
          call: (s, port) =>
            s.send!({
              get address(): never {
                throw { toString: (): never => { throw new Error('unprintable'); } };
              },
              port,
              message: msg,
            }),
          op: 'send',
          code: 'ERR_INVALID_ARG_TYPE',
          errCode: -1,
        },
        // send: the address
        ...([
          ['missing', undefined],
          ['""', ''],
          ['"not an address!"', 'not an address!'],
          ['42', 42],
          ['null', null],
          ['"::1" on udp4', '::1'],
          ['"300.1.1.1"', '300.1.1.1'],
        ] as Array<[string, unknown]>).flatMap(([name, address]): BadCall[] =>
          (['send', 'write'] as const).map((op) => ({
            name: `${op} with address ${name}`, state: 'bound', call: (s, port) => s[op]!({ address, port, message: msg }), op, code: 'ERR_INVALID_ADDRESS', errCode: 1,
          })),
        ),
        { name: 'send to an unresolvable hostname', state: 'bound', call: (s, port) => s.send!({ address: ip.unresolvableHostname, port, message: msg }), op: 'send', code: 'ENOTFOUND', errCode: 1 },
        // send: the port
        ...([
          ['missing', undefined],
          ['"80"', '80'],
          ['NaN', NaN],
          ['-1', -1],
          ['0', 0],
          ['1.5', 1.5],
          ['65536', 65536],
          ['Infinity', Infinity],
          ['null', null],
        ] as Array<[string, unknown]>).flatMap(([name, port]): BadCall[] =>
          (['send', 'write'] as const).map((op) => ({
            name: `${op} with port ${name}`, state: 'bound', call: (s) => s[op]!({ address: ip.ipv4, port, message: msg }), op, code: 'ERR_SOCKET_BAD_PORT', errCode: 2,
          })),
        ),
        // send: the message
        ...([
          ['missing', undefined],
          ['null', null],
          ['42', 42],
          ['{}', {}],
          ['[1, 2]', [1, 2]],
          ['true', true],
        ] as Array<[string, unknown]>).flatMap(([name, message]): BadCall[] =>
          (['send', 'write'] as const).map((op) => ({
            name: `${op} with message ${name}`, state: 'bound', call: (s, port) => s[op]!({ address: ip.ipv4, port, message }), op, code: 'ERR_INVALID_ARG_TYPE', errCode: -1,
          })),
        ),
        // send: offset / length
        ...([
          ['offset -1', { offset: -1 }, 'ERR_OUT_OF_RANGE'],
          ['offset 1.5', { offset: 1.5 }, 'ERR_OUT_OF_RANGE'],
          ['offset NaN', { offset: NaN }, 'ERR_OUT_OF_RANGE'],
          ['offset "1"', { offset: '1' }, 'ERR_INVALID_ARG_TYPE'],
          ['offset past the end', { offset: 5 }, 'ERR_OUT_OF_RANGE'],
          ['length past the end', { length: 5 }, 'ERR_OUT_OF_RANGE'],
          ['offset + length past the end', { offset: 2, length: 3 }, 'ERR_OUT_OF_RANGE'],
          ['length -1', { length: -1 }, 'ERR_OUT_OF_RANGE'],
          ['length 1.5', { length: 1.5 }, 'ERR_OUT_OF_RANGE'],
          ['length "2"', { length: '2' }, 'ERR_INVALID_ARG_TYPE'],
        ] as Array<[string, object, string]>).flatMap(([name, extra, code]): BadCall[] =>
          (['send', 'write'] as const).map((op) => ({
            name: `${op} of an ArrayBuffer with ${name}`, state: 'bound', call: (s, port) => s[op]!({ address: ip.ipv4, port, message: buf(), ...extra }), op, code, errCode: -1,
          })),
        ),
        { name: 'send of a view with offset past the end', state: 'bound', call: (s, port) => s.send!({ address: ip.ipv4, port, message: new Uint8Array(4), offset: 5 }), op: 'send', code: 'ERR_OUT_OF_RANGE', errCode: -1 },
        {
          name: 'send of a detached (transferred) ArrayBuffer',
          state: 'bound',
          call: (s, port) => s.send!({ address: ip.ipv4, port, message: detached() }),
          op: 'send',
          code: 'ERR_INVALID_ARG_TYPE',
          errCode: -1,
        },
        {
          name: 'write of a view of a detached ArrayBuffer',
          state: 'bound',
          call: (s, port) => {
            const buffer = new ArrayBuffer(8);
            const view = new Uint16Array(buffer, 2, 2);
            structuredClone(buffer, { transfer: [buffer] });
            s.write!({ address: ip.ipv4, port, message: view });
          },
          op: 'write',
          code: 'ERR_INVALID_ARG_TYPE',
          errCode: -1,
        },
        { name: 'send with setBroadcast "yes"', state: 'bound', call: (s, port) => s.send!({ address: ip.ipv4, port, message: msg, setBroadcast: 'yes' }), op: 'send', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        {
          name: 'send of a datagram one byte over the size limit',
          state: 'bound',
          call: (s, port) => s.send!({ address: ip.ipv4, port, message: new Uint8Array(harness.maxDatagramSize + 1) }),
          op: 'send',
          code: 'EMSGSIZE',
          errCode: -2,
        },
        {
          name: 'write of a datagram far over the size limit',
          state: 'bound',
          call: (s, port) => s.write!({ address: ip.ipv4, port, message: new Uint8Array(70000) }),
          op: 'write',
          code: 'EMSGSIZE',
          errCode: -2,
        },
        // connect
        { name: 'connect(a revoked Proxy)', state: 'bound', call: (s) => s.connect!(revokedProxy()), op: 'connect', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        {
          name: 'connect with an option whose port getter throws',
          state: 'bound',
          call: (s) => s.connect!({ address: ip.ipv4, get port(): never { throw new Error('boom'); } }),
          op: 'connect',
          code: 'ERR_INVALID_ARG_TYPE',
          errCode: -1,
        },
        ...([
          ['undefined', undefined],
          ['null', null],
          ['"127.0.0.1"', '127.0.0.1'],
        ] as Array<[string, unknown]>).map(
          ([name, option]): BadCall => ({ name: `connect(${name})`, state: 'bound', call: (s) => s.connect!(option), op: 'connect', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 }),
        ),
        ...([
          ['""', ''],
          ['"not an address!"', 'not an address!'],
          ['42', 42],
        ] as Array<[string, unknown]>).map(
          ([name, address]): BadCall => ({ name: `connect with address ${name}`, state: 'bound', call: (s, port) => s.connect!({ address, port }), op: 'connect', code: 'ERR_INVALID_ADDRESS', errCode: 1 }),
        ),
        ...([
          ['0', 0],
          ['-1', -1],
          ['70000', 70000],
          ['NaN', NaN],
          ['"80"', '80'],
        ] as Array<[string, unknown]>).map(
          ([name, port]): BadCall => ({ name: `connect with port ${name}`, state: 'bound', call: (s) => s.connect!({ address: ip.ipv4, port }), op: 'connect', code: 'ERR_SOCKET_BAD_PORT', errCode: 2 }),
        ),
        { name: 'connect with port 0 on an unbound socket', state: 'unbound', call: (s) => s.connect!({ address: ip.ipv4, port: 0 }), op: 'connect', code: 'ERR_SOCKET_BAD_PORT', errCode: 2 },
        { name: 'disconnect() when not connected', state: 'bound', call: (s) => s.disconnect!(), op: 'disconnect', code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED', errCode: -1 },
        // setTTL
        ...([
          ['"64"', '64', 'ERR_INVALID_ARG_TYPE'],
          ['undefined', undefined, 'ERR_INVALID_ARG_TYPE'],
          ['NaN', NaN, 'ERR_OUT_OF_RANGE'],
          ['-1', -1, 'ERR_OUT_OF_RANGE'],
          ['1.5', 1.5, 'ERR_OUT_OF_RANGE'],
          ['256', 256, 'ERR_OUT_OF_RANGE'],
        ] as Array<[string, unknown, string]>).flatMap(([name, ttl, code]): BadCall[] =>
          (['unbound', 'bound'] as const).map((state) => ({ name: `setTTL(${name}) while ${state}`, state, call: (s) => s.setTTL!(ttl), op: 'setTTL', code, errCode: -1 })),
        ),
        // listeners
        ...(['onMessage', 'offMessage', 'onError', 'offError', 'onListening', 'offListening', 'onClose', 'offClose'] as const).map(
          (op): BadCall => ({ name: `${op}(42)`, state: 'bound', call: (s) => s[op]!(42), op, code: 'ERR_INVALID_ARG_TYPE', errCode: -1 }),
        ),
        ...(['onMessage', 'onError', 'onListening', 'onClose'] as const).map(
          (op): BadCall => ({ name: `${op}() without a listener`, state: 'bound', call: (s) => s[op]!(), op, code: 'ERR_INVALID_ARG_TYPE', errCode: -1 }),
        ),
        // a revoked Proxy as a value: described in the error, never thrown at the caller
        { name: 'send to an address that is a revoked Proxy', state: 'bound', call: (s, port) => s.send!({ address: revokedProxy(), port, message: msg }), op: 'send', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'send to a port that is a revoked Proxy', state: 'bound', call: (s) => s.send!({ address: ip.ipv4, port: revokedProxy(), message: msg }), op: 'send', code: 'ERR_SOCKET_BAD_PORT', errCode: 2 },
        { name: 'send with setBroadcast a revoked Proxy', state: 'bound', call: (s, port) => s.send!({ address: ip.ipv4, port, message: msg, setBroadcast: revokedProxy() }), op: 'send', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'connect to an address that is a revoked Proxy', state: 'bound', call: (s, port) => s.connect!({ address: revokedProxy(), port }), op: 'connect', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'sendWithCallback with a revoked Proxy as callback', state: 'bound', call: (s, port) => s.sendWithCallback!({ address: ip.ipv4, port, message: msg }, revokedProxy()), op: 'send', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'setTTL(a revoked Proxy)', state: 'bound', call: (s) => s.setTTL!(revokedProxy()), op: 'setTTL', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'onMessage(a revoked Proxy)', state: 'bound', call: (s) => s.onMessage!(revokedProxy()), op: 'onMessage', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        {
          name: 'send with a getter that throws an Error whose message is a Symbol',
          state: 'bound',
          call: (s, port) =>
            s.send!({
              address: ip.ipv4,
              port,
              get message(): never {
                throw Object.defineProperty(new Error('x'), 'message', { value: Symbol('not text') });
              },
            }),
          op: 'send',
          code: 'ERR_INVALID_ARG_TYPE',
          errCode: -1,
        },
        // extensions
        { name: 'setBroadcast("yes")', state: 'bound', call: (s) => s.setBroadcast!('yes'), op: 'setBroadcast', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'setMulticastTTL(256)', state: 'bound', call: (s) => s.setMulticastTTL!(256), op: 'setMulticastTTL', code: 'ERR_OUT_OF_RANGE', errCode: -1 },
        { name: 'setMulticastLoopback(1)', state: 'bound', call: (s) => s.setMulticastLoopback!(1), op: 'setMulticastLoopback', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'setMulticastInterface("")', state: 'bound', call: (s) => s.setMulticastInterface!(''), op: 'setMulticastInterface', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'addMembership("not-an-ip")', state: 'bound', call: (s) => s.addMembership!('not-an-ip'), op: 'addMembership', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'addMembership(group, 42)', state: 'bound', call: (s) => s.addMembership!(ip.multicastGroup, 42), op: 'addMembership', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'dropMembership(undefined)', state: 'bound', call: (s) => s.dropMembership!(), op: 'dropMembership', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'addSourceSpecificMembership("x", group)', state: 'bound', call: (s) => s.addSourceSpecificMembership!('x', ip.multicastGroup), op: 'addSourceSpecificMembership', code: 'ERR_INVALID_ADDRESS', errCode: 1 },
        { name: 'setRecvBufferSize(0)', state: 'bound', call: (s) => s.setRecvBufferSize!(0), op: 'setRecvBufferSize', code: 'ERR_OUT_OF_RANGE', errCode: -1 },
        { name: 'setRecvBufferSize("big")', state: 'bound', call: (s) => s.setRecvBufferSize!('big'), op: 'setRecvBufferSize', code: 'ERR_INVALID_ARG_TYPE', errCode: -1 },
        { name: 'setSendBufferSize(-1)', state: 'bound', call: (s) => s.setSendBufferSize!(-1), op: 'setSendBufferSize', code: 'ERR_OUT_OF_RANGE', errCode: -1 },
        { name: 'setSendBufferSize(1.5) while unbound', state: 'unbound', call: (s) => s.setSendBufferSize!(1.5), op: 'setSendBufferSize', code: 'ERR_OUT_OF_RANGE', errCode: -1 },
      ];

      it.each(rows.map((row) => [`${row.name} reports ${row.code} (errCode ${row.errCode})`, row] as const))('%s', async (_name, row) => {
        const socket = row.state === 'bound' ? await bound() : open();
        const sink = await bound();
        const port = row.state === 'bound' ? socket.address()!.port : sink.address()!.port;
        const errors = record(socket, 'error');
        expect(() => row.call(loose(socket), port)).not.toThrow();
        await errors.waitFor(1, timeout);
        await echo(socket);
        await settle();
        expectError(errors.values, row.op, row.code, row.errCode);
      });
    });
  });
}
