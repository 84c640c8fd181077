import * as dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { asapScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type {
  UDPAddressInfo,
  UDPLookupFunction,
  UDPSocketType,
  UDPDoneCallback,
  UDPDriver,
  UDPHandle,
  UDPHandleOptions,
  UDPHandleSink,
} from '../driver/udp-driver';
import { DEFAULT_LOOKUP_TIMEOUT, LookupGuard } from '../driver/lookup-timeout';

type NodeLookup = (
  hostname: string,
  options: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
) => void;

const defaultLookup: UDPLookupFunction = (hostname, family, callback) => {
  dnsLookup(hostname, family, (error, address, resolvedFamily) => callback(error, address, resolvedFamily));
};

/**
 * The guard every hostname goes through before node:dgram sees its address: node aborts the
 * process on an answer that is not a string (UDPWrap::DoSend), and a lookup that throws leaves
 * its bind or connect half done. A given lookup comes bounded in time by the socket layer and is
 * guarded again here (a driver used on its own gets no socket layer); dns.lookup is bounded here.
 */
function createLookupGuard(options: UDPHandleOptions, scheduler: SchedulerLike): LookupGuard {
  if (options.lookup !== undefined) return new LookupGuard(options.lookup, Infinity, scheduler);
  return new LookupGuard(defaultLookup, options.lookupTimeout ?? DEFAULT_LOOKUP_TIMEOUT, scheduler);
}

/**
 * The lookup for node:dgram, answering IP literals and `localhost` synchronously. node:dgram
 * binds and sends inside the call when its lookup calls back synchronously, which is what makes
 * `bind()` return the port and saves a tick per `send()`.
 */
class SyncLookup {
  /** The last literal seen: a socket mostly sends to one peer, and node's isIP is a regex test. */
  lastLiteral = '';
  private lastFamily = 0;
  private readonly family: 4 | 6;
  private readonly loopback: string;
  /** The lookup node:dgram calls. */
  readonly lookup: NodeLookup;

  constructor(type: UDPSocketType, resolve: UDPLookupFunction) {
    this.family = type === 'udp4' ? 4 : 6;
    this.loopback = this.family === 4 ? '127.0.0.1' : '::1';
    this.lookup = (hostname, _options, callback) => {
      if (hostname === this.lastLiteral || this.answersNow(hostname)) callback(null, hostname, this.lastFamily);
      else if (hostname === 'localhost') callback(null, this.loopback, this.family);
      else resolve(hostname, this.family, callback);
    };
  }

  /** Whether `hostname` is an IP literal (then remembered as the last one): answered inside the call. */
  answersNow(hostname: string): boolean {
    const literal = isIP(hostname);
    if (literal === 0) return false;
    this.lastLiteral = hostname;
    this.lastFamily = literal;
    return true;
  }
}

/** A send node:dgram holds until its lookup or the pending bind completes. */
interface WaitingSend {
  readonly done: UDPDoneCallback | undefined;
  readonly complete: UDPDoneCallback;
}

/** Whether this Node has node:dgram's `reusePort` (added in 22.12 and 23.1). */
export function nodeHasReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

function reusePortUnavailable(): Error {
  return Object.assign(
    new Error(`reusePort needs Node >= 22.12 (node:dgram's reusePort); this is Node ${process.versions.node}`),
    { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' },
  );
}

function notRunning(): Error {
  return Object.assign(new Error('Not running: the socket closed before the datagram was sent'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
}

function notRunningAction(this: SchedulerAction<UDPDoneCallback>, done: UDPDoneCallback | undefined): void {
  done!(notRunning());
}

function notConnected(): Error {
  return Object.assign(new Error('Not connected'), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
}

class NodeDgramHandle implements UDPHandle {
  private readonly socket: dgram.Socket;
  private bindDone: UDPDoneCallback | null = null;
  /**
   * The sends node:dgram holds (behind a pending bind, or for a hostname lookup). node drops them
   * without a word when the bind fails or the socket closes: their completions are ours to call.
   */
  private waiting: Set<WaitingSend> | null = null;
  private closed = false;
  private readonly syncLookup: SyncLookup;
  /** bind({ exclusive }) for binds to a given port: false lets node:cluster workers share it. */
  private readonly exclusive: boolean;
  /** Every hostname this handle resolves goes through it. */
  private readonly lookupGuard: LookupGuard;

  constructor(
    type: UDPSocketType,
    options: UDPHandleOptions,
    private readonly sink: UDPHandleSink,
    private readonly scheduler: SchedulerLike,
  ) {
    this.lookupGuard = createLookupGuard(options, scheduler);
    const socketOptions: dgram.SocketOptions = {
      type,
      lookup: undefined,
    };
    this.syncLookup = new SyncLookup(type, this.lookupGuard.lookup);
    socketOptions.lookup = this.syncLookup.lookup as unknown as dgram.SocketOptions['lookup'];
    if (options.reuseAddr === true) socketOptions.reuseAddr = true;
    if (options.ipv6Only === true) socketOptions.ipv6Only = true;
    if (options.reusePort === true) {
      // An older node:dgram ignores the option silently: say so instead of binding without it.
      if (!nodeHasReusePort()) throw reusePortUnavailable();
      (socketOptions as { reusePort?: boolean }).reusePort = true;
    }
    this.exclusive = options.exclusive === true;
    if (options.recvBufferSize !== undefined) socketOptions.recvBufferSize = options.recvBufferSize;
    if (options.sendBufferSize !== undefined) socketOptions.sendBufferSize = options.sendBufferSize;
    this.socket = dgram.createSocket(socketOptions);
    // node emits (Buffer, rinfo) and sets rinfo.size: exactly the sink's shape.
    this.socket.on('message', sink.message.bind(sink));
    this.socket.on('listening', () => this.settleBind(null));
    this.socket.on('error', (error: Error) => {
      if (this.bindDone !== null) this.settleBind(error);
      else if (!this.closed) sink.error(error, 'receive');
    });
  }

  private readonly sendDone = (error: Error | null): void => {
    if (error !== null && !this.closed) this.sink.error(error, 'send');
  };

  private settleBind(error: Error | null): void {
    const done = this.bindDone;
    this.bindDone = null;
    if (done !== null && !this.closed) done(error);
    // node:dgram drops the sends it queued during a bind that fails, without calling them back
    // (while a bind is pending no send has reached a lookup yet: every waiting send is queued).
    const waiting = this.waiting;
    if (error !== null && waiting !== null) for (const send of [...waiting]) if (!this.closed) send.complete(error);
  }

  bind(port: number, address: string | undefined, done: UDPDoneCallback, implicit = false): void {
    this.bindDone = done;
    try {
      // In a cluster worker a non-exclusive bind asks the primary for the shared handle (done
      // comes asynchronously). Only a given port is shared: an OS-chosen port (port 0, implicit
      // binds included, as node binds its own) belongs to this socket alone, or every worker's
      // bind() would get the primary's one port and the replies to one worker would reach another.
      this.socket.bind({ port, address, exclusive: implicit || port === 0 || this.exclusive } as dgram.BindOptions);
    } catch (error) {
      this.bindDone = null;
      throw error;
    }
  }

  connect(port: number, address: string, done: UDPDoneCallback): void {
    let settled = false;
    this.socket.connect(port, address, (error?: Error) => {
      if (!settled && !this.closed) done(error ?? null);
    });
    // With a synchronous lookup node connects inside the call and only notifies on the
    // next tick: settle now so the socket is usable at once.
    if (this.isConnected()) {
      settled = true;
      done(null);
    }
  }

  private isConnected(): boolean {
    try {
      this.socket.remoteAddress();
      return true;
    } catch {
      return false;
    }
  }

  disconnect(): void {
    if (!this.isConnected()) throw notConnected();
    this.socket.disconnect();
  }

  send(
    data: Uint8Array,
    offset: number,
    length: number,
    port: number | undefined,
    address: string | undefined,
    done?: UDPDoneCallback,
  ): void {
    if (this.bindDone !== null || (address !== undefined && address !== this.syncLookup.lastLiteral && !this.syncLookup.answersNow(address))) {
      this.sendLater(data, offset, length, port, address, done);
      return;
    }
    const callback = done ?? this.sendDone;
    // `length`, not `byteLength`: node 20 does not inline the getter (bytes are Uint8Arrays).
    if (offset === 0 && length === data.length) {
      if (port === undefined) this.socket.send(data, callback);
      else this.socket.send(data, port, address, callback);
    } else if (port === undefined) {
      this.socket.send(data, offset, length, callback);
    } else {
      this.socket.send(data, offset, length, port, address, callback);
    }
  }

  /**
   * A send that waits (behind a pending bind, or for its hostname): its bytes are copied now, as
   * WeChat copies them at the call — the caller may reuse its buffer meanwhile — and its completion
   * is tracked, so that close() or a failed bind still completes it. Never on the IP-literal path.
   */
  private sendLater(
    data: Uint8Array,
    offset: number,
    length: number,
    port: number | undefined,
    address: string | undefined,
    done: UDPDoneCallback | undefined,
  ): void {
    const bytes = new Uint8Array(data.subarray(offset, offset + length));
    const waiting = (this.waiting ??= new Set());
    const send: WaitingSend = {
      done,
      complete: (error) => {
        if (!waiting.delete(send) || this.waiting !== waiting) return;
        if (done !== undefined) done(error);
        else this.sendDone(error);
      },
    };
    waiting.add(send);
    if (port === undefined) this.socket.send(bytes, send.complete);
    else this.socket.send(bytes, port, address, send.complete);
  }

  address(): UDPAddressInfo {
    return this.socket.address();
  }

  remoteAddress(): UDPAddressInfo {
    return this.socket.remoteAddress();
  }

  setTTL(ttl: number): void {
    this.socket.setTTL(ttl);
  }

  setBroadcast(flag: boolean): void {
    this.socket.setBroadcast(flag);
  }

  setMulticastTTL(ttl: number): void {
    this.socket.setMulticastTTL(ttl);
  }

  setMulticastLoopback(flag: boolean): void {
    this.socket.setMulticastLoopback(flag);
  }

  setMulticastInterface(interfaceAddress: string): void {
    this.socket.setMulticastInterface(interfaceAddress);
  }

  addMembership(group: string, interfaceAddress?: string): void {
    this.socket.addMembership(group, interfaceAddress);
  }

  dropMembership(group: string, interfaceAddress?: string): void {
    this.socket.dropMembership(group, interfaceAddress);
  }

  addSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void {
    this.socket.addSourceSpecificMembership(source, group, interfaceAddress);
  }

  dropSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void {
    this.socket.dropSourceSpecificMembership(source, group, interfaceAddress);
  }

  setRecvBufferSize(size: number): void {
    this.socket.setRecvBufferSize(size);
  }

  setSendBufferSize(size: number): void {
    this.socket.setSendBufferSize(size);
  }

  getRecvBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  getSendBufferSize(): number {
    return this.socket.getSendBufferSize();
  }

  getSendQueueSize(): number {
    return this.socket.getSendQueueSize();
  }

  getSendQueueCount(): number {
    return this.socket.getSendQueueCount();
  }

  ref(): void {
    this.socket.ref();
    this.lookupGuard.ref();
  }

  unref(): void {
    this.socket.unref();
    this.lookupGuard.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bindDone = null;
    this.lookupGuard.close();
    // node drops what it still holds: a send with a completion learns it was never sent.
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting !== null) {
      for (const send of waiting) if (send.done !== undefined) this.scheduler.schedule(notRunningAction, 0, send.done);
    }
    try {
      this.socket.close();
    } catch {
      // Already closed by node (e.g. a failed implicit bind): nothing left to release.
    }
  }
}

/** Options of {@link createNodeDgramDriver}. */
export interface NodeDgramDriverOptions {
  /**
   * Scheduler for event dispatch (`onListening`, `onClose`, re-thrown listener errors).
   * @default asapScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * Creates the node:dgram driver, the default backend of {@link createUDPSocket}.
 *
 * IP literals and `localhost` are resolved synchronously, so `bind()` binds inside the call
 * and each `send()` saves the tick a `dns.lookup` would cost; other hostnames go through the
 * socket's `lookup` option (default `dns.lookup` with the family of the socket).
 *
 * @param options - the scheduler events are dispatched on.
 * @returns a driver to pass as `createUDPSocket(type, { driver })`.
 * @example
 * const udp = createUDPSocket('udp4', { driver: createNodeDgramDriver({ scheduler: asyncScheduler }) });
 */
export function createNodeDgramDriver(options: NodeDgramDriverOptions = {}): UDPDriver {
  const scheduler = options.scheduler ?? asapScheduler;
  return {
    scheduler,
    open: (type, handleOptions, sink) => new NodeDgramHandle(type, handleOptions, sink, scheduler),
  };
}

/** The shared default node:dgram driver (events on `asapScheduler`). */
export const nodeDgramDriver: UDPDriver = createNodeDgramDriver();
