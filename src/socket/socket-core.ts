import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { UDPSocketError, reasonOf, toUDPSocketError, type UDPSocketOperation } from '../errors';
import type { UDPAddressInfo, UDPRemoteInfo, UDPSocketType, UDPHandle, UDPHandleSink } from '../driver/udp-driver';
import type { LookupGuard } from '../driver/lookup-timeout';
import { reportUnhandledError } from '../internal/report-unhandled-error';
import { ListenerList } from './listeners';
import { applyPending, attempt } from './pending-settings';
import { CLOSED, NO_LINK, unboundState, type ConnectingLink, type HeldDatagram, type PendingSettings, type SocketState } from './socket-state';
import type {
  UDPAbortSignal,
  UDPCloseResult,
  UDPErrorResult,
  UDPListeningResult,
  UDPMessageResult,
  UDPSendCallback,
} from './types';

interface EventTask {
  core: SocketCore;
  kind: 'listening' | 'close' | 'error';
  payload: UDPListeningResult | UDPCloseResult | UDPErrorResult;
}

interface SendFailure {
  callback: UDPSendCallback;
  error: UDPSocketError;
}

function dispatchEvent(this: SchedulerAction<EventTask>, task: EventTask | undefined): void {
  const { core, kind, payload } = task!;
  if (kind === 'listening') core.listeningListeners.emit(payload as UDPListeningResult);
  else if (kind === 'close') core.closeListeners.emit(payload as UDPCloseResult);
  else core.errorListeners.emit(payload as UDPErrorResult);
}

function completeSend(this: SchedulerAction<SendFailure>, task: SendFailure | undefined): void {
  try {
    task!.callback(task!.error);
  } catch (error) {
    // Thrown out of a scheduler action it would cut the flush short: every event queued behind it lost.
    reportUnhandledError(error);
  }
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

/** Initial value of the validated-address cache: equal to nothing a caller can pass. */
const NO_ADDRESS = Symbol('no address');

/**
 * The inside of one socket: its state, its listeners, its events and its bind/close lifecycle.
 * The driver's handle reports to it ({@link UDPHandleSink}); the user holds the facade
 * (`udp-socket.ts`), which never exposes it. The send path (`send-path.ts`) works on it too.
 */
export class SocketCore implements UDPHandleSink {
  readonly closeListeners = new ListenerList<UDPCloseResult>();
  readonly errorListeners = new ListenerList<UDPErrorResult>();
  readonly listeningListeners = new ListenerList<UDPListeningResult>();
  readonly messageListeners = new ListenerList<UDPMessageResult>();

  /** The lifecycle: see {@link SocketState}. */
  state: SocketState = CLOSED;
  /** A `connect()` that `disconnect()` cancelled while its handle was still resolving the peer. */
  cancelledLink: ConnectingLink | undefined;
  /** The guard of the `lookup` option: its timers live while the socket does, ref'd as it is. */
  lookupGuard: LookupGuard | undefined;

  // Send-path caches (send-path.ts), per socket so that no datagram allocates.
  /** The last address that passed validation: repeated sends to one peer skip the check. */
  lastGoodAddress: unknown = NO_ADDRESS;
  /** The last send callback and its wrapper (see `sendDone`). */
  doneCallback: UDPSendCallback | undefined;
  doneWrapper: ((error: Error | null) => void) | undefined;
  /** Reports what the OS says about a `write()` as `write:fail` (`send()` failures come through the sink). */
  readonly writeDone = (error: Error | null): void => {
    if (error !== null && this.state.kind !== 'closed') this.report(toUDPSocketError('write', error));
  };

  /** Reports on `onError` (bound once, for the helpers that take a reporter). */
  readonly report = (error: UDPSocketError): void => {
    this.schedule('error', { errMsg: error.errMsg, errCode: error.errCode, code: error.code, error });
  };

  constructor(
    readonly type: UDPSocketType,
    readonly scheduler: SchedulerLike,
    /** The buffer sizes of the options, what get*BufferSize() report before bind. */
    readonly optionBufferSizes: { readonly recv: number | undefined; readonly send: number | undefined },
  ) {}

  /** Takes the handle the driver opened for this core: the socket is now unbound. */
  open(handle: UDPHandle): void {
    this.state = unboundState(handle);
  }

  // ---- UDPHandleSink: what the driver tells us -------------------------------------------

  message(data: Uint8Array, remote: UDPRemoteInfo): void {
    const state = this.state;
    if (state.kind !== 'bound') return;
    const listeners = this.messageListeners.items;
    if (listeners.length === 0) return;
    let local = state.local;
    if (local.port === 0) local = this.refreshLocal();
    const result: UDPMessageResult = {
      message: toArrayBuffer(data),
      remoteInfo: remote,
      localInfo: { address: local.address, family: local.family, port: local.port, size: remote.size },
    };
    // Not ListenerList.emit: a listener may close the socket, and then no other listener runs.
    for (let i = 0; i < listeners.length && this.state === state; i++) {
      try {
        listeners[i]!(result);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }

  error(error: Error, syscall: 'send' | 'receive'): void {
    if (this.state.kind !== 'closed') this.report(toUDPSocketError(syscall, error));
  }

  // ---- events ------------------------------------------------------------------------------

  private schedule(kind: EventTask['kind'], payload: EventTask['payload']): void {
    this.scheduler.schedule(dispatchEvent, 0, { core: this, kind, payload });
  }

  notRunning(operation: UDPSocketOperation): void {
    this.report(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', operation, 'socket is closed'));
  }

  /** Reports a failed send to its callback (asynchronously, like every outcome) or on `onError`. */
  fail(error: UDPSocketError, callback: UDPSendCallback | undefined): void {
    if (callback === undefined) this.report(error);
    else this.scheduler.schedule(completeSend, 0, { callback, error });
  }

  // ---- bind ------------------------------------------------------------------------------

  /**
   * Binds the handle of an unbound socket; a failure goes to `callback` when there is one
   * (sendWithCallback), else to `onError`.
   * @returns the port when the bind completed synchronously, else 0.
   */
  bind(operation: UDPSocketOperation, port: number, address: string | undefined, callback?: UDPSendCallback): number {
    const unbound = this.state;
    if (unbound.kind !== 'unbound') return 0;
    const { handle, pending } = unbound;
    const binding = { kind: 'binding' as const, handle, pending, link: NO_LINK };
    this.state = binding;
    let sync = true;
    let result = 0;
    try {
      handle.bind(
        port,
        address,
        (error) => {
          if (this.state !== binding) return;
          if (error !== null) {
            this.bindFailed(toUDPSocketError(operation, error), callback);
            return;
          }
          const bound = this.onBound(handle, pending, binding.link);
          if (sync) result = bound;
        },
        operation !== 'bind',
      );
    } catch (error) {
      if (this.state === binding) this.bindFailed(toUDPSocketError(operation, error), callback);
      return 0;
    }
    sync = false;
    return result;
  }

  private bindFailed(error: UDPSocketError, callback: UDPSendCallback | undefined): void {
    const binding = this.state;
    if (binding.kind !== 'binding') return;
    this.state = unboundState(binding.handle, binding.pending);
    this.fail(error, callback);
    if (binding.link.kind === 'connecting') this.failHeld(binding.link.held, error);
  }

  private onBound(handle: UDPHandle, pending: PendingSettings, link: BindingLink): number {
    const local = handle.address();
    const bound = { kind: 'bound' as const, handle, local, link, broadcastOn: false };
    this.state = bound;
    bound.broadcastOn = applyPending(this.report, handle, pending);
    this.schedule('listening', { errMsg: 'bind:ok', address: local.address, family: local.family, port: local.port });
    return local.port;
  }

  /** Binds implicitly (port 0, any address) before send/connect, as WeChat and node do. @returns whether bound or binding. */
  ensureBound(operation: UDPSocketOperation, callback?: UDPSendCallback): boolean {
    if (this.state.kind === 'unbound') this.bind(operation, 0, undefined, callback);
    const kind = this.state.kind;
    return kind === 'bound' || kind === 'binding';
  }

  /** Reads the bound address from the handle again (port 0 while the OS has none). */
  refreshLocal(): UDPAddressInfo {
    const state = this.state as Extract<SocketState, { kind: 'bound' }>;
    const local = state.handle.address();
    state.local = local;
    return local;
  }

  /** Runs a driver call, reporting what it throws. @returns whether it succeeded. */
  apply(operation: UDPSocketOperation, call: () => void): boolean {
    return attempt(this.report, operation, call);
  }

  /** Fails held datagrams: those of a `sendWithCallback` through their callback, the others on `onError`. */
  failHeld(held: readonly HeldDatagram[], failure: UDPSocketError): void {
    for (const datagram of held) {
      this.fail(new UDPSocketError(failure.code, datagram.operation, `connect failed: ${failure.errMsg}`, { cause: failure }), datagram.callback);
    }
  }

  // ---- close -------------------------------------------------------------------------------

  /** Stops watching the `signal` option (set while watching). */
  private unwatch: (() => void) | undefined;

  /**
   * Closes the socket when `signal` aborts, at once when it is aborted already (as node:dgram
   * does); the abort listener goes away when the socket closes, so a long-lived signal keeps no
   * closed socket alive. A signal that cannot be read is reported and ignored.
   */
  watch(signal: UDPAbortSignal): void {
    if (this.state.kind === 'closed') return;
    const onAbort = (): void => {
      this.close();
    };
    try {
      if (signal.aborted) {
        this.close();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.unwatch = () => signal.removeEventListener('abort', onAbort);
    } catch (thrown) {
      this.report(new UDPSocketError('ERR_INVALID_ARG_TYPE', 'createUDPSocket', `option signal could not be watched: ${reasonOf(thrown)}; ignored`, { cause: thrown }));
    }
  }

  /** Closes the socket: idempotent and silent once closed. @returns whether this call closed it. */
  close(): boolean {
    const state = this.state;
    if (state.kind === 'closed') return false;
    this.state = CLOSED;
    const unwatch = this.unwatch;
    if (unwatch !== undefined) {
      this.unwatch = undefined;
      try {
        unwatch();
      } catch (thrown) {
        this.report(toUDPSocketError('close', thrown));
      }
    }
    if (state.kind !== 'unbound' && state.link.kind === 'connecting') {
      for (const datagram of state.link.held) {
        if (datagram.callback !== undefined) {
          this.fail(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', datagram.operation, 'socket closed before connect completed'), datagram.callback);
        }
      }
    }
    state.handle.close();
    this.lookupGuard?.close();
    this.schedule('close', { errMsg: 'close:ok' });
    return true;
  }
}

type BindingLink = Extract<SocketState, { kind: 'binding' }>['link'];
