import type { Observable, SchedulerLike } from 'rxjs';
import type { UDPAddressInfo, UDPSocketType, UDPDriver } from '../driver/udp-driver';
import type { UDPSocket, UDPSocketOptions } from '../socket/types';

/**
 * The options of the network that can change at any frame with {@link VirtualNetwork.configure}.
 * Every field is optional; an omitted field keeps its current value.
 */
export interface VirtualNetworkConfig {
  /**
   * Delay of every datagram, in scheduler time units (milliseconds, or frames inside
   * `TestScheduler.run()`). A datagram sent at frame t arrives at frame t + latency.
   * @default 0
   */
  latency?: number;
  /**
   * Extra random delay: each datagram (and each duplicate) waits `latency + k` where `k` is an
   * integer drawn uniformly from 0..jitter. Datagrams overtake each other: this is how the
   * network reorders.
   * @default 0
   */
  jitter?: number;
  /**
   * Probability (0–1) that a datagram is lost (fate `'lost'`).
   * @default 0
   */
  loss?: number;
  /**
   * Probability (0–1) that a datagram that was not lost is delivered twice (fate `'duplicated'`).
   * @default 0
   */
  duplicate?: number;
  /**
   * Largest IP packet in bytes, headers included (IPv4 20 + UDP 8 bytes, IPv6 40 + UDP 8).
   * A bigger datagram fails with `EMSGSIZE` (fate `'too-big'`). Without it only the protocol
   * limits of Linux apply: 65,507 bytes of payload for udp4, 65,527 for udp6.
   * @default undefined (no link limit)
   */
  mtu?: number | undefined;
  /**
   * Seed of the pseudo-random generator behind loss, duplication and jitter. Setting it with
   * `configure` restarts the sequence.
   * @default 1
   */
  seed?: number;
}

/** Options of {@link createVirtualNetwork}. */
export interface VirtualNetworkOptions extends VirtualNetworkConfig {
  /**
   * The scheduler every delivery and socket event runs on: a `TestScheduler` for marble tests,
   * `asyncScheduler` for the real clock. Inside `TestScheduler.run()` the default
   * `asyncScheduler` runs on virtual time too.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * What happened to a datagram:
 * - `'delivered'`: a socket received it,
 * - `'duplicated'`: a socket received it twice,
 * - `'lost'`: dropped by the `loss` probability,
 * - `'partitioned'`: dropped because the two hosts are partitioned,
 * - `'refused'`: arrived, but no socket accepted it (no socket on the port, a connected socket
 *   for another peer, no member of the multicast group); a connected sender gets `ECONNREFUSED`,
 * - `'too-big'`: refused at send with `EMSGSIZE`,
 * - `'unreachable'`: sent to an address no host owns.
 */
export type DatagramFate = 'delivered' | 'duplicated' | 'lost' | 'partitioned' | 'refused' | 'too-big' | 'unreachable';

/**
 * One datagram on {@link VirtualNetwork.traffic$}, emitted once its fate is known: when it is
 * sent for `'lost'`, `'partitioned'`, `'too-big'` and `'unreachable'`, when it arrives otherwise.
 */
export interface DatagramTrace {
  /** Sequence number of the datagram on this network, from 1. */
  id: number;
  /** Sending socket: source address (as the receiver sees it), port and family. */
  source: UDPAddressInfo;
  /** Destination as sent: address (unicast, broadcast or multicast group), port, family. */
  destination: UDPAddressInfo;
  /** Payload size in bytes. */
  size: number;
  /** `scheduler.now()` when it was sent. */
  sentAt: number;
  /** `scheduler.now()` when it arrived (delivered, duplicated, refused), else `undefined`. */
  arrivedAt: number | undefined;
  /** What happened to it. */
  fate: DatagramFate;
  /** Number of sockets that received it (more than one for broadcast and multicast). */
  receivers: number;
  /** `true` for a datagram put on the wire by {@link VirtualNetwork.inject}; absent otherwise. */
  injected?: true;
}

/** One end of a {@link ForgedDatagram}. */
export interface ForgedEndpoint {
  /** An IP literal. */
  address: string;
  /** A port number. */
  port: number;
}

/**
 * A datagram for {@link VirtualNetwork.inject}: any source address and port, as an attacker
 * on the receiver's link (or one that spoofs its source address) can send.
 */
export interface ForgedDatagram {
  /** The source the receiver sees: any IP literal and port 0–65535 (nothing checks it). */
  from: ForgedEndpoint;
  /**
   * The destination: a unicast address (a host's address, or loopback for the default host)
   * and a port 1–65535. An address no host owns gives the fate `'unreachable'`.
   */
  to: ForgedEndpoint;
  /** The payload: text (UTF-8), an ArrayBuffer or an ArrayBufferView; copied at the call. */
  message: string | ArrayBuffer | ArrayBufferView;
  /**
   * When it arrives, in scheduler time (`scheduler.now()`: frames inside `TestScheduler.run()`);
   * not before now.
   * @default now (delivered asynchronously, never inside `inject()`)
   */
  at?: number;
}

/** Counters of {@link VirtualNetwork.stats}: datagrams sent, and how many met each fate. */
export interface TrafficStats {
  /** Datagrams handed to the network (every fate below, summed). */
  sent: number;
  /** Received by at least one socket. */
  delivered: number;
  /** Received twice (counted once here, not in `delivered`). */
  duplicated: number;
  /** Dropped by the `loss` probability. */
  lost: number;
  /** Dropped by a partition. */
  partitioned: number;
  /** Arrived where no socket accepted it. */
  refused: number;
  /** Refused at send with `EMSGSIZE`. */
  tooBig: number;
  /** Sent to an address no host owns. */
  unreachable: number;
}

/**
 * A machine of the network. Each host has its own loopback (127.0.0.0/8 and `::1`, reachable
 * only from itself) plus its unicast addresses (none for {@link VirtualNetwork.localhost}).
 */
export interface VirtualHost {
  /** The first unicast address of the host, or `'localhost'` for the default host. */
  readonly name: string;
  /** Unicast addresses of the host, loopback addresses excluded. */
  readonly addresses: readonly string[];
  /** A driver whose sockets live on this host: `createUDPSocket(type, { driver: host.driver })`. */
  readonly driver: UDPDriver;
}

/** A host, or one of its addresses (a loopback address or `'localhost'` names the default host). */
export type VirtualHostRef = VirtualHost | string;

/** Options of {@link VirtualNetwork.createUDPSocket}: those of `createUDPSocket` plus the host. */
export interface VirtualSocketOptions extends Omit<UDPSocketOptions, 'driver'> {
  /**
   * The host the socket lives on; an address no host owns creates a host with it.
   * @default the default host (`127.0.0.1` / `::1`)
   */
  host?: VirtualHostRef;
}

/**
 * An in-memory UDP network on an RxJS scheduler. Created by {@link createVirtualNetwork}.
 *
 * @example
 * const net = createVirtualNetwork({ scheduler: testScheduler, latency: 5, loss: 0.1, seed: 7 });
 * const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
 * const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
 * net.partition('10.0.0.1', '10.0.0.2');
 * net.traffic$.subscribe(({ fate }) => console.log(fate)); // 'partitioned', ...
 */
export interface VirtualNetwork {
  /** The scheduler every delivery and event runs on. */
  readonly scheduler: SchedulerLike;
  /** The driver of the default host: `createUDPSocket('udp4', { driver: net.driver })`. */
  readonly driver: UDPDriver;
  /** The default host: loopback only (`127.0.0.1`, `::1`). */
  readonly localhost: VirtualHost;
  /** Every datagram with its fate; emits only while observed (costs nothing otherwise). */
  readonly traffic$: Observable<DatagramTrace>;
  /** A snapshot of the counters of datagrams per fate. */
  readonly stats: TrafficStats;
  /** The current configuration. */
  readonly config: Readonly<Required<Omit<VirtualNetworkConfig, 'mtu'>>> & {
    /** The MTU, or `undefined` when only the protocol limits apply. */
    readonly mtu: number | undefined;
  };
  /**
   * Creates a socket on a host of this network: `createUDPSocket(type, { ...options, driver })`.
   * @param type - `'udp4'` (default) or `'udp6'`.
   * @param options - socket options and the `host`.
   * @returns an unbound socket.
   * @throws UDPSocketError `ERR_SOCKET_BAD_TYPE` for an unknown type, `ERR_INVALID_ADDRESS` for a bad host.
   * @example
   * const server = net.createUDPSocket('udp4', { host: '10.0.0.1' }); // creates host 10.0.0.1
   */
  createUDPSocket(type?: UDPSocketType, options?: VirtualSocketOptions): UDPSocket;
  /**
   * Returns the host owning `addresses[0]`, creating it if needed, and gives it the other addresses.
   * @param addresses - unicast IP literals (not loopback, multicast, broadcast or wildcard).
   * @returns the host.
   * @throws UDPSocketError `ERR_INVALID_ADDRESS` for a bad address, `EADDRINUSE` for an address of another host.
   * @example
   * const router = net.addHost('10.0.0.1', 'fd00::1');
   */
  addHost(...addresses: string[]): VirtualHost;
  /**
   * Finds a host by one of its addresses (a loopback address or `'localhost'`: the default host).
   * @param address - an address, or a host.
   * @returns the host, or `undefined` when no host owns the address.
   * @example
   * net.host('127.0.0.1') === net.localhost; // true
   */
  host(address: VirtualHostRef): VirtualHost | undefined;
  /**
   * Changes options from now on; datagrams already in flight keep their fate and arrival frame.
   * @param config - the options to change.
   * @throws UDPSocketError `ERR_OUT_OF_RANGE` for a value out of range; nothing changes then.
   * @example
   * testScheduler.schedule(() => net.configure({ loss: 1 }), 50); // a black hole from frame 50 on
   */
  configure(config: VirtualNetworkConfig): void;
  /**
   * Cuts the link between two hosts, both ways: datagrams sent between them from now on are
   * dropped (fate `'partitioned'`). Datagrams already in flight still arrive.
   * @param a - a host or one of its addresses.
   * @param b - another host or one of its addresses.
   * @example
   * net.partition('10.0.0.1', '10.0.0.2');
   */
  partition(a: VirtualHostRef, b: VirtualHostRef): void;
  /**
   * Restores the link between `a` and `b`, every link of `a` when `b` is omitted, or every link
   * when called without arguments.
   * @param a - a host or one of its addresses.
   * @param b - another host or one of its addresses.
   * @example
   * net.heal();
   */
  heal(a?: VirtualHostRef, b?: VirtualHostRef): void;
  /**
   * Puts a forged datagram on the wire: it arrives at `to` at frame `at` exactly, with the
   * source `from`, whatever sockets exist there — a spoofed flood, a forged reply to a pending
   * request, traffic from a peer that does not exist. Latency, jitter, loss, duplication and
   * partitions do not apply (it is written on the receiver's link); the receiving socket is
   * chosen as for any datagram, so a socket connected to `from` takes it. It counts in
   * {@link VirtualNetwork.stats} (`sent`, then its fate) and shows on `traffic$` with
   * `injected: true`. Deterministic: it draws nothing from the seeded PRNG, so injecting does not
   * change the fates of the other datagrams.
   *
   * @param datagram - source, destination, payload and arrival time.
   * @returns the id of the datagram on `traffic$`.
   * @throws UDPSocketError (operation `'inject'`): `ERR_INVALID_ADDRESS` for an address that
   * is not an IP literal, a destination that is not unicast or families that differ,
   * `ERR_SOCKET_BAD_PORT` for a bad port, `ERR_INVALID_ARG_TYPE` for a bad message,
   * `ERR_OUT_OF_RANGE` for an `at` in the past, `EMSGSIZE` for a payload over the UDP limit or
   * the `mtu`.
   * @example
   * // a flood from 1,000 forged sources at frame 10
   * for (let i = 0; i < 1000; i++) {
   *   net.inject({ from: { address: `198.51.100.${i % 250}`, port: 1024 + i }, to: { address: '10.0.0.1', port: 53 }, message: 'x', at: 10 });
   * }
   */
  inject(datagram: ForgedDatagram): number;
  /**
   * Resets {@link VirtualNetwork.stats} to zero.
   * @example
   * net.resetStats();
   */
  resetStats(): void;
}
