import { toUDPSocketError, type UDPSocketOperation, type UDPSocketError } from '../errors';
import type { UDPHandle } from '../driver/udp-driver';
import type { Membership, PendingSettings } from './socket-state';

/** Where a socket reports what a driver call threw. */
export type Report = (error: UDPSocketError) => void;

/** Runs a driver call, reporting what it throws. @returns whether it succeeded. */
export function attempt(report: Report, operation: UDPSocketOperation, call: () => void): boolean {
  try {
    call();
    return true;
  } catch (error) {
    report(toUDPSocketError(operation, error));
    return false;
  }
}

/** Joins or leaves a group on a bound handle. */
export function applyMembership(report: Report, handle: UDPHandle, [op, source, group, iface]: Membership): void {
  if (source === undefined) {
    if (op === 'add') attempt(report, 'addMembership', () => handle.addMembership(group, iface));
    else attempt(report, 'dropMembership', () => handle.dropMembership(group, iface));
  } else if (op === 'add') {
    attempt(report, 'addSourceSpecificMembership', () => handle.addSourceSpecificMembership(source, group, iface));
  } else {
    attempt(report, 'dropSourceSpecificMembership', () => handle.dropSourceSpecificMembership(source, group, iface));
  }
}

/**
 * Applies the settings made before bind to the handle that just bound, in the order node:dgram
 * users expect (TTLs, flags, interface, buffer sizes, then memberships).
 * @returns whether SO_BROADCAST is now on.
 */
export function applyPending(report: Report, handle: UDPHandle, p: PendingSettings): boolean {
  const { ttl, broadcast, multicastTTL, multicastLoopback, multicastInterface, recvBufferSize, sendBufferSize } = p;
  if (ttl !== undefined) attempt(report, 'setTTL', () => handle.setTTL(ttl));
  const broadcastOn = broadcast !== undefined && attempt(report, 'setBroadcast', () => handle.setBroadcast(broadcast)) && broadcast;
  if (multicastTTL !== undefined) attempt(report, 'setMulticastTTL', () => handle.setMulticastTTL(multicastTTL));
  if (multicastLoopback !== undefined) attempt(report, 'setMulticastLoopback', () => handle.setMulticastLoopback(multicastLoopback));
  if (multicastInterface !== undefined) attempt(report, 'setMulticastInterface', () => handle.setMulticastInterface(multicastInterface));
  if (recvBufferSize !== undefined) attempt(report, 'setRecvBufferSize', () => handle.setRecvBufferSize(recvBufferSize));
  if (sendBufferSize !== undefined) attempt(report, 'setSendBufferSize', () => handle.setSendBufferSize(sendBufferSize));
  for (const membership of p.memberships) applyMembership(report, handle, membership);
  return broadcastOn;
}
