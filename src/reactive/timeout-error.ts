import { UDPSocketError } from '../errors';

/**
 * The error of {@link request} when no matching reply arrived after the last try.
 *
 * A `UDPSocketError` with code `ETIMEDOUT` (WeChat `errCode` -2); match on `code`, or with
 * `instanceof TimeoutError`. Not the `TimeoutError` of RxJS's `timeout` operator.
 *
 * @example
 * request$.pipe(catchError((error) => (error instanceof TimeoutError ? of(fallback) : throwError(() => error))));
 */
export class TimeoutError extends UDPSocketError {
  /** How many datagrams were sent: the first try plus the retransmissions. */
  readonly attempts: number;
  /** How long, in ms (frames on virtual time), the exchange waited in total. */
  readonly elapsed: number;

  /**
   * @param attempts - datagrams sent for the request.
   * @param elapsed - total wait in ms.
   * @param target - the peer asked, as `address:port`.
   */
  constructor(attempts: number, elapsed: number, target: string) {
    super('ETIMEDOUT', 'request', `no reply from ${target} after ${attempts} ${attempts === 1 ? 'try' : 'tries'} in ${elapsed} ms`);
    this.attempts = attempts;
    this.elapsed = elapsed;
  }
}
