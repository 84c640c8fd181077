import type { Observable, SchedulerLike } from 'rxjs';
import type { UDPSocketError } from '../errors';
import type {
  UDPAddressInfo,
  UDPCloseResult,
  UDPConnectOption,
  UDPListeningResult,
  UDPMessage,
  UDPMessageResult,
  UDPSendOption,
  UDPSocketLike,
} from '../socket/types';

/**
 * The state of a socket as {@link RxUDPSocket.state$} reports it.
 *
 * `'unbound'` → `'listening'` (bound, explicitly or by a first send) → `'connected'` (after
 * `connect`) → `'closed'` (final).
 */
export type RxUDPSocketState = 'unbound' | 'listening' | 'connected' | 'closed';

/** Where a datagram goes: the peer's address (IP literal or hostname) and port. */
export interface UDPTarget {
  /** IP literal or hostname of the peer. */
  address: string;
  /** Port of the peer, 1–65535. */
  port: number;
  /**
   * Enable SO_BROADCAST before each send to this target.
   * @default false
   */
  setBroadcast?: boolean;
}

/**
 * What a sent datagram leaves behind: where it went, what it was, and whether the socket
 * confirmed the hand-over to the operating system.
 */
export interface SendReceipt {
  /** The destination address, as given. */
  readonly address: string;
  /** The destination port. */
  readonly port: number;
  /** The payload, as given. */
  readonly message: UDPMessage;
  /**
   * `true` when the socket reported the outcome of this very datagram (it has
   * `sendWithCallback`, as the sockets of `createUDPSocket` do); `false` for a socket without
   * it (a WeChat / Taro socket): the receipt then only means `send()` returned, and a failure
   * of that datagram reaches `error$` alone.
   */
  readonly confirmed: boolean;
}

/** Options of {@link fromUDPSocket}. */
export interface FromUDPSocketOptions {
  /**
   * The scheduler of the timers of the operators on this socket (`request` timeouts, ...).
   * @default the socket's own `scheduler` when it has one (the sockets of `createUDPSocket`
   * and of the virtual network do), else `asyncScheduler`
   */
  scheduler?: SchedulerLike;
}

/**
 * The reactive face of a UDP socket, made by {@link fromUDPSocket} or {@link openUDPSocket}.
 *
 * The four event streams are **hot** and shared: the socket listener of an event is added on
 * the first subscription and removed on the last one. `state$` replays the current state. `send`
 * is **cold**: nothing is sent until it is subscribed.
 */
export interface RxUDPSocket {
  /** The wrapped socket (not owned by the wrapper unless it came from `openUDPSocket`). */
  readonly socket: UDPSocketLike;
  /** The scheduler the operators on this socket run their timers on. */
  readonly scheduler: SchedulerLike;
  /**
   * Every datagram received, as the `onMessage` payload. Hot and shared; completes when the
   * socket closes (a subscriber arriving after the close completes at once).
   */
  readonly message$: Observable<UDPMessageResult>;
  /**
   * Each `onListening` event. Hot and shared; completes when the socket closes. The WeChat and
   * Taro payloads carry only `errMsg` (no address).
   */
  readonly listening$: Observable<UDPListeningResult>;
  /**
   * Every error the socket reports, as a `UDPSocketError` (built from `errMsg` / `errCode` for
   * a socket that reports only those). Hot and shared; never errors and never completes by
   * itself (a socket keeps reporting errors after its close: every send fails).
   */
  readonly error$: Observable<UDPSocketError>;
  /**
   * The close of the socket: one value, then completion. Hot and shared; a subscriber arriving
   * after the close was seen gets it replayed at once.
   */
  readonly close$: Observable<UDPCloseResult>;
  /**
   * The state, replaying the current one to each subscriber, then every change; completes
   * after `'closed'`. Events are tracked while anything is subscribed to the wrapper.
   */
  readonly state$: Observable<RxUDPSocketState>;
  /** The current state (what `state$` would replay now). */
  readonly state: RxUDPSocketState;
  /**
   * The bound address, when the socket can tell (the sockets of `createUDPSocket` and of the
   * virtual network have `address()`); `undefined` while unbound or closed, and always on a
   * WeChat / Taro socket, which cannot tell.
   */
  address(): UDPAddressInfo | undefined;
  /**
   * Binds the socket (see the socket's `bind`): returns the bound port, or 0 on failure (the
   * error goes to `error$`). The address is passed on only to sockets that take one.
   */
  bind(port?: number, address?: string): number;
  /** Pre-connects the socket to a peer (see the socket's `connect`). */
  connect(option: UDPConnectOption): void;
  /**
   * Sends one datagram when subscribed. Cold: each subscription sends once.
   * @returns an Observable of one {@link SendReceipt} that completes when the datagram was
   * handed to the operating system, or errors with a `UDPSocketError`.
   */
  send(option: UDPSendOption): Observable<SendReceipt>;
  /** Closes the socket; `close$` emits and `message$` / `listening$` complete. */
  close(): void;
}
