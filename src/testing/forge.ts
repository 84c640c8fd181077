import { UDPSocketError } from '../errors';
import { checkPort, describe, unreadableOption } from '../internal/validators';
import { toBytes } from '../socket/bytes';
import { ANY4, ANY6, LIMITED_BROADCAST, canonicalIp, isMulticast } from './ip';
import type { ForgedDatagram } from './types';

/** A {@link ForgedDatagram} checked and read once: canonical addresses, a private copy of the payload. */
export interface Forgery {
  source: string;
  sourcePort: number;
  address: string;
  port: number;
  v6: boolean;
  data: Uint8Array;
  at: number;
}

function badAddress(reason: string): UDPSocketError {
  return new UDPSocketError('ERR_INVALID_ADDRESS', 'inject', reason);
}

/** An address (`{ address, port }`) read once; throws what reading it threw as ERR_INVALID_ARG_TYPE. */
function endpoint(name: string, value: unknown): { address: unknown; port: unknown } {
  if (value === null || typeof value !== 'object') {
    throw new UDPSocketError('ERR_INVALID_ARG_TYPE', 'inject', `${name} must be an object { address, port }, got ${describe(value)}`);
  }
  const { address, port } = value as { address: unknown; port: unknown };
  return { address, port };
}

/**
 * Checks and reads a datagram for {@link VirtualNetwork.inject}.
 *
 * @param datagram - what the caller passed.
 * @param now - the scheduler's time: `at` may not be earlier.
 * @param maxPayload - the largest payload of a family (protocol limit and `mtu`).
 * @returns the forgery.
 * @throws UDPSocketError with operation `'inject'` for anything that could not be on the wire.
 */
export function forge(datagram: ForgedDatagram, now: number, maxPayload: (v6: boolean) => number): Forgery {
  if (datagram === null || typeof datagram !== 'object') {
    throw new UDPSocketError('ERR_INVALID_ARG_TYPE', 'inject', `inject expects { from, to, message, at? }, got ${describe(datagram)}`);
  }
  let from: { address: unknown; port: unknown };
  let to: { address: unknown; port: unknown };
  let message: unknown;
  let at: unknown;
  try {
    from = endpoint('from', datagram.from);
    to = endpoint('to', datagram.to);
    ({ message, at } = datagram);
  } catch (thrown) {
    throw thrown instanceof UDPSocketError ? thrown : unreadableOption('inject', thrown);
  }
  const source = typeof from.address === 'string' ? canonicalIp(from.address) : undefined;
  if (source === undefined) throw badAddress(`from.address must be an IP address, got ${describe(from.address)}`);
  const address = typeof to.address === 'string' ? canonicalIp(to.address) : undefined;
  if (address === undefined) throw badAddress(`to.address must be an IP address, got ${describe(to.address)}`);
  const v6 = address.includes(':');
  if (source.includes(':') !== v6) throw badAddress(`from.address ${source} and to.address ${address} are of different families`);
  if (isMulticast(address) || address === ANY4 || address === ANY6 || (!v6 && address.endsWith('.255')) || address === LIMITED_BROADCAST) {
    throw badAddress(`inject delivers to unicast addresses only, got ${address}`);
  }
  const portError = checkPort('inject', from.port, true) ?? checkPort('inject', to.port, false);
  if (portError !== undefined) throw portError;
  const bytes = toBytes('inject', message, undefined, undefined);
  if (bytes instanceof UDPSocketError) throw bytes;
  if (bytes.byteLength > maxPayload(v6)) {
    throw new UDPSocketError('EMSGSIZE', 'inject', `message of ${bytes.byteLength} bytes is larger than ${maxPayload(v6)}`);
  }
  const time = at === undefined ? now : at;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < now) {
    throw new UDPSocketError('ERR_OUT_OF_RANGE', 'inject', `at must be a finite time not before now (${now}), got ${describe(at)}`);
  }
  return { source, sourcePort: from.port as number, address, port: to.port as number, v6, data: bytes.slice(), at: time };
}
