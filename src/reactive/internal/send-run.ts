import type { Subscriber } from 'rxjs';
import { UDPSocketError, toUDPSocketError, type UDPOperation } from '../../errors';
import type { UDPMessage, UDPSendCallback, UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { SendReceipt, UDPTarget } from '../types';
import { canConfirm, type ConfirmingSocket } from './capabilities';
import { Fifo } from './fifo';
import { checkFunction, checkNumber, readOptions, readSendOption } from './validate';

/** The default bound on datagrams handed to the socket and not yet confirmed. */
export const DEFAULT_CONCURRENCY = 1024;

/** What `sendTo` does with a value that finds `bufferSize` values waiting already. */
export type SendOverflow = 'error' | 'drop-oldest' | 'drop-newest';

const OVERFLOWS: ReadonlyArray<SendOverflow> = ['error', 'drop-oldest', 'drop-newest'];

/** The checked limits of a `sendTo` / `reply`. */
export interface SendLimits {
  readonly concurrency: number;
  readonly bufferSize: number;
  readonly overflow: SendOverflow;
  readonly onDrop: ((value: unknown, dropped: number) => void) | undefined;
}

/**
 * Checks the options of `sendTo` / `reply` once: `concurrency` an integer >= 1 or `Infinity`,
 * `bufferSize` an integer >= 0 or `Infinity`, `overflow` one of {@link SendOverflow}, `onDrop` a
 * function; `undefined` / `null` options are the defaults. Reads each field once; never throws.
 * @returns the limits, or the error the operator reports when subscribed.
 */
export function sendLimitsOf(operation: UDPOperation, options: unknown): SendLimits | UDPSocketError {
  const opts = readOptions(operation, options, ['concurrency', 'bufferSize', 'overflow', 'onDrop']);
  if (opts instanceof UDPSocketError) return opts;
  const { concurrency = DEFAULT_CONCURRENCY, bufferSize = Infinity, overflow = 'error', onDrop } = opts;
  const error =
    checkNumber(operation, 'concurrency', concurrency, { min: 1, integer: true, infinity: true }) ??
    checkNumber(operation, 'bufferSize', bufferSize, { min: 0, integer: true, infinity: true }) ??
    (OVERFLOWS.includes(overflow as SendOverflow)
      ? undefined
      : new UDPSocketError('ERR_INVALID_ARG_VALUE', operation, `overflow must be 'error', 'drop-oldest' or 'drop-newest', got ${typeof overflow === 'string' ? `'${overflow}'` : typeof overflow}`)) ??
    checkFunction(operation, 'onDrop', onDrop, true);
  return (
    error ?? {
      concurrency: concurrency as number,
      bufferSize: bufferSize as number,
      overflow: overflow as SendOverflow,
      onDrop: onDrop as SendLimits['onDrop'],
    }
  );
}

/**
 * The send loop of one `sendTo` / `reply` subscription.
 *
 * With a target, each value is a payload; without one, a full send option. Every receipt and
 * every error belongs to its own datagram, whatever order completions come in: each datagram
 * gets a completion of its own, bound to its receipt. No order can be assumed, even to an IP
 * literal: a socket may report an option it rejects before the OS on another queue than a sent
 * datagram (ours: a rejection on its scheduler, a send on node's next tick), and a foreign socket
 * owes no order at all. With a target (the hot path) one object per datagram is both the send
 * option and the receipt, so a datagram costs that object and its completion.
 *
 * @internal Not part of the published declarations (stripInternal): the public `SendOverflow`
 * type shares this file.
 */
export class SendRun {
  private readonly socket: UDPSocketLike;
  private readonly confirming: ConfirmingSocket | undefined;
  private readonly waiting = new Fifo<unknown>();
  private inFlight = 0;
  private dropped = 0;
  private ended = false;
  private closed = false;
  private readonly concurrency: number;
  private readonly bufferSize: number;
  private readonly overflow: SendOverflow;
  private readonly onDrop: SendLimits['onDrop'];

  /**
   * @param onSendError - what a failed datagram does: `undefined` errors the run (`sendTo`); a
   *   function gets the error and the value pushed, and the run goes on (`reply`: one failed
   *   answer never stops a server).
   */
  constructor(
    socket: UDPSocketLike,
    private readonly target: UDPTarget | undefined,
    limits: SendLimits,
    private readonly subscriber: Subscriber<SendReceipt>,
    private readonly onSendError?: (error: UDPSocketError, value: unknown) => void,
  ) {
    this.socket = socket;
    this.confirming = canConfirm(socket) ? socket : undefined;
    this.concurrency = limits.concurrency;
    this.bufferSize = limits.bufferSize;
    this.overflow = limits.overflow;
    this.onDrop = limits.onDrop;
  }

  /**
   * Sends `value` (a payload with a target, else a send option) now, or queues it while
   * `concurrency` datagrams are in flight; past `bufferSize` waiting values, applies `overflow`.
   * A bound function: `sendTo` hands it to its operator subscriber as the `next` handler.
   */
  readonly push = (value: unknown): void => {
    if (this.closed) return;
    if (this.inFlight < this.concurrency) {
      this.transmit(value);
      return;
    }
    const waiting = this.waiting;
    if (waiting.size < this.bufferSize) {
      waiting.push(value);
      return;
    }
    switch (this.overflow) {
      case 'error':
        this.fail(
          new UDPSocketError(
            'ENOBUFS',
            'send',
            `no buffer space available: ${this.bufferSize} values wait behind ${this.concurrency} in flight (raise bufferSize, or set overflow 'drop-oldest' / 'drop-newest' to drop instead)`,
          ),
        );
        return;
      case 'drop-oldest':
        if (waiting.size > 0) {
          const oldest = waiting.shift();
          waiting.push(value);
          this.drop(oldest);
        } else {
          this.drop(value);
        }
        return;
      default:
        this.drop(value);
    }
  };

  private drop(value: unknown): void {
    this.dropped++;
    const onDrop = this.onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(value, this.dropped);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Upstream completed: complete once every queued datagram was sent. */
  end(): void {
    this.ended = true;
    if (!this.closed && this.inFlight === 0 && this.waiting.size === 0) this.finish();
  }

  /** The subscription ended: send nothing more, ignore late confirmations. */
  close(): void {
    this.closed = true;
    this.waiting.clear();
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.close();
    this.subscriber.error(error);
  }

  private finish(): void {
    this.close();
    this.subscriber.complete();
  }

  /** The outcome of one datagram: its receipt, or its error; then the next waiting values. */
  private settle(receipt: SendReceipt, error: UDPSocketError | null, value: unknown): void {
    this.inFlight--;
    if (this.closed) return;
    if (error !== null) {
      const report = this.onSendError;
      if (report === undefined) {
        this.fail(error);
        return;
      }
      try {
        report(error, value);
      } catch (thrown) {
        this.fail(thrown);
        return;
      }
    } else {
      this.subscriber.next(receipt);
    }
    const waiting = this.waiting;
    while (waiting.size > 0 && this.inFlight < this.concurrency && !this.closed) this.transmit(waiting.shift());
    if (this.ended && this.inFlight === 0 && waiting.size === 0 && !this.closed) this.finish();
  }

  /**
   * The completion of one datagram, bound to its receipt (and its value, for `onSendError`). A
   * method of its own, so the closure's context is made only for a confirming socket, not on
   * every call of `transmit`.
   */
  private completionOf(receipt: SendReceipt, value: unknown): UDPSendCallback {
    return (error) => this.settle(receipt, error, value);
  }

  private transmit(value: unknown): void {
    const confirming = this.confirming;
    const target = this.target;
    let option: UDPSendOption;
    let receipt: SendReceipt;
    if (target !== undefined) {
      receipt = { address: target.address, port: target.port, message: value as UDPMessage, confirmed: confirming !== undefined };
      option = target.setBroadcast === true ? { ...receipt, setBroadcast: true } : receipt;
    } else {
      // Read once: the socket gets the copy, so the receipt describes the datagram sent.
      const read = readSendOption(value);
      if (read instanceof UDPSocketError) {
        this.fail(read);
        return;
      }
      option = read;
      receipt = { address: option.address, port: option.port, message: option.message, confirmed: confirming !== undefined };
    }
    if (confirming !== undefined) {
      this.inFlight++;
      try {
        confirming.sendWithCallback(option, this.completionOf(receipt, value));
      } catch (thrown) {
        this.fail(toUDPSocketError('send', thrown));
      }
      return;
    }
    try {
      this.socket.send(option);
    } catch (thrown) {
      this.fail(toUDPSocketError('send', thrown));
      return;
    }
    this.subscriber.next(receipt);
  }
}
