import type { SchedulerLike, Subscription } from 'rxjs';
import { UDPSocketError } from '../../errors';
import type { UDPMessageResult, UDPSocketLike } from '../../socket/types';
import { isPeerAddress } from '../../internal/ip';
import type { RxUDPSocket } from '../types';
import { Alarm } from './alarm';
import { PendingExchanges, removeAt, type Exchange, type ExchangeOwner } from './exchange';
import { RequestTurns } from './request-turns';

/** The hub of each socket, made on first use (found from any of its wrappers). */
const hubs = new WeakMap<UDPSocketLike, RequestHub>();

/** The request demultiplexer of the socket of `rx`: every `request` on the socket shares it, whichever wrapper it was given. */
export function hubOf(rx: RxUDPSocket): RequestHub {
  const socket = rx.socket;
  let hub = hubs.get(socket);
  if (hub === undefined) {
    hub = new RequestHub(rx);
    hubs.set(socket, hub);
  }
  return hub;
}

function detachIdle(this: unknown, hub: RequestHub | undefined): void {
  hub!.detachIfIdle();
}

/**
 * One reply listener per socket, demultiplexing for every pending request of every `request`
 * operator on it: a reply goes to at most one request, and a reply nobody waits for (a duplicate,
 * a late answer, a stranger's datagram) is dropped and counted.
 *
 * A reply is offered to the pending exchanges whose target it comes from (address and port; the
 * port alone for a hostname target, which always has a `match`; any source for a broadcast or
 * multicast question), oldest first; an exchange with `match` takes it only when `match` accepts
 * it, one without takes it as it is. So an exchange without `match` is alone with everything its
 * peer's replies could answer: no other exchange with the peer, with a hostname on its port, or
 * to a broadcast or multicast target is pending meanwhile (see {@link RequestTurns}). Exchanges that must
 * wait for that wait in the order they came, matched ones included.
 */
export class RequestHub {
  /** The exchanges waiting for a reply. */
  private readonly pending = new PendingExchanges();
  /** When each exchange may be sent. */
  private readonly turns: RequestTurns;
  /** Operator subscriptions using the hub: the listeners are held while this is above 0. */
  private owners = 0;
  /** The deferred release of the listeners, after the last owner left. */
  private release: Subscription | undefined;
  private inbox: Subscription | undefined;
  private problems: Subscription | undefined;
  private socketClosed = false;
  /** The one timer of the waits of every run with `sharedTimer`. */
  private readonly alarm = new Alarm(this);
  /** Runs are handling a timeout: their re-arming waits for the scan that follows. */
  private firing = false;
  /** Replies that no pending request took (duplicates, late answers, strangers). */
  dropped = 0;
  /** The clock of the quiet times and wake-ups: the socket's scheduler. */
  readonly scheduler: SchedulerLike;

  constructor(private readonly rx: RxUDPSocket) {
    this.scheduler = rx.scheduler;
    this.turns = new RequestTurns(this.scheduler, this.pending);
  }

  /**
   * Registers a new exchange: pending at once (the caller sends it) when nothing it must wait for
   * is in the way, else waiting until {@link ExchangeOwner.begin}.
   * @param now - the time on the run's scheduler.
   * @returns whether the caller may send now; `undefined` when the socket is closed (the owner
   * was failed).
   */
  admit(exchange: Exchange, now: number): boolean | undefined {
    if (this.socketClosed) {
      exchange.live = false;
      exchange.owner.fail(closedError(exchange));
      return undefined;
    }
    exchange.live = true;
    return this.turns.admit(exchange, now);
  }

  /** An exchange ends without an answer (timeout, unsubscribe, error): withdraw it. */
  withdraw(exchange: Exchange): void {
    if (!exchange.live) return;
    exchange.live = false;
    if (this.turns.withdrawWaiting(exchange)) return;
    this.pending.remove(exchange);
    this.turns.ended(exchange, false);
  }

  /** The listener of every reply on the socket. */
  private receive(reply: UDPMessageResult): void {
    const info = reply.remoteInfo;
    const list = this.pending.byPort.get(info.port);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const exchange = list[i]!;
        if (exchange.address !== undefined && !isPeerAddress(exchange.address, info.address)) continue;
        if (!this.accepts(exchange, reply)) {
          if (!exchange.live) return; // match threw: its run failed
          continue;
        }
        this.take(exchange, list, i, reply);
        return;
      }
    }
    const any = this.pending.anySource;
    for (let i = 0; i < any.length; i++) {
      const exchange = any[i]!;
      if (!this.accepts(exchange, reply)) {
        if (!exchange.live) return;
        continue;
      }
      this.take(exchange, any, i, reply);
      return;
    }
    this.dropped++;
  }

  private accepts(exchange: Exchange, reply: UDPMessageResult): boolean {
    const match = exchange.match;
    if (match === undefined) return true;
    try {
      return match(reply, exchange.payload as never);
    } catch (error) {
      exchange.owner.fail(error);
      return false;
    }
  }

  private take(exchange: Exchange, list: Exchange[], index: number, reply: UDPMessageResult): void {
    removeAt(list, index);
    exchange.live = false;
    this.turns.ended(exchange, true);
    exchange.owner.answer(exchange, reply);
  }

  /**
   * A wait of a run with `sharedTimer` runs out at `deadline`: the hub's timer is armed no later.
   * A timer is not armed and cleared per request (setInterval and clearInterval cost ~0.5 µs, a
   * third of a one-shot request's CPU): deadlines that come later than the armed one wait for it,
   * and when it fires the hub scans for what is due and re-arms at the earliest deadline left.
   */
  armAt(deadline: number, now: number): void {
    if (!this.firing) this.alarm.arm(this.scheduler, deadline, now);
  }

  /** The hub's timer fired: every run with a wait over handles it, then the timer is re-armed. */
  expire(): void {
    this.alarm.rang();
    const scheduler = this.scheduler;
    const now = scheduler.now();
    const due = new Set<ExchangeOwner>();
    this.forEachTimed((exchange) => {
      if (exchange.deadline <= now) due.add(exchange.owner);
    });
    this.firing = true;
    try {
      for (const owner of due) owner.expire();
    } finally {
      this.firing = false;
    }
    let next = Infinity;
    this.forEachTimed((exchange) => {
      if (exchange.deadline < next) next = exchange.deadline;
    });
    if (next < Infinity) this.armAt(next, scheduler.now());
  }

  /** Calls `visit` with each pending exchange timed by the hub's timer. */
  private forEachTimed(visit: (exchange: Exchange) => void): void {
    for (const list of [...this.pending.byPort.values(), this.pending.anySource]) {
      for (let i = 0; i < list.length; i++) {
        const exchange = list[i]!;
        if (exchange.live && exchange.attempts > 0 && exchange.owner.settings.sharedTimer) visit(exchange);
      }
    }
  }

  /**
   * An operator subscription starts using the hub: the reply listener is attached now, before
   * anything is sent. Held while any subscription is alive (a long-lived pipeline keeps it), and
   * released by a scheduler task after the last one leaves, so one-shot requests made one after
   * another (`of(q).pipe(request(...))` per question) do not add and remove it each time. The
   * release task is never cancelled, only skipped when a subscription came back: scheduling and
   * cancelling one per request cost more than the listener it saved (1.4 µs on `asapScheduler`).
   */
  retain(): void {
    if (this.owners++ === 0 && this.inbox === undefined) this.attach();
  }

  /** An operator subscription stopped using the hub. */
  unretain(): void {
    if (--this.owners > 0 || this.inbox === undefined || this.release !== undefined) return;
    this.release = this.scheduler.schedule(detachIdle, 0, this);
  }

  /** The deferred release ran: detach unless a subscription came back meanwhile. */
  detachIfIdle(): void {
    this.release = undefined;
    if (this.owners > 0) return;
    const { inbox, problems } = this;
    this.inbox = undefined;
    this.problems = undefined;
    // Nothing is pending without an owner: the timer would only keep the process alive.
    this.alarm.cancel();
    inbox?.unsubscribe();
    problems?.unsubscribe();
  }

  private attach(): void {
    const rx = this.rx;
    this.problems = rx.error$.subscribe((error) => this.onSocketError(error));
    this.inbox = rx.message$.subscribe({
      next: (reply) => this.receive(reply),
      error: (error: unknown) => this.failAll(() => error),
      complete: () => {
        this.socketClosed = true;
        this.failAll(closedError);
      },
    });
  }

  /** `ECONNREFUSED`: the (connected) peer is gone; every pending request on the socket fails now. */
  private onSocketError(error: UDPSocketError): void {
    if (error.code === 'ECONNREFUSED') this.failAll(() => error);
  }

  /** Fails the run of every pending or queued exchange, once per run. */
  private failAll(errorOf: (exchange: Exchange) => unknown): void {
    const owners = new Map<ExchangeOwner, Exchange>();
    for (const list of this.pending.byPort.values()) for (const exchange of list) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const exchange of this.pending.anySource) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const exchange of this.turns.waitingExchanges()) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const [owner, exchange] of owners) owner.fail(errorOf(exchange));
  }
}

function closedError(exchange: Exchange): UDPSocketError {
  return new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'request', `socket closed before ${exchange.peer} replied`);
}
