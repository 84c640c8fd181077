import type { SchedulerLike } from 'rxjs';
import type { UDPSocketType, UDPDriver, UDPHandleOptions, UDPHandleSink } from '../driver/udp-driver';
import { UDPSocketError } from '../errors';
import { ANY4, ANY6, LIMITED_BROADCAST, LOOPBACK_BROADCAST, canonicalIp, isLoopback, isMulticast, subnetBroadcast } from './ip';
import type { BoundSocket, HostModel, NetworkLink } from './model';
import { osError } from './os-error';
import type { VirtualHost, VirtualHostRef } from './types';
import { VirtualHandle } from './virtual-handle';

/** The Linux ephemeral port range (`net.ipv4.ip_local_port_range`). */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

/** The operations of the network that name a host. */
type HostOperation = 'createUDPSocket' | 'partition' | 'heal' | 'inject';

/** A machine of the network. */
export class Host implements VirtualHost, HostModel {
  readonly addresses: string[] = [];
  readonly driver: UDPDriver;
  readonly ports = new Map<number, BoundSocket[]>();
  readonly cut = new Set<HostModel>();
  private nextPort = EPHEMERAL_FIRST;

  constructor(
    /** The topology it belongs to: a host of another network is not one of ours. */
    readonly topology: Topology,
    link: NetworkLink,
    scheduler: SchedulerLike,
    readonly name: string,
  ) {
    this.driver = {
      scheduler,
      open: (type: UDPSocketType, options: UDPHandleOptions, sink: UDPHandleSink) => new VirtualHandle(link, this, type, options, sink),
    };
  }

  owns(ip: string): boolean {
    return this.addresses.includes(ip);
  }

  firstAddress(v6: boolean): string | undefined {
    for (const address of this.addresses) if (address.includes(':') === v6) return address;
    return undefined;
  }

  /** The next free port of the Linux ephemeral range, in order, wrapping around; 0 when all are taken. */
  ephemeralPort(): number {
    for (let i = EPHEMERAL_FIRST; i <= EPHEMERAL_LAST; i++) {
      const port = this.nextPort;
      this.nextPort = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this.ports.has(port)) return port;
    }
    return 0;
  }

  /** Removes a closed socket from its port. */
  unbind(socket: BoundSocket): void {
    const list = this.ports.get(socket.port);
    if (list === undefined) return;
    const rest = list.filter((s) => s !== socket);
    if (rest.length === 0) this.ports.delete(socket.port);
    else this.ports.set(socket.port, rest);
  }
}

/** Whether two bindings on one port of one host collide (Linux rules, SO_REUSEADDR on both allows it). */
function collides(a: BoundSocket, b: BoundSocket): boolean {
  if (a.reuseAddr && b.reuseAddr) return false;
  const families = a.v6 === b.v6 || (a.v6 && a.any && !a.ipv6Only) || (b.v6 && b.any && !b.ipv6Only);
  if (!families) return false;
  return a.any || b.any || a.local === b.local;
}

/** Whether an address may be a host's own: a unicast IP literal, not loopback, wildcard or broadcast. */
function isHostAddress(ip: string | undefined): ip is string {
  return (
    ip !== undefined &&
    !isLoopback(ip) &&
    !isMulticast(ip) &&
    ip !== ANY4 &&
    ip !== ANY6 &&
    ip !== LIMITED_BROADCAST &&
    !(!ip.includes(':') && ip.endsWith('.255'))
  );
}

/** The hosts of the network, their addresses, /24 subnets, partitions and bound ports. */
export class Topology {
  readonly hosts: Host[] = [];
  readonly localhost: Host;
  /** Unicast address → the host that owns it. */
  readonly owners = new Map<string, Host>();
  /** Directed broadcast address → hosts with an address in that /24. */
  readonly subnets = new Map<string, HostModel[]>();
  /** Number of partitioned host pairs: 0 skips the partition check on the per-datagram path. */
  cuts = 0;

  constructor(
    private readonly link: NetworkLink,
    private readonly scheduler: SchedulerLike,
  ) {
    this.localhost = new Host(this, link, scheduler, 'localhost');
    this.hosts.push(this.localhost);
  }

  /** The host of an address or host of this network, or `undefined`. */
  host(address: VirtualHostRef): Host | undefined {
    if (address instanceof Host) return address.topology === this ? address : undefined;
    if (typeof address !== 'string') return undefined;
    if (address === 'localhost') return this.localhost;
    const ip = canonicalIp(address);
    if (ip === undefined) return undefined;
    if (isLoopback(ip)) return this.localhost;
    return this.owners.get(ip);
  }

  /** The host of `ref`, or a `UDPSocketError` `ERR_INVALID_ADDRESS` thrown for `operation`. */
  resolveHost(ref: VirtualHostRef, operation: HostOperation): Host {
    const host = this.host(ref);
    if (host === undefined) throw new UDPSocketError('ERR_INVALID_ADDRESS', operation, `unknown host ${String(ref)}`);
    return host;
  }

  /** See {@link VirtualNetwork.addHost}; the caller bumps the routes' version. */
  addHost(addresses: string[]): Host {
    if (addresses.length === 0) throw new UDPSocketError('ERR_INVALID_ADDRESS', 'addHost', 'addHost needs at least one address');
    const ips = addresses.map((address) => {
      const ip = typeof address === 'string' ? canonicalIp(address) : undefined;
      if (!isHostAddress(ip)) {
        throw new UDPSocketError('ERR_INVALID_ADDRESS', 'addHost', `a host address must be a unicast IP address, got ${String(address)}`);
      }
      return ip;
    });
    const host = this.owners.get(ips[0]!) ?? new Host(this, this.link, this.scheduler, ips[0]!);
    for (const ip of ips) {
      const owner = this.owners.get(ip);
      if (owner !== undefined && owner !== host) {
        throw new UDPSocketError('EADDRINUSE', 'addHost', `address ${ip} already belongs to host ${owner.name}`);
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
    return host;
  }

  /** Cuts the link between two hosts, both ways. */
  partition(x: Host, y: Host): void {
    if (x === y || x.cut.has(y)) return;
    x.cut.add(y);
    y.cut.add(x);
    this.cuts++;
  }

  /** Restores the link between two hosts. */
  heal(x: Host, y: Host): void {
    if (x.cut.delete(y)) {
      y.cut.delete(x);
      this.cuts--;
    }
  }

  /** Restores every link. */
  healAll(): void {
    for (const host of this.hosts) host.cut.clear();
    this.cuts = 0;
  }

  /** Binds a socket on its host (Linux rules); returns the error, or null. */
  bind(h: BoundSocket, port: number, ip: string | undefined): Error | null {
    if (h.state === 'closed') return osError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'bind');
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
    h.state = 'bound';
    const list = host.ports.get(chosen);
    if (list === undefined) host.ports.set(chosen, [h]);
    else host.ports.set(chosen, [...list, h]);
    return null;
  }
}
