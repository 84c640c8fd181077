import type { UDPAddressInfo, UDPHandle } from '../driver/udp-driver';
import type { UDPSendCallback } from './types';

/**
 * The lifecycle of a socket as one value (node's `dgram.js` keeps one state object the same way).
 * Each state holds exactly what is valid in it: the handle exists until `closed`, the pending
 * settings until bound, the local address and the link to a peer once binding started.
 * `close()` is one assignment of {@link CLOSED}.
 *
 * ```
 * unbound ⇄ binding → bound ─┐
 *    └──────────┴────────────┴→ closed
 * ```
 */
export type SocketState = UnboundState | BindingState | BoundState | ClosedState;

/** Created, not bound: settings wait in `pending` for the bind. */
export interface UnboundState {
  readonly kind: 'unbound';
  readonly handle: UDPHandle;
  readonly pending: PendingSettings;
}

/** `bind()` was called and its address is still being resolved; sends and connect go to the handle, which queues them. */
export interface BindingState {
  readonly kind: 'binding';
  readonly handle: UDPHandle;
  readonly pending: PendingSettings;
  link: Link;
}

/** Bound: the handle receives. `local` is re-read when the OS gives up its port (port 0). */
export interface BoundState {
  readonly kind: 'bound';
  readonly handle: UDPHandle;
  local: UDPAddressInfo;
  link: Link;
  /** Whether SO_BROADCAST is on, so `send({ setBroadcast: true })` costs a system call only once. */
  broadcastOn: boolean;
}

/** Closed by `close()`, or from the start (no usable driver). Nothing but queries answers. */
export interface ClosedState {
  readonly kind: 'closed';
}

/** The one closed state: `state === CLOSED` is the closed check. */
export const CLOSED: ClosedState = Object.freeze({ kind: 'closed' });

/** The association with a peer (`connect()`), part of a binding or bound state. */
export type Link = NoLink | ConnectingLink | ConnectedLink;

/** Not connected. */
export interface NoLink {
  readonly kind: 'none';
}

/** `connect()` is resolving its peer; datagrams for the peer wait in `held` (sent now they would fail with EISCONN). */
export interface ConnectingLink {
  readonly kind: 'connecting';
  readonly peer: Peer;
  readonly held: HeldDatagram[];
}

/** Connected: `resolved` is the peer's address as the handle reports it, `form` that address in one form per address (`peerAddress`). */
export interface ConnectedLink {
  readonly kind: 'connected';
  readonly peer: Peer;
  readonly resolved: UDPAddressInfo;
  readonly form: string;
}

/** The one unconnected link. */
export const NO_LINK: NoLink = Object.freeze({ kind: 'none' });

/** The peer as `connect()` was given it. */
export interface Peer {
  readonly address: string;
  readonly port: number;
}

/** Settings made before bind: node:dgram needs a bound socket for them, WeChat does not. */
export interface PendingSettings {
  ttl?: number;
  broadcast?: boolean;
  multicastTTL?: number;
  multicastLoopback?: boolean;
  multicastInterface?: string;
  recvBufferSize?: number;
  sendBufferSize?: number;
  readonly memberships: Membership[];
}

/** A membership change remembered for bind: the operation, the source (source-specific) or undefined, the group, the interface. */
export type Membership = readonly [op: 'add' | 'drop', source: string | undefined, group: string, iface: string | undefined];

/** A datagram `send`/`write` accepted for the peer while `connect()` resolves it. */
export interface HeldDatagram {
  readonly operation: 'send' | 'write';
  readonly bytes: Uint8Array;
  readonly address: string;
  readonly port: number;
  readonly callback: UDPSendCallback | undefined;
  readonly done: ((error: Error | null) => void) | undefined;
}

/** The state of a socket whose handle a driver just opened. */
export function unboundState(handle: UDPHandle, pending: PendingSettings = { memberships: [] }): UnboundState {
  return { kind: 'unbound', handle, pending };
}
