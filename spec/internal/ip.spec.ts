import { SocketAddress, isIP } from 'node:net';
import * as fc from 'fast-check';
import { canonicalIPv6, ipFamily, isPeerAddress, peerAddress } from '../../src/internal/ip';

/** What the WHATWG URL parser makes of an IPv6 host: the reference for canonicalIPv6. */
function urlCanonical(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

const table = [
  '', '1', '1.2.3', '1.2.3.4', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '255.255.255.255', '256.1.1.1',
  '01.2.3.4', '1.02.3.4', '0.0.0.0', '00.0.0.0', '1.2.3.04', '1.2.3.255', '1.2.3.256', '1.2.3.-1', '1.2.3.4 ',
  ' 1.2.3.4', '1.2.3.4\n', '１.2.3.4', '0x1.2.3.4', '1e1.2.3.4', '127.1', '4294967295',
  '::', ':', ':::', '::1', '1::', '1:', ':1', '::1:', '1::2::3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '1:2:3:4::5:6:7:8',
  '12345::', '1234::', 'ffff::', 'FFFF::', 'fffg::', '0000:0000:0000:0000:0000:0000:0000:0001', '00000::1',
  '::ffff:1.2.3.4', '::ffff:01.2.3.4', '::1.2.3.4', '1.2.3.4::', '::ffff:1.2.3', '::ffff:1.2.3.4.5',
  '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '::1.2.3.4:1',
  '1::1.2.3.4', '::ffff:256.1.1.1', '64:ff9b::192.0.2.33', '2001:db8::1', '2001:DB8::1', '2001:db8:0:0:0:0:2:1',
  'fe80::1%eth0', 'fe80::1%', 'fe80::1%%', 'fe80::1%eth0%', 'fe80::1%1', 'fe80::1%a-b.c:d', 'fe80::1%a_b',
  'fe80::1%a b', 'fe80::1%é', '::1%lo', '1.2.3.4%eth0', '1.2.3.4%a:b', '::ffff:1.2.3.4%eth0', '%eth0', '::%x',
  '[::1]', 'localhost', 'example.com', '1:2:3:4:5:6:7:8%x', 'a:b:c:d:e:f:a:b', '::0:0:0', '0::0', ':0:0::',
];

describe('ipFamily', () => {
  it.each(table)('answers %j as node:net isIP does', (input) => {
    expect(ipFamily(input)).toBe(isIP(input));
  });

  it('answers node:net isIP over random strings of address characters', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEFgx.:%-_ '.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 48 }), (s) => ipFamily(s) === isIP(s)),
      { numRuns: 50_000 },
    );
  });

  it('answers node:net isIP over generated addresses and their mutations', () => {
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.ipV6().map((a) => a.toUpperCase()),
      fc.tuple(fc.ipV6(), fc.string({ unit: fc.constantFrom(...'az09-.:_%'.split('')), maxLength: 6 })).map(([a, z]) => `${a}%${z}`),
      fc.ipV4().map((a) => `::ffff:${a}`),
    );
    const mutated = fc
      .tuple(address, fc.nat(), fc.constantFrom('', '0', ':', '.', '::', '%', 'f', '1.2.3.4', 'delete'))
      .map(([a, at, piece]) => {
        const i = at % (a.length + 1);
        return piece === 'delete' ? a.slice(0, i) + a.slice(i + 1) : a.slice(0, i) + piece + a.slice(i);
      });
    fc.assert(
      fc.property(fc.oneof(address, mutated), (s) => ipFamily(s) === isIP(s)),
      { numRuns: 50_000 },
    );
  });

  it('answers 0 for values that are not strings', () => {
    for (const value of [undefined, null, 4, {}, ['1.2.3.4']]) expect(ipFamily(value)).toBe(0);
  });
});

describe('canonicalIPv6', () => {
  it('writes IPv6 literals as the WHATWG URL parser does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`)), (a) => canonicalIPv6(a) === urlCanonical(a)),
      { numRuns: 20_000 },
    );
  });

  it.each(table.filter((s) => isIP(s) === 6))('writes %j as the WHATWG URL parser does, zone removed', (input) => {
    const zone = input.indexOf('%');
    expect(canonicalIPv6(input)).toBe(urlCanonical(zone < 0 ? input : input.slice(0, zone)));
  });

  it('answers undefined for what is not an IPv6 literal', () => {
    for (const value of ['1.2.3.4', 'localhost', '1::2::3', 'fe80::1%']) expect(canonicalIPv6(value)).toBeUndefined();
  });
});

describe('peerAddress', () => {
  /** How node writes the source of a datagram from `address` (inet_ntop). */
  const nodeForm = (address: string): string => new SocketAddress({ address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' }).address;

  it.each(table.filter((s) => isIP(s) !== 0))('gives %j the form it gives node’s spelling of the same address', (input) => {
    expect(peerAddress(input)).toBe(peerAddress(nodeForm(input)));
  });

  it.each([
    ['FD00:0:0::1', 'fd00::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:a00:1', '10.0.0.1'],
    ['10.0.0.1', '10.0.0.1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('writes %j as %j', (input, form) => {
    expect(peerAddress(input)).toBe(form);
  });

  it('gives two spellings one form exactly when node sees one address (random IPv6 addresses, random spellings)', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const address = fc.array(fc.oneof(group, fc.constant(0)), { minLength: 8, maxLength: 8 });
    /** One spelling of `groups`: random case and leading zeros, `::` for a random zero run. */
    const spelling = (groups: number[], style: { upper: boolean; pad: boolean; compress: boolean }): string => {
      const parts = groups.map((g) => {
        const hex = style.pad ? g.toString(16).padStart(4, '0') : g.toString(16);
        return style.upper ? hex.toUpperCase() : hex;
      });
      if (!style.compress) return parts.join(':');
      const zero = groups.indexOf(0);
      if (zero < 0) return parts.join(':');
      let end = zero;
      while (end < 8 && groups[end] === 0) end++;
      return `${parts.slice(0, zero).join(':')}::${parts.slice(end).join(':')}`;
    };
    const style = fc.record({ upper: fc.boolean(), pad: fc.boolean(), compress: fc.boolean() });
    fc.assert(
      fc.property(address, address, style, style, (a, b, sa, sb) => {
        const x = spelling(a, sa);
        const y = spelling(b, sb);
        expect(isIP(x)).toBe(6);
        expect(peerAddress(x) === peerAddress(y)).toBe(nodeForm(x) === nodeForm(y));
        expect(peerAddress(x)).toBe(peerAddress(nodeForm(x)));
      }),
    );
  });

  it('answers undefined for what is not an IP literal', () => {
    for (const s of ['', 'localhost', 'dns.example', '1.2.3', '[::1]', '::1%']) expect(peerAddress(s)).toBeUndefined();
  });
});

describe('isPeerAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', true],
    ['10.0.0.1', '::ffff:10.0.0.1', true],
    ['fd00::1', 'FD00:0:0::1', true],
    ['fd00::1', 'fd00::2', false],
    ['10.0.0.1', '10.0.0.2', false],
    ['10.0.0.1', '::ffff:10.0.0.2', false],
  ] as const)('answers whether %j is written %j: %s', (form, actual, same) => {
    expect(isPeerAddress(form, actual)).toBe(same);
  });
});
