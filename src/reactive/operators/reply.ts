import { Observable, Subscription, isObservable, type OperatorFunction } from 'rxjs';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { rawOf, type SocketInput } from '../internal/rx-of';
import { UDPSocketError } from '../../errors';
import { SendRun, sendLimitsOf } from '../internal/send-run';
import { checkFunction, checkSocket, failing } from '../internal/validate';
import type { SendReceipt } from '../types';
import { infoOf } from './filter-by-peer';
import type { SendToOptions } from './send-to';
import { operate } from '../internal/operate';

/** What the project function of {@link reply} returns: a payload, an Observable of payloads, or nothing. */
export type ReplyResult = UDPMessage | Observable<UDPMessage> | null | undefined | void;

/**
 * Server side of request/response: for each incoming message, sends `project(message)` back to
 * the message's sender, and emits a {@link SendReceipt} per reply datagram.
 *
 * `project` returns a payload (one reply), an Observable of payloads (zero or more replies, sent
 * as they come), or `null` / `undefined` (no reply). Replies share the backpressure of
 * {@link sendTo} (`concurrency`, `bufferSize`). A failed reply send errors the stream with its
 * `UDPSocketError`, as does an exception thrown by `project`; an error of a returned Observable
 * errors the stream too. Completes when the source and every returned Observable completed
 * and all replies were sent.
 *
 * A socket or options of the wrong type, or a `project` that is not a function, make the operator
 * error with `ERR_INVALID_ARG_TYPE` when subscribed; `concurrency` / `bufferSize` are checked as by
 * `sendTo` (`ERR_OUT_OF_RANGE`).
 *
 * @param socket - the socket that received the messages (an {@link RxUDPSocket} or a plain socket).
 * @param project - maps a message (and its index) to the reply.
 * @param options - `concurrency` and `bufferSize`, as for `sendTo`.
 * @returns an operator from received messages to receipts of the replies.
 * @example
 * // an echo server
 * rx.message$.pipe(reply(rx, ({ message }) => message)).subscribe();
 */
export function reply(
  socket: SocketInput,
  project: (message: UDPMessageResult, index: number) => ReplyResult,
  options?: SendToOptions | null,
): OperatorFunction<UDPMessageResult, SendReceipt> {
  const error = checkSocket('send', socket) ?? checkFunction('send', 'project', project);
  if (error !== undefined) return failing(error);
  const limits = sendLimitsOf('send', options);
  if (limits instanceof UDPSocketError) return failing(limits);
  const { concurrency, bufferSize } = limits;
  const raw = rawOf(socket);
  return (source) =>
    new Observable<SendReceipt>((subscriber) => {
      const run = new SendRun(raw, undefined, concurrency, bufferSize, subscriber);
      const inners = new Subscription();
      let active = 1;
      let index = 0;
      const done = (): void => {
        if (--active === 0) run.end();
      };
      source.subscribe(
        operate({
          destination: subscriber,
          next: (message: UDPMessageResult) => {
            let result: ReplyResult;
            let info: UDPMessageResult['remoteInfo'];
            try {
              // A value that is not a message has no sender to reply to: a clear error, before project.
              info = infoOf(message, 'send') as UDPMessageResult['remoteInfo'];
              result = project(message, index++);
            } catch (error) {
              run.fail(error);
              return;
            }
            if (result === null || result === undefined) return;
            const { address, port } = info;
            if (!isObservable(result)) {
              run.push({ address, port, message: result });
              return;
            }
            active++;
            let inner: Subscription | undefined;
            let finished = false;
            inner = result.subscribe({
              next: (payload) => run.push({ address, port, message: payload }),
              error: (error: unknown) => run.fail(error),
              complete: () => {
                finished = true;
                if (inner !== undefined) inners.remove(inner);
                done();
              },
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
