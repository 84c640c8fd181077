import { asyncScheduler, debounceTime, groupBy, type GroupedObservable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { schedulerOf, type SocketInput } from '../internal/rx-of';
import type { FromSender } from './from-peer';

/** Options of {@link groupByPeer}. */
export interface GroupByPeerOptions {
  /**
   * Complete a peer's sub-stream after this many ms (frames on virtual time) without a message
   * from it; its next message opens a new sub-stream.
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
 * @param options - `idle` ms, and the `socket` (or `scheduler`) whose scheduler runs the idle timers.
 * @returns an operator from messages to grouped sub-streams.
 * @example
 * rx.message$.pipe(
 *   groupByPeer({ idle: 30_000, socket: rx }),
 *   mergeMap((session) => session.pipe(count(), map((n) => `${session.key} sent ${n}`))),
 * ).subscribe(console.log);
 */
export function groupByPeer<T extends FromSender>(
  options: GroupByPeerOptions = {},
): OperatorFunction<T, GroupedObservable<string, T>> {
  const { idle } = options;
  const key = (message: T): string => peerKey(message.remoteInfo);
  if (idle === undefined) return groupBy(key);
  const scheduler = options.socket !== undefined ? schedulerOf(options.socket, options.scheduler) : (options.scheduler ?? asyncScheduler);
  return groupBy(key, { duration: (group) => group.pipe(debounceTime(idle, scheduler)) });
}
