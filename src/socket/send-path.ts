import { UDPSocketError, toUDPSocketError } from '../errors';
import type { UDPAddressInfo } from '../driver/udp-driver';
import { ipFamily, isPeerAddress, peerAddress } from '../internal/ip';
import { reportUnhandledError } from '../internal/report-unhandled-error';
import { NO_LINK, type BoundState, type BindingState, type ConnectingLink, type HeldDatagram } from './socket-state';
import type { SocketCore } from './socket-core';
import type { UDPConnectOption, UDPSendCallback, UDPSendOption } from './types';
import { checkAddress, checkBoolean, checkPort, describe, unreadableOption } from '../internal/validators';
import { toBytes } from './bytes';

/**
 * The send path of a socket (`send`, `write`, `sendWithCallback`) and the link to a peer
 * (`connect`, `disconnect`), as functions of its {@link SocketCore}.
 *
 * Per datagram: each option field is read once, a repeated address skips validation, a repeated
 * callback reuses its wrapper, and the handle gets positional arguments: nothing is allocated
 * beyond what the caller passed.
 */

/**
 * Node's send completion for a `sendWithCallback` callback, converting node's error. A function of
 * its own: a closure over `callback` inside `sendDone` would make V8 allocate its context on every
 * call, even on the cached path that returns early (40 bytes per datagram, measured).
 */
function wrapSendCallback(callback: UDPSendCallback): (error: Error | null) => void {
  return (error) => {
    try {
      callback(error === null ? null : toUDPSocketError('send', error));
    } catch (thrown) {
      // Thrown into the driver it would cost other sockets their events (node's send queue, a flush).
      reportUnhandledError(thrown);
    }
  };
}

/** The completion of a `sendWithCallback` (the only caller with a callback). */
function sendDone(core: SocketCore, callback: UDPSendCallback): (error: Error | null) => void {
  // sendTo, reply and request pass one callback for all their datagrams: wrap it once.
  if (callback === core.doneCallback) return core.doneWrapper!;
  const wrapper = wrapSendCallback(callback);
  core.doneCallback = callback;
  core.doneWrapper = wrapper;
  return wrapper;
}

/** `send`/`write`/`sendWithCallback`: validates the option, binds implicitly, sends (or holds, or fails). */
export function transmit(
  core: SocketCore,
  operation: 'send' | 'write',
  option: UDPSendOption,
  callback: UDPSendCallback | undefined,
): void {
  if (option === null || typeof option !== 'object') {
    core.fail(new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `option must be an object, got ${describe(option)}`), callback);
    return;
  }
  let state = core.state;
  if (state.kind === 'closed') {
    core.fail(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', operation, 'socket is closed'), callback);
    return;
  }
  // Each field is read once, and a getter that throws (or a revoked Proxy) is a bad option,
  // reported like any other, not an exception out of send().
  let address: string;
  let port: number;
  let bytes: Uint8Array | UDPSocketError;
  let broadcast: unknown;
  try {
    address = option.address;
    port = option.port;
    bytes = toBytes(operation, option.message, option.offset, option.length);
    broadcast = option.setBroadcast;
  } catch (thrown) {
    core.fail(unreadableOption(operation, thrown), callback);
    return;
  }
  const error =
    (address === core.lastGoodAddress ? undefined : checkAddress(operation, address, core.type)) ??
    checkPort(operation, port, false);
  if (error !== undefined) {
    core.fail(error, callback);
    return;
  }
  core.lastGoodAddress = address;
  if (bytes instanceof UDPSocketError) {
    core.fail(bytes, callback);
    return;
  }
  if (broadcast !== undefined && broadcast !== null && broadcast !== false && broadcast !== true) {
    core.fail(checkBoolean(operation, 'setBroadcast', broadcast)!, callback);
    return;
  }
  if (state.kind === 'unbound') {
    if (!core.ensureBound(operation, callback)) return;
    state = core.state as BoundState | BindingState;
  }
  try {
    if (broadcast === true && !(state.kind === 'bound' && state.broadcastOn)) {
      state.handle.setBroadcast(true);
      if (state.kind === 'bound') state.broadcastOn = true;
    }
    const done = callback !== undefined ? sendDone(core, callback) : operation === 'write' ? core.writeDone : undefined;
    const link = state.link;
    if (link.kind === 'none') {
      state.handle.send(bytes, 0, bytes.length, port, address, done);
    } else if (link.kind === 'connected') {
      sendToPeer(core, state, operation, bytes, address, port, callback, done);
    } else {
      // connect() is still resolving its hostname: sent now, the datagram would carry an address
      // that node:dgram rejects once the handle is connected (EISCONN). Hold it until connect
      // settles, with a copy of its bytes: WeChat copies at the call, the caller may reuse its buffer.
      link.held.push({ operation, bytes: new Uint8Array(bytes), address, port, callback, done });
    }
  } catch (thrown) {
    core.fail(toUDPSocketError(operation, thrown), callback);
  }
}

/** Sends a datagram on the connected handle, if it is addressed to the peer (positional: no allocation). */
function sendToPeer(
  core: SocketCore,
  state: BoundState | BindingState,
  operation: 'send' | 'write',
  bytes: Uint8Array,
  address: string,
  port: number,
  callback: UDPSendCallback | undefined,
  done: ((error: Error | null) => void) | undefined,
): void {
  const link = state.link;
  if (link.kind !== 'connected') return;
  const peer = link.peer;
  // The address as connect() was given it or as the handle resolved it: compared as text, no allocation.
  if (port === peer.port && (address === peer.address || address === link.resolved.address)) {
    state.handle.send(bytes, 0, bytes.length, undefined, undefined, done);
    return;
  }
  // Another spelling of the peer's IP ('0:0:0:0:0:0:0:1' for '::1') is the peer. Another
  // hostname is not resolved here: that would make write() wait on a lookup per datagram.
  if (port === peer.port && isPeerAddress(link.form, address)) {
    state.handle.send(bytes, 0, bytes.length, undefined, undefined, done);
    return;
  }
  core.fail(
    new UDPSocketError(
      'ERR_SOCKET_DGRAM_IS_CONNECTED',
      operation,
      `socket is connected to ${peer.address}:${peer.port} (${link.resolved.address}), cannot send to ${address}:${port}` +
        (port === peer.port && ipFamily(address) === 0 ? ' (a hostname other than the one given to connect() is not resolved; send to the connected address)' : ''),
    ),
    callback,
  );
}

/** Sends the datagrams held while connect() was resolving, now that it is connected. */
function releaseHeld(core: SocketCore, state: BoundState | BindingState, held: readonly HeldDatagram[]): void {
  for (const datagram of held) {
    try {
      const { operation, bytes, address, port, callback, done } = datagram;
      sendToPeer(core, state, operation, bytes, address, port, callback, done);
    } catch (thrown) {
      core.fail(toUDPSocketError(datagram.operation, thrown), datagram.callback);
    }
  }
}

/** `connect()`: validates, binds implicitly, then links the handle to the peer. */
export function connect(core: SocketCore, option: UDPConnectOption): void {
  if (option === null || typeof option !== 'object') {
    core.report(new UDPSocketError('ERR_INVALID_ARG_TYPE', 'connect', `option must be an object, got ${describe(option)}`));
    return;
  }
  if (core.state.kind === 'closed') {
    core.notRunning('connect');
    return;
  }
  const current = core.state;
  if (current.kind !== 'unbound' && current.link.kind !== 'none') {
    core.report(new UDPSocketError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'connect', 'socket is already connected'));
    return;
  }
  if (core.cancelledLink !== undefined) {
    // The handle is still resolving the address of the connect() that disconnect() cancelled
    // (node:dgram cannot abort that lookup); a second connect on it would throw.
    core.report(
      new UDPSocketError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'connect', 'the connect() that disconnect() cancelled is still resolving its address; connect again once it settled'),
    );
    return;
  }
  let address: string;
  let port: number;
  try {
    ({ address, port } = option);
  } catch (thrown) {
    core.report(unreadableOption('connect', thrown));
    return;
  }
  const error = checkAddress('connect', address, core.type) ?? checkPort('connect', port, false);
  if (error !== undefined) {
    core.report(error);
    return;
  }
  if (!core.ensureBound('connect')) return;
  const state = core.state as BoundState | BindingState;
  const link: ConnectingLink = { kind: 'connecting', peer: { address, port }, held: [] };
  state.link = link;
  try {
    state.handle.connect(port, address, (failure) => {
      const now = core.state;
      if (core.cancelledLink === link) {
        core.cancelledLink = undefined;
        // disconnect() cancelled this connect: undo the link the handle made, silently.
        if (failure === null && now.kind !== 'closed') core.apply('disconnect', () => now.handle.disconnect());
        return;
      }
      if (now.kind === 'closed' || now.kind === 'unbound' || now.link !== link) return;
      if (failure !== null) {
        now.link = NO_LINK;
        const error = toUDPSocketError('connect', failure);
        core.report(error);
        core.failHeld(link.held, error);
        return;
      }
      let resolved: UDPAddressInfo;
      try {
        resolved = now.handle.remoteAddress();
        if (now.kind === 'bound') now.local = now.handle.address();
      } catch (thrown) {
        now.link = NO_LINK;
        const error = toUDPSocketError('connect', thrown);
        core.report(error);
        core.failHeld(link.held, error);
        return;
      }
      now.link = { kind: 'connected', peer: link.peer, resolved, form: peerAddress(resolved.address) ?? resolved.address };
      releaseHeld(core, now, link.held);
    });
  } catch (thrown) {
    if (state.link === link) state.link = NO_LINK;
    core.report(toUDPSocketError('connect', thrown));
  }
}

/** `disconnect()`: removes the link to the peer, or cancels a `connect()` still resolving it. */
export function disconnect(core: SocketCore): void {
  const state = core.state;
  if (state.kind === 'closed') {
    core.notRunning('disconnect');
    return;
  }
  if (state.kind === 'unbound' || state.link.kind === 'none') {
    core.report(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'disconnect', 'socket is not connected'));
    return;
  }
  const link = state.link;
  if (link.kind === 'connecting') {
    // node:dgram cannot abort the lookup, so the handle may still connect: the callback in
    // connect() sees the cancellation and disconnects it. The datagrams held for the peer fail.
    state.link = NO_LINK;
    core.cancelledLink = link;
    for (const datagram of link.held) {
      core.fail(
        new UDPSocketError('ERR_SOCKET_DGRAM_NOT_CONNECTED', datagram.operation, 'disconnect() cancelled the connect() this datagram waited for; not sent'),
        datagram.callback,
      );
    }
    return;
  }
  if (core.apply('disconnect', () => state.handle.disconnect())) {
    state.link = NO_LINK;
    // Linux gives up an OS-chosen port on disconnect (udp_disconnect) and picks a new one at
    // the next send: read it again rather than keep reporting the old one.
    if (state.kind === 'bound') core.refreshLocal();
  }
}
