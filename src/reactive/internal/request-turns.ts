import type { SchedulerLike, Subscription } from 'rxjs';
import type { Exchange, PendingExchanges } from './exchange';

/*
 * When each exchange of a socket's requests may be sent: the ones that could be handed a reply to
 * another question wait their turn, in the order they came. Used by the socket's `RequestHub`.
 */

/** Until when replies from some source may still answer an exchange that ended. */
interface Quiet {
  /** The end of the quiet time the ended exchanges asked for (their `settle`), -Infinity for none. */
  quietUntil: number;
  /** When the last exchange ended, -Infinity for never, NaN when not read: a waiting request adds its own `settle`. */
  lastEnded: number;
}

/**
 * One peer (an IP literal and a port), as the requests without `match` to it see it: they go one
 * at a time, and after an exchange with the peer ends the peer stays quiet for the `settle` time
 * of that exchange — by default `timeout` after the last wait of one that ended unanswered or
 * was sent more than once, whose (other) replies may still be on their way, and none after one
 * answered at its only send — and for the waiting request's own `settle`, so a late reply is
 * dropped instead of being taken by the next question. The ends of exchanges to a hostname on a
 * port are kept in a record of the same shape (no one waits there).
 */
interface Gate extends Quiet {
  /** The unmatched exchange in flight, if any: nothing else that the peer's replies could answer starts meanwhile. */
  exclusive: Exchange | undefined;
  /** Unmatched exchanges waiting for their turn, in order. */
  readonly queue: Exchange[];
  /** A wake-up armed for the head of `queue`. */
  timer: Subscription | undefined;
}

/** Whether unmatched `e` and matched `x` compete for replies: a reply from `e`'s peer could answer `x`. */
function compete(e: Exchange, x: Exchange): boolean {
  return x.anySource || (x.port === e.port && (x.address === undefined || x.address === e.address));
}

function wake(this: unknown, waking: { turns: RequestTurns; gate: Gate } | undefined): void {
  const { turns, gate } = waking!;
  gate.timer = undefined;
  turns.reconsider();
}

/** A record with no end and no one waiting. */
function newGate(): Gate {
  return { exclusive: undefined, queue: [], quietUntil: -Infinity, lastEnded: -Infinity, timer: undefined };
}

const NO_QUIET: Quiet = newGate();

/** `lastEnded` of an end whose time was not read: nothing needed it (see `stampUnstamped`). */
const UNSTAMPED = NaN;

/**
 * The turns of a socket's exchanges. An exchange without `match` takes any reply from its peer,
 * so it is alone with everything its peer's replies could answer: no other exchange with the peer,
 * with a hostname on its port, or to a broadcast or multicast target is pending meanwhile, and the
 * peer's quiet times (see {@link Gate}) are over. Exchanges that must wait for that wait in the
 * order they came, matched ones included; while no exchange without `match` is pending or waiting,
 * nothing waits.
 */
export class RequestTurns {
  /** Gates by peer key: the peers of unmatched requests, and of matched ones that ended. */
  private readonly gates = new Map<string, Gate>();
  /** Gates with exchanges waiting in their queue. */
  private readonly waiting = new Set<Gate>();
  /** Matched exchanges waiting for an unmatched one that competes for their replies, in order. */
  private readonly blocked: Exchange[] = [];
  /** Unmatched exchanges pending or waiting (while 0, a matched exchange never waits). */
  private unmatched = 0;
  /** Ends of exchanges to a hostname (their replies are told by port and `match`), by port. */
  private readonly hostnameQuiet = new Map<number, Gate>();
  /** Ends of broadcast / multicast exchanges (anyone may still answer them). */
  private readonly anySourceQuiet: Quiet = newGate();
  /** The largest `settle` given to the runs admitted (their `settleAnswered`): gates idle longer than this may be dropped. */
  private settleGivenMax = 0;
  /** Admission counter ({@link Exchange.order}). */
  private admitted = 0;
  /** A {@link reconsider} is running: one asked for meanwhile runs again after it. */
  private reconsidering = false;
  private reconsiderAgain = false;

  /**
   * @param scheduler - the clock of the quiet times and wake-ups: the socket's.
   * @param pending - the hub's pending exchanges: an exchange that may go is added to them.
   */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly pending: PendingExchanges,
  ) {}

  /**
   * A new exchange (live, the socket open): added to the pending ones when it may go now, else
   * waiting until its owner's `begin`.
   * @param now - the time on the run's scheduler.
   * @returns whether the caller may send now.
   */
  admit(exchange: Exchange, now: number): boolean {
    exchange.order = this.admitted++;
    if (exchange.match === undefined) {
      const settings = exchange.owner.settings;
      const clock = settings.scheduler === this.scheduler ? now : this.scheduler.now();
      if (settings.settleAnswered > this.settleGivenMax) {
        if (this.settleGivenMax === 0) this.stampUnstamped(clock);
        this.settleGivenMax = settings.settleAnswered;
      }
      this.unmatched++;
      const gate = this.recordOf(this.gates, exchange.peer);
      exchange.gate = gate;
      if (gate.queue.length === 0 && this.mayGoAlone(gate, exchange, clock)) {
        gate.exclusive = exchange;
        this.pending.add(exchange);
        return true;
      }
      gate.queue.push(exchange);
      this.waiting.add(gate);
      this.armWake(gate, clock);
      return false;
    }
    if (this.unmatched > 0 && !this.mayStartMatched(exchange)) {
      this.blocked.push(exchange);
      return false;
    }
    this.pending.add(exchange);
    return true;
  }

  /**
   * Withdraws `exchange` if it is waiting (not pending).
   * @returns whether it was.
   */
  withdrawWaiting(exchange: Exchange): boolean {
    if (exchange.match === undefined) {
      const gate = exchange.gate as Gate | undefined;
      const queued = gate === undefined ? -1 : gate.queue.indexOf(exchange);
      if (queued >= 0) {
        this.unmatched--;
        gate!.queue.splice(queued, 1);
        this.settleQueue(gate!);
        this.reconsider();
        return true;
      }
    } else {
      const blocked = this.blocked.indexOf(exchange);
      if (blocked >= 0) {
        this.blocked.splice(blocked, 1);
        this.reconsider();
        return true;
      }
    }
    return false;
  }

  /** Every waiting exchange (for failing them all). */
  waitingExchanges(): Exchange[] {
    const all: Exchange[] = [...this.blocked];
    for (const gate of this.gates.values()) all.push(...gate.queue);
    return all;
  }

  /**
   * Bookkeeping once a pending exchange left the tables: the quiet time its source keeps, the
   * turn of the exchanges waiting for it.
   */
  ended(exchange: Exchange, answered: boolean): void {
    const { settle, settleAnswered, scheduler } = exchange.owner.settings;
    // Answered at its only send, no other reply is due: `settleAnswered` from now. Else (sent
    // again, unanswered, cancelled) replies to its sends may come until its last wait is over,
    // and `settle` after that.
    const onlyReply = answered && exchange.attempts <= 1;
    const quiet = onlyReply ? settleAnswered : settle;
    // An unmatched exchange's gate cannot have been dropped while it was live (see sweep).
    const record = exchange.gate !== undefined ? (exchange.gate as Gate) : exchange.anySource ? this.anySourceQuiet : exchange.address === undefined ? this.recordOf(this.hostnameQuiet, exchange.port) : this.recordOf(this.gates, exchange.peer);
    if (onlyReply && quiet === 0 && this.settleGivenMax === 0) {
      // Nothing needs the time of this end yet (no quiet time, no `settle` given on the socket):
      // the clock is not read, the end is only marked (see stampUnstamped).
      record.lastEnded = UNSTAMPED;
    } else {
      const now = this.scheduler.now();
      const until = (onlyReply || scheduler !== this.scheduler ? now : Math.max(now, exchange.deadline)) + quiet;
      record.lastEnded = now;
      if (until > now && until > record.quietUntil) record.quietUntil = until;
    }
    if (exchange.match === undefined) {
      this.unmatched--;
      const gate = record as Gate;
      if (gate.exclusive === exchange) gate.exclusive = undefined;
    }
    if (this.waiting.size > 0 || this.blocked.length > 0) this.reconsider();
  }

  /**
   * Starts what may start now, oldest first: matched exchanges no longer held back, then the head
   * of each gate's queue; arms wake-ups for queues that wait for a quiet time. Re-entrant calls
   * (a start that fails at once ends its exchange) run once more after this one.
   */
  reconsider(): void {
    if (this.reconsidering) {
      this.reconsiderAgain = true;
      return;
    }
    this.reconsidering = true;
    try {
      do {
        this.reconsiderAgain = false;
        const blocked = this.blocked;
        for (let i = 0; i < blocked.length; ) {
          const exchange = blocked[i]!;
          if (!this.mayStartMatched(exchange)) {
            i++;
            continue;
          }
          blocked.splice(i, 1);
          this.pending.add(exchange);
          exchange.owner.begin(exchange);
        }
        if (this.waiting.size > 0) {
          const now = this.scheduler.now();
          for (const gate of [...this.waiting]) this.pump(gate, now);
        }
      } while (this.reconsiderAgain);
    } finally {
      this.reconsidering = false;
    }
  }

  /** Starts the head of the gate's queue if it may go now, else arms a wake-up for its quiet time. */
  private pump(gate: Gate, now: number): void {
    const head = gate.queue[0];
    if (head === undefined) {
      this.settleQueue(gate);
      return;
    }
    if (!this.mayGoAlone(gate, head, now)) {
      this.armWake(gate, now);
      return;
    }
    gate.queue.shift();
    this.settleQueue(gate);
    gate.exclusive = head;
    this.pending.add(head);
    head.owner.begin(head);
  }

  /** After the gate's queue changed: off the waiting set when empty, with its wake-up (it would only keep the process alive). */
  private settleQueue(gate: Gate): void {
    if (gate.queue.length > 0) return;
    this.waiting.delete(gate);
    if (gate.timer !== undefined) {
      gate.timer.unsubscribe();
      gate.timer = undefined;
    }
  }

  /** Until when the unmatched `exchange` must wait for the quiet times of its source. */
  private quietEnd(gate: Gate, exchange: Exchange): number {
    const own = exchange.owner.settings.settleAnswered;
    const hostname = this.hostnameQuiet.size > 0 ? (this.hostnameQuiet.get(exchange.port) ?? NO_QUIET) : NO_QUIET;
    const any = this.anySourceQuiet;
    const end = Math.max(gate.quietUntil, hostname.quietUntil, any.quietUntil);
    // With a settle of its own (then every end is stamped), also that long after the last end.
    return own > 0 ? Math.max(end, gate.lastEnded + own, hostname.lastEnded + own, any.lastEnded + own) : end;
  }

  /**
   * Whether the unmatched `exchange` may start now: nothing else with its peer is pending, nothing
   * pending or waiting before it competes for its peer's replies, and its source is quiet.
   */
  private mayGoAlone(gate: Gate, exchange: Exchange, now: number): boolean {
    if (gate.exclusive !== undefined || this.pending.anySource.length > 0 || now < this.quietEnd(gate, exchange)) return false;
    const list = this.pending.byPort.get(exchange.port);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const address = list[i]!.address;
        if (address === undefined || address === exchange.address) return false;
      }
    }
    const blocked = this.blocked;
    for (let i = 0; i < blocked.length; i++) {
      const other = blocked[i]!;
      if (other.order < exchange.order && compete(exchange, other)) return false;
    }
    return true;
  }

  /** Whether the matched `exchange` may start now: no unmatched exchange pending, or waiting before it, competes with it. */
  private mayStartMatched(exchange: Exchange): boolean {
    if (exchange.address !== undefined && !exchange.anySource) {
      const gate = this.gates.get(exchange.peer);
      return gate === undefined || !this.holdsBack(gate, exchange);
    }
    for (const gate of this.gates.values()) {
      if ((exchange.anySource || gate.exclusive?.port === exchange.port || gate.queue[0]?.port === exchange.port) && this.holdsBack(gate, exchange)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the gate's unmatched exchange in flight, or its head waiting from before `exchange`, competes with it. */
  private holdsBack(gate: Gate, exchange: Exchange): boolean {
    const exclusive = gate.exclusive;
    if (exclusive !== undefined && compete(exclusive, exchange)) return true;
    const head = gate.queue[0];
    return head !== undefined && head.order < exchange.order && compete(head, exchange);
  }

  private armWake(gate: Gate, now: number): void {
    const head = gate.queue[0];
    if (head === undefined || gate.exclusive !== undefined || gate.timer !== undefined) return;
    const end = this.quietEnd(gate, head);
    if (now >= end) return; // waits for a pending exchange to end, not for time
    gate.timer = this.scheduler.schedule(wake, end - now, { turns: this, gate });
  }

  /**
   * The record of `key` in `records` (the gates by peer, or the hostname ends by port), made when
   * missing; when there are many, the idle ones are dropped first, so the records of many peers do
   * not pile up.
   */
  private recordOf<K>(records: Map<K, Gate>, key: K): Gate {
    let record = records.get(key);
    if (record === undefined) {
      if (records.size >= 256) this.sweep(records, this.scheduler.now());
      record = newGate();
      records.set(key, record);
    }
    return record;
  }

  /**
   * The first request given `settle` on the socket: the ends that were only marked get the time
   * it came (they were no later), so it waits its `settle` after them — at most that much longer
   * than after their real time, once per socket.
   */
  private stampUnstamped(now: number): void {
    const stamp = (quiet: Quiet): void => {
      if (Number.isNaN(quiet.lastEnded)) quiet.lastEnded = now;
    };
    for (const gate of this.gates.values()) stamp(gate);
    for (const quiet of this.hostnameQuiet.values()) stamp(quiet);
    stamp(this.anySourceQuiet);
  }

  /** Whether a record's quiet time, and every `settle` given so far after its last end, are over. */
  private over(quiet: Quiet, now: number): boolean {
    // While no settle was given, ends are not stamped and their time does not matter.
    return quiet.quietUntil <= now && (this.settleGivenMax === 0 || quiet.lastEnded + this.settleGivenMax <= now);
  }

  /** Drops the records no one uses or waits at whose quiet time is over. */
  private sweep<K>(records: Map<K, Gate>, now: number): void {
    for (const [key, record] of records) {
      if (record.exclusive === undefined && record.queue.length === 0 && record.timer === undefined && this.over(record, now)) records.delete(key);
    }
  }
}
