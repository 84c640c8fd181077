/**
 * IP literals without node:net: the platform-free core checks addresses with these, so a browser
 * or mini-program bundle needs no Node module. The grammar is exactly that of node's `isIP`
 * (`spec/internal/ip.spec.ts` compares the two over many inputs): dotted-quad IPv4 without leading
 * zeros, IPv6 with at most one `::`, an optional embedded IPv4 tail and an optional zone
 * (`%eth0`, letters, digits, `-`, `.`, `:`).
 */

// Character codes.
const ZERO = 48;
const NINE = 57;
const DOT = 46;
const COLON = 58;
const DASH = 45;
const UPPER_A = 65;
const UPPER_F = 70;
const UPPER_Z = 90;
const LOWER_A = 97;
const LOWER_F = 102;
const LOWER_Z = 122;

/** The value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= LOWER_A && c <= LOWER_F) return c - LOWER_A + 10;
  if (c >= UPPER_A && c <= UPPER_F) return c - UPPER_A + 10;
  return -1;
}

/** Whether `s[start, end)` is a dotted-quad IPv4 address (0–255 each, no leading zero). */
function isIPv4Range(s: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (true) {
    const first = i;
    let value = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
      i++;
      if (i - first > 3) return false;
    }
    const digits = i - first;
    if (digits === 0 || value > 255 || (digits > 1 && s.charCodeAt(first) === ZERO)) return false;
    parts++;
    if (parts === 4) return i === end;
    if (i >= end || s.charCodeAt(i) !== DOT) return false;
    i++;
  }
}

/** Whether `c` may appear in a zone id (what node accepts after `%`). */
function isZoneChar(c: number): boolean {
  return (
    (c >= ZERO && c <= NINE) ||
    (c >= LOWER_A && c <= LOWER_Z) ||
    (c >= UPPER_A && c <= UPPER_Z) ||
    c === DASH ||
    c === DOT ||
    c === COLON
  );
}

/**
 * Parses an IPv6 literal (without zone) in `s[0, end)` into 8 groups.
 * @returns the groups, or `undefined` when it is not one.
 */
function parseIPv6(s: string, end: number): number[] | undefined {
  const groups: number[] = [];
  let gap = -1; // where `::` stands, as an index into groups
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === COLON) {
    if (s.charCodeAt(1) !== COLON) return undefined;
    gap = 0;
    i = 2;
    if (i === end) return fill(groups, gap);
  }
  while (true) {
    // One group (or an IPv4 tail) starts at i.
    const first = i;
    let value = 0;
    while (i < end && i - first < 5) {
      const v = hexValue(s.charCodeAt(i));
      if (v < 0) break;
      value = value * 16 + v;
      i++;
    }
    const digits = i - first;
    if (i < end && s.charCodeAt(i) === DOT) {
      // An IPv4 tail: it ends the address and takes two groups.
      if (groups.length > (gap < 0 ? 6 : 5) || !isIPv4Range(s, first, end)) return undefined;
      let octet = 0;
      const tail: number[] = [];
      for (let k = first; k <= end; k++) {
        const c = k < end ? s.charCodeAt(k) : DOT;
        if (c === DOT) {
          tail.push(octet);
          octet = 0;
        } else {
          octet = octet * 10 + (c - ZERO);
        }
      }
      groups.push(tail[0]! * 256 + tail[1]!, tail[2]! * 256 + tail[3]!);
      return gap < 0 ? (groups.length === 8 ? groups : undefined) : fill(groups, gap);
    }
    if (digits === 0 || digits > 4) return undefined;
    groups.push(value);
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return undefined;
    i++;
    if (i < end && s.charCodeAt(i) === COLON) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return undefined; // a single trailing colon
    }
    if (groups.length > 8) return undefined;
  }
  if (gap < 0) return groups.length === 8 ? groups : undefined;
  return fill(groups, gap);
}

/** Expands `::` at `gap` with zero groups; `::` stands for at least one group. */
function fill(groups: number[], gap: number): number[] | undefined {
  const missing = 8 - groups.length;
  if (missing < 1) return undefined;
  const zeros: number[] = [];
  for (let k = 0; k < missing; k++) zeros.push(0);
  return groups.slice(0, gap).concat(zeros, groups.slice(gap));
}

/** Where the zone of an IPv6 literal starts (the index of `%`), `s.length` without one, -1 when malformed. */
function zoneStart(s: string): number {
  const percent = s.indexOf('%');
  if (percent < 0) return s.length;
  if (percent === s.length - 1) return -1;
  for (let k = percent + 1; k < s.length; k++) if (!isZoneChar(s.charCodeAt(k))) return -1;
  return percent;
}

/**
 * The family of an IP literal, as node's `net.isIP` answers it.
 *
 * @param s - any value.
 * @returns `4` for an IPv4 literal, `6` for an IPv6 literal (with or without zone), `0` otherwise.
 * @example
 * ipFamily('127.0.0.1'); // 4
 * ipFamily('fe80::1%eth0'); // 6
 * ipFamily('localhost'); // 0
 */
export function ipFamily(s: unknown): 0 | 4 | 6 {
  if (typeof s !== 'string' || s.length === 0) return 0;
  if (s.length <= 15 && isIPv4Range(s, 0, s.length)) return 4;
  if (s.indexOf(':') < 0) return 0;
  const end = zoneStart(s);
  return end > 0 && parseIPv6(s, end) !== undefined ? 6 : 0;
}

/**
 * The canonical text of an IPv6 literal, as the WHATWG URL parser writes a host (`new URL()` is not
 * in every runtime): zone removed, lower-case hex without leading zeros, the first longest run of
 * two or more zero groups as `::`, an embedded IPv4 tail written as hex groups.
 *
 * @param s - an IPv6 literal, with or without zone.
 * @returns its canonical text, or `undefined` when `s` is not an IPv6 literal.
 * @example
 * canonicalIPv6('0:0:0:0:0:0:0:1'); // '::1'
 * canonicalIPv6('::ffff:1.2.3.4'); // '::ffff:102:304'
 */
export function canonicalIPv6(s: string): string | undefined {
  const end = zoneStart(s);
  const groups = end > 0 ? parseIPv6(s, end) : undefined;
  if (groups === undefined) return undefined;
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let run = k;
    while (run < 8 && groups[run] === 0) run++;
    if (run - k > bestLength) {
      bestStart = k;
      bestLength = run - k;
    }
    k = run;
  }
  let text = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      text += k === 0 ? '::' : ':';
      k += bestLength - 1;
      continue;
    }
    text += groups[k]!.toString(16);
    if (k < 7) text += ':';
  }
  return text;
}

/**
 * An IP literal in one form per address, the form to compare a datagram's source with: IPv4 as
 * it is; IPv6 as {@link canonicalIPv6} writes it (lower-case, `::` for the first longest zero run,
 * zone removed); an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack socket sees an
 * IPv4 peer) as that IPv4 address.
 *
 * @param s - any string.
 * @returns its form, or `undefined` when `s` is not an IP literal.
 * @example
 * peerAddress('FD00:0:0::1'); // 'fd00::1'
 * peerAddress('::ffff:10.0.0.1'); // '10.0.0.1'
 * peerAddress('dns.example'); // undefined
 */
export function peerAddress(s: string): string | undefined {
  if (s.length <= 15 && isIPv4Range(s, 0, s.length)) return s;
  if (s.indexOf(':') < 0) return undefined;
  const end = zoneStart(s);
  const groups = end > 0 ? parseIPv6(s, end) : undefined;
  if (groups === undefined) return undefined;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const high = groups[6]!;
    const low = groups[7]!;
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return canonicalIPv6(s);
}

/**
 * Whether `actual`, an address as a socket writes a datagram's source, is the address whose
 * {@link peerAddress} form is `form`: the same text, or (only then is it parsed) another spelling
 * of it — `::ffff:a.b.c.d` for an IPv4 peer of a dual-stack socket, or IPv6 written otherwise.
 *
 * @param form - an address in the form `peerAddress` gives.
 * @param actual - the address to compare.
 * @example
 * isPeerAddress('10.0.0.1', '::ffff:10.0.0.1'); // true
 * isPeerAddress('fd00::1', 'FD00:0:0::1'); // true
 */
export function isPeerAddress(form: string, actual: string): boolean {
  return actual === form || (actual.indexOf(':') >= 0 && peerAddress(actual) === form);
}
