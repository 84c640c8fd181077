import type { SchedulerLike } from 'rxjs';

/** The two socket types of WeChat and node:dgram. */
export type UDPSocketType = 'udp4' | 'udp6';

/** An address a socket is bound or connected to. `family` is `'IPv4'` or `'IPv6'`. */
export interface UDPAddressInfo {
  /** The IP address, e.g. `'127.0.0.1'` or `'::1'`. */
  address: string;
  /** `'IPv4'` or `'IPv6'`. */
  family: string;
  /** The port. */
  port: number;
}

/** Where a received datagram came from, with its size in bytes. */
export interface UDPRemoteInfo extends UDPAddressInfo {
  /** The datagram's size in bytes. */
  size: number;
}

/**
 * Resolves a hostname, with the signature of `dns.lookup(hostname, family, callback)`.
 * Calling `callback` synchronously (before returning) keeps `bind()` synchronous.
 */
export type UDPLookupFunction = (
  hostname: string,
  family: 4 | 6,
  callback: (error: Error | null, address: string, family: number) => void,
) => void;

/** Options a driver applies when it opens a handle. */
export interface UDPHandleOptions {
  /** Set SO_REUSEADDR (and SO_REUSEPORT where the driver has it) before binding. */
  reuseAddr?: boolean;
  /** For `udp6`: do not receive IPv4-mapped traffic. */
  ipv6Only?: boolean;
  /** Never share an explicitly bound port with other processes (node:cluster workers share by default). */
  exclusive?: boolean;
  /** Set SO_REUSEPORT before binding; a driver without it throws `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` at open. */
  reusePort?: boolean;
  /** SO_RCVBUF in bytes, applied at bind. */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes, applied at bind. */
  sendBufferSize?: number;
  /**
   * Hostname resolution; IP literals never reach it. The socket layer hands it over already
   * bounded by `lookupTimeout` and guarded (`LookupGuard`: one answer, an IP address string or an error, never a throw); a driver
   * that feeds answers to a runtime that trusts them may guard it again.
   */
  lookup?: UDPLookupFunction;
  /**
   * How long the driver's own resolver (used when there is no `lookup`) may take, in ms, before
   * the bind, connect or send that needed it fails with `ETIMEDOUT` (`Infinity`: no bound).
   */
  lookupTimeout?: number;
}

/**
 * What a handle reports to its owner. The socket layer implements it once per socket.
 *
 * `message` is the per-datagram path: drivers call it with the bytes they received
 * (a Uint8Array view, possibly a node Buffer) and the sender, without allocating more
 * than that.
 */
export interface UDPHandleSink {
  /** A datagram arrived. `remote.size` is `data.byteLength`. */
  message(data: Uint8Array, remote: UDPRemoteInfo): void;
  /** An error the driver met outside a call: a failed send, ICMP unreachable on a connected socket, ... */
  error(error: Error, syscall: 'send' | 'receive'): void;
}

/** Completion of `bind`/`connect`: `null` on success. May be called synchronously. */
export type UDPDoneCallback = (error: Error | null) => void;

/**
 * One socket of a driver: bytes and syscalls, nothing of the WeChat contract.
 *
 * Arguments reach a handle already validated by the socket layer (ports are integers
 * 0–65535, addresses non-empty strings, offsets inside the buffer). Methods throw on
 * failure (an `Error` with a string `code`), except where a callback is given.
 */
export interface UDPHandle {
  /**
   * Binds to `port` (0: any free port) on `address` (undefined: the any-address of the
   * family). Calls `done` synchronously when `address` is an IP literal or the lookup
   * answers synchronously. `implicit` marks the bind a `send` or `connect` makes on an unbound
   * socket. A driver never shares an OS-chosen port (port 0, implicit binds) with other processes.
   */
  bind(port: number, address: string | undefined, done: UDPDoneCallback, implicit?: boolean): void;
  /** Associates the bound handle with a peer; `done` as for `bind`. */
  connect(port: number, address: string, done: UDPDoneCallback): void;
  /** Removes the peer association. Throws `ERR_SOCKET_DGRAM_NOT_CONNECTED` when there is none. */
  disconnect(): void;
  /**
   * Sends `length` bytes of `data` from `offset`. `port`/`address` are undefined on a
   * connected handle. Failures go to `done` if given, else to `sink.error(err, 'send')`.
   * A datagram that cannot leave inside the call (a hostname, a pending bind) is copied first:
   * the caller may reuse `data` as soon as `send` returns.
   */
  send(
    data: Uint8Array,
    offset: number,
    length: number,
    port: number | undefined,
    address: string | undefined,
    done?: UDPDoneCallback,
  ): void;
  /** The bound address. Throws when unbound. */
  address(): UDPAddressInfo;
  /** The connected peer. Throws `ERR_SOCKET_DGRAM_NOT_CONNECTED` when not connected. */
  remoteAddress(): UDPAddressInfo;
  /** Sets IP_TTL. Throws what the OS refuses. */
  setTTL(ttl: number): void;
  /** Sets SO_BROADCAST. */
  setBroadcast(flag: boolean): void;
  /** Sets IP_MULTICAST_TTL. */
  setMulticastTTL(ttl: number): void;
  /** Sets IP_MULTICAST_LOOP. */
  setMulticastLoopback(flag: boolean): void;
  /** Chooses the interface of outgoing multicast. */
  setMulticastInterface(interfaceAddress: string): void;
  /** Joins a multicast group. */
  addMembership(group: string, interfaceAddress?: string): void;
  /** Leaves a multicast group. */
  dropMembership(group: string, interfaceAddress?: string): void;
  /** Joins a group for one source. */
  addSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void;
  /** Leaves a source-specific membership. */
  dropSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void;
  /** Sets SO_RCVBUF in bytes. */
  setRecvBufferSize(size: number): void;
  /** Sets SO_SNDBUF in bytes. */
  setSendBufferSize(size: number): void;
  /** SO_RCVBUF as the OS reports it. */
  getRecvBufferSize(): number;
  /** SO_SNDBUF as the OS reports it. */
  getSendBufferSize(): number;
  /** Bytes queued for sending. */
  getSendQueueSize(): number;
  /** Datagrams queued for sending. */
  getSendQueueCount(): number;
  /** Keeps the process alive while the handle is open. */
  ref(): void;
  /** Lets the process exit while the handle is open. */
  unref(): void;
  /**
   * Releases the handle; no sink method is called after it. A send still waiting (for a lookup,
   * behind a pending bind) that has a `done` gets `ERR_SOCKET_DGRAM_NOT_RUNNING` there,
   * asynchronously, once. Idempotent.
   */
  close(): void;
}

/**
 * A backend for sockets: node:dgram by default, the virtual network in tests.
 *
 * Every deferred piece of work of a socket (event dispatch) goes through `scheduler`, so
 * a driver on virtual time makes the whole socket run on virtual time.
 */
export interface UDPDriver {
  /** The scheduler for deferred work of sockets on this driver. */
  readonly scheduler: SchedulerLike;
  /** Opens an unbound handle. Throws on failure (e.g. out of file descriptors). */
  open(type: UDPSocketType, options: UDPHandleOptions, sink: UDPHandleSink): UDPHandle;
}
