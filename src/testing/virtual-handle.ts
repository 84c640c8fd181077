import type {
  UDPAddressInfo,
  UDPSocketType,
  UDPDoneCallback,
  UDPHandle,
  UDPHandleOptions,
  UDPHandleSink,
} from '../driver/udp-driver';
import { ANY4, ANY6, LOOPBACK4, LOOPBACK6, canonicalIp, isLoopback, isMulticast } from './ip';
import type { BoundSocket, HandleState, HostModel, Membership, NetworkLink, Route } from './model';
import { osError } from './os-error';

const DEFAULT_BUFFER = 212992;

/** A send waiting for its hostname lookup. */
interface WaitingSend {
  readonly done: UDPDoneCallback | undefined;
}
const MAX_BUFFER = 2 * 4194304;

/**
 * One socket of the virtual network: the {@link UDPHandle} the socket layer drives. Its state is
 * read directly by the network on the per-datagram path, hence the public fields.
 */
export class VirtualHandle implements UDPHandle, BoundSocket {
  state: HandleState = 'unbound';
  readonly v6: boolean;
  readonly family: 'IPv4' | 'IPv6';
  /** Bound local address (canonical); the wildcard when `any`. */
  local: string;
  port = 0;
  /** Bound to the wildcard address: receives on every address of the host. */
  any = true;
  /** Bound to the wildcard before `connect` fixed the local address. */
  anyBeforeConnect = false;
  peerAddress: string | undefined = undefined;
  peerPort = 0;
  peerRoute: Route | undefined = undefined;
  broadcast = false;
  ttl = 64;
  multicastTTL = 1;
  multicastLoopback = true;
  /** Canonical interface address for multicast sends, or undefined for the host's default. */
  multicastInterface: string | undefined = undefined;
  memberships: Membership[] = [];
  recvBufferSize = DEFAULT_BUFFER;
  sendBufferSize = DEFAULT_BUFFER;
  readonly reuseAddr: boolean;
  readonly ipv6Only: boolean;
  /** Sends resolving their hostname. */
  private waiting: Set<WaitingSend> | undefined = undefined;
  /** Route cache of the last destination text sent to. */
  lastDestination = '';
  lastRoute: Route | undefined = undefined;

  constructor(
    readonly net: NetworkLink,
    readonly host: HostModel,
    readonly type: UDPSocketType,
    private readonly options: UDPHandleOptions,
    readonly sink: UDPHandleSink,
  ) {
    this.v6 = type === 'udp6';
    this.family = this.v6 ? 'IPv6' : 'IPv4';
    this.local = this.v6 ? ANY6 : ANY4;
    this.reuseAddr = options.reuseAddr === true;
    this.ipv6Only = options.ipv6Only === true;
  }

  /** Resolves an IP literal, `localhost` or (through the `lookup` option) a hostname. */
  private resolve(address: string, syscall: string, callback: (error: Error | null, ip: string) => void): void {
    const ip = canonicalIp(address);
    if (ip !== undefined) return callback(null, ip);
    if (address === 'localhost') return callback(null, this.v6 ? LOOPBACK6 : LOOPBACK4);
    const lookup = this.options.lookup;
    if (lookup === undefined) return callback(osError('ENOTFOUND', syscall === 'bind' ? 'getaddrinfo' : syscall, address), '');
    lookup(address, this.v6 ? 6 : 4, (error, resolved) => {
      if (this.state === 'closed') return;
      const ip = error === null ? canonicalIp(resolved) : undefined;
      if (ip === undefined) callback(error ?? osError('ENOTFOUND', 'getaddrinfo', address), '');
      else callback(null, ip);
    });
  }

  private checkOpen(syscall: string): void {
    if (this.state === 'closed') throw osError('ERR_SOCKET_DGRAM_NOT_RUNNING', syscall);
  }

  bind(port: number, address: string | undefined, done: UDPDoneCallback): void {
    this.checkOpen('bind');
    if (this.state === 'bound') throw osError('ERR_SOCKET_ALREADY_BOUND', 'bind');
    if (address === undefined) return done(this.net.bind(this, port, undefined));
    this.resolve(address, 'bind', (error, ip) => done(error ?? this.net.bind(this, port, ip)));
  }

  connect(port: number, address: string, done: UDPDoneCallback): void {
    this.checkOpen('connect');
    if (this.peerAddress !== undefined) throw osError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'connect');
    if (this.state === 'unbound') {
      const error = this.net.bind(this, 0, undefined);
      if (error !== null) return done(error);
    }
    this.resolve(address, 'connect', (error, ip) => {
      if (error !== null) return done(error);
      const route = this.net.route(this, ip);
      if (route.error !== undefined) return done(osError(route.error, 'connect', ip, port));
      if (route.broadcast && !this.broadcast) return done(osError('EACCES', 'connect', ip, port));
      this.peerAddress = route.address; // 0.0.0.0 / :: mean the loopback, as on Linux
      this.peerPort = port;
      this.peerRoute = route;
      if (this.any && !route.multicast) {
        // Linux fixes the local address at connect: getsockname() now shows the source address.
        this.anyBeforeConnect = true;
        this.any = false;
        this.local = route.source;
      }
      this.lastDestination = '';
      done(null);
    });
  }

  disconnect(): void {
    this.checkOpen('disconnect');
    if (this.peerAddress === undefined) throw osError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'disconnect');
    this.peerAddress = undefined;
    this.peerPort = 0;
    this.peerRoute = undefined;
    if (this.anyBeforeConnect) {
      this.anyBeforeConnect = false;
      this.any = true;
      this.local = this.v6 ? ANY6 : ANY4;
    }
    this.lastDestination = '';
  }

  send(
    data: Uint8Array,
    offset: number,
    length: number,
    port: number | undefined,
    address: string | undefined,
    done?: UDPDoneCallback,
  ): void {
    const net = this.net;
    if (this.state !== 'bound') {
      if (this.state === 'closed') return net.fail(this, osError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'send'), done);
      const error = net.bind(this, 0, undefined);
      if (error !== null) return net.fail(this, error, done);
    }
    if (port === undefined) {
      if (this.peerAddress === undefined) return net.fail(this, osError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'send'), done);
      let route = this.peerRoute!;
      if (route.version !== net.version) route = this.peerRoute = net.route(this, this.peerAddress);
      return net.transmit(this, data, offset, length, this.peerPort, route, done);
    }
    if (this.peerAddress !== undefined) return net.fail(this, osError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'send'), done);
    const text = address!;
    let route = this.lastRoute;
    if (text === this.lastDestination && route !== undefined && route.version === net.version) {
      return net.transmit(this, data, offset, length, port, route, done);
    }
    // IP literals and localhost resolve synchronously: route now and cache the route by the text.
    const ip = canonicalIp(text) ?? (text === 'localhost' ? (this.v6 ? LOOPBACK6 : LOOPBACK4) : undefined);
    if (ip !== undefined) {
      route = net.route(this, ip);
      this.lastDestination = text;
      this.lastRoute = route;
      return net.transmit(this, data, offset, length, port, route, done);
    }
    this.sendToHostname(data.slice(offset, offset + length), port, text, done);
  }

  /**
   * Resolves a hostname, then sends `copy` (the caller may reuse its buffer meanwhile). A method
   * of its own: a closure in `send` would make V8 allocate its context on every datagram.
   */
  private sendToHostname(copy: Uint8Array, port: number, hostname: string, done: UDPDoneCallback | undefined): void {
    const net = this.net;
    // Tracked until resolved, so that close() completes it (the answer is dropped once closed).
    const waiting: WaitingSend = { done };
    (this.waiting ??= new Set()).add(waiting);
    this.resolve(hostname, 'send', (error, resolved) => {
      if (this.waiting?.delete(waiting) !== true) return;
      if (error !== null) return net.fail(this, error, done);
      net.transmit(this, copy, 0, copy.byteLength, port, net.route(this, resolved), done);
    });
  }

  address(): UDPAddressInfo {
    if (this.state !== 'bound') throw osError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'getsockname');
    return { address: this.local, family: this.family, port: this.port };
  }

  remoteAddress(): UDPAddressInfo {
    this.checkOpen('getpeername');
    if (this.peerAddress === undefined) throw osError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'getpeername');
    return { address: this.peerAddress, family: this.family, port: this.peerPort };
  }

  setTTL(ttl: number): void {
    this.checkOpen('setTTL');
    // Linux accepts 1-255 for IP_TTL / IPV6_UNICAST_HOPS and refuses 0.
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw osError('EINVAL', 'setTTL');
    this.ttl = ttl;
  }

  setBroadcast(flag: boolean): void {
    this.checkOpen('setBroadcast');
    this.broadcast = flag;
  }

  setMulticastTTL(ttl: number): void {
    this.checkOpen('setMulticastTTL');
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw osError('EINVAL', 'setMulticastTTL');
    this.multicastTTL = ttl;
  }

  setMulticastLoopback(flag: boolean): void {
    this.checkOpen('setMulticastLoopback');
    this.multicastLoopback = flag;
  }

  setMulticastInterface(interfaceAddress: string): void {
    this.checkOpen('setMulticastInterface');
    const ip = canonicalIp(interfaceAddress);
    if (ip === undefined || ip.includes(':') !== this.v6) throw osError('EINVAL', 'setMulticastInterface');
    if (ip === ANY4 || ip === ANY6) {
      this.multicastInterface = undefined;
      return;
    }
    if (!isLoopback(ip) && !this.host.owns(ip)) throw osError('EADDRNOTAVAIL', 'setMulticastInterface');
    this.multicastInterface = ip;
    this.lastDestination = '';
  }

  /** Validates a membership change and finds the membership it is about. */
  private membership(
    syscall: string,
    source: string | undefined,
    group: string,
    interfaceAddress: string | undefined,
  ): { index: number; membership: Membership } {
    this.checkOpen(syscall);
    const g = canonicalIp(group);
    const s = source === undefined ? undefined : canonicalIp(source);
    if (g === undefined || !isMulticast(g) || g.includes(':') !== this.v6) throw osError('EINVAL', syscall);
    if (source !== undefined && (s === undefined || s.includes(':') !== this.v6)) throw osError('EINVAL', syscall);
    let onLoopback: boolean;
    const iface = interfaceAddress === undefined ? undefined : canonicalIp(interfaceAddress);
    if (iface === undefined || iface === ANY4 || iface === ANY6) {
      if (interfaceAddress !== undefined && iface === undefined) throw osError('EINVAL', syscall);
      onLoopback = this.host.firstAddress(this.v6) === undefined;
    } else if (isLoopback(iface)) {
      onLoopback = true;
    } else if (this.host.owns(iface)) {
      onLoopback = false;
    } else {
      throw osError(syscall.startsWith('add') ? 'ENODEV' : 'EADDRNOTAVAIL', syscall);
    }
    const memberships = this.memberships;
    let index = -1;
    for (let i = 0; i < memberships.length; i++) {
      const m = memberships[i]!;
      if (m.group === g && m.onLoopback === onLoopback && m.source === s) index = i;
    }
    return { index, membership: { group: g, onLoopback, source: s } };
  }

  addMembership(group: string, interfaceAddress?: string): void {
    const { index, membership } = this.membership('addMembership', undefined, group, interfaceAddress);
    if (index >= 0) throw osError('EADDRINUSE', 'addMembership');
    this.memberships = [...this.memberships, membership];
  }

  dropMembership(group: string, interfaceAddress?: string): void {
    const { index } = this.membership('dropMembership', undefined, group, interfaceAddress);
    if (index < 0) throw osError('EADDRNOTAVAIL', 'dropMembership');
    this.memberships = this.memberships.filter((_, i) => i !== index);
  }

  addSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void {
    const { index, membership } = this.membership('addSourceSpecificMembership', source, group, interfaceAddress);
    if (index >= 0) throw osError('EADDRINUSE', 'addSourceSpecificMembership');
    this.memberships = [...this.memberships, membership];
  }

  dropSourceSpecificMembership(source: string, group: string, interfaceAddress?: string): void {
    const { index } = this.membership('dropSourceSpecificMembership', source, group, interfaceAddress);
    if (index < 0) throw osError('EADDRNOTAVAIL', 'dropSourceSpecificMembership');
    this.memberships = this.memberships.filter((_, i) => i !== index);
  }

  /** Linux doubles the requested size and clamps it (SO_RCVBUF: 2304 minimum, SO_SNDBUF: 4608). */
  setRecvBufferSize(size: number): void {
    this.checkOpen('setRecvBufferSize');
    this.recvBufferSize = Math.min(Math.max(size * 2, 2304), MAX_BUFFER);
  }

  setSendBufferSize(size: number): void {
    this.checkOpen('setSendBufferSize');
    this.sendBufferSize = Math.min(Math.max(size * 2, 4608), MAX_BUFFER);
  }

  getRecvBufferSize(): number {
    this.checkOpen('getRecvBufferSize');
    return this.recvBufferSize;
  }

  getSendBufferSize(): number {
    this.checkOpen('getSendBufferSize');
    return this.sendBufferSize;
  }

  /** Datagrams leave at once: the send queue is always empty. */
  getSendQueueSize(): number {
    return 0;
  }

  getSendQueueCount(): number {
    return 0;
  }

  /** The network holds no event-loop handle of its own: nothing to ref. */
  ref(): void {}

  unref(): void {}

  close(): void {
    if (this.state === 'closed') return;
    if (this.state === 'bound') this.host.unbind(this);
    this.state = 'closed';
    // A send still resolving its hostname learns that it was never sent.
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) {
      for (const { done } of waiting) if (done !== undefined) this.net.fail(this, osError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'send'), done);
    }
    this.memberships = [];
    this.peerAddress = undefined;
    this.peerRoute = undefined;
    this.lastRoute = undefined;
  }
}
