import { Observable, type OperatorFunction } from 'rxjs';
import { createOperatorSubscriber } from 'rxjs/internal/operators/OperatorSubscriber';
import type { UDPMessage, UDPSendOption } from '../../socket/types';
import { rawOf, type SocketInput } from '../internal/rx-of';
import { DEFAULT_BUFFER_SIZE, DEFAULT_CONCURRENCY, SendRun } from '../internal/send-run';
import type { SendReceipt, UDPTarget } from '../types';

/** Options of {@link sendTo} (and {@link reply}). */
export interface SendToOptions {
  /**
   * At most this many datagrams handed to the socket and not yet confirmed; further values wait.
   * @default 1024
   */
  concurrency?: number;
  /**
   * At most this many values wait for a free slot; one more errors the stream with `ENOBUFS`
   * (the buffer is bounded: a push source cannot be paused, so an overrun is an error, not a leak).
   * @default 65536
   */
  bufferSize?: number;
}

function isTarget(value: unknown): value is UDPTarget {
  return value !== null && typeof value === 'object' && typeof (value as UDPTarget).address === 'string';
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && value >= 1 ? Math.floor(value) : fallback;
}

/**
 * Sends each value as a datagram, in order, and emits a {@link SendReceipt} per datagram.
 *
 * With a `target`, each value is a payload (string, ArrayBuffer, ArrayBufferView) sent there;
 * without one, each value is a full send option (`{ address, port, message, ... }`).
 *
 * - Backpressure: at most `concurrency` datagrams are in flight (handed to the socket, not yet
 *   confirmed); later values wait in a buffer bounded by `bufferSize` (overrun: `ENOBUFS`).
 * - A failed send errors the stream with the socket's `UDPSocketError` (`EMSGSIZE`,
 *   `ERR_SOCKET_BAD_PORT`, `ERR_INVALID_ADDRESS`, `ERR_SOCKET_DGRAM_NOT_RUNNING`, ...).
 * - Completes when the source completed and every datagram was confirmed; unsubscribing stops
 *   sending at once (queued values are dropped).
 * - On a socket without `sendWithCallback` (WeChat / Taro) each `send()` is synchronous: receipts
 *   are emitted right after it with `confirmed: false`, nothing waits, and failures reach the
 *   socket's `onError` / `error$` only.
 *
 * @param socket - an {@link RxUDPSocket} or a plain socket.
 * @param target - where payloads go; omit it to send full send options.
 * @param options - `concurrency` (default 1024) and `bufferSize` (default 65536).
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
  const target = isTarget(targetOrOptions) ? targetOrOptions : undefined;
  const options = (target === undefined ? (targetOrOptions as SendToOptions | undefined) : maybeOptions) ?? {};
  const concurrency = positive(options.concurrency, DEFAULT_CONCURRENCY);
  const bufferSize = options.bufferSize !== undefined && options.bufferSize >= 0 ? options.bufferSize : DEFAULT_BUFFER_SIZE;
  const raw = rawOf(socket);
  return (source) =>
    new Observable<SendReceipt>((subscriber) => {
      const run = new SendRun(raw, target, concurrency, bufferSize, subscriber);
      // An operator subscriber (as RxJS's own operators use) forwards each value without the
      // extra safe-subscriber hop of subscribe({ next }), and unsubscribes with `subscriber`.
      source.subscribe(
        createOperatorSubscriber(
          subscriber,
          (value) => run.push(value),
          () => run.end(),
          (error) => run.fail(error),
        ),
      );
      return () => run.close();
    });
}
