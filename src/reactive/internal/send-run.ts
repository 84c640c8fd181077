import type { Subscriber } from 'rxjs';
import { UDPSocketError, toUDPSocketError, type UDPOperation } from '../../errors';
import type { UDPMessage, UDPSendOption, UDPSocketLike } from '../../socket/types';
import type { SendReceipt, UDPTarget } from '../types';
import { canConfirm, type ConfirmingSocket } from './capabilities';
import { Fifo } from './fifo';
import { checkNumber, optionsOf, readSendOption } from './validate';

/** The default bound on datagrams handed to the socket and not yet confirmed. */
export const DEFAULT_CONCURRENCY = 1024;
/** The default bound on values waiting for a free send slot. */
export const DEFAULT_BUFFER_SIZE = 65536;

/** The checked `concurrency` and `bufferSize` of a `sendTo` / `reply`. */
export interface SendLimits {
  readonly concurrency: number;
  readonly bufferSize: number;
}

/**
 * Checks the options of `sendTo` / `reply` once: `concurrency` an integer >= 1 or `Infinity`,
 * `bufferSize` an integer >= 0 or `Infinity`; `undefined` / `null` options are the defaults.
 * @returns the limits, or the error the operator reports when subscribed.
 */
export function sendLimitsOf(operation: UDPOperation, options: unknown): SendLimits | UDPSocketError {
  const opts = optionsOf<{ concurrency?: unknown; bufferSize?: unknown }>(operation, options);
  if (opts instanceof UDPSocketError) return opts;
  const { concurrency = DEFAULT_CONCURRENCY, bufferSize = DEFAULT_BUFFER_SIZE } = opts;
  const error =
    checkNumber(operation, 'concurrency', concurrency, { min: 1, integer: true, infinity: true }) ??
    checkNumber(operation, 'bufferSize', bufferSize, { min: 0, integer: true, infinity: true });
  return error ?? { concurrency: concurrency as number, bufferSize: bufferSize as number };
}

/**
 * The send loop of one `sendTo` / `reply` subscription.
 *
 * With a target, each value is a payload; without one, a full send option. Per datagram it
 * allocates one object — with a target it is both the send option and the receipt — and it uses
 * one completion callback for the whole subscription: a socket confirms its datagrams in the order
 * they were sent, so the oldest pending receipt is the one confirmed.
 */
export class SendRun {
  private readonly socket: UDPSocketLike;
  private readonly confirming: ConfirmingSocket | undefined;
  private readonly pending = new Fifo<SendReceipt>();
  private readonly waiting = new Fifo<unknown>();
  private inFlight = 0;
  private ended = false;
  private closed = false;

  private readonly onSent = (error: UDPSocketError | null): void => {
    const receipt = this.pending.shift();
    this.inFlight--;
    if (this.closed) return;
    if (error !== null) {
      this.fail(error);
      return;
    }
    this.subscriber.next(receipt!);
    const waiting = this.waiting;
    while (waiting.size > 0 && this.inFlight < this.concurrency && !this.closed) this.transmit(waiting.shift()!);
    if (this.ended && this.inFlight === 0 && waiting.size === 0) this.finish();
  };

  constructor(
    socket: UDPSocketLike,
    private readonly target: UDPTarget | undefined,
    private readonly concurrency: number,
    private readonly bufferSize: number,
    private readonly subscriber: Subscriber<SendReceipt>,
  ) {
    this.socket = socket;
    this.confirming = canConfirm(socket) ? socket : undefined;
  }

  /**
   * Sends `value` (a payload with a target, else a send option) now, or queues it while
   * `concurrency` datagrams are in flight; errors with `ENOBUFS` when `bufferSize` values wait.
   * A bound function: `sendTo` hands it to its operator subscriber as the `next` handler.
   */
  readonly push = (value: unknown): void => {
    if (this.closed) return;
    if (this.inFlight < this.concurrency) {
      this.transmit(value);
    } else if (this.waiting.size < this.bufferSize) {
      this.waiting.push(value);
    } else {
      this.fail(
        new UDPSocketError(
          'ENOBUFS',
          'send',
          `no buffer space available: ${this.bufferSize} datagrams wait behind ${this.concurrency} in flight`,
        ),
      );
    }
  };

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
      this.pending.push(receipt);
      this.inFlight++;
      try {
        confirming.sendWithCallback(option, this.onSent);
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
