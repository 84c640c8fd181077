import { VirtualTimeScheduler, type Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { Alarm } from './alarm';
import { operateWith } from './operate';
import { UDPSocketError, toUDPSocketError } from '../../errors';
import type { UDPMessageResult, UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { RxUDPSocket } from '../types';
import { RequestTimeoutError } from '../request-timeout-error';
import { canConfirm, type ConfirmingSocket } from './capabilities';
import { Fifo } from './fifo';
import { removeFrom, type Exchange, type ExchangeOwner, type OwnerSettings } from './exchange';
import { hubOf, type RequestHub } from './request-hub';
import { MAX_DELAY } from './validate';

/** What a run needs of its socket, found once per operator rather than per subscription. */
export interface RunContext extends Pick<OwnerSettings, 'scheduler' | 'sharedTimer'> {
  readonly rx: RxUDPSocket;
  /** The socket's reply demultiplexer. */
  readonly hub: RequestHub;
  /** The wrapped socket. */
  readonly socket: UDPSocketLike;
  /** The socket, when it reports each datagram's outcome (`sendWithCallback`). */
  readonly confirming: ConfirmingSocket | undefined;
}

/**
 * The {@link RunContext} of runs on `rx` whose timers use `scheduler`. The hub's shared timer is
 * for real time on the socket's scheduler only: on virtual time a run keeps its own timer, armed
 * when it sends, so a reply that arrives in the very frame its request times out meets the timeout
 * first whatever else is pending on the socket (the shared timer's place in a frame depends on
 * when it was armed).
 */
export function runContext(rx: RxUDPSocket, scheduler: SchedulerLike): RunContext {
  const socket = rx.socket;
  const hub = hubOf(rx);
  return {
    rx,
    scheduler,
    hub,
    socket,
    confirming: canConfirm(socket) ? socket : undefined,
    // The hub's clock: that of the first wrapper of the socket it served, maybe another than rx's.
    sharedTimer: scheduler === hub.scheduler && !(scheduler instanceof VirtualTimeScheduler),
  };
}

/** The fixed settings of one `request` operator. */
export interface RequestSettings<T> extends RunContext, OwnerSettings {
  readonly target: { readonly address: string; readonly port: number; readonly setBroadcast: boolean };
  /** `address:port` of the target, for error messages and the gate of unmatched requests. */
  readonly peer: string;
  /** The address replies must come from: the target's IP literal, `undefined` for a hostname. */
  readonly replyAddress: string | undefined;
  /** A broadcast or multicast target: replies come from anywhere. */
  readonly anySource: boolean;
  readonly timeout: number;
  readonly retries: number;
  readonly backoff: number;
  readonly concurrency: number;
  readonly match: ((reply: UDPMessageResult, request: T) => boolean) | undefined;
}

/**
 * The exchanges of a run that has none yet, shared and never written: the first exchange gets an
 * array of its own sized for one (a one-shot request makes no room for 16 more).
 */
const NO_EXCHANGES: Exchange[] = [];

/**
 * The state of one subscription to a `request` operator: its exchanges (at most `concurrency`)
 * and the values waiting behind them. Replies come from the socket's {@link RequestHub}, shared
 * with every other `request` on the socket; so do the timeouts on the socket's real-time
 * scheduler (the hub's one timer, armed at the earliest deadline of all), while a run on virtual
 * time or given a scheduler of its own arms one timer of its own.
 */
export class RequestRun<T> implements ExchangeOwner {
  /** This run's exchanges, pending or queued at a gate, in creation order. */
  private exchanges: Exchange[] = NO_EXCHANGES;
  /** Values beyond `concurrency`, made on first use (a one-shot request never needs it). */
  private waiting: Fifo<T> | undefined;
  /** The run's own timer, made on first use (never, on the hub's shared one). */
  private alarm: Alarm | undefined;
  /** The subscription to the source ({@link listen}), ended by {@link close}. */
  private upstream: Subscription | undefined;
  private sourceDone = false;
  closed = false;

  private readonly onSent = (error: UDPSocketError | null): void => {
    if (error !== null) this.fail(error);
  };

  constructor(
    readonly settings: RequestSettings<T>,
    private readonly subscriber: Subscriber<UDPMessageResult>,
  ) {
    // The reply listener is in place before the first datagram leaves.
    settings.hub.retain();
  }

  /**
   * Subscribes to `source`: its values are requests, its error fails the run, its completion ends
   * it once every request is answered. The subscription ends with the run ({@link close}).
   */
  listen(source: Observable<T>): void {
    const upstream = operateWith<T, UDPMessageResult>(this.subscriber, this);
    this.upstream = upstream;
    source.subscribe(upstream);
  }

  /** A request value from upstream. */
  push(payload: T): void {
    if (this.closed) return;
    if (this.exchanges.length < this.settings.concurrency) this.start(payload);
    else (this.waiting ??= new Fifo<T>()).push(payload);
  }

  /** Upstream completed: complete once every request is answered. */
  end(): void {
    this.sourceDone = true;
    this.maybeComplete();
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.close();
    this.subscriber.error(error);
  }

  /** The subscription ended (the run is the teardown of its subscriber): see {@link close}. */
  unsubscribe(): void {
    this.close();
  }

  /** The subscription ended: withdraw every exchange from the hub, drop the timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // First, as a chained subscriber would be: no value reaches a run being torn down.
    this.upstream?.unsubscribe();
    const exchanges = this.exchanges;
    this.exchanges = NO_EXCHANGES;
    this.waiting?.clear();
    this.alarm?.cancel();
    for (let i = 0; i < exchanges.length; i++) this.settings.hub.withdraw(exchanges[i]!);
    this.settings.hub.unretain();
  }

  private start(payload: T): void {
    const { target, timeout, scheduler, peer, replyAddress, anySource, match } = this.settings;
    const option: UDPSendOption = target.setBroadcast
      ? { address: target.address, port: target.port, message: payload as UDPSendOption['message'], setBroadcast: true }
      : { address: target.address, port: target.port, message: payload as UDPSendOption['message'] };
    const exchange: Exchange = {
      owner: this,
      payload,
      option,
      port: target.port,
      address: replyAddress,
      anySource,
      peer,
      match: match as Exchange['match'],
      order: 0,
      gate: undefined,
      startedAt: 0,
      attempts: 0,
      wait: timeout,
      deadline: 0,
      resend: false,
      live: false,
    };
    if (this.exchanges === NO_EXCHANGES) this.exchanges = [exchange];
    else this.exchanges.push(exchange);
    const now = scheduler.now();
    const admitted = this.settings.hub.admit(exchange, now);
    if (admitted === true) this.launch(exchange, now);
  }

  /** {@link ExchangeOwner.begin}: the gate of an unmatched peer let a queued exchange through. */
  begin(exchange: Exchange): void {
    if (!this.closed) this.launch(exchange, this.settings.scheduler.now());
  }

  private launch(exchange: Exchange, now: number): void {
    exchange.startedAt = now;
    this.transmit(exchange, now);
  }

  private transmit(exchange: Exchange, now: number): void {
    exchange.attempts++;
    exchange.resend = false;
    exchange.deadline = now + exchange.wait;
    try {
      const { confirming } = this.settings;
      if (confirming !== undefined) confirming.sendWithCallback(exchange.option, this.onSent);
      else this.settings.socket.send(exchange.option);
    } catch (thrown) {
      this.fail(toUDPSocketError('send', thrown));
      return;
    }
    if (!this.closed) this.arm(exchange.deadline, now);
  }

  private arm(deadline: number, now: number): void {
    if (this.settings.sharedTimer) this.settings.hub.armAt(deadline, now);
    else (this.alarm ??= new Alarm(this)).arm(this.settings.scheduler, deadline, now);
  }

  /**
   * The timer ran out: retransmit or time out each exchange whose wait is over, then re-arm.
   * Exchanges that fall due together are not retransmitted as one burst (the burst that was
   * lost to a full receive buffer would be lost again): the first goes now, the others are spread
   * evenly over the next half of their new wait.
   */
  expire(): void {
    this.alarm?.rang();
    if (this.closed) return;
    const { retries, backoff, peer } = this.settings;
    const now = this.settings.scheduler.now();
    const exchanges = this.exchanges;
    let due = 0;
    for (let i = 0; i < exchanges.length; i++) {
      const exchange = exchanges[i]!;
      if (exchange.live && exchange.deadline <= now && !exchange.resend && exchange.attempts <= retries) due++;
    }
    let spread = 0;
    for (let i = 0; i < exchanges.length && !this.closed; i++) {
      const exchange = exchanges[i]!;
      if (!exchange.live || exchange.attempts === 0 || exchange.deadline > now) continue;
      if (exchange.resend) {
        this.transmit(exchange, now);
        continue;
      }
      if (exchange.attempts > retries) {
        this.fail(new RequestTimeoutError(exchange.attempts, now - exchange.startedAt, peer));
        return;
      }
      // Bounded: a longer delay would fire at once on setTimeout, an infinite one never.
      exchange.wait = Math.min(exchange.wait * backoff, MAX_DELAY);
      const offset = spread === 0 ? 0 : Math.floor((spread * exchange.wait) / (2 * due));
      spread++;
      if (offset === 0) {
        this.transmit(exchange, now);
      } else {
        exchange.resend = true;
        exchange.deadline = now + offset;
      }
    }
    // On the shared timer the hub re-arms after its scan of every run; only an own timer is re-armed here.
    if (this.closed || this.settings.sharedTimer) return;
    let next = Infinity;
    for (let i = 0; i < exchanges.length; i++) {
      const exchange = exchanges[i]!;
      if (exchange.live && exchange.attempts > 0 && exchange.deadline < next) next = exchange.deadline;
    }
    if (next < Infinity) this.arm(next, now);
  }

  /** {@link ExchangeOwner.answer}: the hub matched a reply to one of this run's exchanges. */
  answer(exchange: Exchange, reply: UDPMessageResult): void {
    if (this.closed) return;
    removeFrom(this.exchanges, exchange);
    this.subscriber.next(reply);
    if (this.closed) return;
    const waiting = this.waiting;
    if (waiting !== undefined && waiting.size > 0 && this.exchanges.length < this.settings.concurrency) {
      this.start(waiting.shift()!);
      return;
    }
    // The timer (the hub's, or this run's own) stays armed when nothing is pending: the next
    // request's deadline is later, so no timer is armed per request; when it fires with nothing
    // due it re-arms only for what is pending (a setInterval armed and cleared cost ~0.5 µs).
    if (this.exchanges.length === 0) this.maybeComplete();
  }

  private maybeComplete(): void {
    if (!this.closed && this.sourceDone && this.exchanges.length === 0 && (this.waiting === undefined || this.waiting.size === 0)) {
      this.close();
      this.subscriber.complete();
    }
  }
}
