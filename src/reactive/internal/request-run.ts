import type { SchedulerAction, SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { UDPSocketError, toUDPSocketError } from '../../errors';
import type { UDPMessageResult, UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { RxUDPSocket } from '../types';
import { TimeoutError } from '../timeout-error';
import { canConfirm, type ConfirmingSocket } from './capabilities';
import { Fifo } from './fifo';
import { MAX_DELAY } from './validate';

/** The fixed settings of one `request` operator. */
export interface RequestSettings<T> {
  readonly rx: RxUDPSocket;
  readonly scheduler: SchedulerLike;
  readonly target: { readonly address: string; readonly port: number; readonly setBroadcast: boolean };
  /** `address:port` of the target, for error messages. */
  readonly peer: string;
  readonly timeout: number;
  readonly retries: number;
  readonly backoff: number;
  readonly concurrency: number;
  readonly match: (reply: UDPMessageResult, request: T) => boolean;
}

/** One pending request. */
interface Exchange<T> {
  /** Creation order: a message is offered only to exchanges that existed when it arrived. */
  readonly seq: number;
  readonly payload: T;
  readonly option: UDPSendOption;
  attempts: number;
  /** The current wait, ms. */
  wait: number;
  /** Sum of the waits that ran out, ms. */
  elapsed: number;
  /** `scheduler.now()` at which the current wait runs out. */
  deadline: number;
}

function fire(this: SchedulerAction<RequestRun<never>>, run: RequestRun<never> | undefined): void {
  run!.expire();
}

function armedTimer(run: RequestRun<never>, scheduler: SchedulerLike, delay: number): Subscription {
  return scheduler.schedule(fire, delay, run);
}

/**
 * The state of one subscription to a `request` operator.
 *
 * Lean on purpose (a request/response round trip is a latency figure): one reply listener
 * (`message$`) for the whole subscription, attached before the first send; one timer for all
 * pending requests, armed at the earliest deadline; one send-completion callback; per request a
 * single object. A message is offered to every pending request whose `match` accepts it.
 */
export class RequestRun<T> {
  private pending: Array<Exchange<T>> = [];
  private readonly waiting = new Fifo<T>();
  private readonly confirming: ConfirmingSocket | undefined;
  private readonly socket: UDPSocketLike;
  private inbox: Subscription | undefined;
  private timer: Subscription | undefined;
  private armedAt = Infinity;
  private seq = 0;
  private sourceDone = false;
  private socketClosed = false;
  closed = false;

  private readonly onSent = (error: UDPSocketError | null): void => {
    if (error !== null) this.fail(error);
  };

  constructor(
    private readonly settings: RequestSettings<T>,
    private readonly subscriber: Subscriber<UDPMessageResult>,
  ) {
    this.socket = settings.rx.socket;
    this.confirming = canConfirm(this.socket) ? this.socket : undefined;
  }

  /** Attaches the reply listener: before any request is sent. */
  listen(): void {
    this.inbox = this.settings.rx.message$.subscribe({
      next: (message) => this.receive(message),
      complete: () => this.onSocketClosed(),
    });
  }

  /** A request value from upstream. */
  push(payload: T): void {
    if (this.closed) return;
    if (this.pending.length < this.settings.concurrency) this.start(payload);
    else this.waiting.push(payload);
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

  /** The subscription ended: drop every request, remove the listener and the timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.waiting.clear();
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.inbox?.unsubscribe();
  }

  private start(payload: T): void {
    if (this.socketClosed) {
      this.failSocketClosed();
      return;
    }
    const { target, timeout, scheduler } = this.settings;
    const option: UDPSendOption = target.setBroadcast
      ? { address: target.address, port: target.port, message: payload as UDPSendOption['message'], setBroadcast: true }
      : { address: target.address, port: target.port, message: payload as UDPSendOption['message'] };
    const exchange: Exchange<T> = { seq: this.seq++, payload, option, attempts: 0, wait: timeout, elapsed: 0, deadline: 0 };
    this.pending.push(exchange);
    this.transmit(exchange, scheduler.now());
  }

  private transmit(exchange: Exchange<T>, now: number): void {
    exchange.attempts++;
    exchange.deadline = now + exchange.wait;
    try {
      if (this.confirming !== undefined) this.confirming.sendWithCallback(exchange.option, this.onSent);
      else this.socket.send(exchange.option);
    } catch (thrown) {
      this.fail(toUDPSocketError('send', thrown));
      return;
    }
    if (!this.closed && exchange.deadline < this.armedAt) this.arm(exchange.deadline, now);
  }

  private arm(deadline: number, now: number): void {
    this.timer?.unsubscribe();
    this.armedAt = deadline;
    this.timer = armedTimer(this as unknown as RequestRun<never>, this.settings.scheduler, Math.max(0, deadline - now));
  }

  /** The timer ran out: retransmit or time out every request whose wait is over, re-arm. */
  expire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    if (this.closed) return;
    const { scheduler, retries, backoff, peer } = this.settings;
    const now = scheduler.now();
    const pending = this.pending;
    const count = pending.length;
    for (let i = 0; i < count && !this.closed; i++) {
      const exchange = pending[i]!;
      if (exchange.deadline > now) continue;
      exchange.elapsed += exchange.wait;
      if (exchange.attempts <= retries) {
        // Bounded: a longer delay would fire at once on setTimeout, an infinite one never.
        exchange.wait = Math.min(exchange.wait * backoff, MAX_DELAY);
        this.transmit(exchange, now);
      } else {
        this.fail(new TimeoutError(exchange.attempts, exchange.elapsed, peer));
        return;
      }
    }
    if (this.closed) return;
    let next = Infinity;
    for (const exchange of this.pending) if (exchange.deadline < next) next = exchange.deadline;
    if (next < this.armedAt) this.arm(next, now);
  }

  private receive(message: UDPMessageResult): void {
    const limit = this.seq;
    const match = this.settings.match;
    let i = 0;
    while (!this.closed && i < this.pending.length) {
      const exchange = this.pending[i]!;
      if (exchange.seq >= limit) break;
      let matched: boolean;
      try {
        matched = match(message, exchange.payload);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (!matched) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.subscriber.next(message);
      this.next();
    }
  }

  /** A request was answered: start a waiting one, or complete, or disarm when idle. */
  private next(): void {
    if (this.closed) return;
    if (this.waiting.size > 0 && this.pending.length < this.settings.concurrency) {
      this.start(this.waiting.shift()!);
      return;
    }
    if (this.pending.length === 0) {
      this.timer?.unsubscribe();
      this.timer = undefined;
      this.armedAt = Infinity;
      this.maybeComplete();
    }
  }

  private maybeComplete(): void {
    if (!this.closed && this.sourceDone && this.pending.length === 0 && this.waiting.size === 0) {
      this.close();
      this.subscriber.complete();
    }
  }

  private onSocketClosed(): void {
    this.socketClosed = true;
    if (this.pending.length > 0 || this.waiting.size > 0) this.failSocketClosed();
  }

  private failSocketClosed(): void {
    this.fail(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'request', `socket closed before ${this.settings.peer} replied`));
  }
}
