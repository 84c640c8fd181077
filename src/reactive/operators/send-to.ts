import { Observable, type OperatorFunction } from 'rxjs';
import type { UDPMessage, UDPSendOption, UDPSocketLike } from '../../socket/types';
import { rawOf, type SocketInput } from '../internal/rx-of';
import { UDPSocketError } from '../../errors';
import { SendRun, sendLimitsOf, type SendLimits, type SendOverflow } from '../internal/send-run';
import { unreadableOption } from '../../internal/validators';
import { checkSocket, readTarget, failing } from '../internal/validate';
import { operate } from '../internal/operate';
import type { SendReceipt, UDPTarget } from '../types';

/** Options of {@link sendTo} (and {@link reply}). */
export interface SendToOptions {
  /**
   * At most this many datagrams handed to the socket and not yet confirmed; further values wait.
   * An integer >= 1, or `Infinity`.
   * @default 1024
   */
  concurrency?: number;
  /**
   * At most this many values wait for a free slot; what happens to one more is `overflow`. An
   * integer >= 0, or `Infinity`. Unbounded by default, so a whole array sent at once completes:
   * the values it holds are the ones the source had already made. Bound it for an endless push
   * source faster than the network (a sensor stream, a log tail).
   * @default Infinity
   */
  bufferSize?: number;
  /**
   * What a value does when `bufferSize` values wait already: `'error'` ends the stream with
   * `ENOBUFS` (its message names `bufferSize` and `overflow`); `'drop-oldest'` drops the oldest
   * waiting value to make room (the freshest readings win, as telemetry wants); `'drop-newest'`
   * drops the arriving value. Drops are counted and handed to `onDrop`.
   * @default 'error'
   */
  overflow?: SendOverflow;
  /**
   * Called with each dropped value and the running count of drops (the `overflow` policies).
   * A throw errors the stream.
   */
  onDrop?: (value: unknown, dropped: number) => void;
}

/** Whether the second argument of `sendTo` is meant as a target: an object with `address` or `port`. */
function looksLikeTarget(value: unknown): value is object {
  return value !== null && typeof value === 'object' && ('address' in value || 'port' in value);
}

/** The checked arguments of one `sendTo`. */
interface SendToSettings {
  readonly socket: UDPSocketLike;
  readonly target: UDPTarget | undefined;
  readonly limits: SendLimits;
}

/** Checks the arguments of {@link sendTo} once; never throws (an unreadable argument is an error). */
function settingsOf(socket: unknown, targetOrOptions: unknown, maybeOptions: unknown): SendToSettings | UDPSocketError {
  const op = 'send';
  try {
    const socketError = checkSocket(op, socket);
    if (socketError !== undefined) return socketError;
    // An object with `address` or `port` is a target (checked: a malformed one is reported as such,
    // not mistaken for options); so is anything followed by options.
    const hasTarget = looksLikeTarget(targetOrOptions) || (targetOrOptions != null && maybeOptions !== undefined);
    // The target is read once, here: every datagram goes where it pointed when checked.
    const target = hasTarget ? readTarget(op, targetOrOptions) : undefined;
    if (target instanceof UDPSocketError) return target;
    const limits = sendLimitsOf(op, hasTarget || targetOrOptions == null ? maybeOptions : targetOrOptions);
    if (limits instanceof UDPSocketError) return limits;
    return { socket: rawOf(socket as SocketInput), target, limits };
  } catch (thrown) {
    return unreadableOption(op, thrown);
  }
}

/**
 * Sends each value as a datagram, in order, and emits a {@link SendReceipt} per datagram.
 *
 * With a `target`, each value is a payload (string, ArrayBuffer, ArrayBufferView) sent there;
 * without one, each value is a full send option (`{ address, port, message, ... }`).
 *
 * - Backpressure: at most `concurrency` datagrams are in flight (handed to the socket, not yet
 *   confirmed); later values wait. The wait is unbounded by default, so `from(array)` of any
 *   length completes; a bounded `bufferSize` applies `overflow` — `ENOBUFS`, or dropping the
 *   oldest or newest value, counted and handed to `onDrop`.
 * - A receipt means the datagram was **handed to the operating system**, not that it arrived: UDP
 *   has no delivery report, and a receiver whose buffer is full drops datagrams silently (see the
 *   reactive guide for a measured burst-loss figure). Each receipt and each error belongs to its
 *   own datagram, whatever order completions come in.
 * - A failed send errors the stream with the socket's `UDPSocketError` (`EMSGSIZE`,
 *   `ERR_SOCKET_BAD_PORT`, `ERR_INVALID_ADDRESS`, `ENOTFOUND`, `ERR_SOCKET_DGRAM_NOT_RUNNING`, ...).
 * - Completes when the source completed and every datagram was confirmed; unsubscribing stops
 *   sending at once (queued values are dropped).
 * - A bad argument errors the operator when subscribed, before anything is sent: a socket or
 *   options of the wrong type (or whose fields cannot be read: a throwing getter, a revoked
 *   Proxy), or a `concurrency` / `bufferSize` that is not a number, `ERR_INVALID_ARG_TYPE`; one
 *   out of range (NaN, 0 concurrency, fractions), `ERR_OUT_OF_RANGE`; an unknown `overflow`,
 *   `ERR_INVALID_ARG_VALUE`;
 *   a target (any object with `address` or `port`) with a bad address, `ERR_INVALID_ADDRESS`, or
 *   port, `ERR_SOCKET_BAD_PORT`.
 * - On a socket without `sendWithCallback` (WeChat / Taro) each `send()` is synchronous: receipts
 *   are emitted right after it with `confirmed: false`, nothing waits, and failures reach the
 *   socket's `onError` / `error$` only.
 *
 * @param socket - an {@link RxUDPSocket} or a plain socket.
 * @param target - where payloads go; omit it to send full send options.
 * @param options - `concurrency` (default 1024), `bufferSize` (default unbounded), `overflow`, `onDrop`.
 * @returns an operator from payloads (or send options) to receipts.
 * @example
 * interval(1000).pipe(
 *   map((n) => JSON.stringify({ n, t: Date.now() })),
 *   sendTo(rx, { address: '127.0.0.1', port: 9125 }),
 * ).subscribe({ error: (e) => console.error(e.code) });
 */
export function sendTo(socket: SocketInput, target: UDPTarget, options?: SendToOptions): OperatorFunction<UDPMessage, SendReceipt>;
/** `sendTo` without a target: each value is a full send option (`{ address, port, message, ... }`). */
export function sendTo(socket: SocketInput, options?: SendToOptions): OperatorFunction<UDPSendOption, SendReceipt>;
/** `sendTo(socket, undefined, options)`: as without a target. */
export function sendTo(socket: SocketInput, target: undefined, options?: SendToOptions): OperatorFunction<UDPSendOption, SendReceipt>;
export function sendTo(
  socket: SocketInput,
  targetOrOptions?: UDPTarget | SendToOptions,
  maybeOptions?: SendToOptions,
): OperatorFunction<unknown, SendReceipt> {
  const settings = settingsOf(socket, targetOrOptions, maybeOptions);
  if (settings instanceof UDPSocketError) return failing(settings);
  const { socket: raw, target, limits } = settings;
  return (source) =>
    new Observable<SendReceipt>((subscriber) => {
      const run = new SendRun(raw, target, limits, subscriber);
      // An operator subscriber (as RxJS's own operators use, see operate) forwards each value without the
      // extra safe-subscriber hop of subscribe({ next }), and unsubscribes with `subscriber`.
      source.subscribe(
        operate({ destination: subscriber, next: run.push, error: (error) => run.fail(error), complete: () => run.end() }),
      );
      return () => run.close();
    });
}
