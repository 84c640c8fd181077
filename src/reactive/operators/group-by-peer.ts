import {
  Observable,
  filter,
  groupBy,
  type GroupedObservable,
  type OperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
} from 'rxjs';
import { UDPSocketError } from '../../errors';
import { PeerTable, type PeerEntry } from '../internal/peer-table';
import { timerSchedulerOf, type SocketInput } from '../internal/rx-of';
import { MAX_DELAY, checkNumber, checkOneOf, countersOf, failing, readOptions } from '../internal/validate';
import { unreadableOption } from '../../internal/validators';
import { infoOf, type FromSender } from './filter-by-peer';

/** The default bound on live sessions of {@link groupByPeer}. */
export const DEFAULT_MAX_PEERS = 1024;

/**
 * What {@link groupByPeer} does with a datagram from a new peer when `maxPeers` sessions are live:
 * - `'end-idlest'`: end the session idle the longest, preferring sessions whose peer sent a
 *   single datagram (most forged sources send one), and open one for the new peer;
 * - `'drop-new'`: drop the datagram (no session ends before its `idle`; with no `idle`, no new
 *   peer gets a session again while the table is full).
 */
export type PeerTablePolicy = 'end-idlest' | 'drop-new';

/**
 * Counts of {@link groupByPeer}, kept up to date in the object given as `counters` (they add up
 * over every subscription that shares it).
 */
export interface GroupByPeerCounters {
  /** Sessions live now. */
  live: number;
  /** Sessions opened. */
  opened: number;
  /** Sessions ended after `idle` of silence. */
  idled: number;
  /** Sessions ended to make room for a new peer (`'end-idlest'`). */
  evicted: number;
  /** Datagrams dropped because the table was full (`'drop-new'`). */
  dropped: number;
}

/** Options of {@link groupByPeer}. */
export interface GroupByPeerOptions {
  /**
   * Complete a peer's sub-stream after this many ms (frames on virtual time) without a message
   * from it; its next message opens a new sub-stream. A number in 0–2147483647.
   * @default never: sub-streams end with the source, or when evicted
   */
  idle?: number;
  /**
   * The most sessions live at once: an integer >= 1, or `Infinity` for no bound (a flood of
   * forged sources then grows the heap without limit).
   * @default 1024
   */
  maxPeers?: number;
  /**
   * What happens to a new peer when `maxPeers` sessions are live.
   * @default 'end-idlest'
   */
  whenFull?: PeerTablePolicy;
  /**
   * An object whose fields the operator keeps counting (sessions opened, ended, evicted, datagrams
   * dropped); a field that is not a number starts at 0. It must take writes: a frozen or sealed
   * object without the fields, or read-only fields, errors the operator with `ERR_INVALID_ARG_VALUE`.
   */
  counters?: GroupByPeerCounters;
  /**
   * The socket the messages come from: the idle timers run on its scheduler (virtual time on the
   * virtual network), as `request`'s timeouts do.
   */
  socket?: SocketInput;
  /**
   * The scheduler of the idle timers; wins over `socket`.
   * @default the scheduler of `socket`, else `asyncScheduler` (which runs on virtual time inside
   * `TestScheduler.run()` too)
   */
  scheduler?: SchedulerLike;
}

/**
 * The key of a peer in {@link groupByPeer}: `"127.0.0.1:5000"`, or `"[::1]:5000"` for IPv6.
 *
 * @param remoteInfo - the sender's address and port.
 * @returns the key.
 * @example
 * peerKey({ address: '::1', port: 53 }); // '[::1]:53'
 */
export function peerKey(remoteInfo: FromSender['remoteInfo']): string {
  const { address, port } = remoteInfo;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A live session: its place in the table, what ends it, and when its peer last spoke. */
interface Session extends PeerEntry {
  readonly sessions: Sessions;
  /** Ends the group (the subscriber of its `duration`). */
  end: Subscriber<void> | null;
  timer: Subscription | null;
  /** `scheduler.now()` at its peer's last datagram (with `idle` only). */
  last: number;
}

/** Ends a session after `idle` of silence; a datagram meanwhile moved `last`, so it looks again then. */
function expire(this: SchedulerAction<Session>, session: Session | undefined): void {
  const s = session!;
  const { idle, scheduler, counters } = s.sessions;
  const remaining = s.last + idle - scheduler.now();
  if (remaining > 0) {
    this.schedule(s, remaining);
    return;
  }
  if (counters !== undefined) counters.idled++;
  s.end?.next();
}

/** The sessions of one subscription to {@link groupByPeer}. */
class Sessions {
  private readonly table: PeerTable<Session>;
  /** The key the last admitted datagram goes to: `groupBy` asks for it right after admission. */
  private admitted = '';

  constructor(
    maxPeers: number,
    private readonly policy: PeerTablePolicy,
    readonly idle: number,
    readonly scheduler: SchedulerLike,
    readonly counters: GroupByPeerCounters | undefined,
  ) {
    this.table = new PeerTable<Session>(maxPeers);
  }

  /** Whether a datagram goes to a session (opening one, ending another if needed). */
  readonly admit = (message: FromSender): boolean => {
    const key = peerKey(infoOf(message));
    const table = this.table;
    let s = table.get(key);
    if (s !== undefined) {
      table.touch(s);
    } else {
      if (table.full) {
        const counters = this.counters;
        if (this.policy === 'drop-new') {
          if (counters !== undefined) counters.dropped++;
          return false;
        }
        const victim = table.idlest()!;
        if (counters !== undefined) counters.evicted++;
        this.close(victim);
      }
      s = { key, sessions: this, end: null, timer: null, last: 0, older: null, newer: null, known: false, listed: false };
      table.add(s);
      if (this.counters !== undefined) {
        this.counters.opened++;
        this.counters.live++;
      }
    }
    if (this.idle !== Infinity) s.last = this.scheduler.now();
    this.admitted = key;
    return true;
  };

  /** The key of the datagram just admitted. */
  readonly keyOf = (): string => this.admitted;

  /** What ends a group: its session's end, idle timeout or eviction. */
  readonly duration = (group: GroupedObservable<string, unknown>): Observable<void> =>
    new Observable<void>((end) => {
      const s = this.table.get(group.key);
      if (s === undefined) return end.next();
      s.end = end;
      if (this.idle !== Infinity) s.timer = this.scheduler.schedule(expire, this.idle, s);
      return () => this.forget(s);
    });

  /** Ends a session's group now (its teardown forgets it). */
  private close(s: Session): void {
    const end = s.end;
    if (end !== null) end.next();
    this.forget(s);
  }

  /** Removes a session from the table and stops its timer. */
  private forget(s: Session): void {
    if (!s.listed) return;
    this.table.remove(s);
    s.end = null;
    s.timer?.unsubscribe();
    s.timer = null;
    if (this.counters !== undefined) this.counters.live--;
  }

  /** Forgets every session (the subscription ended). */
  clear(): void {
    for (const s of [...this.table.values()]) this.forget(s);
  }
}

const COUNTERS: ReadonlyArray<keyof GroupByPeerCounters> = ['live', 'opened', 'idled', 'evicted', 'dropped'];

/** The checked options of one `groupByPeer`. */
interface GroupByPeerSettings {
  readonly idle: number;
  readonly maxPeers: number;
  readonly whenFull: PeerTablePolicy;
  readonly scheduler: SchedulerLike;
  readonly counters: GroupByPeerCounters | undefined;
}

/** Reads each option of {@link groupByPeer} once and checks it; never throws (an unreadable option is an error). */
function settingsOf(options: unknown): GroupByPeerSettings | UDPSocketError {
  const op = 'receive';
  try {
    const opts = readOptions(op, options, ['idle', 'maxPeers', 'whenFull', 'counters', 'socket', 'scheduler']);
    if (opts instanceof UDPSocketError) return opts;
    const { idle, maxPeers, whenFull = 'end-idlest', socket, scheduler } = opts;
    const error =
      (idle === undefined ? undefined : checkNumber(op, 'idle', idle, { min: 0, max: MAX_DELAY })) ??
      (maxPeers === undefined ? undefined : checkNumber(op, 'maxPeers', maxPeers, { min: 1, integer: true, infinity: true })) ??
      checkOneOf(op, 'whenFull', whenFull, ['end-idlest', 'drop-new']);
    if (error !== undefined) return error;
    const timers = timerSchedulerOf(op, socket, scheduler);
    if (timers instanceof UDPSocketError) return timers;
    const counters = countersOf<GroupByPeerCounters>(op, opts.counters, COUNTERS);
    if (counters instanceof UDPSocketError) return counters;
    return {
      idle: (idle as number | undefined) ?? Infinity,
      maxPeers: (maxPeers as number | undefined) ?? DEFAULT_MAX_PEERS,
      whenFull: whenFull as PeerTablePolicy,
      scheduler: timers,
      counters,
    };
  } catch (thrown) {
    return unreadableOption(op, thrown);
  }
}

/**
 * Splits messages into one sub-stream per sender (address and port): a session per peer, with
 * a bound on how many are live at once, so that a flood from forged sources cannot grow the heap.
 *
 * Each group's `key` is {@link peerKey} of the sender. With `idle`, a group completes after
 * `idle` ms of silence from its peer, and a later message from it starts a new group; the idle
 * timer keeps no datagram alive. At most `maxPeers` sessions (default 1024) are live: a new peer
 * beyond that ends the idlest session, preferring one whose peer sent a single datagram
 * (`whenFull: 'end-idlest'`, the default), or is dropped (`whenFull: 'drop-new'`). A peer that
 * keeps talking keeps its session through a flood of one-shot forged sources. `counters` counts
 * sessions opened, idled, evicted, live, and datagrams dropped.
 *
 * A bad argument errors the operator when subscribed, never throws: `ERR_INVALID_ARG_TYPE` for
 * options, `idle`, `maxPeers`, `whenFull`, `counters`, `socket` or `scheduler` of the wrong type, or
 * options that cannot be read (a throwing getter, a revoked Proxy; the error names the field),
 * `ERR_OUT_OF_RANGE` for an `idle` that is not a finite number in 0–2147483647 (NaN and negative
 * included) or a `maxPeers` that is not an integer >= 1 or `Infinity`, `ERR_INVALID_ARG_VALUE` for
 * `counters` it cannot write to; `null` options are no options. Each option is read once, here.
 *
 * @param options - `idle` ms, `maxPeers`, `whenFull`, `counters`, and the `socket` (or
 * `scheduler`) whose scheduler runs the idle timers.
 * @returns an operator from messages to grouped sub-streams.
 * @example
 * const counters = { live: 0, opened: 0, idled: 0, evicted: 0, dropped: 0 };
 * rx.message$.pipe(
 *   groupByPeer({ idle: 30_000, maxPeers: 10_000, counters, socket: rx }),
 *   mergeMap((session) => session.pipe(count(), map((n) => `${session.key} sent ${n}`))),
 * ).subscribe(console.log);
 */
export function groupByPeer<T extends FromSender>(
  options?: GroupByPeerOptions | null,
): OperatorFunction<T, GroupedObservable<string, T>> {
  const settings = settingsOf(options);
  if (settings instanceof UDPSocketError) return failing(settings);
  const { idle, maxPeers, whenFull, scheduler, counters } = settings;
  return (source) =>
    new Observable<GroupedObservable<string, T>>((subscriber) => {
      const sessions = new Sessions(maxPeers, whenFull, idle, scheduler, counters);
      const subscription = source
        .pipe(filter<T>(sessions.admit), groupBy<T, string>(sessions.keyOf, { duration: sessions.duration }))
        .subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        sessions.clear();
      };
    });
}
