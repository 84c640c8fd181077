import type { Subscription } from 'rxjs';
import { UDPSocketError } from '../../errors';
import type { UDPMessageResult } from '../../socket/types';
import type { RxUDPSocket } from '../types';
import { Alarm } from './alarm';
import { removeAt, removeFrom, type Exchange, type ExchangeOwner } from './exchange';

/**
 * The requests to one peer made without `match`: they go one at a time, and after an exchange
 * with the peer ends the peer stays quiet for the `settle` time of that exchange — by default
 * `timeout` after one that ended unanswered, whose reply may still be on its way, and none after
 * an answered one — so a late reply is dropped instead of being taken by the next question.
 */
interface Gate {
  /** The unmatched exchange in flight, if any: nothing else to the peer starts meanwhile. */
  exclusive: Exchange | undefined;
  /** Exchanges waiting for their turn, in order. */
  readonly queue: Exchange[];
  /** Until when replies from the peer may still belong to an exchange that ended. */
  quietUntil: number;
  /** A wake-up armed for the head of `queue`. */
  timer: Subscription | undefined;
}

/** The hub of each wrapper: one per socket, made on first use. */
const hubs = new WeakMap<RxUDPSocket, RequestHub>();

/** The request demultiplexer of `rx`: every `request` on one socket shares it. */
export function hubOf(rx: RxUDPSocket): RequestHub {
  let hub = hubs.get(rx);
  if (hub === undefined) {
    hub = new RequestHub(rx);
    hubs.set(rx, hub);
  }
  return hub;
}

/** Whether a reply from `actual` comes from `expected` (an IPv4 peer may show as `::ffff:a.b.c.d`). */
function sameAddress(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  return actual.length > 7 && actual.startsWith('::ffff:') && actual.slice(7) === expected;
}

function detachIdle(this: unknown, hub: RequestHub | undefined): void {
  hub!.detachIfIdle();
}

function wake(this: unknown, gate: { hub: RequestHub; gate: Gate } | undefined): void {
  const { hub, gate: g } = gate!;
  g.timer = undefined;
  hub.pump(g);
}

/**
 * One reply listener per socket, demultiplexing for every pending request of every `request`
 * operator on it: a reply goes to at most one request, and a reply nobody waits for (a duplicate,
 * a late answer, a stranger's datagram) is dropped and counted.
 *
 * A reply is offered to the pending exchanges whose target it comes from (address and port; for
 * a broadcast or multicast question, any source), oldest first; an exchange with `match` takes it
 * only when `match` accepts it, one without takes it as it is — such an exchange is alone with
 * its peer (see {@link Gate}).
 */
export class RequestHub {
  /** Pending exchanges with a single peer, by the port they wait on (an emptied list is kept for reuse). */
  private readonly byPort = new Map<number, Exchange[]>();
  /** Pending broadcast / multicast exchanges (all have a `match`). */
  private anySource: Exchange[] = [];
  /** Gates of the peers that unmatched requests were made to. */
  private readonly gates = new Map<string, Gate>();
  /** Until when a reply to an ended matched exchange may still come (for gates made later). */
  private matchedQuietUntil = -Infinity;
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

  constructor(private readonly rx: RxUDPSocket) {}

  /**
   * Registers a new exchange: pending at once (the caller sends it) when its peer allows,
   * else queued at the peer's gate until {@link ExchangeOwner.begin}.
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
    const gates = this.gates;
    if (exchange.match === undefined) {
      if (gates.size >= 256) this.sweep(now);
      let gate = gates.get(exchange.peer);
      if (gate === undefined) {
        gate = { exclusive: undefined, queue: [], quietUntil: this.matchedQuietUntil, timer: undefined };
        gates.set(exchange.peer, gate);
      }
      if (gate.queue.length === 0 && this.mayGoAlone(gate, exchange, now)) {
        gate.exclusive = exchange;
        this.add(exchange);
        return true;
      }
      gate.queue.push(exchange);
      this.armWake(gate, now);
      return false;
    }
    if (gates.size > 0) {
      const gate = gates.get(exchange.peer);
      if (gate !== undefined && (gate.exclusive !== undefined || gate.queue.length > 0)) {
        gate.queue.push(exchange);
        return false;
      }
    }
    this.add(exchange);
    return true;
  }

  /** An exchange ends without an answer (timeout, unsubscribe, error): withdraw it. */
  withdraw(exchange: Exchange): void {
    if (!exchange.live) return;
    exchange.live = false;
    const gate = this.gates.get(exchange.peer);
    if (gate !== undefined) {
      const queued = gate.queue.indexOf(exchange);
      if (queued >= 0) {
        gate.queue.splice(queued, 1);
        if (queued === 0) this.pump(gate);
        return;
      }
    }
    this.remove(exchange);
    this.ended(exchange, false);
  }

  /** The listener of every reply on the socket. */
  private receive(reply: UDPMessageResult): void {
    const info = reply.remoteInfo;
    const list = this.byPort.get(info.port);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const exchange = list[i]!;
        if (exchange.address !== undefined && !sameAddress(exchange.address, info.address)) continue;
        if (!this.accepts(exchange, reply)) {
          if (!exchange.live) return; // match threw: its run failed
          continue;
        }
        this.take(exchange, list, i, reply);
        return;
      }
    }
    const any = this.anySource;
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
    this.ended(exchange, true);
    exchange.owner.answer(exchange, reply);
  }

  /** Bookkeeping once an exchange left the tables: quiet time, the next in line, the listeners. */
  private ended(exchange: Exchange, answered: boolean): void {
    const owner = exchange.owner;
    const { settle, settleAnswered, scheduler } = owner.settings;
    const quiet = answered ? settleAnswered : settle;
    // No quiet time (an answered exchange by default) ends at `now`, which moves no bound: every
    // later check compares a later `now` with it. Reading the clock is skipped then.
    const quietUntil = quiet > 0 ? scheduler.now() + quiet : -Infinity;
    const gate = this.gates.size > 0 ? this.gates.get(exchange.peer) : undefined;
    if (exchange.match !== undefined && quietUntil > this.matchedQuietUntil) this.matchedQuietUntil = quietUntil;
    if (gate !== undefined) {
      if (gate.exclusive === exchange) gate.exclusive = undefined;
      if (quietUntil > gate.quietUntil) gate.quietUntil = quietUntil;
      this.pump(gate);
    }
  }

  /** Whether the unmatched `exchange` may start now: nothing else to its peer, and the peer quiet. */
  private mayGoAlone(gate: Gate, exchange: Exchange, now: number): boolean {
    if (gate.exclusive !== undefined || now < gate.quietUntil) return false;
    const list = this.byPort.get(exchange.port);
    if (list === undefined) return true;
    for (let i = 0; i < list.length; i++) if (list[i]!.peer === exchange.peer) return false;
    return true;
  }

  /** Starts what the gate lets through now, in order; arms a wake-up for a quiet period. */
  pump(gate: Gate): void {
    const queue = gate.queue;
    while (queue.length > 0) {
      const head = queue[0]!;
      const now = head.owner.settings.scheduler.now();
      if (head.match === undefined) {
        if (!this.mayGoAlone(gate, head, now)) {
          this.armWake(gate, now);
          return;
        }
        queue.shift();
        gate.exclusive = head;
        this.add(head);
        head.owner.begin(head);
        return;
      }
      if (gate.exclusive !== undefined) return;
      queue.shift();
      this.add(head);
      head.owner.begin(head);
    }
    // Nothing waits any more (the last queued exchange started or was withdrawn): a wake-up armed
    // for it would only keep the process alive until the quiet time is over.
    if (gate.timer !== undefined) {
      gate.timer.unsubscribe();
      gate.timer = undefined;
    }
  }

  private armWake(gate: Gate, now: number): void {
    const head = gate.queue[0];
    if (head === undefined || gate.exclusive !== undefined || gate.timer !== undefined) return;
    if (now >= gate.quietUntil) return; // waits for a pending exchange to end, not for time
    gate.timer = head.owner.settings.scheduler.schedule(wake, gate.quietUntil - now, { hub: this, gate });
  }

  /** Drops idle gates whose quiet time is over, so the gates of many peers do not pile up. */
  private sweep(now: number): void {
    for (const [peer, gate] of this.gates) {
      if (gate.exclusive === undefined && gate.queue.length === 0 && gate.timer === undefined && gate.quietUntil <= now) {
        this.gates.delete(peer);
      }
    }
  }

  private add(exchange: Exchange): void {
    if (exchange.anySource) {
      this.anySource.push(exchange);
      return;
    }
    const list = this.byPort.get(exchange.port);
    if (list === undefined) this.byPort.set(exchange.port, [exchange]);
    else list.push(exchange);
  }

  private remove(exchange: Exchange): void {
    const list = exchange.anySource ? this.anySource : this.byPort.get(exchange.port);
    if (list !== undefined) removeFrom(list, exchange);
  }

  /**
   * A wait of a run with `sharedTimer` runs out at `deadline`: the hub's timer is armed no later.
   * A timer is not armed and cleared per request (setInterval and clearInterval cost ~0.5 µs, a
   * third of a one-shot request's CPU): deadlines that come later than the armed one wait for it,
   * and when it fires the hub scans for what is due and re-arms at the earliest deadline left.
   */
  armAt(deadline: number, now: number): void {
    if (!this.firing) this.alarm.arm(this.rx.scheduler, deadline, now);
  }

  /** The hub's timer fired: every run with a wait over handles it, then the timer is re-armed. */
  expire(): void {
    this.alarm.rang();
    const scheduler = this.rx.scheduler;
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
    for (const list of [...this.byPort.values(), this.anySource]) {
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
    this.release = this.rx.scheduler.schedule(detachIdle, 0, this);
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
    for (const list of this.byPort.values()) for (const exchange of list) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const exchange of this.anySource) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const gate of this.gates.values()) for (const exchange of gate.queue) if (!owners.has(exchange.owner)) owners.set(exchange.owner, exchange);
    for (const [owner, exchange] of owners) owner.fail(errorOf(exchange));
  }
}

function closedError(exchange: Exchange): UDPSocketError {
  return new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'request', `socket closed before ${exchange.peer} replied`);
}
