import { canonicalIPv6, ipFamily } from '../internal/ip';

/** The IPv4 wildcard address. */
export const ANY4 = '0.0.0.0';
/** The IPv6 wildcard address. */
export const ANY6 = '::';
/** The IPv4 loopback address used as source on the loopback. */
export const LOOPBACK4 = '127.0.0.1';
/** The IPv6 loopback address. */
export const LOOPBACK6 = '::1';
/** The IPv4 limited broadcast address. */
export const LIMITED_BROADCAST = '255.255.255.255';
/** The broadcast address of the IPv4 loopback network (127.0.0.0/8). */
export const LOOPBACK_BROADCAST = '127.255.255.255';

const canonical6 = new Map<string, string>();

/**
 * The canonical text of an IP literal: IPv4 as given, IPv6 compressed and lower case
 * (`0:0:0:0:0:0:0:1` → `::1`), an optional zone (`%lo`) removed.
 *
 * @param address - an IP literal.
 * @returns the canonical form, or `undefined` when `address` is not an IP literal.
 * @example
 * canonicalIp('0:0::1'); // '::1'
 */
export function canonicalIp(address: string): string | undefined {
  const family = ipFamily(address);
  if (family === 4) return address;
  if (family === 0) return undefined;
  let text = canonical6.get(address);
  if (text === undefined) {
    text = canonicalIPv6(address)!;
    if (canonical6.size < 10_000) canonical6.set(address, text);
  }
  return text;
}

/**
 * Whether an IP literal is a loopback address (127.0.0.0/8 or `::1`).
 * @param address - a canonical IP literal.
 * @returns true for loopback addresses.
 * @example
 * isLoopback('127.0.0.5'); // true
 */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === LOOPBACK6;
}

/**
 * Whether an IP literal is a multicast group address (224.0.0.0/4 or ff00::/8).
 * @param address - a canonical IP literal.
 * @returns true for multicast addresses.
 * @example
 * isMulticast('239.1.2.3'); // true
 */
export function isMulticast(address: string): boolean {
  if (address.includes(':')) return address.startsWith('ff');
  const first = Number(address.slice(0, address.indexOf('.')));
  return first >= 224 && first <= 239;
}

/**
 * The broadcast address of the /24 network of an IPv4 address (`10.0.0.7` → `10.0.0.255`).
 * @param address - an IPv4 literal.
 * @returns the directed broadcast address of its /24.
 * @example
 * subnetBroadcast('10.0.0.7'); // '10.0.0.255'
 */
export function subnetBroadcast(address: string): string {
  return `${address.slice(0, address.lastIndexOf('.'))}.255`;
}
