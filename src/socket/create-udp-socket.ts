import { asapScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { reportUnhandledError } from 'rxjs/internal/util/reportUnhandledError';
import { UDPSocketError, toUDPSocketError, type UDPOperation } from '../errors';
import { defaultDriver } from '../driver/default-driver';
import type {
  UDPAddressInfo,
  UDPRemoteInfo,
  UDPSocketType,
  UdpDriver,
  UdpHandle,
  UdpHandleOptions,
  UdpHandleSink,
} from '../driver/udp-driver';
import { ListenerList } from './listeners';
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
  UDPSocketOptions,
} from './types';
import { checkAddress, checkBoolean, checkInteger, checkIp, checkPort, describe, toBytes, unreadableOption } from './validate';

type BindState = 'unbound' | 'binding' | 'bound';
type ConnectState = 'disconnected' | 'connecting' | 'connected';

/** Settings made before bind: node:dgram needs a bound socket for them, WeChat does not. */
interface PendingSettings {
  ttl?: number;
  broadcast?: boolean;
  multicastTTL?: number;
  multicastLoopback?: boolean;
  multicastInterface?: string;
  recvBufferSize?: number;
  sendBufferSize?: number;
  memberships: Array<[op: 'add' | 'drop', source: string | undefined, group: string, iface: string | undefined]>;
}

/** A datagram `send`/`write` accepted for the connected peer. */
interface HeldDatagram {
  operation: 'send' | 'write';
  bytes: Uint8Array;
  address: string;
  port: number;
  callback: UDPSendCallback | undefined;
  done: ((error: Error | null) => void) | undefined;
}

interface EventTask {
  socket: UDPSocketImpl;
  kind: 'listening' | 'close' | 'error';
  payload: UDPListeningResult | UDPCloseResult | UDPErrorResult;
}

const MAX_BUFFER_SIZE = 0x7fffffff;
/** Initial value of the validated-address cache: equal to nothing a caller can pass. */
const NO_ADDRESS = Symbol('no address');

function completeSend(
  this: SchedulerAction<{ callback: UDPSendCallback; error: UDPSocketError }>,
  task: { callback: UDPSendCallback; error: UDPSocketError } | undefined,
): void {
  task!.callback(task!.error);
}

function dispatchEvent(this: SchedulerAction<EventTask>, task: EventTask | undefined): void {
  const { socket, kind, payload } = task!;
  if (kind === 'listening') socket.listeningListeners.emit(payload as UDPListeningResult);
  else if (kind === 'close') socket.closeListeners.emit(payload as UDPCloseResult);
  else socket.errorListeners.emit(payload as UDPErrorResult);
}

/**
 * Node's send completion for a `sendWithCallback` callback, converting node's error. A function of
 * its own: a closure over `callback` inside `sendDone` would make V8 allocate its context on every
 * call, even on the cached path that returns early (40 bytes per datagram, measured).
 */
function wrapSendCallback(callback: UDPSendCallback): (error: Error | null) => void {
  return (error) => callback(error === null ? null : toUDPSocketError('send', error));
}

/**
 * Turns received bytes into the ArrayBuffer WeChat hands out: the underlying buffer itself when
 * the view covers all of it (node 20 allocates one per datagram), an exact copy otherwise.
 */
export function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const buffer = data.buffer;
  if (buffer instanceof ArrayBuffer) {
    // `length` rather than byteOffset/byteLength: node 20 does not inline those getters on a
    // Buffer (15-25 ns each). A view as long as its buffer necessarily starts at offset 0.
    if (data.length === buffer.byteLength) return buffer;
    return buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  }
  // A view of a SharedArrayBuffer (a driver may pass the sender's bytes on): copy into an ArrayBuffer.
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}

class UDPSocketImpl implements UDPSocket, UdpHandleSink {
  readonly closeListeners = new ListenerList<UDPCloseResult>();
  readonly errorListeners = new ListenerList<UDPErrorResult>();
  readonly listeningListeners = new ListenerList<UDPListeningResult>();
  readonly messageListeners = new ListenerList<UDPMessageResult>();
  readonly scheduler: SchedulerLike;

  /** {@link UDPSocket.closed}: a getter, so no caller can flip it. */
  get closed(): boolean {
    return this.isClosed;
  }

  private readonly handle: UdpHandle | null;
  private bindState: BindState = 'unbound';
  private connectState: ConnectState = 'disconnected';
  private isClosed = false;
  private local: UDPAddressInfo | undefined;
  private peer: { address: string; port: number; resolved: UDPAddressInfo | undefined } | undefined;
  private pending: PendingSettings = { memberships: [] };
  /** The last address that passed validation: repeated sends to one peer skip the check. */
  private lastGoodAddress: unknown = NO_ADDRESS;
  /** The last send callback and its wrapper (see sendDone). */
  private doneCallback: UDPSendCallback | undefined;
  private doneWrapper: ((error: Error | null) => void) | undefined;
  /** Whether SO_BROADCAST is on, so `send({ setBroadcast: true })` costs a system call only once. */
  private broadcastOn = false;
  /** Datagrams sent while connect() resolves its peer's hostname. */
  private held: HeldDatagram[] = [];
  /** The buffer sizes of the options, what get*BufferSize() report before bind. */
  private readonly optionBufferSizes: { recv: number | undefined; send: number | undefined };

  constructor(
    readonly type: UDPSocketType,
    driver: UdpDriver | null,
    handleOptions: UdpHandleOptions,
    optionErrors: UDPSocketError[],
  ) {
    this.scheduler = driver?.scheduler ?? asapScheduler;
    this.optionBufferSizes = { recv: handleOptions.recvBufferSize, send: handleOptions.sendBufferSize };
    let handle: UdpHandle | null = null;
    try {
      // Without a usable driver the socket starts closed: better than a silent fallback to real sockets.
      if (driver !== null) handle = driver.open(type, handleOptions, this);
      else this.isClosed = true;
    } catch (error) {
      this.isClosed = true;
      optionErrors.push(toUDPSocketError('createUDPSocket', error));
    }
    this.handle = handle;
    for (const error of optionErrors) this.report(error);
  }

  // ---- UdpHandleSink: what the driver tells us -------------------------------------------

  message(data: Uint8Array, remote: UDPRemoteInfo): void {
    if (this.isClosed) return;
    const listeners = this.messageListeners.listeners;
    if (listeners.length === 0) return;
    let local = this.local!;
    if (local.port === 0) local = this.refreshLocal();
    const result: UDPMessageResult = {
      message: toArrayBuffer(data),
      remoteInfo: remote,
      localInfo: { address: local.address, family: local.family, port: local.port, size: remote.size },
    };
    // Not ListenerList.emit: a listener may close the socket, and then no other listener runs.
    for (let i = 0; i < listeners.length && !this.isClosed; i++) {
      try {
        listeners[i]!(result);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }

  error(error: Error, syscall: 'send' | 'receive'): void {
    if (this.isClosed) return;
    this.report(toUDPSocketError(syscall, error));
  }

  // ---- events ------------------------------------------------------------------------------

  private schedule(kind: EventTask['kind'], payload: EventTask['payload']): void {
    this.scheduler.schedule(dispatchEvent, 0, { socket: this, kind, payload });
  }

  /** Reports an error on `onError`, asynchronously. */
  private report(error: UDPSocketError): void {
    this.schedule('error', { errMsg: error.errMsg, errCode: error.errCode, code: error.code, error });
  }

  private notRunning(operation: UDPOperation): void {
    this.report(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', operation, 'socket is closed'));
  }

  onClose(listener: UDPListener<UDPCloseResult>): void {
    if (this.checkListener('onClose', listener)) this.closeListeners.add(listener);
  }

  offClose(listener?: UDPListener<UDPCloseResult>): void {
    if (this.checkListener('offClose', listener, true)) this.closeListeners.remove(listener);
  }

  onError(listener: UDPListener<UDPErrorResult>): void {
    if (this.checkListener('onError', listener)) this.errorListeners.add(listener);
  }

  offError(listener?: UDPListener<UDPErrorResult>): void {
    if (this.checkListener('offError', listener, true)) this.errorListeners.remove(listener);
  }

  onListening(listener: UDPListener<UDPListeningResult>): void {
    if (this.checkListener('onListening', listener)) this.listeningListeners.add(listener);
  }

  offListening(listener?: UDPListener<UDPListeningResult>): void {
    if (this.checkListener('offListening', listener, true)) this.listeningListeners.remove(listener);
  }

  onMessage(listener: UDPListener<UDPMessageResult>): void {
    if (this.checkListener('onMessage', listener)) this.messageListeners.add(listener);
  }

  offMessage(listener?: UDPListener<UDPMessageResult>): void {
    if (this.checkListener('offMessage', listener, true)) this.messageListeners.remove(listener);
  }

  private checkListener(operation: UDPOperation, listener: unknown, optional = false): boolean {
    if (typeof listener === 'function' || (optional && listener === undefined)) return true;
    this.report(
      new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `listener must be a function, got ${describe(listener)}`),
    );
    return false;
  }

  // ---- bind ------------------------------------------------------------------------------

  bind(port?: number, address?: string): number {
    if (this.isClosed) {
      this.notRunning('bind');
      return 0;
    }
    if (this.bindState !== 'unbound') {
      this.report(new UDPSocketError('ERR_SOCKET_ALREADY_BOUND', 'bind', 'socket is already bound'));
      return 0;
    }
    const error =
      checkPort('bind', port ?? 0, true) ?? (address === undefined ? undefined : checkAddress('bind', address, this.type));
    if (error !== undefined) {
      this.report(error);
      return 0;
    }
    return this.doBind('bind', port ?? 0, address);
  }

  /** Binds the handle; returns the port when the bind completed synchronously, else 0. */
  private doBind(
    operation: UDPOperation,
    port: number,
    address: string | undefined,
    callback?: UDPSendCallback,
  ): number {
    this.bindState = 'binding';
    let sync = true;
    let result = 0;
    try {
      this.handle!.bind(port, address, (error) => {
        if (this.isClosed) return;
        if (error !== null) {
          this.bindState = 'unbound';
          this.fail(toUDPSocketError(operation, error), callback);
          return;
        }
        const bound = this.onBound();
        if (sync) result = bound;
      });
    } catch (error) {
      this.bindState = 'unbound';
      this.fail(toUDPSocketError(operation, error), callback);
      return 0;
    }
    sync = false;
    return result;
  }

  private onBound(): number {
    this.bindState = 'bound';
    const local = this.handle!.address();
    this.local = local;
    this.applyPending();
    this.schedule('listening', { errMsg: 'bind:ok', address: local.address, family: local.family, port: local.port });
    return local.port;
  }

  /**
   * Binds implicitly (port 0, any address) before send/connect, as WeChat and node do. A failure
   * goes to `callback` when there is one (sendWithCallback), else to `onError`.
   */
  private ensureBound(operation: UDPOperation, callback?: UDPSendCallback): boolean {
    if (this.bindState === 'unbound') this.doBind(operation, 0, undefined, callback);
    return this.bindState !== 'unbound';
  }

  private applyPending(): void {
    const p = this.pending;
    this.pending = { memberships: [] };
    if (p.ttl !== undefined) this.apply('setTTL', () => this.handle!.setTTL(p.ttl!));
    if (p.broadcast !== undefined && this.apply('setBroadcast', () => this.handle!.setBroadcast(p.broadcast!))) {
      this.broadcastOn = p.broadcast;
    }
    if (p.multicastTTL !== undefined) this.apply('setMulticastTTL', () => this.handle!.setMulticastTTL(p.multicastTTL!));
    if (p.multicastLoopback !== undefined)
      this.apply('setMulticastLoopback', () => this.handle!.setMulticastLoopback(p.multicastLoopback!));
    if (p.multicastInterface !== undefined)
      this.apply('setMulticastInterface', () => this.handle!.setMulticastInterface(p.multicastInterface!));
    if (p.recvBufferSize !== undefined)
      this.apply('setRecvBufferSize', () => this.handle!.setRecvBufferSize(p.recvBufferSize!));
    if (p.sendBufferSize !== undefined)
      this.apply('setSendBufferSize', () => this.handle!.setSendBufferSize(p.sendBufferSize!));
    for (const [op, source, group, iface] of p.memberships) this.membership(op, source, group, iface);
  }

  /** Runs a driver call, reporting what it throws. */
  private apply(operation: UDPOperation, call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      this.report(toUDPSocketError(operation, error));
      return false;
    }
  }

  // ---- send / connect / write -------------------------------------------------------------

  send(option: UDPSendOption): void {
    this.transmit('send', option, undefined);
  }

  write(option: UDPSendOption): void {
    this.transmit('write', option, undefined);
  }

  sendWithCallback(option: UDPSendOption, callback: UDPSendCallback): void {
    if (typeof callback !== 'function') {
      this.report(
        new UDPSocketError('ERR_INVALID_ARG_TYPE', 'send', `callback must be a function, got ${describe(callback)}`),
      );
      return;
    }
    this.transmit('send', option, callback);
  }

  /** Reports a failed send to its callback (asynchronously, like every outcome) or on `onError`. */
  private fail(error: UDPSocketError, callback: UDPSendCallback | undefined): void {
    if (callback === undefined) this.report(error);
    else this.scheduler.schedule(completeSend, 0, { callback, error });
  }

  private transmit(operation: 'send' | 'write', option: UDPSendOption, callback: UDPSendCallback | undefined): void {
    if (option === null || typeof option !== 'object') {
      this.fail(
        new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, `option must be an object, got ${describe(option)}`),
        callback,
      );
      return;
    }
    if (this.isClosed) {
      this.fail(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', operation, 'socket is closed'), callback);
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
      this.fail(unreadableOption(operation, thrown), callback);
      return;
    }
    const error =
      (address === this.lastGoodAddress ? undefined : checkAddress(operation, address, this.type)) ??
      checkPort(operation, port, false);
    if (error !== undefined) {
      this.fail(error, callback);
      return;
    }
    this.lastGoodAddress = address;
    if (bytes instanceof UDPSocketError) {
      this.fail(bytes, callback);
      return;
    }
    if (broadcast !== undefined && broadcast !== null && broadcast !== false && broadcast !== true) {
      this.fail(checkBoolean(operation, 'setBroadcast', broadcast)!, callback);
      return;
    }
    if (!this.ensureBound(operation, callback)) return;
    const handle = this.handle!;
    try {
      if (broadcast === true && !this.broadcastOn) {
        handle.setBroadcast(true);
        this.broadcastOn = true;
      }
      const done =
        callback !== undefined ? this.sendDone(callback) : operation === 'write' ? this.writeDone : undefined;
      if (this.connectState === 'disconnected') {
        handle.send(bytes, 0, bytes.length, port, address, done);
      } else if (this.connectState === 'connected') {
        this.sendToPeer(operation, bytes, address, port, callback, done);
      } else {
        // connect() is still resolving its hostname: sent now, the datagram would carry an address
        // that node:dgram rejects once the handle is connected (EISCONN). Hold it until connect settles.
        this.held.push({ operation, bytes, address, port, callback, done });
      }
    } catch (thrown) {
      this.fail(toUDPSocketError(operation, thrown), callback);
    }
  }

  /** Sends a datagram on the connected handle, if it is addressed to the peer (positional: no allocation). */
  private sendToPeer(
    operation: 'send' | 'write',
    bytes: Uint8Array,
    address: string,
    port: number,
    callback: UDPSendCallback | undefined,
    done: ((error: Error | null) => void) | undefined,
  ): void {
    const peer = this.peer!;
    if (port !== peer.port || (address !== peer.address && address !== peer.resolved?.address)) {
      this.fail(
        new UDPSocketError(
          'ERR_SOCKET_DGRAM_IS_CONNECTED',
          operation,
          `socket is connected to ${peer.address}:${peer.port}, cannot send to ${address}:${port}`,
        ),
        callback,
      );
      return;
    }
    this.handle!.send(bytes, 0, bytes.length, undefined, undefined, done);
  }

  /** Sends (or fails, with `failure`) the datagrams held while connect() was resolving. */
  private releaseHeld(failure: UDPSocketError | null): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    for (const datagram of held) {
      if (failure !== null) {
        this.fail(new UDPSocketError(failure.code, datagram.operation, `connect failed: ${failure.errMsg}`, { cause: failure }), datagram.callback);
        continue;
      }
      try {
        const { operation, bytes, address, port, callback, done } = datagram;
        this.sendToPeer(operation, bytes, address, port, callback, done);
      } catch (thrown) {
        this.fail(toUDPSocketError(datagram.operation, thrown), datagram.callback);
      }
    }
  }

  /** Reports what the OS says about a `write()` as `write:fail` (`send()` failures come through the sink). */
  private readonly writeDone = (error: Error | null): void => {
    if (error !== null && !this.isClosed) this.report(toUDPSocketError('write', error));
  };

  /** The completion of a `sendWithCallback`, converting node's error (the only caller with a callback). */
  private sendDone(callback: UDPSendCallback): (error: Error | null) => void {
    // sendTo, reply and request pass one callback for all their datagrams: wrap it once.
    if (callback === this.doneCallback) return this.doneWrapper!;
    const wrapper = wrapSendCallback(callback);
    this.doneCallback = callback;
    this.doneWrapper = wrapper;
    return wrapper;
  }

  connect(option: UDPConnectOption): void {
    if (option === null || typeof option !== 'object') {
      this.report(
        new UDPSocketError('ERR_INVALID_ARG_TYPE', 'connect', `option must be an object, got ${describe(option)}`),
      );
      return;
    }
    if (this.isClosed) {
      this.notRunning('connect');
      return;
    }
    if (this.connectState !== 'disconnected') {
      this.report(new UDPSocketError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'connect', 'socket is already connected'));
      return;
    }
    let address: string;
    let port: number;
    try {
      ({ address, port } = option);
    } catch (thrown) {
      this.report(unreadableOption('connect', thrown));
      return;
    }
    const error = checkAddress('connect', address, this.type) ?? checkPort('connect', port, false);
    if (error !== undefined) {
      this.report(error);
      return;
    }
    if (!this.ensureBound('connect')) return;
    this.connectState = 'connecting';
    const peer = { address, port, resolved: undefined as UDPAddressInfo | undefined };
    this.peer = peer;
    try {
      this.handle!.connect(port, address, (failure) => {
        if (this.isClosed || this.peer !== peer) return;
        if (failure !== null) {
          this.connectState = 'disconnected';
          this.peer = undefined;
          const error = toUDPSocketError('connect', failure);
          this.report(error);
          this.releaseHeld(error);
          return;
        }
        this.connectState = 'connected';
        peer.resolved = this.handle!.remoteAddress();
        this.local = this.handle!.address();
        this.releaseHeld(null);
      });
    } catch (thrown) {
      this.connectState = 'disconnected';
      this.peer = undefined;
      this.report(toUDPSocketError('connect', thrown));
    }
  }

  disconnect(): void {
    if (this.isClosed) {
      this.notRunning('disconnect');
      return;
    }
    if (this.connectState === 'disconnected') {
      this.report(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'disconnect', 'socket is not connected'));
      return;
    }
    if (this.apply('disconnect', () => this.handle!.disconnect())) {
      this.connectState = 'disconnected';
      this.peer = undefined;
      // Linux gives up an OS-chosen port on disconnect (udp_disconnect) and picks a new one at
      // the next send: read it again rather than keep reporting the old one.
      this.refreshLocal();
    }
  }

  /** Reads the bound address from the handle again (port 0 while the OS has none). */
  private refreshLocal(): UDPAddressInfo {
    const local = this.handle!.address();
    this.local = local;
    return local;
  }

  // ---- close -------------------------------------------------------------------------------

  close(): void {
    if (this.isClosed) {
      this.notRunning('close');
      return;
    }
    this.isClosed = true;
    const held = this.held;
    this.held = [];
    for (const datagram of held) {
      if (datagram.callback !== undefined) {
        this.fail(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', datagram.operation, 'socket closed before connect completed'), datagram.callback);
      }
    }
    this.bindState = 'unbound';
    this.connectState = 'disconnected';
    this.local = undefined;
    this.peer = undefined;
    this.handle!.close();
    this.schedule('close', { errMsg: 'close:ok' });
  }

  // ---- queries -----------------------------------------------------------------------------

  address(): UDPAddressInfo | undefined {
    if (this.bindState !== 'bound' || this.isClosed) return undefined;
    const local = this.local!.port === 0 ? this.refreshLocal() : this.local!;
    return { ...local };
  }

  remoteAddress(): UDPAddressInfo | undefined {
    return this.connectState === 'connected' && !this.isClosed ? { ...this.peer!.resolved! } : undefined;
  }

  // ---- options -----------------------------------------------------------------------------

  /**
   * Validates a setting, then applies it now when bound or remembers it for bind.
   * `remember` stores the value in the pending settings.
   */
  private setting(
    operation: UDPOperation,
    error: UDPSocketError | undefined,
    now: (handle: UdpHandle) => void,
    remember: (pending: PendingSettings) => void,
  ): void {
    if (this.isClosed) {
      this.notRunning(operation);
      return;
    }
    if (error !== undefined) {
      this.report(error);
      return;
    }
    if (this.bindState === 'bound') {
      const handle = this.handle!;
      this.apply(operation, () => now(handle));
    } else {
      remember(this.pending);
    }
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
        this.broadcastOn = flag;
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
    operation: UDPOperation,
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
      () => this.membership(op, source, group, iface),
      (p) => p.memberships.push([op, source, group, iface]),
    );
  }

  private membership(op: 'add' | 'drop', source: string | undefined, group: string, iface: string | undefined): void {
    const handle = this.handle!;
    if (source === undefined) {
      if (op === 'add') this.apply('addMembership', () => handle.addMembership(group, iface));
      else this.apply('dropMembership', () => handle.dropMembership(group, iface));
    } else if (op === 'add') {
      this.apply('addSourceSpecificMembership', () => handle.addSourceSpecificMembership(source, group, iface));
    } else {
      this.apply('dropSourceSpecificMembership', () => handle.dropSourceSpecificMembership(source, group, iface));
    }
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
    return this.getBufferSize(
      'getRecvBufferSize',
      (h) => h.getRecvBufferSize(),
      this.pending.recvBufferSize ?? this.optionBufferSizes.recv,
    );
  }

  getSendBufferSize(): number | undefined {
    return this.getBufferSize(
      'getSendBufferSize',
      (h) => h.getSendBufferSize(),
      this.pending.sendBufferSize ?? this.optionBufferSizes.send,
    );
  }

  private getBufferSize(
    operation: UDPOperation,
    read: (handle: UdpHandle) => number,
    pending: number | undefined,
  ): number | undefined {
    if (this.isClosed) {
      this.notRunning(operation);
      return undefined;
    }
    if (this.bindState !== 'bound') return pending;
    try {
      return read(this.handle!);
    } catch (error) {
      this.report(toUDPSocketError(operation, error));
      return undefined;
    }
  }

  getSendQueueSize(): number {
    return this.bindState === 'bound' && !this.isClosed ? this.handle!.getSendQueueSize() : 0;
  }

  getSendQueueCount(): number {
    return this.bindState === 'bound' && !this.isClosed ? this.handle!.getSendQueueCount() : 0;
  }

  ref(): this {
    if (!this.isClosed) this.handle!.ref();
    return this;
  }

  unref(): this {
    if (!this.isClosed) this.handle!.unref();
    return this;
  }
}

function isDriver(value: unknown): value is UdpDriver {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as UdpDriver).open === 'function' &&
    typeof (value as UdpDriver).scheduler?.schedule === 'function'
  );
}

/**
 * Creates a UDP socket with the WeChat / Taro `UDPSocket` API, on node:dgram by default.
 *
 * Nothing but an unknown `type` throws: every bad argument of every method, and every failure,
 * is reported on `onError` with a stable `code`.
 *
 * @param type - `'udp4'` (default) or `'udp6'`.
 * @param options - driver, SO_REUSEADDR, IPV6_V6ONLY, buffer sizes, hostname lookup.
 * @returns an unbound socket.
 * @throws UDPSocketError `ERR_SOCKET_BAD_TYPE` when `type` is neither `'udp4'` nor `'udp6'`.
 * @example
 * const udp = createUDPSocket();
 * udp.onMessage(({ message, remoteInfo }) => console.log(Buffer.from(message).toString(), remoteInfo));
 * const port = udp.bind();
 * udp.send({ address: '127.0.0.1', port, message: 'hello' });
 */
export function createUDPSocket(type: UDPSocketType = 'udp4', options: UDPSocketOptions = {}): UDPSocket {
  if (type !== 'udp4' && type !== 'udp6') {
    throw new UDPSocketError('ERR_SOCKET_BAD_TYPE', 'createUDPSocket', `bad socket type: ${describe(type)}, expected "udp4" or "udp6"`);
  }
  const errors: UDPSocketError[] = [];
  const bad = (name: string, expected: string, value: unknown): void => {
    errors.push(
      new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `option ${name} must be ${expected}, got ${describe(value)}; ignored`),
    );
  };
  const opts: UDPSocketOptions = options !== null && typeof options === 'object' ? options : {};
  if (opts !== options) bad('options', 'an object', options);
  let driver: UdpDriver | null;
  if (opts.driver === undefined) {
    driver = defaultDriver(errors);
  } else {
    if (isDriver(opts.driver)) {
      driver = opts.driver;
    } else {
      driver = null;
      errors.push(
        new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `option driver must be a UdpDriver, got ${describe(opts.driver)}; the socket is closed`),
      );
    }
  }
  const handleOptions: UdpHandleOptions = {};
  for (const name of ['reuseAddr', 'ipv6Only'] as const) {
    const value = opts[name];
    if (value === undefined) continue;
    if (typeof value === 'boolean') handleOptions[name] = value;
    else bad(name, 'a boolean', value);
  }
  for (const name of ['recvBufferSize', 'sendBufferSize'] as const) {
    const value = opts[name];
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_BUFFER_SIZE) handleOptions[name] = value;
    else bad(name, 'a positive integer', value);
  }
  if (opts.lookup !== undefined) {
    if (typeof opts.lookup === 'function') handleOptions.lookup = opts.lookup;
    else bad('lookup', 'a function', opts.lookup);
  }
  return new UDPSocketImpl(type, driver, handleOptions, errors);
}
