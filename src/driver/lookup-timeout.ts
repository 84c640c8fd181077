import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { UDPLookupFunction } from './udp-driver';

/** How long a hostname lookup may take before it fails with `ETIMEDOUT`, ms. */
export const DEFAULT_LOOKUP_TIMEOUT = 5000;

/** The largest delay a timer takes (a 32-bit signed millisecond count, as `setTimeout`'s). */
export const MAX_LOOKUP_TIMEOUT = 0x7fffffff;

/** One lookup in flight: settled by the first of its answer and its timer. */
interface PendingLookup {
  readonly hostname: string;
  readonly family: 4 | 6;
  readonly timeout: number;
  readonly callback: (error: Error | null, address: string, family: number) => void;
  settled: boolean;
  timer: Subscription | undefined;
}

/** The error of a lookup that did not answer in time, shaped like a `dns.lookup` error. */
function lookupTimedOut(hostname: string, timeout: number): Error {
  return Object.assign(new Error(`getaddrinfo ETIMEDOUT ${hostname}: no answer within ${timeout} ms`), {
    code: 'ETIMEDOUT',
    syscall: 'getaddrinfo',
    hostname,
  });
}

function expire(this: SchedulerAction<PendingLookup>, pending: PendingLookup | undefined): void {
  const lookup = pending!;
  if (lookup.settled) return;
  lookup.settled = true;
  lookup.callback(lookupTimedOut(lookup.hostname, lookup.timeout), '', lookup.family);
}

/**
 * Bounds a lookup in time: when `lookup` has not answered `timeout` ms after the call, the
 * callback gets an `ETIMEDOUT` error and a later answer is dropped (so is a second answer).
 * A lookup that answers synchronously costs no timer, so a synchronous `bind()` stays synchronous.
 * The timer runs on `scheduler`: on the virtual network's TestScheduler it expires at an exact frame.
 *
 * @param lookup - the resolver to bound.
 * @param timeout - ms, a positive integer; `Infinity` returns `lookup` itself.
 * @param scheduler - where the timer runs (the driver's scheduler).
 * @returns a lookup with the same signature that always answers once.
 */
export function withLookupTimeout(lookup: UDPLookupFunction, timeout: number, scheduler: SchedulerLike): UDPLookupFunction {
  if (timeout === Infinity) return lookup;
  return (hostname, family, callback) => {
    const pending: PendingLookup = { hostname, family, timeout, callback, settled: false, timer: undefined };
    lookup(hostname, family, (error, address, resolvedFamily) => {
      if (pending.settled) return; // after the timeout, or a second answer
      pending.settled = true;
      pending.timer?.unsubscribe();
      callback(error, address, resolvedFamily);
    });
    if (!pending.settled) pending.timer = scheduler.schedule(expire, timeout, pending);
  };
}
