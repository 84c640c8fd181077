import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { UDPSocketType, UDPDoneCallback, UDPDriver } from '../driver/udp-driver';
import { UDPSocketError } from '../errors';
import { createUDPSocket } from '../socket/create-udp-socket';
import type { UDPSocket } from '../socket/types';
import { describe } from '../internal/validators';
import { DeliveryQueue, type Packet, type PacketReceiver } from './delivery-queue';
import { FaultModel } from './fault-model';
import { forge } from './forge';
import type { BoundSocket, NetworkLink, Route } from './model';
import { osError } from './os-error';
import { Router } from './routing';
import { Topology, type Host } from './topology';
import { TrafficLog } from './traffic';
import type {
  DatagramFate,
  DatagramTrace,
  ForgedDatagram,
  TrafficStats,
  VirtualHostRef,
  VirtualNetwork,
  VirtualNetworkConfig,
  VirtualNetworkOptions,
  VirtualSocketOptions,
} from './types';

/**
 * The implementation of {@link VirtualNetwork}: a facade over the topology (hosts, addresses,
 * ports, partitions), the routing, the fault model and the delivery queue. It is also the
 * {@link NetworkLink} its handles send through, and the receiver of the queue's datagrams.
 */
class Network implements VirtualNetwork, NetworkLink, PacketReceiver {
  readonly scheduler: SchedulerLike;
  readonly localhost: Host;
  readonly driver: UDPDriver;
  /** Bumped when addresses change: invalidates cached routes. */
  version = 1;
  private readonly topology: Topology;
  private readonly router: Router;
  private readonly faults = new FaultModel();
  private readonly queue: DeliveryQueue;
  private readonly log = new TrafficLog();
  readonly traffic$: Observable<DatagramTrace> = this.log.traffic$;
  private sequence = 0;

  constructor(options: VirtualNetworkOptions) {
    const scheduler = options.scheduler ?? asyncScheduler;
    if (scheduler === null || typeof (scheduler as Partial<SchedulerLike>).schedule !== 'function') {
      throw new UDPSocketError(
        'ERR_INVALID_ARG_TYPE',
        'createVirtualNetwork',
        `createVirtualNetwork: scheduler must be an RxJS scheduler, got ${describe(scheduler)}`,
      );
    }
    this.scheduler = scheduler;
    this.queue = new DeliveryQueue(scheduler, this);
    this.topology = new Topology(this, scheduler);
    this.router = new Router(this.topology);
    this.localhost = this.topology.localhost;
    this.driver = this.localhost.driver;
    this.faults.configure(options);
  }

  // ---- configuration, hosts, partitions ---------------------------------------------------

  get config(): VirtualNetwork['config'] {
    return this.faults.config;
  }

  configure(config: VirtualNetworkConfig): void {
    this.faults.configure(config);
  }

  host(address: VirtualHostRef): Host | undefined {
    return this.topology.host(address);
  }

  addHost(...addresses: string[]): Host {
    const host = this.topology.addHost(addresses);
    this.version++;
    return host;
  }

  createUDPSocket(type: UDPSocketType = 'udp4', options: VirtualSocketOptions = {}): UDPSocket {
    const { host: ref, ...socketOptions } = options ?? {};
    const topology = this.topology;
    const host =
      ref === undefined
        ? this.localhost
        : (topology.host(ref) ?? (typeof ref === 'string' ? this.addHost(ref) : topology.resolveHost(ref, 'createUDPSocket')));
    return createUDPSocket(type, { ...socketOptions, driver: host.driver });
  }

  partition(a: VirtualHostRef, b: VirtualHostRef): void {
    const topology = this.topology;
    topology.partition(topology.resolveHost(a, 'partition'), topology.resolveHost(b, 'partition'));
  }

  heal(a?: VirtualHostRef, b?: VirtualHostRef): void {
    const topology = this.topology;
    if (a === undefined && b === undefined) return topology.healAll();
    const x = topology.resolveHost(a!, 'heal');
    if (b === undefined) {
      for (const y of [...x.cut]) topology.heal(x, y as Host);
      return;
    }
    topology.heal(x, topology.resolveHost(b, 'heal'));
  }

  inject(datagram: ForgedDatagram): number {
    const now = this.scheduler.now();
    const f = forge(datagram, now, (v6) => this.faults.maxPayload(v6));
    const host = this.topology.host(f.address) ?? null;
    const route: Route = {
      version: this.version,
      kind: host === null ? 'unreachable' : 'unicast',
      broadcast: false,
      multicast: false,
      viaLoopback: false,
      error: undefined,
      host,
      hosts: null,
      address: f.address,
      source: f.source,
    };
    const { queue, log } = this;
    log.counters.sent++;
    const p = queue.packet('deliver', null);
    p.id = ++this.sequence;
    p.injected = true;
    p.v6 = f.v6;
    p.route = route;
    p.source = f.source;
    p.sourcePort = f.sourcePort;
    p.port = f.port;
    p.sentAt = now;
    p.data = f.data;
    if (host === null) {
      log.counters.unreachable++;
      if (log.subject.observed) log.trace(p, f.data.byteLength, 'unreachable', undefined, 0);
      queue.release(p);
    } else {
      queue.enqueue(p, f.at - now, now);
    }
    return p.id;
  }

  // ---- statistics --------------------------------------------------------------------------

  get stats(): TrafficStats {
    return this.log.stats;
  }

  resetStats(): void {
    this.log.reset();
  }

  // ---- what handles ask of the network (NetworkLink) ---------------------------------------

  bind(h: BoundSocket, port: number, ip: string | undefined): Error | null {
    return this.topology.bind(h, port, ip);
  }

  route(h: BoundSocket, ip: string): Route {
    return this.router.route(this.version, h, ip);
  }

  fail(h: BoundSocket, error: Error, done: UDPDoneCallback | undefined): void {
    const p = this.queue.packet(done === undefined ? 'error' : 'done', h);
    p.error = error;
    p.done = done ?? null;
    this.queue.enqueue(p, 0, this.scheduler.now());
  }

  transmit(
    h: BoundSocket,
    data: Uint8Array,
    offset: number,
    length: number,
    port: number,
    route: Route,
    done: UDPDoneCallback | undefined,
  ): void {
    if (route.error !== undefined) return this.fail(h, osError(route.error, 'send', route.address, port), done);
    if (route.broadcast && !h.broadcast) return this.fail(h, osError('EACCES', 'send', route.address, port), done);
    const now = this.scheduler.now();
    const { queue, log, faults } = this;
    const counters = log.counters;
    counters.sent++;
    const observed = log.subject.observed;
    const p = queue.packet('deliver', h);
    p.id = ++this.sequence;
    p.v6 = h.v6;
    p.route = route;
    p.source = h.any || route.multicast ? route.source : h.local;
    p.sourcePort = h.port;
    p.port = port;
    p.sentAt = now;
    if (length > faults.maxPayload(h.v6)) {
      counters.tooBig++;
      if (observed) log.trace(p, length, 'too-big', undefined, 0);
      queue.release(p);
      return this.fail(h, osError('EMSGSIZE', 'send', route.address, port), done);
    }
    if (done !== undefined) {
      const completion = queue.packet('done', h);
      completion.done = done;
      queue.enqueue(completion, 0, now);
    }
    let fate: DatagramFate | undefined;
    if (route.kind === 'unreachable') {
      counters.unreachable++;
      fate = 'unreachable';
    } else if (this.topology.cuts !== 0 && route.kind === 'unicast' && route.host !== h.host && h.host.cut.has(route.host!)) {
      counters.partitioned++;
      fate = 'partitioned';
    } else if (faults.lost()) {
      counters.lost++;
      fate = 'lost';
    }
    if (fate !== undefined) {
      if (observed) log.trace(p, length, fate, undefined, 0);
      queue.release(p);
      return;
    }
    const copy = new Uint8Array(length);
    copy.set(offset === 0 && length === data.byteLength ? data : data.subarray(offset, offset + length));
    p.data = copy;
    p.connected = h.peerAddress !== undefined;
    if (faults.duplicated()) {
      p.copy = 'original';
      queue.enqueue(p, faults.delay(), now);
      const twin = queue.packet('deliver', h);
      twin.id = p.id;
      twin.v6 = p.v6;
      twin.route = route;
      twin.source = p.source;
      twin.sourcePort = p.sourcePort;
      twin.port = port;
      twin.sentAt = now;
      twin.copy = 'twin';
      twin.data = copy.slice();
      queue.enqueue(twin, faults.delay(), now);
      return;
    }
    queue.enqueue(p, faults.delay(), now);
  }

  // ---- delivery (PacketReceiver) -----------------------------------------------------------

  deliver(p: Packet): void {
    const route = p.route!;
    const sender = p.sender!;
    let receivers = 0;
    if (route.kind === 'unicast') {
      const h = this.router.unicastReceiver(route.host!, p.port, route.address, p.v6, p.source, p.sourcePort);
      if (h !== null) {
        receivers = 1;
        const data = p.data!;
        h.sink.message(data, {
          address: h.v6 && !p.v6 ? `::ffff:${p.source}` : p.source,
          family: h.v6 ? 'IPv6' : 'IPv4',
          port: p.sourcePort,
          size: data.byteLength,
        });
      } else if (
        p.connected &&
        p.copy !== 'twin' &&
        sender.state === 'bound' &&
        sender.peerAddress === route.address &&
        sender.peerPort === p.port
      ) {
        // Linux: the ICMP port unreachable comes back as ECONNREFUSED on the connected socket.
        sender.sink.error(osError('ECONNREFUSED', 'recvmsg'), 'receive');
      }
    } else {
      receivers = this.deliverToMany(p, route, sender);
    }
    if (p.copy === 'twin') return;
    const log = this.log;
    const counters = log.counters;
    let fate: DatagramFate;
    if (receivers === 0) {
      counters.refused++;
      fate = 'refused';
    } else if (p.copy === 'original') {
      counters.duplicated++;
      fate = 'duplicated';
    } else {
      counters.delivered++;
      fate = 'delivered';
    }
    if (log.subject.observed) log.trace(p, p.data!.byteLength, fate, this.scheduler.now(), receivers);
  }

  /** Broadcast and multicast: every matching socket of every reached host gets its own copy. */
  private deliverToMany(p: Packet, route: Route, sender: BoundSocket): number {
    const targets = this.router.groupReceivers(route, sender, p.port, p.source, p.sourcePort);
    // Copies first: a listener writing into its ArrayBuffer must not change what the others get.
    const data = p.data!;
    const copies = targets.map((_, i) => (i === 0 ? data : data.slice()));
    let receivers = 0;
    for (let i = 0; i < targets.length; i++) {
      const h = targets[i]!;
      if (h.state !== 'bound') continue;
      receivers++;
      const copy = copies[i]!;
      h.sink.message(copy, {
        address: h.v6 && !p.v6 ? `::ffff:${p.source}` : p.source,
        family: h.v6 ? 'IPv6' : 'IPv4',
        port: p.sourcePort,
        size: copy.byteLength,
      });
    }
    return receivers;
  }
}

/**
 * Creates a deterministic in-memory UDP network on an RxJS scheduler, for marble tests of code
 * that talks UDP.
 *
 * Sockets of the network have the full `createUDPSocket` callback API. Every delivery, send
 * completion and socket event runs on `options.scheduler`: inside `TestScheduler.run()`, a
 * datagram sent at frame t with latency L arrives at frame t + L exactly (latency 0: the same
 * frame, never inside `send()`). Loss, duplication and jitter are drawn from a PRNG seeded with
 * `options.seed`, so the same seed and the same sends give the same fates.
 *
 * Hosts: the default host (`net.localhost`) has only loopback addresses (`127.0.0.0/8`, `::1`).
 * Other hosts are created by address (`net.addHost('10.0.0.2')`, or
 * `net.createUDPSocket('udp4', { host: '10.0.0.2' })`); each has its own loopback plus its
 * addresses, in a /24 for IPv4 broadcast.
 *
 * @param options - scheduler, latency, jitter, loss, duplicate, mtu, seed.
 * @returns the network.
 * @throws UDPSocketError `ERR_OUT_OF_RANGE` for an option out of range,
 * `ERR_INVALID_ARG_TYPE` for a `scheduler` that is not an RxJS scheduler.
 * @example
 * new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
 *   const net = createVirtualNetwork({ latency: 2 });
 *   const server = net.createUDPSocket();
 *   const port = server.bind(7);
 *   const received$ = new Observable<string>((o) => server.onMessage(({ message }) => o.next(Buffer.from(message).toString())));
 *   net.createUDPSocket().send({ address: '127.0.0.1', port, message: 'a' });
 *   expectObservable(received$).toBe('--a');
 * });
 */
export function createVirtualNetwork(options: VirtualNetworkOptions = {}): VirtualNetwork {
  return new Network(options ?? {});
}
