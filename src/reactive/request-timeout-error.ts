import { UDPSocketError } from '../errors';

/**
 * The error of {@link request} when no matching reply arrived after the last try.
 *
 * A `UDPSocketError` with code `ETIMEDOUT` (WeChat `errCode` -2) and `name`
 * `'RequestTimeoutError'`; match on `code`, or with `instanceof RequestTimeoutError`. Named apart
 * from RxJS's own `TimeoutError` (of its `timeout` operator), so both can be imported side by side.
 *
 * @example
 * request$.pipe(catchError((error) => (error instanceof RequestTimeoutError ? of(fallback) : throwError(() => error))));
 */
export class RequestTimeoutError extends UDPSocketError {
  override readonly name: string = 'RequestTimeoutError';
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
