/// <reference lib="esnext.disposable" />
import type { UDPSocketError } from '../errors';
import type {
  UDPAddressInfo,
  UDPLookupFunction,
  UDPRemoteInfo,
  UDPSocketType,
  UDPDriver,
} from '../driver/udp-driver';

export type { UDPAddressInfo, UDPLookupFunction, UDPRemoteInfo, UDPSocketType };

declare global {
  /**
   * `Symbol.asyncDispose`, declared as lib `esnext.disposable` and `@types/node` declare it (the
   * declarations merge), so that the published types compile for a consumer whose `lib` stops
   * before esnext: the `/// <reference lib>` above does not survive into the emitted `.d.ts`.
   * Where the runtime has no `Symbol.asyncDispose`, a socket's dispose method sits on Node's
   * `Symbol.for('nodejs.asyncDispose')` instead.
   */
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** What `send`/`write` accept as a payload: a UTF-8 string, an ArrayBuffer or any view of one. */
export type UDPMessage = string | ArrayBuffer | ArrayBufferView;

/** The option of `connect()`: the peer. */
export interface UDPConnectOption {
  /** IP literal or hostname of the peer. */
  address: string;
  /** Port of the peer, 1–65535. */
  port: number;
}

/** The option of `send()` and `write()`. */
export interface UDPSendOption extends UDPConnectOption {
  /** The payload: a string is sent as UTF-8. */
  message: UDPMessage;
  /**
   * Byte offset into an ArrayBuffer / ArrayBufferView message.
   * @default 0
   */
  offset?: number;
  /**
   * Number of bytes to send from `offset`.
   * @default the rest of the message after `offset`
   */
  length?: number;
  /**
   * Enable SO_BROADCAST before sending.
   * @default false
   */
  setBroadcast?: boolean;
}

/**
 * Completion of {@link UDPSocket.sendWithCallback}: `null` once the datagram was handed to the
 * operating system (or the virtual network), else the error. Called asynchronously, exactly once.
 */
export type UDPSendCallback = (error: UDPSocketError | null) => void;

/** Where a datagram was received: the local address, with the datagram size (as Taro types it). */
export type UDPLocalInfo = UDPRemoteInfo;

/** Payload of `onMessage`. `size` is on both infos (WeChat has it on remoteInfo, Taro on localInfo). */
export interface UDPMessageResult {
  /** The datagram; zero-copy when the driver handed over a buffer owning its whole ArrayBuffer. */
  message: ArrayBuffer;
  /** The sender: address, family, port, and the datagram's size. */
  remoteInfo: UDPRemoteInfo;
  /** The receiving socket's address, with the datagram's size. */
  localInfo: UDPLocalInfo;
}

/**
 * The `onMessage` payload as the platform sockets type it, what {@link UDPSocketLike} listeners
 * get: the WeChat typings put `size` on `remoteInfo`, the @tarojs/taro 4.x typings only on
 * `localInfo` (and add `errMsg`). The sockets of `createUDPSocket` give a {@link UDPMessageResult}.
 */
export interface UDPMessageResultLike {
  /** The datagram's bytes. */
  message: ArrayBuffer;
  /** The sender's address, and the datagram's size where the platform gives it. */
  remoteInfo: UDPAddressInfo & {
    /** Bytes in the datagram (WeChat puts it here; Taro's typings do not). */
    size?: number;
  };
  /** The receiving socket's address, and the datagram's size where the platform gives it. */
  localInfo: UDPAddressInfo & {
    /** Bytes in the datagram (Taro's typings put it here). */
    size?: number;
  };
}

/** Payload of `onListening`: the bound address. */
export interface UDPListeningResult extends UDPAddressInfo {
  /** `'bind:ok'`. */
  errMsg: string;
}

/** Payload of `onClose`. */
export interface UDPCloseResult {
  /** `'close:ok'`. */
  errMsg: string;
}

/** Payload of `onError`. */
export interface UDPErrorResult {
  /** WeChat-style message, e.g. `"send:fail invalid port"`. */
  errMsg: string;
  /** WeChat error code: -1 system, -2 socket errno, -3 permission, 1 bad address, 2 bad port. */
  errCode: number;
  /** Stable string code, e.g. `ERR_SOCKET_BAD_PORT`, `EADDRINUSE`. */
  code: string;
  /** The error itself, with the OS error as `cause`. */
  error: UDPSocketError;
}

/**
 * A listener of one of the socket events.
 *
 * The call signature is declared twice on purpose. TypeScript checks a parameter that is a
 * single-signature callback strictly, so a socket typed by the WeChat or Taro typings (whose
 * `onError` listener gets only `{ errMsg }`, whose Taro `onClose` listener gets `unknown`
 * arguments) would not be a {@link UDPSocketLike}. With two identical signatures the listener
 * types are compared bivariantly, like method parameters: those sockets are accepted, unrelated
 * payload types are still rejected, and a listener written inline keeps its inferred payload
 * type. Message payloads differ between the platforms: see {@link UDPMessageResultLike}.
 */
export interface UDPListener<T> {
  (result: T): void;
  (result: T): void;
}

/** Options of {@link createUDPSocket}. */
export interface UDPSocketOptions {
  /**
   * The backend. The virtual network of `rxjs-udp/testing` provides one.
   * @default the node:dgram driver
   */
  driver?: UDPDriver;
  /**
   * Set SO_REUSEADDR so several sockets can bind the same port (multicast receivers).
   * @default false
   */
  reuseAddr?: boolean;
  /**
   * For `udp6`: do not accept IPv4-mapped traffic.
   * @default false
   */
  ipv6Only?: boolean;
  /** SO_RCVBUF in bytes, applied at bind. */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes, applied at bind. */
  sendBufferSize?: number;
  /**
   * Hostname resolution for `send`, `connect` and `bind` (IP literals never reach it). Only its
   * first answer counts; an answer that is not an IP address string fails the operation that
   * needed it with `EINVAL`; a throw before answering fails it with what was thrown (a throw after
   * answering is re-thrown asynchronously, the answer stands). Nothing it does reaches node:dgram
   * unchecked.
   * @default `dns.lookup` with the family of the socket
   */
  lookup?: UDPLookupFunction;
  /**
   * How long a hostname lookup (the `lookup` option or the driver's own resolver) may take before
   * the `send`, `connect` or `bind` that needed it fails with `ETIMEDOUT` (on `onError`, or the
   * send's callback); an answer after that is ignored. A positive integer of ms, or `Infinity` to
   * wait as long as the lookup takes. IP literals and `localhost` never wait. The timer belongs
   * to the socket: `close()` cancels it, and after `unref()` it does not keep the process alive.
   * @default 5000
   */
  lookupTimeout?: number;
  /**
   * Closes the socket when aborted, as `dgram.createSocket({ signal })` does; an already aborted
   * signal closes it at once (`onClose` still fires, asynchronously). A value that is not an
   * AbortSignal is reported on `onError` and ignored.
   */
  signal?: UDPAbortSignal;
  /**
   * In a `node:cluster` worker, bind a given port in this process alone instead of sharing it
   * with the other workers (node:dgram's `bind({ exclusive: true })`). By default a worker's
   * `bind(port)` shares the port, as node:dgram's does: the primary opens the socket once and
   * hands the same handle to every worker that binds that address and port. An OS-chosen port
   * (`bind()`, `bind(0)`, and implicit binds by a `send` or `connect` before `bind`) is never
   * shared: as WeChat's `bind()`, it is a free port for this socket alone (node:dgram would give
   * every worker the primary's one port). Outside a worker it changes nothing.
   * @default false
   */
  exclusive?: boolean;
  /**
   * Set SO_REUSEPORT so several sockets — of any processes of the same user — bind one port and
   * the kernel spreads the incoming datagrams over them by their source address and port. Needs
   * Node >= 22.12 (node:dgram's `reusePort`); on an older Node the socket starts closed and
   * `onError` reports `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`. In a cluster worker such a socket
   * binds in the worker itself (node makes it exclusive).
   * @default false
   */
  reusePort?: boolean;
}

/**
 * What the `signal` option needs of an `AbortSignal` (Node's, the DOM's, a polyfill's): the
 * package's platform-free core does not assume the global type.
 */
export interface UDPAbortSignal {
  /** Whether the signal was aborted already (the socket then closes at once). */
  readonly aborted: boolean;
  /** Adds the listener the socket closes on. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Removes it again once the socket closed. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The callback API of a WeChat / Taro `UDPSocket`: what the WeChat reference documents and what
 * the reactive layer needs. A real `wx.createUDPSocket()` satisfies it.
 *
 * Methods are called on the socket (`udp.close()`), as node:dgram's are: taken off it
 * (`const { close } = udp`, `setTimeout(udp.close)`) they throw a `TypeError`. Pass
 * `() => udp.close()` instead.
 */
export interface UDPSocketLike {
  /** Binds synchronously; returns the bound port (OS-chosen when omitted or 0), or 0 on failure (reported on `onError`). */
  bind(port?: number): number;
  /** Sets IP_TTL, an integer 0–255; before bind it is remembered and applied at bind. */
  setTTL(ttl: number): void;
  /** Sends one datagram; binds implicitly when unbound. Failures are reported on `onError`. */
  send(option: UDPSendOption): void;
  /** Pre-connects to one peer (binding implicitly); afterwards only that peer's datagrams arrive. */
  connect(option: UDPConnectOption): void;
  /**
   * `send` to the connected peer; without `connect` the same as `send`. Once connected, a
   * datagram whose address is neither the one given to `connect` nor an IP literal of the
   * connected address (in any spelling) fails with `ERR_SOCKET_DGRAM_IS_CONNECTED`: another
   * hostname is not resolved per datagram.
   */
  write(option: UDPSendOption): void;
  /**
   * Destroys the socket; `onClose` fires once, asynchronously. A `sendWithCallback` still waiting
   * for its hostname (or a hostname bind / connect) gets `ERR_SOCKET_DGRAM_NOT_RUNNING`, once.
   */
  close(): void;
  /** Adds a listener of the close. */
  onClose(listener: UDPListener<UDPCloseResult>): void;
  /**
   * Removes that listener, or every close listener when called without one. Removed during a
   * dispatch (by an earlier listener), it still runs for the event being dispatched.
   */
  offClose(listener?: UDPListener<UDPCloseResult>): void;
  /**
   * Adds a listener of errors: every failure is reported here, once, asynchronously. Errors found
   * at the call come in call order; an error the OS reports for a datagram comes when the send
   * completes, after those of calls made in the same turn.
   */
  onError(listener: UDPListener<UDPErrorResult>): void;
  /**
   * Removes that listener, or every error listener when called without one. Removed during a
   * dispatch (by an earlier listener), it still runs for the event being dispatched.
   */
  offError(listener?: UDPListener<UDPErrorResult>): void;
  /** Adds a listener of the bind's completion. */
  onListening(listener: UDPListener<UDPListeningResult>): void;
  /**
   * Removes that listener, or every listening listener when called without one. Removed during a
   * dispatch (by an earlier listener), it still runs for the event being dispatched.
   */
  offListening(listener?: UDPListener<UDPListeningResult>): void;
  /** Adds a listener of datagrams. */
  onMessage(listener: UDPListener<UDPMessageResultLike>): void;
  /**
   * Removes that listener (the Taro typings require one: the reactive layer always passes it).
   * Removed during a dispatch (by an earlier listener), it still runs for the datagram being dispatched.
   */
  offMessage(listener: UDPListener<UDPMessageResultLike>): void;
}

/** The socket of {@link createUDPSocket}: the WeChat API plus what node:dgram users expect. */
export interface UDPSocket extends UDPSocketLike {
  /** `'udp4'` or `'udp6'`. */
  readonly type: UDPSocketType;
  /** The scheduler the socket dispatches its events on (the driver's). */
  readonly scheduler: import('rxjs').SchedulerLike;
  /**
   * Whether the socket is closed: by `close()`, or from the start (a socket created without a
   * usable driver). Set synchronously by `close()`, before its `onClose` event.
   */
  readonly closed: boolean;
  /**
   * Binds synchronously to `port` (OS-chosen when omitted or 0) on `address` (every address when
   * omitted; an rxjs-udp extension). Returns the port, or 0 on failure (reported on `onError`) —
   * also 0 while a hostname `address` is being resolved: `onListening` then tells the port.
   * In a `node:cluster` worker a bind to a given port (without `exclusive` or `reusePort`) is
   * asynchronous, as node:dgram's is there: the primary opens the shared socket. `bind(port)` then returns 0, and
   * `onListening` fires once the worker has the socket, with the port all workers share; a
   * failure (the port taken outside the cluster) comes on `onError`.
   */
  bind(port?: number, address?: string): number;
  /** The bound address, or `undefined` while unbound or closed. */
  address(): UDPAddressInfo | undefined;
  /** The connected peer, or `undefined` when not connected. */
  remoteAddress(): UDPAddressInfo | undefined;
  /**
   * `send()` with a completion callback (an rxjs-udp extension; node's `send(..., cb)`): the
   * outcome goes to `callback` instead of `onError`.
   */
  sendWithCallback(option: UDPSendOption, callback: UDPSendCallback): void;
  /**
   * Removes the peer association of `connect` (`ERR_SOCKET_DGRAM_NOT_CONNECTED` when none).
   * Called while `connect(hostname)` is still resolving, it cancels that connect: the socket never
   * links to the peer, and each datagram held for it fails with `ERR_SOCKET_DGRAM_NOT_CONNECTED`
   * (its callback, or `onError`), unsent. Another `connect()` before the cancelled lookup settled
   * reports `ERR_SOCKET_DGRAM_IS_CONNECTED`.
   */
  disconnect(): void;
  /** Sets SO_BROADCAST. */
  setBroadcast(flag: boolean): void;
  /** Sets IP_MULTICAST_TTL, an integer 0–255. */
  setMulticastTTL(ttl: number): void;
  /** Sets IP_MULTICAST_LOOP: whether multicast sent by this socket loops back to the host. */
  setMulticastLoopback(flag: boolean): void;
  /** Chooses the interface outgoing multicast leaves through, by its address. */
  setMulticastInterface(interfaceAddress: string): void;
  /** Joins a multicast group, on one interface or the default one. */
  addMembership(multicastAddress: string, interfaceAddress?: string): void;
  /** Leaves a multicast group joined with `addMembership`. */
  dropMembership(multicastAddress: string, interfaceAddress?: string): void;
  /** Joins a group for datagrams from one source only (source-specific multicast). */
  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void;
  /** Leaves a source-specific membership. */
  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void;
  /** Sets SO_RCVBUF in bytes (before bind: remembered and applied at bind). */
  setRecvBufferSize(size: number): void;
  /** Sets SO_SNDBUF in bytes (before bind: remembered and applied at bind). */
  setSendBufferSize(size: number): void;
  /** SO_RCVBUF as the OS reports it (Linux doubles the value set), or `undefined` while unbound. */
  getRecvBufferSize(): number | undefined;
  /** SO_SNDBUF as the OS reports it (Linux doubles the value set), or `undefined` while unbound. */
  getSendBufferSize(): number | undefined;
  /** Bytes queued for sending. */
  getSendQueueSize(): number;
  /** Datagrams queued for sending. */
  getSendQueueCount(): number;
  /** Keeps the process alive while the socket is open (the default). */
  ref(): this;
  /** Lets the process exit while the socket is open. */
  unref(): this;
  /** Adds a listener of datagrams: `size` is on both `remoteInfo` and `localInfo`. */
  onMessage(listener: UDPListener<UDPMessageResult>): void;
  /**
   * Removes that listener, or every message listener when called without one. Removed during a
   * dispatch (by an earlier listener), it still runs for the datagram being dispatched.
   */
  offMessage(listener?: UDPListener<UDPMessageResult>): void;
  /**
   * Closes the socket and resolves once its `onClose` listeners ran (at once when it is closed
   * already), for `await using socket = createUDPSocket()`.
   */
  [Symbol.asyncDispose](): Promise<void>;
}
