import { Subject, asyncScheduler, type Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { UDPSocketType, UdpDoneCallback, UdpDriver, UdpHandleOptions, UdpHandleSink } from '../driver/udp-driver';
import { UDPSocketError, type UDPOperation } from '../errors';
import { createUDPSocket } from '../socket/create-udp-socket';
import type { UDPSocket } from '../socket/types';
import { describe } from '../socket/validate';
import {
  ANY4,
  ANY6,
  LIMITED_BROADCAST,
  LOOPBACK4,
  LOOPBACK6,
  LOOPBACK_BROADCAST,
  canonicalIp,
  isLoopback,
  isMulticast,
  subnetBroadcast,
} from './ip';
import { osError } from './os-error';
import { createPrng } from './prng';
import type {
  DatagramFate,
  DatagramTrace,
  TrafficStats,
  VirtualHost,
  VirtualHostRef,
  VirtualNetwork,
  VirtualNetworkConfig,
  VirtualNetworkOptions,
  VirtualSocketOptions,
} from './types';
import { BOUND, CLOSED, VirtualHandle } from './virtual-handle';

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;
const MAX_PAYLOAD4 = 65507;
const MAX_PAYLOAD6 = 65527;

/** Route kinds. */
const UNICAST = 0;
const BROADCAST_LOCAL = 1;
const BROADCAST_ALL = 2;
const BROADCAST_SUBNET = 3;
const MULTICAST = 4;
const UNREACHABLE = 5;

/** Where datagrams from one handle to one destination address go; cached per handle. */
export interface Route {
  /** The topology version it was computed for. */
  version: number;
  kind: number;
  broadcast: boolean;
  multicast: boolean;
  /** Multicast sent through the loopback interface (stays on the host). */
  viaLoopback: boolean;
  /** The errno a send on this route fails with (`ENETUNREACH`, `EINVAL`), if any. */
  error: string | undefined;
  /** The destination host of a unicast route. */
  host: Host | null;
  /** The hosts of a subnet broadcast. */
  hosts: Host[] | null;
  /** Canonical destination address. */
  address: string;
  /** Source address of a datagram from a wildcard-bound handle. */
  source: string;
}

/** A machine of the network. */
export class Host implements VirtualHost {
  readonly addresses: string[] = [];
  readonly driver: UdpDriver;
  /** Bound handles by port, in bind order. */
  readonly ports = new Map<number, VirtualHandle[]>();
  /** Hosts this one is partitioned from. */
  readonly cut = new Set<Host>();
  private nextPort = EPHEMERAL_FIRST;

  constructor(
    readonly net: Network,
    readonly name: string,
  ) {
    this.driver = {
      scheduler: net.scheduler,
      open: (type: UDPSocketType, options: UdpHandleOptions, sink: UdpHandleSink) =>
        new VirtualHandle(net, this, type, options, sink),
    };
  }

  /** Whether `ip` is one of the unicast addresses of this host. */
  owns(ip: string): boolean {
    return this.addresses.includes(ip);
  }

  /** The first unicast address of a family: the source of datagrams to other hosts. */
  firstAddress(v6: boolean): string | undefined {
    for (const address of this.addresses) if (address.includes(':') === v6) return address;
    return undefined;
  }

  /** The next free port of the Linux ephemeral range, in order, wrapping around. */
  ephemeralPort(): number {
    for (let i = EPHEMERAL_FIRST; i <= EPHEMERAL_LAST; i++) {
      const port = this.nextPort;
      this.nextPort = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this.ports.has(port)) return port;
    }
    return 0;
  }

  /** Removes a closed handle from its port. */
  unbind(handle: VirtualHandle): void {
    const list = this.ports.get(handle.port);
    if (list === undefined) return;
    const rest = list.filter((h) => h !== handle);
    if (rest.length === 0) this.ports.delete(handle.port);
    else this.ports.set(handle.port, rest);
  }
}

/** Whether a bound handle takes datagrams of this family. udp6 on `::` without ipv6Only also takes IPv4. */
function acceptsFamily(h: VirtualHandle, v6: boolean): boolean {
  return h.v6 === v6 || (!v6 && h.any && !h.ipv6Only);
}

/** Whether two bindings on one port of one host collide (Linux rules, SO_REUSEADDR on both allows it). */
function collides(a: VirtualHandle, b: VirtualHandle): boolean {
  if (a.reuseAddr && b.reuseAddr) return false;
  const families = a.v6 === b.v6 || (a.v6 && a.any && !a.ipv6Only) || (b.v6 && b.any && !b.ipv6Only);
  if (!families) return false;
  return a.any || b.any || a.local === b.local;
}

/** Whether a handle is a member of `group` on the interface kind a datagram arrived on, for `source`. */
function isMember(h: VirtualHandle, group: string, onLoopback: boolean, source: string): boolean {
  for (const m of h.memberships) {
    if (m.group === group && m.onLoopback === onLoopback && (m.source === undefined || m.source === source)) return true;
  }
  return false;
}

const DELIVER = 0;
const DONE = 1;
const ERROR = 2;
const DUPLICATE = 1;
const COPY = 2;
const CONNECTED = 4;

/** A unit of deferred work: a datagram in flight, a send completion or a send error. Pooled. */
class Packet {
  next: Packet | null = null;
  kind = DELIVER;
  flags = 0;
  id = 0;
  sender: VirtualHandle | null = null;
  data: Uint8Array | null = null;
  route: Route | null = null;
  source = '';
  sourcePort = 0;
  port = 0;
  sentAt = 0;
  done: UdpDoneCallback | null = null;
  error: Error | null = null;
}

/** The packets due at one instant, run by one scheduled action. Pooled. */
class Bucket {
  time = 0;
  /** The epoch it was created in: it only takes packets of that epoch. */
  epoch = 0;
  head: Packet | null = null;
  tail: Packet | null = null;
  running = false;
  next: Bucket | null = null;
  constructor(readonly net: Network) {}
}

function runBucket(this: SchedulerAction<Bucket>, bucket: Bucket | undefined): void {
  bucket!.net.flush(bucket!);
}

function checkProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw Object.assign(new RangeError(`${name} must be a number in 0-1, got ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  return value;
}

function checkDelay(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw Object.assign(new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  return value;
}

/** The implementation of {@link VirtualNetwork}. */
export class Network implements VirtualNetwork {
  readonly scheduler: SchedulerLike;
  readonly localhost: Host;
  readonly driver: UdpDriver;
  /** Bumped when addresses change: invalidates cached routes. */
  version = 1;
  private readonly hosts: Host[] = [];
  private readonly owners = new Map<string, Host>();
  /** Directed broadcast address → hosts with an address in that /24. */
  private readonly subnets = new Map<string, Host[]>();
  private readonly trafficSubject = new Subject<DatagramTrace>();
  readonly traffic$: Observable<DatagramTrace> = this.trafficSubject.asObservable();
  private counters: TrafficStats = { sent: 0, delivered: 0, duplicated: 0, lost: 0, partitioned: 0, refused: 0, tooBig: 0, unreachable: 0 };
  private cuts = 0;
  private sequence = 0;

  private latency = 0;
  private jitter = 0;
  private loss = 0;
  private duplicate = 0;
  private mtu: number | undefined = undefined;
  private seed = 1;
  private random: () => number = createPrng(1);
  private limit4 = MAX_PAYLOAD4;
  private limit6 = MAX_PAYLOAD6;

  private readonly open = new Map<number, Bucket>();
  private lastBucket: Bucket | null = null;
  /**
   * The action counter of a VirtualTimeScheduler (TestScheduler included), which orders actions
   * due at one frame by creation. When an action of someone else was created since a bucket was,
   * a packet must not join that bucket (it would run before that action): a new epoch starts.
   */
  private readonly counter: { index: number } | undefined;
  private expectedIndex = 0;
  private epoch = 0;
  private freePackets: Packet | null = null;
  private freeBuckets: Bucket | null = null;

  constructor(options: VirtualNetworkOptions) {
    const scheduler = options.scheduler ?? asyncScheduler;
    if (scheduler === null || typeof (scheduler as Partial<SchedulerLike>).schedule !== 'function') {
      throw new UDPSocketError(
        'ERR_INVALID_ARG_TYPE',
        'createUDPSocket',
        `createVirtualNetwork: scheduler must be an RxJS scheduler, got ${describe(scheduler)}`,
      );
    }
    this.scheduler = scheduler;
    const counter = this.scheduler as unknown as { index?: unknown };
    this.counter = typeof counter.index === 'number' ? (counter as { index: number }) : undefined;
    this.localhost = new Host(this, 'localhost');
    this.hosts.push(this.localhost);
    this.driver = this.localhost.driver;
    this.configure(options);
  }

  // ---- configuration -----------------------------------------------------------------------

  get config(): VirtualNetwork['config'] {
    return { latency: this.latency, jitter: this.jitter, loss: this.loss, duplicate: this.duplicate, mtu: this.mtu, seed: this.seed };
  }

  configure(config: VirtualNetworkConfig): void {
    if (config === null || typeof config !== 'object') throw new TypeError('configure expects an options object');
    const c = { ...this.config };
    if (config.latency !== undefined) c.latency = checkDelay('latency', config.latency);
    if (config.jitter !== undefined) c.jitter = Math.floor(checkDelay('jitter', config.jitter));
    if (config.loss !== undefined) c.loss = checkProbability('loss', config.loss);
    if (config.duplicate !== undefined) c.duplicate = checkProbability('duplicate', config.duplicate);
    if ('mtu' in config) {
      const mtu = config.mtu;
      if (mtu !== undefined && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68)) {
        throw Object.assign(new RangeError(`mtu must be an integer >= 68, got ${String(mtu)}`), { code: 'ERR_OUT_OF_RANGE' });
      }
      c.mtu = mtu;
    }
    if (config.seed !== undefined) {
      if (typeof config.seed !== 'number' || !Number.isFinite(config.seed)) throw new TypeError('seed must be a finite number');
      c.seed = config.seed;
    }
    this.latency = c.latency;
    this.jitter = c.jitter;
    this.loss = c.loss;
    this.duplicate = c.duplicate;
    this.mtu = c.mtu;
    this.limit4 = c.mtu === undefined ? MAX_PAYLOAD4 : Math.min(MAX_PAYLOAD4, c.mtu - 28);
    this.limit6 = c.mtu === undefined ? MAX_PAYLOAD6 : Math.min(MAX_PAYLOAD6, c.mtu - 48);
    if (config.seed !== undefined) {
      this.seed = c.seed;
      this.random = createPrng(c.seed);
    }
  }

  // ---- hosts -------------------------------------------------------------------------------

  host(address: VirtualHostRef): Host | undefined {
    if (address instanceof Host) return address.net === this ? address : undefined;
    if (typeof address !== 'string') return undefined;
    if (address === 'localhost') return this.localhost;
    const ip = canonicalIp(address);
    if (ip === undefined) return undefined;
    if (isLoopback(ip)) return this.localhost;
    return this.owners.get(ip);
  }

  addHost(...addresses: string[]): Host {
    if (addresses.length === 0) throw new UDPSocketError('ERR_INVALID_ADDRESS', 'addHost', 'addHost needs at least one address');
    const ips = addresses.map((address) => {
      const ip = typeof address === 'string' ? canonicalIp(address) : undefined;
      if (
        ip === undefined ||
        isLoopback(ip) ||
        isMulticast(ip) ||
        ip === ANY4 ||
        ip === ANY6 ||
        ip === LIMITED_BROADCAST ||
        (!ip.includes(':') && ip.endsWith('.255'))
      ) {
        throw new UDPSocketError('ERR_INVALID_ADDRESS', 'addHost', `a host address must be a unicast IP address, got ${String(address)}`);
      }
      return ip;
    });
    const host = this.owners.get(ips[0]!) ?? new Host(this, ips[0]!);
    for (const ip of ips) {
      const owner = this.owners.get(ip);
      if (owner !== undefined && owner !== host) {
        throw new UDPSocketError('EADDRINUSE', 'createUDPSocket', `address ${ip} already belongs to host ${owner.name}`);
      }
    }
    if (!this.hosts.includes(host)) this.hosts.push(host);
    for (const ip of ips) {
      if (host.owns(ip)) continue;
      host.addresses.push(ip);
      this.owners.set(ip, host);
      if (!ip.includes(':')) {
        const broadcast = subnetBroadcast(ip);
        const members = this.subnets.get(broadcast) ?? [];
        if (!members.includes(host)) members.push(host);
        this.subnets.set(broadcast, members);
      }
    }
    this.version++;
    return host;
  }

  private resolveHost(ref: VirtualHostRef, operation: UDPOperation): Host {
    const host = this.host(ref);
    if (host === undefined) throw new UDPSocketError('ERR_INVALID_ADDRESS', operation, `unknown host ${String(ref)}`);
    return host;
  }

  createUDPSocket(type: UDPSocketType = 'udp4', options: VirtualSocketOptions = {}): UDPSocket {
    const { host: ref, ...socketOptions } = options ?? {};
    const host = ref === undefined ? this.localhost : (this.host(ref) ?? (typeof ref === 'string' ? this.addHost(ref) : this.resolveHost(ref, 'createUDPSocket')));
    return createUDPSocket(type, { ...socketOptions, driver: host.driver });
  }

  partition(a: VirtualHostRef, b: VirtualHostRef): void {
    const x = this.resolveHost(a, 'partition');
    const y = this.resolveHost(b, 'partition');
    if (x === y || x.cut.has(y)) return;
    x.cut.add(y);
    y.cut.add(x);
    this.cuts++;
  }

  heal(a?: VirtualHostRef, b?: VirtualHostRef): void {
    if (a === undefined && b === undefined) {
      for (const host of this.hosts) host.cut.clear();
      this.cuts = 0;
      return;
    }
    const x = this.resolveHost(a!, 'heal');
    if (b === undefined) {
      for (const y of x.cut) this.heal(x, y);
      return;
    }
    const y = this.resolveHost(b, 'heal');
    if (x.cut.delete(y)) {
      y.cut.delete(x);
      this.cuts--;
    }
  }

  // ---- statistics --------------------------------------------------------------------------

  get stats(): TrafficStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = { sent: 0, delivered: 0, duplicated: 0, lost: 0, partitioned: 0, refused: 0, tooBig: 0, unreachable: 0 };
  }

  private trace(p: Packet, size: number, fate: DatagramFate, arrivedAt: number | undefined, receivers: number): void {
    const route = p.route!;
    const v6 = p.sender!.v6;
    const family = v6 ? 'IPv6' : 'IPv4';
    this.trafficSubject.next({
      id: p.id,
      source: { address: p.source, family, port: p.sourcePort },
      destination: { address: route.address, family, port: p.port },
      size,
      sentAt: p.sentAt,
      arrivedAt,
      fate,
      receivers,
    });
  }

  // ---- bind --------------------------------------------------------------------------------

  /** Binds a handle on its host; returns the error, or null. */
  bindHandle(h: VirtualHandle, port: number, ip: string | undefined): Error | null {
    if (h.state === CLOSED) return osError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'bind');
    const host = h.host;
    const v6 = h.v6;
    const address = ip ?? (v6 ? ANY6 : ANY4);
    if (address.includes(':') !== v6) return osError('EINVAL', 'bind', address, port);
    const any = address === ANY4 || address === ANY6;
    const local =
      any ||
      isLoopback(address) ||
      host.owns(address) ||
      isMulticast(address) ||
      (!v6 &&
        (address === LIMITED_BROADCAST ||
          address === LOOPBACK_BROADCAST ||
          (this.subnets.get(address)?.includes(host) ?? false)));
    if (!local) return osError('EADDRNOTAVAIL', 'bind', address, port);
    h.any = any;
    h.local = address;
    let chosen = port;
    if (chosen === 0) {
      chosen = host.ephemeralPort();
      if (chosen === 0) return osError('EAGAIN', 'bind', address, port);
    } else {
      const list = host.ports.get(chosen);
      if (list !== undefined) {
        for (const other of list) {
          if (collides(other, h)) {
            h.any = true;
            h.local = v6 ? ANY6 : ANY4;
            return osError('EADDRINUSE', 'bind', address, port);
          }
        }
      }
    }
    h.port = chosen;
    h.state = BOUND;
    const list = host.ports.get(chosen);
    if (list === undefined) host.ports.set(chosen, [h]);
    else host.ports.set(chosen, [...list, h]);
    return null;
  }

  // ---- routing -----------------------------------------------------------------------------

  /** Computes where datagrams from `h` to `ip` go. */
  route(h: VirtualHandle, ip: string): Route {
    const v6 = h.v6;
    const host = h.host;
    const loopback = v6 ? LOOPBACK6 : LOOPBACK4;
    const route: Route = {
      version: this.version,
      kind: UNICAST,
      broadcast: false,
      multicast: false,
      viaLoopback: false,
      error: undefined,
      host,
      hosts: null,
      address: ip,
      source: loopback,
    };
    if (ip.includes(':') !== v6) {
      route.error = 'EINVAL';
      return route;
    }
    if (isMulticast(ip)) {
      const iface = h.multicastInterface ?? host.firstAddress(v6) ?? loopback;
      route.kind = MULTICAST;
      route.multicast = true;
      route.viaLoopback = isLoopback(iface);
      route.source = iface;
      return route;
    }
    if (!v6 && ip === LOOPBACK_BROADCAST) {
      route.kind = BROADCAST_LOCAL;
      route.broadcast = true;
      return route;
    }
    if (!v6 && ip === LIMITED_BROADCAST) {
      route.kind = BROADCAST_ALL;
      route.broadcast = true;
      route.source = host.firstAddress(false) ?? loopback;
      return route;
    }
    if (isLoopback(ip) || ip === ANY4 || ip === ANY6) {
      // Sending to the wildcard reaches the host itself, as on Linux.
      if (ip === ANY4 || ip === ANY6) route.address = loopback;
      return route;
    }
    const owner = this.owners.get(ip);
    if (owner === host) {
      route.source = ip;
      return route;
    }
    if (!h.any && isLoopback(h.local)) {
      // A socket bound to a loopback address cannot reach another host.
      route.error = 'EINVAL';
      return route;
    }
    const source = host.firstAddress(v6);
    if (source === undefined) {
      route.error = 'ENETUNREACH';
      return route;
    }
    route.source = source;
    if (owner !== undefined) {
      route.host = owner;
      return route;
    }
    const members = v6 ? undefined : this.subnets.get(ip);
    if (members !== undefined && members.includes(host)) {
      route.kind = BROADCAST_SUBNET;
      route.broadcast = true;
      route.hosts = members;
      route.source = host.addresses.find((a) => subnetBroadcast(a) === ip && !a.includes(':')) ?? source;
      return route;
    }
    route.kind = UNREACHABLE;
    route.host = null;
    return route;
  }

  // ---- send --------------------------------------------------------------------------------

  private packet(kind: number, sender: VirtualHandle): Packet {
    let p = this.freePackets;
    if (p === null) p = new Packet();
    else this.freePackets = p.next;
    p.next = null;
    p.kind = kind;
    p.sender = sender;
    return p;
  }

  private release(p: Packet): void {
    p.sender = null;
    p.data = null;
    p.route = null;
    p.done = null;
    p.error = null;
    p.flags = 0;
    p.next = this.freePackets;
    this.freePackets = p;
  }

  /**
   * Queues `p` to run `delay` from now. Packets due at one instant share one scheduled action
   * when that changes no order: as if each had its own action, scheduled when it was sent.
   */
  private enqueue(p: Packet, delay: number, now: number): void {
    const time = now + delay;
    const counter = this.counter;
    if (counter !== undefined && counter.index !== this.expectedIndex) {
      this.epoch++;
      this.expectedIndex = counter.index;
    }
    let b = this.lastBucket;
    if (b === null || b.time !== time || b.running || b.epoch !== this.epoch) {
      b = this.open.get(time) ?? null;
      if (b === null || b.epoch !== this.epoch) {
        b = this.freeBuckets;
        if (b === null) b = new Bucket(this);
        else this.freeBuckets = b.next;
        b.next = null;
        b.time = time;
        b.epoch = this.epoch;
        b.running = false;
        this.open.set(time, b);
        this.scheduler.schedule(runBucket, delay, b);
        if (counter !== undefined) this.expectedIndex = counter.index;
      }
      this.lastBucket = b;
    }
    if (b.tail === null) b.head = p;
    else b.tail.next = p;
    b.tail = p;
  }

  /** Reports a failed send asynchronously: to `done`, else to the sink as a `'send'` error. */
  fail(h: VirtualHandle, error: Error, done: UdpDoneCallback | undefined): void {
    const p = this.packet(done === undefined ? ERROR : DONE, h);
    p.error = error;
    p.done = done ?? null;
    this.enqueue(p, 0, this.scheduler.now());
  }

  /** Sends one datagram on a resolved route: the per-datagram path. */
  transmit(
    h: VirtualHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    port: number,
    route: Route,
    done: UdpDoneCallback | undefined,
  ): void {
    if (route.error !== undefined) return this.fail(h, osError(route.error, 'send', route.address, port), done);
    if (route.broadcast && !h.broadcast) return this.fail(h, osError('EACCES', 'send', route.address, port), done);
    const now = this.scheduler.now();
    const counters = this.counters;
    counters.sent++;
    const observed = this.trafficSubject.observed;
    const p = this.packet(DELIVER, h);
    p.id = ++this.sequence;
    p.route = route;
    p.source = h.any || route.multicast ? route.source : h.local;
    p.sourcePort = h.port;
    p.port = port;
    p.sentAt = now;
    if (length > (h.v6 ? this.limit6 : this.limit4)) {
      counters.tooBig++;
      if (observed) this.trace(p, length, 'too-big', undefined, 0);
      this.release(p);
      return this.fail(h, osError('EMSGSIZE', 'send', route.address, port), done);
    }
    if (done !== undefined) {
      const completion = this.packet(DONE, h);
      completion.done = done;
      this.enqueue(completion, 0, now);
    }
    let fate: DatagramFate | undefined;
    if (route.kind === UNREACHABLE) {
      counters.unreachable++;
      fate = 'unreachable';
    } else if (this.cuts !== 0 && route.kind === UNICAST && route.host !== h.host && h.host.cut.has(route.host!)) {
      counters.partitioned++;
      fate = 'partitioned';
    } else if (this.loss !== 0 && this.random() < this.loss) {
      counters.lost++;
      fate = 'lost';
    }
    if (fate !== undefined) {
      if (observed) this.trace(p, length, fate, undefined, 0);
      this.release(p);
      return;
    }
    const copy = new Uint8Array(length);
    copy.set(offset === 0 && length === data.byteLength ? data : data.subarray(offset, offset + length));
    p.data = copy;
    if (h.peerAddress !== undefined) p.flags = CONNECTED;
    const jitter = this.jitter;
    if (this.duplicate !== 0 && this.random() < this.duplicate) {
      p.flags |= DUPLICATE;
      this.enqueue(p, jitter === 0 ? this.latency : this.latency + Math.floor(this.random() * (jitter + 1)), now);
      const twin = this.packet(DELIVER, h);
      twin.id = p.id;
      twin.route = route;
      twin.source = p.source;
      twin.sourcePort = p.sourcePort;
      twin.port = port;
      twin.sentAt = now;
      twin.flags = COPY;
      twin.data = copy.slice();
      this.enqueue(twin, jitter === 0 ? this.latency : this.latency + Math.floor(this.random() * (jitter + 1)), now);
      return;
    }
    this.enqueue(p, jitter === 0 ? this.latency : this.latency + Math.floor(this.random() * (jitter + 1)), now);
  }

  // ---- delivery ----------------------------------------------------------------------------

  /** Runs every packet of a bucket, in the order they were queued. */
  flush(b: Bucket): void {
    b.running = true;
    if (this.open.get(b.time) === b) this.open.delete(b.time);
    if (this.lastBucket === b) this.lastBucket = null;
    let p = b.head;
    b.head = b.tail = null;
    b.next = this.freeBuckets;
    this.freeBuckets = b;
    let failed = false;
    let failure: unknown;
    while (p !== null) {
      const next = p.next;
      try {
        if (p.kind === DELIVER) this.deliver(p);
        else if (p.kind === DONE) p.done!(p.error);
        else if (p.sender!.state !== CLOSED) p.sender!.sink.error(p.error!, 'send');
      } catch (error) {
        if (!failed) {
          failed = true;
          failure = error;
        }
      }
      this.release(p);
      p = next;
    }
    if (failed) throw failure;
  }

  private deliver(p: Packet): void {
    const route = p.route!;
    const sender = p.sender!;
    const v6 = sender.v6;
    let receivers = 0;
    if (route.kind === UNICAST) {
      const h = this.lookup(route.host!, p.port, route.address, v6, p.source, p.sourcePort);
      if (h !== null) {
        receivers = 1;
        const data = p.data!;
        h.sink.message(data, {
          address: h.v6 && !v6 ? `::ffff:${p.source}` : p.source,
          family: h.v6 ? 'IPv6' : 'IPv4',
          port: p.sourcePort,
          size: data.byteLength,
        });
      } else if (
        (p.flags & (CONNECTED | COPY)) === CONNECTED &&
        sender.state === BOUND &&
        sender.peerAddress === route.address &&
        sender.peerPort === p.port
      ) {
        // Linux: the ICMP port unreachable comes back as ECONNREFUSED on the connected socket.
        sender.sink.error(osError('ECONNREFUSED', 'recvmsg'), 'receive');
      }
    } else {
      receivers = this.deliverToMany(p, route, sender);
    }
    const flags = p.flags;
    if ((flags & COPY) !== 0) return;
    const counters = this.counters;
    let fate: DatagramFate;
    if (receivers === 0) {
      counters.refused++;
      fate = 'refused';
    } else if ((flags & DUPLICATE) !== 0) {
      counters.duplicated++;
      fate = 'duplicated';
    } else {
      counters.delivered++;
      fate = 'delivered';
    }
    if (this.trafficSubject.observed) this.trace(p, p.data!.byteLength, fate, this.scheduler.now(), receivers);
  }

  /** The socket a unicast datagram goes to: the most specific match, the latest bound on ties. */
  private lookup(host: Host, port: number, address: string, v6: boolean, source: string, sourcePort: number): VirtualHandle | null {
    const list = host.ports.get(port);
    if (list === undefined) return null;
    let best: VirtualHandle | null = null;
    let bestScore = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      const h = list[i]!;
      if (!acceptsFamily(h, v6)) continue;
      if (!h.any && h.local !== address) continue;
      const peer = h.peerAddress;
      if (peer !== undefined && (peer !== source || h.peerPort !== sourcePort)) continue;
      const score = (h.any ? 0 : 4) + (peer === undefined ? 0 : 4) + (h.v6 === v6 ? 1 : 0);
      if (score > bestScore) {
        best = h;
        bestScore = score;
      }
    }
    return best;
  }

  /** Adds the sockets of `host` that take a broadcast or multicast datagram to `targets`. */
  private collect(p: Packet, route: Route, sender: VirtualHandle, host: Host, arrivedOnLoopback: boolean, targets: VirtualHandle[]): void {
    if (host !== sender.host && host.cut.has(sender.host)) return;
    const list = host.ports.get(p.port);
    if (list === undefined) return;
    for (const h of list) {
      if (!acceptsFamily(h, sender.v6)) continue;
      if (!h.any && h.local !== route.address) continue;
      if (h.peerAddress !== undefined && (h.peerAddress !== p.source || h.peerPort !== p.sourcePort)) continue;
      if (route.multicast && !isMember(h, route.address, arrivedOnLoopback, p.source)) continue;
      targets.push(h);
    }
  }

  /** Broadcast and multicast: every matching socket of every reached host gets its own copy. */
  private deliverToMany(p: Packet, route: Route, sender: VirtualHandle): number {
    const origin = sender.host;
    const targets: VirtualHandle[] = [];
    // Only hosts with an address of the family have a network interface to send or receive on.
    const v6 = sender.v6;
    const networked = origin.firstAddress(v6) !== undefined;
    switch (route.kind) {
      case BROADCAST_LOCAL:
        this.collect(p, route, sender, origin, true, targets);
        break;
      case BROADCAST_ALL:
        this.collect(p, route, sender, origin, !networked, targets);
        if (networked) for (const host of this.hosts) if (host !== origin && host.firstAddress(v6) !== undefined) this.collect(p, route, sender, host, false, targets);
        break;
      case BROADCAST_SUBNET:
        for (const host of route.hosts!) this.collect(p, route, sender, host, false, targets);
        break;
      case MULTICAST:
        if (route.viaLoopback) {
          this.collect(p, route, sender, origin, true, targets);
        } else {
          if (sender.multicastLoopback) this.collect(p, route, sender, origin, false, targets);
          if (sender.multicastTTL > 0) {
            for (const host of this.hosts) if (host !== origin && host.firstAddress(v6) !== undefined) this.collect(p, route, sender, host, false, targets);
          }
        }
        break;
    }
    // Copies first: a listener writing into its ArrayBuffer must not change what the others get.
    const data = p.data!;
    const copies = targets.map((_, i) => (i === 0 ? data : data.slice()));
    let receivers = 0;
    for (let i = 0; i < targets.length; i++) {
      const h = targets[i]!;
      if (h.state !== BOUND) continue;
      receivers++;
      const copy = copies[i]!;
      h.sink.message(copy, {
        address: h.v6 && !sender.v6 ? `::ffff:${p.source}` : p.source,
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
 * @throws RangeError (`code` `ERR_OUT_OF_RANGE`) for an option out of range; `UDPSocketError`
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
