import { asyncScheduler, debounceTime, groupBy, type GroupedObservable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { UDPSocketError } from '../../errors';
import { schedulerOf, type SocketInput } from '../internal/rx-of';
import { MAX_DELAY, checkNumber, checkScheduler, checkSocket, failing, optionsOf } from '../internal/validate';
import { infoOf, type FromSender } from './from-peer';

/** Options of {@link groupByPeer}. */
export interface GroupByPeerOptions {
  /**
   * Complete a peer's sub-stream after this many ms (frames on virtual time) without a message
   * from it; its next message opens a new sub-stream. A number in 0–2147483647.
   * @default never: sub-streams end with the source
   */
  idle?: number;
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

/**
 * Splits messages into one sub-stream per sender (address and port): a session per peer.
 *
 * Each group's `key` is {@link peerKey} of the sender. With `idle`, a group completes after
 * `idle` ms of silence from its peer, and a later message from it starts a new group.
 *
 * A bad argument errors the operator when subscribed: `ERR_INVALID_ARG_TYPE` for options, `idle`,
 * `socket` or `scheduler` of the wrong type, `ERR_OUT_OF_RANGE` for an `idle` that is not a finite
 * number in 0–2147483647 (NaN and negative included); `null` options are no options.
 *
 * @param options - `idle` ms, and the `socket` (or `scheduler`) whose scheduler runs the idle timers.
 * @returns an operator from messages to grouped sub-streams.
 * @example
 * rx.message$.pipe(
 *   groupByPeer({ idle: 30_000, socket: rx }),
 *   mergeMap((session) => session.pipe(count(), map((n) => `${session.key} sent ${n}`))),
 * ).subscribe(console.log);
 */
export function groupByPeer<T extends FromSender>(
  options?: GroupByPeerOptions | null,
): OperatorFunction<T, GroupedObservable<string, T>> {
  const opts = optionsOf<GroupByPeerOptions>('receive', options);
  if (opts instanceof UDPSocketError) return failing(opts);
  const error =
    (opts.idle === undefined ? undefined : checkNumber('receive', 'idle', opts.idle, { min: 0, max: MAX_DELAY })) ??
    (opts.socket === undefined ? undefined : checkSocket('receive', opts.socket)) ??
    checkScheduler('receive', opts.scheduler);
  if (error !== undefined) return failing(error);
  const { idle } = opts;
  const key = (message: T): string => peerKey(infoOf(message));
  if (idle === undefined) return groupBy(key);
  const scheduler = opts.socket !== undefined ? schedulerOf(opts.socket, opts.scheduler) : (opts.scheduler ?? asyncScheduler);
  return groupBy(key, { duration: (group) => group.pipe(debounceTime(idle, scheduler)) });
}
