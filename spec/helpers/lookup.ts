import type { UDPLookupFunction } from 'rxjs-udp';

/** The error getaddrinfo reports for a name that does not exist, as node's `dns.lookup` shapes it. */
export function notFound(hostname: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
}

/**
 * A hermetic resolver for tests: answers the names of `hosts` (synchronously, as `/etc/hosts`
 * would) and `ENOTFOUND` for every other name, without asking the machine's resolver.
 * @param hosts - hostname → IP address.
 */
export function hostsLookup(hosts: Readonly<Record<string, string>> = {}): UDPLookupFunction {
  return (hostname, family, callback) => {
    const address = Object.prototype.hasOwnProperty.call(hosts, hostname) ? hosts[hostname] : undefined;
    if (address === undefined) callback(notFound(hostname), '', family);
    else callback(null, address, address.includes(':') ? 6 : 4);
  };
}
