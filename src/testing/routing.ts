import { ANY4, ANY6, LIMITED_BROADCAST, LOOPBACK4, LOOPBACK6, LOOPBACK_BROADCAST, isLoopback, isMulticast, subnetBroadcast } from './ip';
import type { BoundSocket, HostModel, Route } from './model';
import type { Topology } from './topology';

/** Whether a bound socket takes datagrams of this family. udp6 on `::` without ipv6Only also takes IPv4. */
function acceptsFamily(h: BoundSocket, v6: boolean): boolean {
  return h.v6 === v6 || (!v6 && h.any && !h.ipv6Only);
}

/** Whether a socket is a member of `group` on the interface kind a datagram arrived on, for `source`. */
function isMember(h: BoundSocket, group: string, onLoopback: boolean, source: string): boolean {
  for (const m of h.memberships) {
    if (m.group === group && m.onLoopback === onLoopback && (m.source === undefined || m.source === source)) return true;
  }
  return false;
}

/** Adds the sockets of `host` that take a broadcast or multicast datagram to `targets`. */
function collect(
  route: Route,
  sender: BoundSocket,
  port: number,
  source: string,
  sourcePort: number,
  host: HostModel,
  arrivedOnLoopback: boolean,
  targets: BoundSocket[],
): void {
  if (host !== sender.host && host.cut.has(sender.host)) return;
  const list = host.ports.get(port);
  if (list === undefined) return;
  for (const h of list) {
    if (!acceptsFamily(h, sender.v6)) continue;
    if (!h.any && h.local !== route.address) continue;
    if (h.peerAddress !== undefined && (h.peerAddress !== source || h.peerPort !== sourcePort)) continue;
    if (route.multicast && !isMember(h, route.address, arrivedOnLoopback, source)) continue;
    targets.push(h);
  }
}

/**
 * Where datagrams go: the route from a socket to an address, and the sockets that receive a
 * datagram when it arrives. A class rather than module functions: the per-datagram path calls
 * its methods, and under tsx (esbuild's CommonJS output) every call to another module's export
 * goes through a getter, which cost the driver benchmark ~8 %.
 */
export class Router {
  constructor(private readonly topology: Topology) {}

  /**
   * Computes where datagrams from `h` to `ip` go, as Linux routes them: loopback stays on the
   * host, a socket bound to a loopback address reaches no other host, broadcast needs
   * `SO_BROADCAST` (checked at send), multicast leaves through the chosen interface.
   *
   * @param version - the topology version the route is valid for.
   * @param h - the sending socket.
   * @param ip - a canonical destination address.
   */
  route(version: number, h: BoundSocket, ip: string): Route {
    const v6 = h.v6;
    const host = h.host;
    const loopback = v6 ? LOOPBACK6 : LOOPBACK4;
    const route: Route = {
      version,
      kind: 'unicast',
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
      route.kind = 'multicast';
      route.multicast = true;
      route.viaLoopback = isLoopback(iface);
      route.source = iface;
      return route;
    }
    if (!v6 && ip === LOOPBACK_BROADCAST) {
      route.kind = 'loopback-broadcast';
      route.broadcast = true;
      return route;
    }
    if (!v6 && ip === LIMITED_BROADCAST) {
      route.kind = 'limited-broadcast';
      route.broadcast = true;
      route.source = host.firstAddress(false) ?? loopback;
      return route;
    }
    if (isLoopback(ip) || ip === ANY4 || ip === ANY6) {
      // Sending to the wildcard reaches the host itself, as on Linux.
      if (ip === ANY4 || ip === ANY6) route.address = loopback;
      return route;
    }
    const owner = this.topology.owners.get(ip);
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
    const members = v6 ? undefined : this.topology.subnets.get(ip);
    if (members !== undefined && members.includes(host)) {
      route.kind = 'subnet-broadcast';
      route.broadcast = true;
      route.hosts = members;
      route.source = host.addresses.find((a) => subnetBroadcast(a) === ip && !a.includes(':')) ?? source;
      return route;
    }
    route.kind = 'unreachable';
    route.host = null;
    return route;
  }

  /**
   * The socket a unicast datagram goes to: the most specific match (bound address, connected
   * peer, family), the latest bound on ties; `null` when none takes it.
   */
  unicastReceiver(host: HostModel, port: number, address: string, v6: boolean, source: string, sourcePort: number): BoundSocket | null {
    const list = host.ports.get(port);
    if (list === undefined) return null;
    let best: BoundSocket | null = null;
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

  /**
   * Every socket a broadcast or multicast datagram reaches, on every host it reaches
   * (partitioned hosts excluded), in host order then bind order.
   */
  groupReceivers(route: Route, sender: BoundSocket, port: number, source: string, sourcePort: number): BoundSocket[] {
    const hosts = this.topology.hosts;
    const origin = sender.host;
    const targets: BoundSocket[] = [];
    // Only hosts with an address of the family have a network interface to send or receive on.
    const v6 = sender.v6;
    const networked = origin.firstAddress(v6) !== undefined;
    const add = (host: HostModel, onLoopback: boolean): void => collect(route, sender, port, source, sourcePort, host, onLoopback, targets);
    switch (route.kind) {
      case 'loopback-broadcast':
        add(origin, true);
        break;
      case 'limited-broadcast':
        add(origin, !networked);
        if (networked) for (const host of hosts) if (host !== origin && host.firstAddress(v6) !== undefined) add(host, false);
        break;
      case 'subnet-broadcast':
        for (const host of route.hosts!) add(host, false);
        break;
      case 'multicast':
        if (route.viaLoopback) {
          add(origin, true);
        } else {
          if (sender.multicastLoopback) add(origin, false);
          if (sender.multicastTTL > 0) {
            for (const host of hosts) if (host !== origin && host.firstAddress(v6) !== undefined) add(host, false);
          }
        }
        break;
    }
    return targets;
  }
}
