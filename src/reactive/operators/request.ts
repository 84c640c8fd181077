import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { UDPSocketError } from '../../errors';
import { RequestRun, type RequestSettings } from '../internal/request-run';
import { rxOf, schedulerOf, type SocketInput } from '../internal/rx-of';
import { MAX_DELAY, checkFunction, checkNumber, checkScheduler, checkSocket, readTarget, failing, optionsOf } from '../internal/validate';
import type { UDPTarget } from '../types';

/** Options of {@link request}. */
export interface RequestOptions<T> {
  /**
   * How long to wait for a reply after each send, in ms (frames on virtual time): a number in
   * 0–2147483647 (the longest delay `setTimeout` honours).
   */
  timeout: number;
  /**
   * Retransmissions after the first send: with no reply the request errors after
   * `(retries + 1) × timeout` (with the default `backoff`). An integer >= 0, or `Infinity` to retry
   * until a reply comes or the subscriber unsubscribes (then `timeout` must be > 0 and `backoff` >= 1).
   * @default 0
   */
  retries?: number;
  /**
   * Each wait is this factor times the previous one (2: exponential backoff, as CoAP does); a
   * finite number > 0. A wait never grows beyond 2147483647 ms.
   * @default 1
   */
  backoff?: number;
  /**
   * Whether a received message is the reply to `request`; correlates concurrent requests.
   * @default a message from `target`'s address and port
   */
  match?: (reply: UDPMessageResult, request: T) => boolean;
  /**
   * How many requests may be pending at once; more wait their turn. An integer >= 1, or `Infinity`.
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
 * Checks the arguments of {@link request} once, at creation.
 * @returns the settings, or the `UDPSocketError` the operator errors with when subscribed.
 */
function settingsOf<T>(socket: unknown, target: unknown, options: unknown): RequestSettings<T> | UDPSocketError {
  const op = 'request';
  const socketError = checkSocket(op, socket);
  if (socketError !== undefined) return socketError;
  const checked = readTarget(op, target);
  if (checked instanceof UDPSocketError) return checked;
  const opts = optionsOf<RequestOptions<T>>(op, options);
  if (opts instanceof UDPSocketError) return opts;
  const { timeout, retries = 0, backoff = 1, concurrency = Infinity, match, scheduler } = opts;
  const error =
    checkNumber(op, 'timeout', timeout, { min: 0, max: MAX_DELAY }) ??
    checkNumber(op, 'retries', retries, { min: 0, integer: true, infinity: true }) ??
    checkNumber(op, 'backoff', backoff, { min: 0, above: true }) ??
    checkNumber(op, 'concurrency', concurrency, { min: 1, integer: true, infinity: true }) ??
    checkFunction(op, 'match', match, true) ??
    checkScheduler(op, scheduler);
  if (error !== undefined) return error;
  // Retrying forever with no wait (or a shrinking one) would retransmit in a tight loop.
  if (retries === Infinity && (timeout === 0 || backoff < 1)) {
    return new UDPSocketError('ERR_OUT_OF_RANGE', op, `retries Infinity needs a timeout > 0 and a backoff >= 1, got timeout ${timeout} and backoff ${backoff}`);
  }
  const { address, port, setBroadcast } = checked;
  return {
    rx: rxOf(socket as SocketInput),
    scheduler: schedulerOf(socket as SocketInput, scheduler),
    target: { address, port, setBroadcast: setBroadcast === true },
    peer: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    timeout,
    retries,
    backoff,
    concurrency,
    match: match ?? defaultMatch(address, port),
  };
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
 * request waits; whatever `match` throws. A bad argument errors the operator when subscribed
 * (nothing is sent): `ERR_INVALID_ARG_TYPE` (a socket, target, option or `match` of the wrong
 * type), `ERR_INVALID_ADDRESS` / `ERR_SOCKET_BAD_PORT` (the target), `ERR_OUT_OF_RANGE` (a
 * `timeout`, `retries`, `backoff` or `concurrency` out of range, NaN included).
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
  const settings = settingsOf<T>(socket, target, options);
  if (settings instanceof UDPSocketError) return failing(settings);
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
