import type { SchedulerLike } from 'rxjs';
import { UDPSocketError, toUDPSocketError, type UDPSocketOperation } from '../errors';
import type { UDPAddressInfo, UDPSocketType, UDPHandle } from '../driver/udp-driver';
import { applyMembership } from './pending-settings';
import { connect, disconnect, transmit } from './send-path';
import type { PendingSettings } from './socket-state';
import type { SocketCore } from './socket-core';
import type {
  UDPCloseResult,
  UDPConnectOption,
  UDPErrorResult,
  UDPListener,
  UDPListeningResult,
  UDPMessageResult,
  UDPSendCallback,
  UDPSendOption,
  UDPSocket,
} from './types';
import { checkAddress, checkBoolean, checkFunction, checkInteger, checkIp, checkPort } from '../internal/validators';

import { MAX_BUFFER_SIZE } from './options';

/** `Symbol.asyncDispose`, or the registered symbol Node polyfills it with where the runtime has none. */
const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);

/** The events of a socket, by the name of their listener list. */
export type UDPSocketEvent = 'close' | 'error' | 'listening' | 'message';

/**
 * The key of a socket's core: a module-private symbol, so no user code reaches the core by name
 * (and it stays out of `Object.keys`, `for…in` and JSON). Not a `#private` field: the ES2015
 * build turns those into a WeakMap lookup per access, a few ns on every send.
 */
const kCore: unique symbol = Symbol('rxjs-udp.socketCore');

/**
 * How many listeners a socket of {@link createUDPSocket} has for `event` — for tests of the
 * layers above (a listener left behind is a leak). Not part of the public API.
 * @returns the count, or undefined for a socket of another kind.
 */
export function listenerCount(socket: unknown, event: UDPSocketEvent): number | undefined {
  return socket instanceof UDPSocketImpl ? socket[kCore][`${event}Listeners`].items.length : undefined;
}

/**
 * The socket users hold: the WeChat API, guarding arguments and state, then delegating to its
 * {@link SocketCore} (undici's "guard, then delegate"). It shows nothing internal: the core sits
 * under a module-private symbol, so listener lists, state and handle are out of reach of user code.
 */
export class UDPSocketImpl implements UDPSocket {
  private readonly [kCore]: SocketCore;
  readonly type: UDPSocketType;
  readonly scheduler: SchedulerLike;

  constructor(core: SocketCore) {
    this[kCore] = core;
    this.type = core.type;
    this.scheduler = core.scheduler;
  }

  /** {@link UDPSocket.closed}: a getter, so no caller can flip it. */
  get closed(): boolean {
    return this[kCore].state.kind === 'closed';
  }

  // ---- listeners ---------------------------------------------------------------------------

  onClose(listener: UDPListener<UDPCloseResult>): void {
    if (this.checkListener('onClose', listener)) this[kCore].closeListeners.add(listener);
  }

  offClose(listener?: UDPListener<UDPCloseResult>): void {
    if (this.checkListener('offClose', listener, true)) this[kCore].closeListeners.remove(listener);
  }

  onError(listener: UDPListener<UDPErrorResult>): void {
    if (this.checkListener('onError', listener)) this[kCore].errorListeners.add(listener);
  }

  offError(listener?: UDPListener<UDPErrorResult>): void {
    if (this.checkListener('offError', listener, true)) this[kCore].errorListeners.remove(listener);
  }

  onListening(listener: UDPListener<UDPListeningResult>): void {
    if (this.checkListener('onListening', listener)) this[kCore].listeningListeners.add(listener);
  }

  offListening(listener?: UDPListener<UDPListeningResult>): void {
    if (this.checkListener('offListening', listener, true)) this[kCore].listeningListeners.remove(listener);
  }

  onMessage(listener: UDPListener<UDPMessageResult>): void {
    if (this.checkListener('onMessage', listener)) this[kCore].messageListeners.add(listener);
  }

  offMessage(listener?: UDPListener<UDPMessageResult>): void {
    if (this.checkListener('offMessage', listener, true)) this[kCore].messageListeners.remove(listener);
  }

  private checkListener(operation: UDPSocketOperation, listener: unknown, optional = false): boolean {
    const error = checkFunction(operation, 'listener', listener, optional);
    if (error !== undefined) this[kCore].report(error);
    return error === undefined;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  bind(port?: number, address?: string): number {
    const core = this[kCore];
    if (core.state.kind === 'closed') {
      core.notRunning('bind');
      return 0;
    }
    if (core.state.kind !== 'unbound') {
      core.report(new UDPSocketError('ERR_SOCKET_ALREADY_BOUND', 'bind', 'socket is already bound'));
      return 0;
    }
    const error =
      checkPort('bind', port ?? 0, true) ?? (address === undefined ? undefined : checkAddress('bind', address, core.type));
    if (error !== undefined) {
      core.report(error);
      return 0;
    }
    return core.bind('bind', port ?? 0, address);
  }

  /** Closes the socket; idempotent and silent once closed (cleanup code may call it from several paths). */
  close(): void {
    this[kCore].close();
  }

  /** `await using`: closes, then resolves once the `onClose` listeners ran (at once when closed already). */
  [asyncDispose](): Promise<void> {
    const core = this[kCore];
    if (!core.close()) return Promise.resolve();
    // Queued after the close event on the socket's scheduler: resolves once onClose was dispatched.
    return new Promise((resolve) => {
      core.scheduler.schedule(resolve as () => void, 0);
    });
  }

  // ---- send / connect ----------------------------------------------------------------------

  send(option: UDPSendOption): void {
    transmit(this[kCore], 'send', option, undefined);
  }

  write(option: UDPSendOption): void {
    transmit(this[kCore], 'write', option, undefined);
  }

  sendWithCallback(option: UDPSendOption, callback: UDPSendCallback): void {
    const error = checkFunction('send', 'callback', callback);
    if (error !== undefined) {
      this[kCore].report(error);
      return;
    }
    transmit(this[kCore], 'send', option, callback);
  }

  connect(option: UDPConnectOption): void {
    connect(this[kCore], option);
  }

  disconnect(): void {
    disconnect(this[kCore]);
  }

  // ---- queries -----------------------------------------------------------------------------

  address(): UDPAddressInfo | undefined {
    const state = this[kCore].state;
    if (state.kind !== 'bound') return undefined;
    const local = state.local.port === 0 ? this[kCore].refreshLocal() : state.local;
    return { ...local };
  }

  remoteAddress(): UDPAddressInfo | undefined {
    const state = this[kCore].state;
    return state.kind !== 'closed' && state.kind !== 'unbound' && state.link.kind === 'connected' ? { ...state.link.resolved } : undefined;
  }

  getSendQueueSize(): number {
    const state = this[kCore].state;
    return state.kind === 'bound' ? state.handle.getSendQueueSize() : 0;
  }

  getSendQueueCount(): number {
    const state = this[kCore].state;
    return state.kind === 'bound' ? state.handle.getSendQueueCount() : 0;
  }

  ref(): this {
    const core = this[kCore];
    const state = core.state;
    if (state.kind !== 'closed') {
      state.handle.ref();
      core.lookupGuard?.ref();
    }
    return this;
  }

  unref(): this {
    const core = this[kCore];
    const state = core.state;
    if (state.kind !== 'closed') {
      state.handle.unref();
      core.lookupGuard?.unref();
    }
    return this;
  }

  // ---- settings ----------------------------------------------------------------------------

  /**
   * Validates a setting, then applies it now when bound or remembers it for bind.
   * `remember` stores the value in the pending settings.
   */
  private setting(
    operation: UDPSocketOperation,
    error: UDPSocketError | undefined,
    now: (handle: UDPHandle) => void,
    remember: (pending: PendingSettings) => void,
  ): void {
    const core = this[kCore];
    const state = core.state;
    if (state.kind === 'closed') {
      core.notRunning(operation);
      return;
    }
    if (error !== undefined) {
      core.report(error);
      return;
    }
    if (state.kind === 'bound') core.apply(operation, () => now(state.handle));
    else remember(state.pending);
  }

  setTTL(ttl: number): void {
    this.setting('setTTL', checkInteger('setTTL', 'ttl', ttl, 0, 255), (h) => h.setTTL(ttl), (p) => (p.ttl = ttl));
  }

  setBroadcast(flag: boolean): void {
    this.setting(
      'setBroadcast',
      checkBoolean('setBroadcast', 'flag', flag),
      (h) => {
        h.setBroadcast(flag);
        const state = this[kCore].state;
        if (state.kind === 'bound') state.broadcastOn = flag;
      },
      (p) => (p.broadcast = flag),
    );
  }

  setMulticastTTL(ttl: number): void {
    this.setting(
      'setMulticastTTL',
      checkInteger('setMulticastTTL', 'ttl', ttl, 0, 255),
      (h) => h.setMulticastTTL(ttl),
      (p) => (p.multicastTTL = ttl),
    );
  }

  setMulticastLoopback(flag: boolean): void {
    this.setting(
      'setMulticastLoopback',
      checkBoolean('setMulticastLoopback', 'flag', flag),
      (h) => h.setMulticastLoopback(flag),
      (p) => (p.multicastLoopback = flag),
    );
  }

  setMulticastInterface(interfaceAddress: string): void {
    this.setting(
      'setMulticastInterface',
      checkIp('setMulticastInterface', 'interfaceAddress', interfaceAddress),
      (h) => h.setMulticastInterface(interfaceAddress),
      (p) => (p.multicastInterface = interfaceAddress),
    );
  }

  addMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.changeMembership('add', 'addMembership', undefined, multicastAddress, interfaceAddress);
  }

  dropMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.changeMembership('drop', 'dropMembership', undefined, multicastAddress, interfaceAddress);
  }

  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    this.changeMembership('add', 'addSourceSpecificMembership', sourceAddress, groupAddress, interfaceAddress, true);
  }

  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    this.changeMembership('drop', 'dropSourceSpecificMembership', sourceAddress, groupAddress, interfaceAddress, true);
  }

  private changeMembership(
    op: 'add' | 'drop',
    operation: UDPSocketOperation,
    source: string | undefined,
    group: string,
    iface: string | undefined,
    sourceSpecific = false,
  ): void {
    const error =
      (sourceSpecific ? checkIp(operation, 'sourceAddress', source) : undefined) ??
      checkIp(operation, sourceSpecific ? 'groupAddress' : 'multicastAddress', group) ??
      (iface === undefined ? undefined : checkIp(operation, 'interfaceAddress', iface));
    this.setting(
      operation,
      error,
      (handle) => applyMembership(this[kCore].report, handle, [op, source, group, iface]),
      (p) => p.memberships.push([op, source, group, iface]),
    );
  }

  setRecvBufferSize(size: number): void {
    this.setting(
      'setRecvBufferSize',
      checkInteger('setRecvBufferSize', 'size', size, 1, MAX_BUFFER_SIZE),
      (h) => h.setRecvBufferSize(size),
      (p) => (p.recvBufferSize = size),
    );
  }

  setSendBufferSize(size: number): void {
    this.setting(
      'setSendBufferSize',
      checkInteger('setSendBufferSize', 'size', size, 1, MAX_BUFFER_SIZE),
      (h) => h.setSendBufferSize(size),
      (p) => (p.sendBufferSize = size),
    );
  }

  getRecvBufferSize(): number | undefined {
    return this.getBufferSize('getRecvBufferSize', (h) => h.getRecvBufferSize(), (p) => p.recvBufferSize ?? this[kCore].optionBufferSizes.recv);
  }

  getSendBufferSize(): number | undefined {
    return this.getBufferSize('getSendBufferSize', (h) => h.getSendBufferSize(), (p) => p.sendBufferSize ?? this[kCore].optionBufferSizes.send);
  }

  private getBufferSize(
    operation: UDPSocketOperation,
    read: (handle: UDPHandle) => number,
    pending: (pending: PendingSettings) => number | undefined,
  ): number | undefined {
    const core = this[kCore];
    const state = core.state;
    if (state.kind === 'closed') {
      core.notRunning(operation);
      return undefined;
    }
    if (state.kind !== 'bound') return pending(state.pending);
    try {
      return read(state.handle);
    } catch (error) {
      core.report(toUDPSocketError(operation, error));
      return undefined;
    }
  }
}
