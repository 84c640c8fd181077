/**
 * The shapes the parts of the virtual network share: a leaf module, so that the handle, the
 * topology, the routing and the delivery queue depend on it and never on each other's files.
 */
import type { UDPDoneCallback, UDPDriver, UDPHandleSink } from '../driver/udp-driver';

/** The life of a handle: opened, bound to a port of its host (reached by delivery), or closed. */
export type HandleState = 'unbound' | 'bound' | 'closed';

/**
 * How a route carries a datagram:
 * - `'unicast'`: to one host (the sender's own for loopback),
 * - `'loopback-broadcast'`: `127.255.255.255`, every socket of the sender's host,
 * - `'limited-broadcast'`: `255.255.255.255`, every host with an IPv4 address,
 * - `'subnet-broadcast'`: `x.y.z.255`, every host with an address in that /24,
 * - `'multicast'`: the members of a group,
 * - `'unreachable'`: no host owns the address (the datagram is dropped, the send succeeds).
 */
export type RouteKind = 'unicast' | 'loopback-broadcast' | 'limited-broadcast' | 'subnet-broadcast' | 'multicast' | 'unreachable';

/** A multicast membership of a handle. */
export interface Membership {
  group: string;
  /** Joined on the loopback interface (else on the host's network interface). */
  onLoopback: boolean;
  /** Source-specific membership: only datagrams from this source. */
  source: string | undefined;
}

/** The state of a socket that routing and delivery read on the per-datagram path. */
export interface BoundSocket {
  readonly host: HostModel;
  readonly sink: UDPHandleSink;
  readonly v6: boolean;
  readonly reuseAddr: boolean;
  readonly ipv6Only: boolean;
  state: HandleState;
  /** Bound local address (canonical); the wildcard when `any`. */
  local: string;
  port: number;
  /** Bound to the wildcard address: receives on every address of the host. */
  any: boolean;
  peerAddress: string | undefined;
  peerPort: number;
  broadcast: boolean;
  multicastTTL: number;
  multicastLoopback: boolean;
  /** Canonical interface address for multicast sends, or undefined for the host's default. */
  multicastInterface: string | undefined;
  memberships: Membership[];
}

/** A machine of the network, as the other parts see it. */
export interface HostModel {
  readonly name: string;
  readonly addresses: string[];
  readonly driver: UDPDriver;
  /** Bound sockets by port, in bind order. */
  readonly ports: Map<number, BoundSocket[]>;
  /** Hosts this one is partitioned from. */
  readonly cut: Set<HostModel>;
  /** Whether `ip` is one of the unicast addresses of this host. */
  owns(ip: string): boolean;
  /** The first unicast address of a family: the source of datagrams to other hosts. */
  firstAddress(v6: boolean): string | undefined;
  /** The next free port of the ephemeral range; 0 when all are taken. */
  ephemeralPort(): number;
  /** Removes a closed socket from its port. */
  unbind(socket: BoundSocket): void;
}

/** Where datagrams from one socket to one destination address go; cached per socket. */
export interface Route {
  /** The topology version it was computed for. */
  version: number;
  kind: RouteKind;
  broadcast: boolean;
  multicast: boolean;
  /** Multicast sent through the loopback interface (stays on the host). */
  viaLoopback: boolean;
  /** The errno a send on this route fails with (`ENETUNREACH`, `EINVAL`), if any. */
  error: string | undefined;
  /** The destination host of a unicast route. */
  host: HostModel | null;
  /** The hosts of a subnet broadcast. */
  hosts: HostModel[] | null;
  /** Canonical destination address. */
  address: string;
  /** Source address of a datagram from a wildcard-bound socket. */
  source: string;
}

/** What a handle asks of the network it lives in. */
export interface NetworkLink {
  /** Bumped when addresses change: a cached {@link Route} of another version is stale. */
  readonly version: number;
  /** Binds a socket on its host; returns the error, or null. */
  bind(socket: BoundSocket, port: number, ip: string | undefined): Error | null;
  /** Computes where datagrams from `socket` to `ip` go. */
  route(socket: BoundSocket, ip: string): Route;
  /** Sends one datagram on a resolved route: the per-datagram path. */
  transmit(
    socket: BoundSocket,
    data: Uint8Array,
    offset: number,
    length: number,
    port: number,
    route: Route,
    done: UDPDoneCallback | undefined,
  ): void;
  /** Reports a failed send asynchronously: to `done`, else to the sink as a `'send'` error. */
  fail(socket: BoundSocket, error: Error, done: UDPDoneCallback | undefined): void;
}
