import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { RequestRun, type RequestSettings } from '../internal/request-run';
import { rxOf, schedulerOf, type SocketInput } from '../internal/rx-of';
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

function defaultMatch(address: string, port: number): (reply: UDPMessageResult) => boolean {
  return (reply) => reply.remoteInfo.port === port && reply.remoteInfo.address === address;
}

/**
 * UDP request/response: for each value, sends it to `target` and emits the first matching reply.
 *
 * The reply listener (one `message$` subscription) is attached when the operator is subscribed,
 * so it is in place before any request is sent. With no matching
 * reply after `timeout` ms the datagram is sent again, `retries` times; after the last wait the
 * request errors with a {@link TimeoutError} (code `ETIMEDOUT`) — exactly `(retries + 1) × timeout`
 * after the request with the default backoff. Requests run concurrently (up to `concurrency`),
 * each reply going to every pending request whose `match` accepts it; replies are emitted as
 * they arrive. The default `match` accepts any datagram from `target`: give one that checks an
 * id when several requests to one peer may be pending at once (or set `concurrency: 1`). A reply
 * is offered only to requests sent before it arrived, never to one sent while it is handled.
 * Unsubscribing cancels every pending exchange and removes the timer and the listener.
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
  const settings: RequestSettings<T> = {
    rx: rxOf(socket),
    scheduler: schedulerOf(socket, options.scheduler),
    target: { address: target.address, port: target.port, setBroadcast: target.setBroadcast === true },
    peer: target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`,
    timeout: Math.max(0, options.timeout),
    retries: options.retries !== undefined && options.retries > 0 ? Math.floor(options.retries) : 0,
    backoff: options.backoff !== undefined && options.backoff > 0 ? options.backoff : 1,
    concurrency: options.concurrency !== undefined && options.concurrency >= 1 ? options.concurrency : Infinity,
    match: options.match ?? defaultMatch(target.address, target.port),
  };
  return (source) =>
    new Observable<UDPMessageResult>((subscriber) => {
      const run = new RequestRun<T>(settings, subscriber);
      // The reply listener first: in place before the first datagram leaves.
      run.listen();
      const upstream = source.subscribe({
        next: (payload) => run.push(payload),
        error: (error: unknown) => run.fail(error),
        complete: () => run.end(),
      });
      return () => {
        run.close();
        upstream.unsubscribe();
      };
    });
}
