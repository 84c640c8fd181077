import { Observable, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { UDPSocketError } from '../../errors';
import { checkNumber, unreadableOption } from '../../internal/validators';
import { operate } from '../internal/operate';
import { PeerTable, type PeerEntry } from '../internal/peer-table';
import { timerSchedulerOf, type SocketInput } from '../internal/rx-of';
import { checkOneOf, countersOf, failing, readOptions } from '../internal/validate';
import { infoOf, type FromSender } from './filter-by-peer';
import { peerKey } from './group-by-peer';

/** What {@link rateLimitPerPeer} counts a limit per: the sender's address, or its address and port. */
export type RateLimitKey = 'address' | 'peer';

/**
 * Counts of {@link rateLimitPerPeer}, kept up to date in the object given as `counters` (they add
 * up over every subscription that shares it).
 */
export interface RateLimitCounters {
  /** Datagrams let through. */
  passed: number;
  /** Datagrams dropped: their source had no token left. */
  dropped: number;
  /** Sources in the table now. */
  peers: number;
  /** Sources forgotten to make room for a new one (it starts again with a full bucket). */
  evicted: number;
}

/** Options of {@link rateLimitPerPeer}. */
export interface RateLimitPerPeerOptions {
  /**
   * Datagrams per second (per 1000 scheduler time units: frames inside `TestScheduler.run()`)
   * each source may send on average: its bucket refills at this rate. A number > 0.
   * @default 100
   */
  rate?: number;
  /**
   * Datagrams a source may send at once: the size of its bucket, full for a new source. A number >= 1.
   * @default the rate (one second's worth), at least 1
   */
  burst?: number;
  /**
   * The most sources tracked at once: an integer >= 1, or `Infinity`. When full, a new source
   * takes the place of the idlest (preferring one that sent a single datagram).
   * @default 4096
   */
  maxPeers?: number;
  /**
   * What a limit applies to: `'address'` (every port of an address shares one bucket, so a
   * sender cannot escape by changing ports) or `'peer'` (address and port).
   * @default 'address'
   */
  key?: RateLimitKey;
  /**
   * An object whose fields the operator keeps counting (passed, dropped, peers, evicted); a field
   * that is not a number starts at 0. It must take writes: a frozen or sealed object without the
   * fields, or read-only fields, errors the operator with `ERR_INVALID_ARG_VALUE`.
   */
  counters?: RateLimitCounters;
  /** The socket the messages come from: the buckets refill on its scheduler's clock. */
  socket?: SocketInput;
  /**
   * The clock of the buckets; wins over `socket`.
   * @default the scheduler of `socket`, else `asyncScheduler`
   */
  scheduler?: SchedulerLike;
}

/** The bucket of one source. Tokens are kept in thousandths, so integer rates refill exactly. */
interface Bucket extends PeerEntry {
  /** Thousandths of a token. */
  tokens: number;
  /** `scheduler.now()` when `tokens` was last brought up to date. */
  at: number;
}

/** One token, in the bucket's unit. */
const TOKEN = 1000;

const COUNTERS: ReadonlyArray<keyof RateLimitCounters> = ['passed', 'dropped', 'peers', 'evicted'];

/** The checked options of one `rateLimitPerPeer`. */
interface RateLimitSettings {
  readonly rate: number;
  /** The bucket's size, in thousandths of a token. */
  readonly capacity: number;
  readonly maxPeers: number;
  readonly byAddress: boolean;
  readonly scheduler: SchedulerLike;
  readonly counters: RateLimitCounters | undefined;
}

/** Reads each option of {@link rateLimitPerPeer} once and checks it; never throws (an unreadable option is an error). */
function settingsOf(options: unknown): RateLimitSettings | UDPSocketError {
  const op = 'receive';
  try {
    const opts = readOptions(op, options, ['rate', 'burst', 'maxPeers', 'key', 'counters', 'socket', 'scheduler']);
    if (opts instanceof UDPSocketError) return opts;
    const { rate = 100, burst, maxPeers = 4096, key = 'address', socket, scheduler } = opts;
    const error =
      checkNumber(op, 'rate', rate, { min: 0, above: true }) ??
      (burst === undefined ? undefined : checkNumber(op, 'burst', burst, { min: 1 })) ??
      checkNumber(op, 'maxPeers', maxPeers, { min: 1, integer: true, infinity: true }) ??
      checkOneOf(op, 'key', key, ['address', 'peer']);
    if (error !== undefined) return error;
    const timers = timerSchedulerOf(op, socket, scheduler);
    if (timers instanceof UDPSocketError) return timers;
    const counters = countersOf<RateLimitCounters>(op, opts.counters, COUNTERS);
    if (counters instanceof UDPSocketError) return counters;
    return {
      rate: rate as number,
      capacity: ((burst as number | undefined) ?? Math.max(1, rate as number)) * TOKEN,
      maxPeers: maxPeers as number,
      byAddress: key === 'address',
      scheduler: timers,
      counters,
    };
  } catch (thrown) {
    return unreadableOption(op, thrown);
  }
}

/**
 * Limits how many datagrams each source may send: a token bucket per source (`rate` per second,
 * `burst` at once), in a table of at most `maxPeers` sources; what exceeds is dropped and
 * counted — what DNS servers call response rate limiting. Put it in front of any server
 * pipeline (before `reply`, `groupByPeer`, decoding).
 *
 * The buckets refill on the socket's scheduler, so the limit is exact on virtual time. It is a
 * per-source limit: a flood from many forged sources passes `burst` datagrams per source; bound
 * what they cost with `groupByPeer`'s `maxPeers` and `reply`'s amplification guard.
 *
 * A bad argument errors the operator when subscribed, never throws: `ERR_INVALID_ARG_TYPE` for
 * options, `key`, `counters`, `socket` or `scheduler` of the wrong type, or options that cannot be
 * read (a throwing getter, a revoked Proxy; the error names the field), `ERR_OUT_OF_RANGE` for a
 * `rate` not > 0, a `burst` not >= 1 or a `maxPeers` not an integer >= 1 (or `Infinity`),
 * `ERR_INVALID_ARG_VALUE` for `counters` it cannot write to. Each option is read once, here. A
 * value without `remoteInfo` errors the stream with `ERR_INVALID_ARG_TYPE`.
 *
 * @param options - `rate`, `burst`, `maxPeers`, `key`, `counters`, and the `socket` (or `scheduler`).
 * @returns an operator letting through the messages within each source's limit.
 * @example
 * const counters = { passed: 0, dropped: 0, peers: 0, evicted: 0 };
 * rx.message$.pipe(
 *   rateLimitPerPeer({ rate: 20, burst: 40, counters, socket: rx }),
 *   reply(rx, answer),
 * ).subscribe();
 */
export function rateLimitPerPeer<T extends FromSender>(options?: RateLimitPerPeerOptions | null): MonoTypeOperatorFunction<T> {
  const settings = settingsOf(options);
  if (settings instanceof UDPSocketError) return failing(settings);
  const { rate, capacity, maxPeers, byAddress, scheduler, counters } = settings;
  return (source) =>
    new Observable<T>((subscriber) => {
      const table = new PeerTable<Bucket>(maxPeers);
      const subscription = source.subscribe(
        operate({
          destination: subscriber,
          next: (message: T) => {
            const info = infoOf(message);
            const k = byAddress ? info.address : peerKey(info);
            const now = scheduler.now();
            let bucket = table.get(k);
            if (bucket === undefined) {
              if (table.full) {
                table.remove(table.idlest()!);
                if (counters !== undefined) counters.evicted++;
              } else if (counters !== undefined) {
                counters.peers++;
              }
              bucket = { key: k, tokens: capacity, at: now, older: null, newer: null, known: false, listed: false };
              table.add(bucket);
            } else {
              table.touch(bucket);
              const refill = (now - bucket.at) * rate;
              bucket.at = now;
              if (refill > 0) bucket.tokens = Math.min(capacity, bucket.tokens + refill);
            }
            if (bucket.tokens >= TOKEN) {
              bucket.tokens -= TOKEN;
              if (counters !== undefined) counters.passed++;
              subscriber.next(message);
            } else if (counters !== undefined) {
              counters.dropped++;
            }
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        if (counters !== undefined) counters.peers -= table.size;
      };
    });
}
