import { VirtualTimeScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { ipFamily } from '../internal/ip';
import { reportUnhandledError } from '../internal/report-unhandled-error';
import type { UDPLookupFunction } from './udp-driver';

/** How long a hostname lookup may take before it fails with `ETIMEDOUT`, ms. */
export const DEFAULT_LOOKUP_TIMEOUT = 5000;

/** The largest delay a timer takes (a 32-bit signed millisecond count, as `setTimeout`'s). */
export const MAX_LOOKUP_TIMEOUT = 0x7fffffff;

type LookupCallback = (error: Error | null, address: string, family: number) => void;

/** One lookup in flight: settled by the first of its answer, its timer and the guard's close. */
interface PendingLookup {
  readonly guard: LookupGuard;
  readonly hostname: string;
  readonly family: 4 | 6;
  readonly callback: LookupCallback;
  settled: boolean;
  timer: LookupTimer | undefined;
}

/** The error of a lookup that did not answer in time, shaped like a `dns.lookup` error. */
function lookupTimedOut(hostname: string, timeout: number): Error {
  return Object.assign(new Error(`getaddrinfo ETIMEDOUT ${hostname}: no answer within ${timeout} ms`), {
    code: 'ETIMEDOUT',
    syscall: 'getaddrinfo',
    hostname,
  });
}

/** The error of a lookup that answered something other than an IP address (node would abort on it). */
function badAnswer(hostname: string, address: unknown): Error {
  const shown = typeof address === 'string' ? JSON.stringify(address) : Array.isArray(address) ? 'an array' : String(address);
  return Object.assign(new Error(`lookup of ${hostname} answered ${shown}, not an IP address string`), {
    code: 'EINVAL',
    syscall: 'getaddrinfo',
    hostname,
  });
}

/** What a lookup threw, as the error of its hostname. */
function lookupThrew(hostname: string, thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return Object.assign(new Error(`lookup of ${hostname} threw ${String(thrown)}`), { syscall: 'getaddrinfo', hostname });
}

/** A lookup's timer: cancellable, and on the real clock a platform timer that can be unref'd. */
interface LookupTimer {
  unsubscribe(): void;
  /** What `setTimeout` returned (Node's `Timeout`, with `ref`/`unref`); `undefined` on a scheduler. */
  readonly handle: unknown;
}

function expireNow(pending: PendingLookup): void {
  pending.guard.settle(pending, lookupTimedOut(pending.hostname, pending.guard.timeout), '');
}

/**
 * Starts the timer of `pending`. On the real clock (any scheduler but a virtual-time one) it is a
 * platform `setTimeout`, whose handle can be unref'd with the socket; on virtual time (the
 * virtual network's TestScheduler) an action of that scheduler, exact to the frame, with nothing
 * to unref.
 */
function startTimer(scheduler: SchedulerLike, pending: PendingLookup, timeout: number): LookupTimer {
  if (!(scheduler instanceof VirtualTimeScheduler)) {
    const handle = setTimeout(() => expireNow(pending), timeout);
    return { handle, unsubscribe: () => clearTimeout(handle) };
  }
  const action = scheduler.schedule(expire, timeout, pending);
  return { handle: undefined, unsubscribe: () => action.unsubscribe() };
}

/** Refs or unrefs the platform timer of `timer`, where there is one that can be. */
function setTimerRef(timer: LookupTimer | undefined, ref: boolean): void {
  const handle = timer?.handle as { ref?: () => void; unref?: () => void } | null | undefined;
  if (handle === null || typeof handle !== 'object') return;
  if (ref) handle.ref?.();
  else handle.unref?.();
}

function expire(this: SchedulerAction<PendingLookup>, pending: PendingLookup | undefined): void {
  expireNow(pending!);
}

/**
 * The one door through which a handle asks a resolver (the user's `lookup` or its own) for an
 * address. Whatever the resolver does, the handle's callback runs at most once, with either an
 * error or an IP address string (node:dgram aborts the process on anything else):
 *
 * - an answer that is not an IP literal (`undefined`, a number, the `{ all: true }` array) is an
 *   `EINVAL` error;
 * - a resolver that throws before answering fails the lookup with what it threw; one that throws
 *   after answering has its exception re-thrown asynchronously (the answer stands);
 * - a second answer, or one after the timeout or after {@link close}, is dropped;
 * - without an answer `timeout` ms after the call, the callback gets `ETIMEDOUT` (`Infinity`: no
 *   timer). A synchronous answer costs no timer, so a synchronous `bind()` stays synchronous. The
 *   timer runs on `scheduler` (an exact frame on the virtual network's TestScheduler) and follows
 *   the handle: {@link close} cancels it, {@link unref} lets the process exit while it runs.
 *
 * One guard per handle; {@link lookup} is what the handle hands to its resolution path.
 */
export class LookupGuard {
  /** The guarded lookup, with the resolver's signature. */
  readonly lookup: UDPLookupFunction;
  private readonly pending = new Set<PendingLookup>();
  private closed = false;
  private refed = true;

  /**
   * @param resolver - the lookup to guard.
   * @param timeout - ms, a positive integer, or `Infinity` for no timer.
   * @param scheduler - where the timer runs (the driver's scheduler).
   */
  constructor(
    private readonly resolver: UDPLookupFunction,
    readonly timeout: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.lookup = (hostname, family, callback) => this.resolve(hostname, family, callback);
  }

  private resolve(hostname: string, family: 4 | 6, callback: LookupCallback): void {
    if (this.closed) return;
    const pending: PendingLookup = { guard: this, hostname, family, callback, settled: false, timer: undefined };
    try {
      this.resolver(hostname, family, (error, address) => this.settle(pending, error, address));
    } catch (thrown) {
      // Thrown into node:dgram it would leave its bind or connect half done ("already bound").
      if (pending.settled) reportUnhandledError(thrown);
      else this.settle(pending, lookupThrew(hostname, thrown), '');
    }
    if (pending.settled) return;
    this.pending.add(pending);
    if (this.timeout === Infinity) return;
    pending.timer = startTimer(this.scheduler, pending, this.timeout);
    if (!this.refed) setTimerRef(pending.timer, false);
  }

  /** Settles a lookup once: with `error`, or with `address` when it is an IP literal. */
  settle(pending: PendingLookup, error: Error | null | undefined, address: unknown): void {
    if (pending.settled) return; // after the timeout, a second answer, or after close
    pending.settled = true;
    this.pending.delete(pending);
    pending.timer?.unsubscribe();
    if (error !== null && error !== undefined) {
      pending.callback(error, '', pending.family);
      return;
    }
    const answered = ipFamily(address);
    if (answered === 0) pending.callback(badAnswer(pending.hostname, address), '', pending.family);
    else pending.callback(null, address as string, answered);
  }

  /** Lets the process exit while a lookup timer runs (the handle was unref'd). */
  unref(): void {
    this.refed = false;
    for (const pending of this.pending) setTimerRef(pending.timer, false);
  }

  /** Keeps the process alive while a lookup timer runs again. */
  ref(): void {
    this.refed = true;
    for (const pending of this.pending) setTimerRef(pending.timer, true);
  }

  /** Drops every lookup in flight and cancels its timer: their callbacks never run. Idempotent. */
  close(): void {
    this.closed = true;
    for (const pending of this.pending) {
      pending.settled = true;
      pending.timer?.unsubscribe();
    }
    this.pending.clear();
  }
}
