import { Observable, mergeMap, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { UDPSocketError } from '../../errors';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { rxOf, schedulerOf, type SocketInput } from '../internal/rx-of';
import { TimeoutError } from '../timeout-error';
import type { UDPTarget } from '../types';

/** Options of {@link request}. */
export interface RequestOptions<T> {
  /** How long to wait for a reply after each send, in ms (frames on virtual time). */
  timeout: number;
  /**
   * Retransmissions after the first send: with no reply the request errors after
   * `(retries + 1) × timeout` (with the default `backoff`).
   * @default 0
   */
  retries?: number;
  /**
   * Each wait is this factor times the previous one (2: exponential backoff, as CoAP does).
   * @default 1
   */
  backoff?: number;
  /**
   * Whether a received message is the reply to `request`; correlates concurrent requests.
   * @default a message from `target`'s address and port
   */
  match?: (reply: UDPMessageResult, request: T) => boolean;
  /**
   * How many requests may be pending at once; more wait their turn.
   * @default Infinity
   */
  concurrency?: number;
  /**
   * The scheduler of the timeouts.
   * @default the socket's scheduler (virtual time on the virtual network), else `asyncScheduler`
   */
  scheduler?: SchedulerLike;
}

function peerOf(target: UDPTarget): string {
  return target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}

/**
 * UDP request/response: for each value, sends it to `target` and emits the first matching reply.
 *
 * For each request the reply listener is in place before the datagram is sent. With no matching
 * reply after `timeout` ms the datagram is sent again, `retries` times; after the last wait the
 * request errors with a {@link TimeoutError} (code `ETIMEDOUT`) — exactly `(retries + 1) × timeout`
 * after the request with the default backoff. Requests run concurrently (up to `concurrency`),
 * each reply going to every pending request whose `match` accepts it; replies are emitted as
 * they arrive. The default `match` accepts any datagram from `target`: give one that checks an
 * id when several requests to one peer may be pending at once (or set `concurrency: 1`).
 * Unsubscribing cancels every pending exchange: its timer and its listener are removed.
 *
 * Errors: `ETIMEDOUT` ({@link TimeoutError}); the `UDPSocketError` of a failed send (on a socket
 * with `sendWithCallback`; a WeChat / Taro socket reports send failures on `error$` only, so
 * there the request times out); `ERR_SOCKET_DGRAM_NOT_RUNNING` when the socket closes while a
 * request waits; whatever `match` throws.
 *
 * @param socket - an {@link RxUDPSocket} or a plain socket; timeouts run on its scheduler.
 * @param target - the peer to ask.
 * @param options - `timeout` (required), `retries`, `backoff`, `match`, `concurrency`, `scheduler`.
 * @returns an operator from request payloads to reply messages.
 * @example
 * of('time?').pipe(
 *   request(rx, { address: '127.0.0.1', port: 3000 }, { timeout: 500, retries: 2 }),
 *   decode(text),
 * ).subscribe({ next: console.log, error: (e) => console.error(e.code) }); // 'ETIMEDOUT' after 1.5 s
 */
export function request<T extends UDPMessage>(
  socket: SocketInput,
  target: UDPTarget,
  options: RequestOptions<T>,
): OperatorFunction<T, UDPMessageResult> {
  const rx = rxOf(socket);
  const scheduler = schedulerOf(socket, options.scheduler);
  const timeout = Math.max(0, options.timeout);
  const retries = options.retries !== undefined && options.retries > 0 ? Math.floor(options.retries) : 0;
  const backoff = options.backoff !== undefined && options.backoff > 0 ? options.backoff : 1;
  const { address, port } = target;
  const setBroadcast = target.setBroadcast === true;
  const match =
    options.match ??
    ((reply: UDPMessageResult): boolean => reply.remoteInfo.port === port && reply.remoteInfo.address === address);
  const peer = peerOf(target);

  const exchange = (payload: T): Observable<UDPMessageResult> =>
    new Observable<UDPMessageResult>((subscriber) => {
      let attempts = 0;
      let elapsed = 0;
      let wait = timeout;
      let timer: Subscription | undefined;
      let sending: Subscription | undefined;
      // The listener first: a reply faster than the send's return is not missed.
      const inbox = rx.message$.subscribe({
        next: (message) => {
          let matched: boolean;
          try {
            matched = match(message, payload);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (matched) {
            subscriber.next(message);
            subscriber.complete();
          }
        },
        complete: () =>
          subscriber.error(new UDPSocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'request', `socket closed before ${peer} replied`)),
      });
      const attempt = (): void => {
        attempts++;
        sending?.unsubscribe();
        sending = rx
          .send(setBroadcast ? { address, port, message: payload, setBroadcast } : { address, port, message: payload })
          .subscribe({ error: (error: unknown) => subscriber.error(error) });
        if (subscriber.closed) return;
        const delay = wait;
        timer = scheduler.schedule(() => {
          elapsed += delay;
          if (attempts <= retries) {
            wait *= backoff;
            attempt();
          } else {
            subscriber.error(new TimeoutError(attempts, elapsed, peer));
          }
        }, delay);
      };
      if (!subscriber.closed) attempt();
      return () => {
        inbox.unsubscribe();
        timer?.unsubscribe();
        sending?.unsubscribe();
      };
    });

  const concurrency = options.concurrency !== undefined && options.concurrency >= 1 ? options.concurrency : Infinity;
  return (source) => source.pipe(mergeMap(exchange, concurrency));
}
