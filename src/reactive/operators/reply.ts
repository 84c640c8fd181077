import { Observable, Subscription, config, isObservable, type OperatorFunction } from 'rxjs';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { rawOf, type SocketInput } from '../internal/rx-of';
import { UDPSocketError, reasonOf, toUDPSocketError } from '../../errors';
import { SendRun, sendLimitsOf, type SendLimits } from '../internal/send-run';
import { checkFunction, checkSocket, failing, readOptions } from '../internal/validate';
import { unreadableOption } from '../../internal/validators';
import type { SendReceipt } from '../types';
import { infoOf } from './filter-by-peer';
import type { SendToOptions } from './send-to';
import { operate } from '../internal/operate';
import { AmplificationGuard, amplificationGuardOf, type ReplyCounters } from '../internal/amplification';

/** What the project function of {@link reply} returns: a payload, an Observable of payloads, or nothing. */
export type ReplyResult = UDPMessage | Observable<UDPMessage> | null | undefined | void;

/**
 * Where {@link reply} reports a request it could not answer: a function, or an observer such as
 * a `Subject` (`{ next(error, message) }`).
 */
export type ReplyErrorHandler =
  | ((error: UDPSocketError, message: UDPMessageResult) => void)
  | {
      /** Receives the failure and the request it was for. */
      next(error: UDPSocketError, message: UDPMessageResult): void;
    };

/**
 * A reply datagram {@link reply} dropped under its `overflow` policy, never sent: where it was
 * going, its payload, and the request it answered. What `onDrop` gets.
 */
export interface DroppedReply {
  /** The requester's address: where the reply was going. */
  readonly address: string;
  /** The requester's port. */
  readonly port: number;
  /** The reply's payload, as `project` (or its Observable) gave it. */
  readonly message: UDPMessage;
  /** The request it answered. */
  readonly request: UDPMessageResult;
}

/** Options of {@link reply}: those of {@link sendTo}, and where failures go. */
export interface ReplyOptions extends Omit<SendToOptions, 'onDrop'> {
  /**
   * Called with each reply dropped under the `overflow` policies (a {@link DroppedReply}: where
   * it was going, its payload and its request) and the running count of drops. A throw errors
   * the stream.
   */
  onDrop?: (reply: DroppedReply, dropped: number) => void;
  /**
   * Receives each request that could not be answered — `project` threw, its Observable errored,
   * or the reply datagram failed — with the `UDPSocketError` (`ERR_REPLY_FAILED` with the thrown
   * value as `cause`, or the send's own error). The server goes on serving either way.
   * @default RxJS `config.onUnhandledError` when one is set, else the failure is dropped
   */
  onError?: ReplyErrorHandler;
  /**
   * Amplification guard: the bytes sent back for one request stay within this many times the
   * bytes of the request; a reply datagram that would exceed it is dropped (never sent) and
   * counted in `counters`. It keeps the server from being a reflector for floods with a forged
   * source. A number >= 0; `Infinity` turns the guard off (for peers you have validated).
   * @default 3 (QUIC's limit for an unvalidated address, RFC 9000 §8.1)
   */
  amplificationLimit?: number;
  /**
   * An object whose fields the guard keeps counting: request and reply bytes, replies dropped and
   * their bytes; a field that is not a number starts at 0. It must take writes: a frozen or sealed
   * object without the fields, or read-only fields, errors the operator with `ERR_INVALID_ARG_VALUE`.
   */
  counters?: ReplyCounters;
}

/** The checked arguments of one `reply`. */
interface ReplySettings {
  readonly socket: ReturnType<typeof rawOf>;
  readonly limits: SendLimits;
  readonly report: (error: UDPSocketError, message: UDPMessageResult) => void;
  readonly guard: AmplificationGuard | undefined;
}

function settingsOf(socket: unknown, project: unknown, options: unknown): ReplySettings | UDPSocketError {
  const op = 'send';
  try {
    const error = checkSocket(op, socket) ?? checkFunction(op, 'project', project);
    if (error !== undefined) return error;
    const limits = sendLimitsOf(op, options);
    if (limits instanceof UDPSocketError) return limits;
    const guard = amplificationGuardOf(options);
    if (guard instanceof UDPSocketError) return guard;
    const read = readOptions(op, options, ['onError']);
    if (read instanceof UDPSocketError) return read;
    const onError = read.onError as ReplyOptions['onError'] | undefined;
    if (
      onError !== undefined &&
      typeof onError !== 'function' &&
      (onError === null || typeof onError !== 'object' || typeof (onError as { next?: unknown }).next !== 'function')
    ) {
      return new UDPSocketError('ERR_INVALID_ARG_TYPE', op, `onError must be a function or an observer, got ${typeof onError}`);
    }
    const report =
      onError === undefined
        ? (failure: UDPSocketError): void => config.onUnhandledError?.(failure)
        : typeof onError === 'function'
          ? onError
          : (failure: UDPSocketError, message: UDPMessageResult): void => onError.next(failure, message);
    return { socket: rawOf(socket as SocketInput), limits, report, guard };
  } catch (thrown) {
    return unreadableOption(op, thrown);
  }
}

/**
 * A reply datagram as `reply` hands it to its send loop: the send option, and the request it
 * answers — the very object `onDrop` gets when the loop drops it.
 */
type Answer = DroppedReply;

/** The error reported for a request whose project (or its Observable) failed. */
function replyFailed(cause: unknown): UDPSocketError {
  return new UDPSocketError('ERR_REPLY_FAILED', 'send', `cannot answer the request: ${reasonOf(cause)}`, { cause });
}

/**
 * Server side of request/response: for each incoming message, sends `project(message)` back to
 * the message's sender, and emits a {@link SendReceipt} per reply datagram.
 *
 * `project` returns a payload (one reply), an Observable of payloads (zero or more replies, sent
 * as they come), or `null` / `undefined` (no reply). Replies share the backpressure of
 * {@link sendTo} (`concurrency`, `bufferSize`, `overflow`).
 *
 * **An amplification guard is on by default:** the bytes sent back for one request stay within
 * `amplificationLimit` (default 3) times its bytes; a reply datagram beyond that is dropped, never
 * sent, and counted in `counters`. A forged request cannot make the server send a victim much
 * more than the forger sent. Raise the limit, or set `Infinity`, for peers you have validated.
 *
 * **One bad request never stops the server.** When `project` throws, its Observable errors, a
 * value is not a received message, or a reply datagram fails (`EMSGSIZE`, ...), that request is
 * reported to `onError` (by default RxJS `config.onUnhandledError`, else dropped) and the stream
 * goes on. Completes when the source and every returned Observable completed and all replies
 * were sent; an error of the source errors it.
 *
 * A socket or options of the wrong type (or unreadable: the error names the field), a `project`
 * that is not a function, or an `onError` that is neither a function nor an observer, make the
 * operator error with `ERR_INVALID_ARG_TYPE` when subscribed; `concurrency` / `bufferSize` /
 * `overflow` are checked as by `sendTo`, `amplificationLimit` must be a number >= 0 or `Infinity`
 * (`ERR_OUT_OF_RANGE`), and `counters` it cannot write to is `ERR_INVALID_ARG_VALUE`.
 *
 * @param socket - the socket that received the messages (an {@link RxUDPSocket} or a plain socket).
 * @param project - maps a message (and its index) to the reply.
 * @param options - `concurrency`, `bufferSize`, `overflow` as for `sendTo`, `onDrop` (each dropped {@link DroppedReply}), `onError`,
 * `amplificationLimit` and `counters`.
 * @returns an operator from received messages to receipts of the replies.
 * @example
 * // an echo server that logs what it could not answer
 * rx.message$.pipe(reply(rx, ({ message }) => message, { onError: (e) => console.warn(e.code) })).subscribe();
 */
export function reply(
  socket: SocketInput,
  project: (message: UDPMessageResult, index: number) => ReplyResult,
  options?: ReplyOptions | null,
): OperatorFunction<UDPMessageResult, SendReceipt> {
  const settings = settingsOf(socket, project, options);
  if (settings instanceof UDPSocketError) return failing(settings);
  const { socket: raw, limits, report, guard } = settings;
  return (source) =>
    new Observable<SendReceipt>((subscriber) => {
      const reportSafely = (error: UDPSocketError, message: UDPMessageResult): void => {
        try {
          report(error, message);
        } catch (thrown) {
          subscriber.error(thrown);
        }
      };
      // A failed answer is reported with the request it answered (carried beside the send option).
      const run = new SendRun(raw, undefined, limits, subscriber, (error, value) => reportSafely(error, (value as Answer).request));
      const inners = new Subscription();
      let active = 1;
      let index = 0;
      const done = (): void => {
        if (--active === 0) run.end();
      };
      const answer = (request: UDPMessageResult, address: string, port: number, payload: UDPMessage): void => {
        const value: Answer = { address, port, message: payload, request };
        run.push(value);
      };
      source.subscribe(
        operate({
          destination: subscriber,
          next: (message: UDPMessageResult) => {
            let result: ReplyResult;
            let info: UDPMessageResult['remoteInfo'];
            try {
              // A value that is not a message has no sender to reply to: reported, before project.
              info = infoOf(message, 'send') as UDPMessageResult['remoteInfo'];
            } catch (error) {
              reportSafely(toUDPSocketError('send', error), message);
              return;
            }
            const allowance = guard === undefined ? Infinity : guard.allowance(message);
            try {
              result = project(message, index++);
            } catch (error) {
              reportSafely(replyFailed(error), message);
              return;
            }
            if (result === null || result === undefined) return;
            const { address, port } = info;
            if (!isObservable(result)) {
              if (guard === undefined || guard.spend(result, allowance) >= 0) answer(message, address, port, result);
              return;
            }
            let left = allowance;
            active++;
            let inner: Subscription | undefined;
            let finished = false;
            const finish = (): void => {
              finished = true;
              if (inner !== undefined) inners.remove(inner);
              done();
            };
            inner = result.subscribe({
              next: (payload) => {
                if (guard !== undefined) {
                  const rest = guard.spend(payload, left);
                  if (rest < 0) return;
                  left = rest;
                }
                answer(message, address, port, payload);
              },
              error: (error: unknown) => {
                reportSafely(replyFailed(error), message);
                finish();
              },
              complete: finish,
            });
            if (!finished) inners.add(inner);
          },
          error: (error: unknown) => run.fail(error),
          complete: done,
        }),
      );
      return () => {
        run.close();
        inners.unsubscribe();
      };
    });
}
