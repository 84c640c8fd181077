import { Observable, asyncScheduler, throwError, type SchedulerLike, type Subscriber, type TeardownLogic } from 'rxjs';
import { UDPSocketError, reasonOf, toUDPSocketError, type UDPOperation } from '../errors';
import type {
  UDPAddressInfo,
  UDPCloseResult,
  UDPConnectOption,
  UDPErrorResult,
  UDPListeningResult,
  UDPMessageResult,
  UDPMessageResultLike,
  UDPSendOption,
  UDPSocketLike,
} from '../socket/types';
import { describe } from '../internal/validators';
import { socketScheduler, type BindWithAddress, type QueryableSocket } from './internal/capabilities';
import { sendOne } from './internal/send-one';
import { errorOfPayload } from './internal/socket-error';
import { Channel, Tap, withRemoteSize } from './internal/channel';
import { RX_UDP_SOCKET, invalidSocketReason } from './internal/brand';
import type { FromUDPSocketOptions, RxUDPSocket, RxUDPSocketState, SendReceipt } from './types';

class RxUDPSocketImpl implements RxUDPSocket {
  /** The brand {@link isRxUDPSocket} checks: on the prototype, not an own property. */
  get [RX_UDP_SOCKET](): true {
    return true;
  }

  readonly scheduler: SchedulerLike;
  readonly message$: Observable<UDPMessageResult>;
  readonly listening$: Observable<UDPListeningResult>;
  readonly error$: Observable<UDPSocketError>;
  readonly close$: Observable<UDPCloseResult>;
  readonly state$: Observable<RxUDPSocketState>;

  private current: RxUDPSocketState;
  /** The close event, once seen (or inferred): replayed to late `close$` subscribers. */
  private closeResult: UDPCloseResult | undefined;
  /**
   * Whether `close()` holds the close and error listeners until the socket answers: with its
   * close event, or with an error of the `close` operation (the socket was closed already).
   */
  private closing = false;
  /** Why the argument of `fromUDPSocket` is no socket: the wrapper is then dead from the start. */
  private readonly invalid: string | undefined;
  /** Whether the socket tells its bound address (`address()`, ours): closes can be inferred. */
  private readonly tellsAddress: boolean;
  /** Whether the socket tells its peer (`remoteAddress()`, ours): `connected` is then never guessed. */
  private readonly tellsPeer: boolean;
  /** Whether the socket has a `closed` flag (ours). */
  private readonly tellsClosed: boolean;

  private readonly messages = new Channel<UDPMessageResult>();
  private readonly listenings = new Channel<UDPListeningResult>();
  private readonly errors = new Channel<UDPSocketError>();
  private readonly closes = new Channel<UDPCloseResult>();
  private readonly states = new Channel<RxUDPSocketState>();

  // The per-datagram path: one listener per wrapper, calling each subscriber directly. Only a
  // socket typed as Taro's (no `remoteInfo.size`) costs a copy that adds the size. A subscriber
  // that closes the socket (the wrapper or the socket itself) stops the delivery of that datagram
  // to the later ones, as the socket's own listener loop does; the check runs only between
  // subscribers, so a single subscriber pays nothing for it.
  private readonly onMessage = (raw: UDPMessageResultLike): void => {
    const subscribers = this.messages.items;
    const count = subscribers.length;
    if (count === 0) return;
    const result = raw.remoteInfo.size === undefined ? withRemoteSize(raw) : (raw as UDPMessageResult);
    subscribers[0]!.next(result);
    for (let i = 1; i < count && !this.closedNow(); i++) subscribers[i]!.next(result);
  };

  /** Whether the wrapper or (ours can tell) the socket was closed: cheap, for the message loop. */
  private closedNow(): boolean {
    return this.current === 'closed' || (this.tellsClosed && (this.socket as QueryableSocket).closed === true);
  }

  private readonly onListening = (result: UDPListeningResult): void => {
    // Ours: ask (a raw connect binds implicitly and is seen here); WeChat: the event is the news.
    if (this.tellsAddress) this.refresh();
    else if (this.current === 'unbound') this.setState('listening');
    this.listenings.next(result);
  };

  private readonly onError = (result: UDPErrorResult): void => {
    const error = errorOfPayload(result);
    if (this.closing && error.operation === 'close') {
      // The socket refused the close of close(): it was closed before (ours report
      // ERR_SOCKET_DGRAM_NOT_RUNNING). The wrapper's own probe, not news: end, do not report.
      this.ended({ errMsg: 'close:ok' });
      return;
    }
    if (this.tellsAddress || this.tellsPeer) {
      this.refresh();
    } else if (
      error.operation === 'connect' &&
      error.code !== 'ERR_SOCKET_DGRAM_IS_CONNECTED' &&
      this.current === 'connected'
    ) {
      this.setState('listening'); // WeChat: the optimistic 'connected' of connect() was wrong
    }
    this.errors.next(error);
  };

  private readonly onClose = (result: UDPCloseResult): void => {
    // WeChat / Taro may call the listener without a payload.
    this.ended(
      result !== null && typeof result === 'object' && typeof result.errMsg === 'string' ? result : { errMsg: 'close:ok' },
    );
  };

  private readonly messageTap: Tap;
  private readonly listeningTap: Tap;
  private readonly errorTap: Tap;
  private readonly closeTap: Tap;

  constructor(
    readonly socket: UDPSocketLike,
    options: FromUDPSocketOptions,
  ) {
    let scheduler: SchedulerLike | undefined;
    let optionsProblem: string | undefined;
    try {
      scheduler = options === null || options === undefined ? undefined : options.scheduler;
      if (scheduler !== undefined && (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function')) {
        optionsProblem = `options.scheduler must be a SchedulerLike, got ${describe(scheduler)}`;
      }
    } catch (thrown) {
      optionsProblem = `options cannot be read: ${reasonOf(thrown)}`;
    }
    this.invalid = optionsProblem ?? invalidSocketReason(socket);
    const valid = this.invalid === undefined;
    const queryable = socket as QueryableSocket;
    // A foreign socket whose properties throw when read tells nothing (and is not thrown at).
    const tells = (probe: () => boolean): boolean => {
      try {
        return valid && probe();
      } catch {
        return false;
      }
    };
    this.tellsAddress = tells(() => typeof queryable.address === 'function');
    this.tellsPeer = tells(() => typeof queryable.remoteAddress === 'function');
    this.tellsClosed = tells(() => typeof queryable.closed === 'boolean');
    this.scheduler = (optionsProblem === undefined ? scheduler : undefined) ?? (valid ? socketScheduler(socket) : undefined) ?? asyncScheduler;
    this.current = valid ? 'unbound' : 'closed';
    if (valid) {
      // A socket closed already (ours tell) is ended at once, as if its close event had been seen.
      const state = this.query();
      if (state === 'closed') this.ended({ errMsg: 'close:ok' });
      else this.current = state;
    }
    this.messageTap = new Tap(
      () => socket.onMessage(this.onMessage),
      () => socket.offMessage(this.onMessage),
    );
    this.listeningTap = new Tap(
      () => socket.onListening(this.onListening),
      () => socket.offListening(this.onListening),
    );
    this.errorTap = new Tap(
      () => socket.onError(this.onError),
      () => socket.offError(this.onError),
    );
    this.closeTap = new Tap(
      () => socket.onClose(this.onClose),
      () => socket.offClose(this.onClose),
    );

    this.message$ = new Observable<UDPMessageResult>((subscriber) =>
      this.join(subscriber, this.messages, this.messageTap, 'onMessage'),
    );
    this.listening$ = new Observable<UDPListeningResult>((subscriber) =>
      this.join(subscriber, this.listenings, this.listeningTap, 'onListening'),
    );
    this.error$ = new Observable<UDPSocketError>((subscriber) => {
      if (this.invalid !== undefined) {
        subscriber.next(this.refusal('onError'));
        subscriber.complete();
        return undefined;
      }
      const { errors, errorTap } = this;
      errorTap.acquire();
      errors.add(subscriber);
      return () => {
        errors.remove(subscriber);
        errorTap.release();
      };
    });
    this.close$ = new Observable<UDPCloseResult>((subscriber) => {
      if (this.invalid !== undefined) {
        subscriber.error(this.refusal('onClose'));
        return undefined;
      }
      this.refresh();
      if (this.closeResult !== undefined) {
        subscriber.next(this.closeResult);
        subscriber.complete();
        return undefined;
      }
      const { closes, closeTap } = this;
      closeTap.acquire();
      closes.add(subscriber);
      return () => {
        closes.remove(subscriber);
        closeTap.release();
      };
    });
    this.state$ = new Observable<RxUDPSocketState>((subscriber) => {
      const state = this.state;
      subscriber.next(state);
      if (state === 'closed') {
        subscriber.complete();
        return undefined;
      }
      const { states, listeningTap, errorTap, closeTap } = this;
      listeningTap.acquire();
      errorTap.acquire();
      closeTap.acquire();
      states.add(subscriber);
      return () => {
        states.remove(subscriber);
        closeTap.release();
        errorTap.release();
        listeningTap.release();
      };
    });
  }

  /** The error of every use of a wrapper of something that is no socket. */
  private refusal(operation: UDPOperation): UDPSocketError {
    return new UDPSocketError('ERR_INVALID_ARG_TYPE', operation, this.invalid!);
  }

  /** A subscriber of `message$` / `listening$`: completes at the close, at once if it is past. */
  private join<T>(subscriber: Subscriber<T>, channel: Channel<T>, tap: Tap, operation: UDPOperation): TeardownLogic {
    if (this.invalid !== undefined) {
      subscriber.error(this.refusal(operation));
      return undefined;
    }
    this.refresh();
    if (this.closeResult !== undefined) {
      subscriber.complete();
      return undefined;
    }
    const closeTap = this.closeTap;
    closeTap.acquire();
    tap.acquire();
    channel.add(subscriber);
    return () => {
      channel.remove(subscriber);
      tap.release();
      closeTap.release();
    };
  }

  get state(): RxUDPSocketState {
    this.refresh();
    return this.current;
  }

  /**
   * Asks a socket that can tell for its state; a close found that way runs the close path. A
   * change made on the socket itself without an event (a raw `connect` of a bound socket, a
   * `disconnect`, a `close` while the wrapper held no close listener) is seen here: at each read
   * of `state`, each subscription, each socket event the wrapper listens to, and `connect`/`close`.
   */
  private refresh(): void {
    if (this.current === 'closed') return;
    const state = this.query();
    if (state === 'closed') this.ended({ errMsg: 'close:ok' });
    else this.setState(state);
  }

  /**
   * The state a socket that can tell reports (ours: `closed`, `address()`, `remoteAddress()`),
   * else the current one. Without a `closed` flag: `address()` is `undefined` while unbound or
   * closed, and a bound socket unbinds only by closing, so once the wrapper knew it bound,
   * `undefined` means closed (a socket closed before it bound goes unnoticed until `close()`).
   */
  private query(): RxUDPSocketState {
    const current = this.current;
    const socket = this.socket as QueryableSocket;
    try {
      if (this.tellsClosed && socket.closed === true) return 'closed';
      if (this.tellsAddress) {
        if (socket.address!() === undefined) return current === 'unbound' || this.tellsClosed ? 'unbound' : 'closed';
        return this.tellsPeer && socket.remoteAddress!() !== undefined ? 'connected' : 'listening';
      }
      if (this.tellsPeer) {
        if (socket.remoteAddress!() !== undefined) return 'connected';
        if (current === 'connected') return 'listening';
      }
    } catch {
      // A foreign socket whose query throws tells nothing.
    }
    return current;
  }

  /** The close path, once: `close$` emits, `message$` / `listening$` complete, holds are released. */
  private ended(payload: UDPCloseResult): void {
    if (this.closeResult !== undefined) return;
    this.closeResult = payload;
    this.setState('closed');
    const closes = this.closes.take();
    for (let i = 0; i < closes.length; i++) {
      closes[i]!.next(payload);
      closes[i]!.complete();
    }
    this.messages.complete();
    this.listenings.complete();
    if (this.closing) {
      this.closing = false;
      this.errorTap.release();
      this.closeTap.release();
    }
  }

  private setState(state: RxUDPSocketState): void {
    if (state === this.current) return;
    this.current = state;
    this.states.next(state);
    if (state === 'closed') this.states.complete();
  }

  address(): UDPAddressInfo | undefined {
    const socket = this.socket as QueryableSocket;
    if (!this.tellsAddress) return undefined;
    try {
      const info = socket.address!() as UDPAddressInfo | undefined;
      return info !== null && typeof info === 'object' && typeof info.port === 'number' ? info : undefined;
    } catch {
      return undefined;
    }
  }

  bind(port?: number, address?: string): number {
    if (this.invalid !== undefined) return 0;
    const socket = this.socket;
    let bound: number;
    try {
      bound =
        address !== undefined
          ? (socket as BindWithAddress).bind(port ?? 0, address)
          : port !== undefined
            ? socket.bind(port)
            : socket.bind();
    } catch (thrown) {
      this.errors.next(toUDPSocketError('bind', thrown));
      return 0;
    }
    if (typeof bound === 'number' && bound > 0 && this.current === 'unbound') this.setState('listening');
    return bound;
  }

  connect(option: UDPConnectOption): void {
    if (this.invalid !== undefined) return;
    try {
      this.socket.connect(option);
    } catch (thrown) {
      this.errors.next(toUDPSocketError('connect', thrown));
      return;
    }
    // Ours: 'connected' once the socket says so (a refused connect is reported asynchronously).
    // WeChat cannot tell: optimistic, and back to 'listening' at a connect error.
    if (this.tellsPeer) this.refresh();
    else if (this.current === 'unbound' || this.current === 'listening') this.setState('connected');
  }

  send(option: UDPSendOption): Observable<SendReceipt> {
    if (this.invalid !== undefined) return throwError(() => this.refusal('send'));
    const socket = this.socket;
    return new Observable<SendReceipt>((subscriber) => sendOne(socket, option, subscriber));
  }

  close(): void {
    this.refresh();
    // Closed (seen, inferred, or closing by an earlier close()): never close the socket twice.
    if (this.current === 'closed') return;
    // Hold the close and error listeners until the socket answers, so streams subscribed later
    // still end, and a socket that was closed already (it refuses the close) ends them too.
    this.closing = true;
    this.closeTap.acquire();
    this.errorTap.acquire();
    this.setState('closed');
    try {
      this.socket.close();
    } catch (thrown) {
      const error = toUDPSocketError('close', thrown);
      this.errors.next(error);
      this.ended({ errMsg: error.errMsg });
    }
  }
}

/**
 * Wraps a socket with the WeChat / Taro callback API into an {@link RxUDPSocket}.
 *
 * Works with any {@link UDPSocketLike}: a socket of `createUDPSocket`, of the virtual network,
 * or the `wx.createUDPSocket()` / `Taro.createUDPSocket()` of a mini-program. The wrapper does
 * not own the socket: unsubscribing never closes it, only `close()` does.
 *
 * - `message$`, `listening$`, `error$`, `close$` are **hot** and shared: the socket listener of an
 *   event is added on the first subscription and removed after the last one, so an idle wrapper
 *   leaves no listener behind. `message$` and `listening$` complete when the socket closes;
 *   `error$` never errors.
 * - `state$` replays the current state (`'unbound' | 'listening' | 'connected' | 'closed'`). On a
 *   socket that can tell (ours: `closed`, `address()`, `remoteAddress()`) the wrapper asks it at each read
 *   of `state`, each subscription and each socket event it listens to: `'connected'` only once
 *   `remoteAddress()` is defined (a refused `connect` never shows as connected; a connect by
 *   hostname shows once resolved, at the next such look), and a raw `connect`/`disconnect` of the
 *   socket is seen too. A WeChat / Taro socket cannot tell: `connect()` sets `'connected'` at
 *   once, and a connect error sets `'listening'` again.
 * - A close the wrapper did not hear (the socket closed while nothing was subscribed, or before
 *   it was wrapped) is found without keeping a listener on an idle socket: on our sockets (their
 *   `closed` flag) at once — a socket closed already when wrapped starts `'closed'`, its streams
 *   ended — or at the next look; on another socket with `address()`, one that was bound and whose
 *   `address()` turns `undefined` counts as closed (sockets unbind only by closing). On a socket
 *   that cannot tell, `close()` holds the close and error listeners until the socket answers,
 *   and a socket that refuses the close (`ERR_SOCKET_DGRAM_NOT_RUNNING`: it was closed already)
 *   ends them too; that refusal is not reported on `error$`. `close()` never closes the socket
 *   twice. A foreign socket whose properties throw when read is not thrown at either.
 * - An argument that is no socket (`null`, an object without the listener methods and `close`)
 *   is not thrown at: the wrapper is returned dead, `state` `'closed'`, its `message$`,
 *   `listening$`, `close$` and every `send()` error with `ERR_INVALID_ARG_TYPE`, `error$` emits
 *   that error and completes, `bind()` returns 0, `connect()` and `close()` do nothing. So is a
 *   wrapper whose `options` cannot be read or whose `scheduler` is no scheduler.
 * - `send(option)` is **cold**: it sends when subscribed and emits a {@link SendReceipt}. On a
 *   socket with `sendWithCallback` (ours) it completes once the datagram was handed to the
 *   operating system and errors with the `UDPSocketError` of that very datagram
 *   (`ERR_SOCKET_DGRAM_NOT_RUNNING` after close, `EMSGSIZE`, `ERR_SOCKET_BAD_PORT`, ...). A
 *   WeChat / Taro socket has no per-datagram outcome: the receipt (`confirmed: false`) then
 *   completes right after the synchronous `send()` call and a failure reaches `error$` alone.
 *
 * @param socket - the socket to wrap.
 * @param options - the scheduler of the operators' timers (default: the socket's, else `asyncScheduler`).
 * @returns the reactive wrapper.
 * @example
 * const rx = fromUDPSocket(createUDPSocket());
 * rx.message$.subscribe(({ message, remoteInfo }) => console.log(remoteInfo.port, new TextDecoder().decode(message)));
 * const port = rx.bind(0, '127.0.0.1');
 * rx.send({ address: '127.0.0.1', port, message: 'hi' }).subscribe((receipt) => console.log('sent', receipt));
 */
export function fromUDPSocket(socket: UDPSocketLike, options: FromUDPSocketOptions = {}): RxUDPSocket {
  return new RxUDPSocketImpl(socket, options);
}
