import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { UDPMessage, UDPMessageResult } from '../../socket/types';
import { UDPSocketError } from '../../errors';
import { RequestRun, runContext, type RequestSettings } from '../internal/request-run';
import { rxOf, schedulerOf, type SocketInput } from '../internal/rx-of';
import { MAX_DELAY, checkFunction, checkNumber, checkScheduler, checkSocket, checkTarget, readTarget, failing, optionsOf, type NumberRange } from '../internal/validate';
import { isRxUDPSocket } from '../internal/brand';
import { unreadableOption } from '../../internal/validators';
import type { UDPTarget } from '../types';
import { ipFamily, peerAddress } from '../../internal/ip';

/** Options of {@link request}. */
export interface RequestOptions<T> {
  /**
   * How long to wait for a reply after each send, in ms (frames on virtual time): a number in
   * 0–2147483647 (the longest delay `setTimeout` honours).
   */
  timeout: number;
  /**
   * Tells the reply to `request` apart from replies to other questions: give one that compares an
   * id carried in both (DNS, CoAP and SNMP messages carry one for this reason). Only replies from
   * the target (its address and port) are offered to it; for a broadcast or multicast target,
   * replies from anyone; for a hostname target, replies from any address on its port (the socket
   * resolves the name when it sends). Without `match` a reply is recognised by its peer alone, so
   * requests to one peer go one at a time across the socket, alone with every request its replies
   * could answer; `retries` must be 0, and a broadcast, multicast or hostname target is refused
   * (each would let a reply be taken for another question's).
   * @default none: the peer alone identifies the reply
   */
  match?: (reply: UDPMessageResult, request: T) => boolean;
  /**
   * Retransmissions after the first send: with no reply the request errors after about
   * `(retries + 1) × timeout` (with the default `backoff`). An integer >= 0, or `Infinity` to retry
   * until a reply comes or the subscriber unsubscribes (then `timeout` must be > 0 and `backoff` >= 1).
   * Needs `match`: a late reply to the first send would otherwise be taken as the reply to the next
   * question.
   * @default 0
   */
  retries?: number;
  /**
   * Each wait is this factor times the previous one (2: exponential backoff, as CoAP does); a
   * finite number > 0. A wait never grows beyond 2147483647 ms.
   * @default 1
   */
  backoff?: number;
  /**
   * How many requests of this operator may be pending at once; more wait their turn. An integer
   * >= 1, or `Infinity` (a burst larger than the peer's receive buffer is lost, and so are its
   * retransmissions).
   * @default 64
   */
  concurrency?: number;
  /**
   * After an exchange with a peer ends, how long a request without `match` to that peer waits
   * before it is sent, in ms: a late or duplicated reply to the exchange that ended arrives
   * meanwhile and is dropped, not taken as the next answer (as TCP's TIME-WAIT keeps old segments
   * out of a new connection). A number in 0–2147483647. By default `timeout` after the last wait of
   * an exchange not answered at its only send (unanswered, cancelled, or sent more than once: a
   * reply to one of its sends may still be on the way) and 0 after one answered at its only send;
   * a value given applies after both, and after the exchanges of every other request with that
   * peer — set it on a network that duplicates datagrams (the first request given `settle` on a
   * socket may wait it in full once: ends are timed only from then on). A reply slower than `timeout + settle`,
   * or a duplicate later than `settle`, is beyond what the peer alone can tell: give `match`
   * instead. Requests with `match` are never held back by it.
   * @default `timeout` after an exchange not answered at its only send, 0 after one that was
   */
  settle?: number;
  /**
   * The scheduler of the timeouts.
   * @default the socket's scheduler (virtual time on the virtual network), else `asyncScheduler`
   */
  scheduler?: SchedulerLike;
}

/** The default bound on the pending requests of one `request` operator. */
export const DEFAULT_REQUEST_CONCURRENCY = 64;

// The ranges of the numeric options, made once: an operator made per question checks them each time.
const TIMEOUT_RANGE: NumberRange = { min: 0, max: MAX_DELAY };
const RETRIES_RANGE: NumberRange = { min: 0, integer: true, infinity: true };
const BACKOFF_RANGE: NumberRange = { min: 0, above: true };
const CONCURRENCY_RANGE: NumberRange = { min: 1, integer: true, infinity: true };

/**
 * Whether a checked argument is the error to report. The checks return a plain copy or a
 * `UDPSocketError` made here, so the native `instanceof Error` decides it: `instanceof
 * UDPSocketError` runs the class's cross-copy brand check, a function call and a property read,
 * and an operator made per question makes several.
 */
function failed<V>(checked: V | UDPSocketError): checked is UDPSocketError {
  return checked instanceof Error;
}

/** Whether the IP literal `address` of `family` is a multicast group: 224.0.0.0/4 or ff00::/8. */
function isMulticast(address: string, family: 4 | 6): boolean {
  if (family === 6) return (address.charCodeAt(0) | 0x20) === 0x66 && (address.charCodeAt(1) | 0x20) === 0x66;
  // The first octet: up to three digits before the first dot.
  let octet = 0;
  for (let i = 0; i < 3; i++) {
    const c = address.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    octet = octet * 10 + (c - 0x30);
  }
  return octet >= 224 && octet <= 239;
}

/** The fields of `request`'s arguments, each read once. */
interface Arguments {
  readonly socket: unknown;
  readonly address: unknown;
  readonly port: unknown;
  readonly setBroadcast: unknown;
  readonly timeout: unknown;
  readonly retries: unknown;
  readonly backoff: unknown;
  readonly concurrency: unknown;
  readonly settle: unknown;
  readonly match: unknown;
  readonly scheduler: unknown;
}

/**
 * The last arguments that passed the checks, and their settings: an operator made per question
 * (`of(q).pipe(request(rx, { address, port }, { timeout }))`) passes the same values each time, in
 * new objects, and its checks were a quarter of a one-shot request's CPU. One entry per wrapper
 * (held as long as the wrapper is); a hit needs every field equal (`===`), so the settings are
 * exactly what the checks would return.
 */
const remembered = new WeakMap<object, { readonly args: Arguments; readonly target: UDPTarget; readonly settings: RequestSettings<never> }>();

/**
 * Checks the arguments of {@link request} once, at creation. Never throws: an argument whose
 * fields cannot be read (a throwing getter, a revoked Proxy) is reported like a wrong one.
 * @returns the settings, or the `UDPSocketError` the operator errors with when subscribed.
 */
function settingsOf<T>(socket: unknown, target: unknown, options: unknown): RequestSettings<T> | UDPSocketError {
  const op = 'request';
  try {
    return readSettings<T>(socket, target, options);
  } catch (thrown) {
    return unreadableOption(op, thrown);
  }
}

function readSettings<T>(socket: unknown, target: unknown, options: unknown): RequestSettings<T> | UDPSocketError {
  const op = 'request';
  const socketError = checkSocket(op, socket, true);
  if (socketError !== undefined) return socketError;
  if (target === null || typeof target !== 'object') return readTarget(op, target) as UDPSocketError;
  // Each field read once, in this order (a getter that throws is reported by settingsOf).
  const { address, port, setBroadcast } = target as { address?: unknown; port?: unknown; setBroadcast?: unknown };
  const last = remembered.get(socket as object);
  // The target is checked before the options are read, so a bad target is the error reported; one
  // equal to the remembered target passed these checks already.
  let checked: UDPTarget | UDPSocketError;
  if (last !== undefined && last.args.address === address && last.args.port === port && last.args.setBroadcast === setBroadcast) {
    checked = last.target;
  } else {
    checked = checkTarget(op, address, port, setBroadcast);
    if (failed(checked)) return checked;
  }
  const opts = optionsOf<Record<keyof RequestOptions<T>, unknown>>(op, options);
  // Not `failed`: the options are the caller's object, which may be an Error of theirs.
  if (opts instanceof UDPSocketError) return opts;
  const { timeout, retries, backoff, concurrency, match, scheduler, settle } = opts;
  // A hit allocates nothing. `last` is this socket's, and `checked` is its target only when the
  // target's fields equal the remembered ones.
  if (last !== undefined && checked === last.target) {
    const was = last.args;
    if (
      was.timeout === timeout &&
      was.retries === retries &&
      was.backoff === backoff &&
      was.concurrency === concurrency &&
      was.settle === settle &&
      was.match === match &&
      was.scheduler === scheduler
    ) {
      return last.settings as RequestSettings<T>;
    }
  }
  const args: Arguments = { socket, address, port, setBroadcast, timeout, retries, backoff, concurrency, settle, match, scheduler };
  const settings = checkSettings<T>(args, checked);
  if (!failed(settings) && isRxUDPSocket(socket)) remembered.set(socket, { args, target: checked, settings: settings as RequestSettings<never> });
  return settings;
}

/** Checks the options of `args`, whose target is `checked` already. */
function checkSettings<T>(args: Arguments, checked: UDPTarget): RequestSettings<T> | UDPSocketError {
  const op = 'request';
  const socket = args.socket;
  const timeout = args.timeout as number;
  const retries = (args.retries ?? 0) as number;
  const backoff = (args.backoff ?? 1) as number;
  const concurrency = (args.concurrency ?? DEFAULT_REQUEST_CONCURRENCY) as number;
  const match = args.match as RequestOptions<T>['match'];
  const settle = (args.settle ?? timeout) as number;
  const settleAnswered = (args.settle ?? 0) as number;
  const scheduler = args.scheduler as SchedulerLike | undefined;
  const error =
    checkNumber(op, 'timeout', timeout, TIMEOUT_RANGE) ??
    checkNumber(op, 'retries', retries, RETRIES_RANGE) ??
    checkNumber(op, 'backoff', backoff, BACKOFF_RANGE) ??
    checkNumber(op, 'concurrency', concurrency, CONCURRENCY_RANGE) ??
    checkNumber(op, 'settle', settle, TIMEOUT_RANGE) ??
    checkFunction(op, 'match', match, true) ??
    checkScheduler(op, scheduler);
  if (error !== undefined) return error;
  // Retrying forever with no wait (or a shrinking one) would retransmit in a tight loop.
  if (retries === Infinity && (timeout === 0 || backoff < 1)) {
    return new UDPSocketError('ERR_OUT_OF_RANGE', op, `retries Infinity needs a timeout > 0 and a backoff >= 1, got timeout ${timeout} and backoff ${backoff}`);
  }
  const { address, port, setBroadcast } = checked;
  const family = ipFamily(address);
  // One form per address (a reply's source is compared in it), so two spellings are one peer.
  const replyAddress = family === 0 ? undefined : peerAddress(address)!;
  const key = replyAddress ?? address.toLowerCase();
  const peer = key.includes(':') ? `[${key}]:${port}` : `${key}:${port}`;
  const anySource = setBroadcast === true || (family !== 0 && isMulticast(address, family));
  if (match === undefined && family === 0) {
    return new UDPSocketError(
      'ERR_INVALID_ARG_VALUE',
      op,
      `a request to ${address}:${port}, a hostname, needs match: the socket resolves ${address} when it sends, and a reply carries only the address it came from, so without match a datagram from any host on port ${port} would be taken as the answer; give match (compare an id carried in the request and its reply), or the target's IP address`,
    );
  }
  if (match === undefined && retries !== 0) {
    return new UDPSocketError(
      'ERR_INVALID_ARG_VALUE',
      op,
      `retries ${retries} needs match: without it a late reply to the first send to ${peer} would be taken as the reply to the next question; give match (compare an id carried in the request and its reply), or retries 0`,
    );
  }
  if (match === undefined && anySource) {
    return new UDPSocketError(
      'ERR_INVALID_ARG_VALUE',
      op,
      `a ${setBroadcast === true ? 'broadcast' : 'multicast'} request to ${peer} needs match: several peers answer it, and without match their replies would be taken as the replies to the next questions`,
    );
  }
  return {
    // The socket's hub and capabilities, found once here: an operator made per question subscribes
    // once. So `sendWithCallback` is probed when the operator is made, and remembered with these
    // settings: a foreign socket that gains or loses it later is still seen as it was then.
    ...runContext(rxOf(socket as SocketInput), schedulerOf(socket as SocketInput, scheduler)),
    target: { address, port, setBroadcast: setBroadcast === true },
    peer,
    replyAddress,
    anySource,
    timeout,
    retries,
    backoff,
    concurrency,
    settle,
    settleAnswered,
    match,
  };
}

/**
 * UDP request/response: for each value, sends it to `target` and emits the reply to it.
 *
 * **Correlation never guesses.** Every `request` on a socket shares one reply listener, which
 * hands each reply to at most one pending request, across operators — also to single-shot
 * requests (`mergeMap((q) => of(q).pipe(request(...)))`), which is how a caller keeps each answer
 * with its question — whichever wrapper of the socket each was given. Only replies from `target`
 * count (its address however written; any source for a broadcast or multicast target, any
 * address on its port for a hostname). With `match`, the reply is the first one from the target
 * that `match` accepts: many requests may be in flight (`concurrency`), retransmission is allowed,
 * duplicates are dropped. Without `match` the peer alone identifies the reply, so the library
 * makes that exact: requests to one peer go one at a time across the socket, alone with every
 * request the peer's replies could answer; one after an exchange not answered at its only send
 * waits until that exchange's last wait and `settle` ms are over (default `timeout`: a late reply
 * arriving meanwhile is dropped); and `retries` > 0 or a broadcast, multicast or hostname target
 * is refused when subscribed (the error names `match`). A reply nobody waits for is dropped.
 *
 * With no reply after `timeout` ms the datagram is sent again, `retries` times; after the last
 * wait the request errors with a {@link RequestTimeoutError} (code `ETIMEDOUT`) — about
 * `(retries + 1) × timeout` after the request with the default backoff (later when its
 * retransmissions were spread among others due at the same time). When several requests fall due together,
 * their retransmissions are spread over half a wait instead of leaving as one burst. Replies are
 * emitted as they arrive; the operator completes once the source completed and every request
 * was answered. Unsubscribing cancels every pending exchange; with the last request on the
 * socket, the shared listener and timer go too (on a real-time scheduler the timeouts of every
 * `request` on the socket share one timer, armed at the earliest deadline), so nothing keeps the process alive.
 *
 * Errors: `ETIMEDOUT` ({@link RequestTimeoutError}); `ECONNREFUSED` at once when the socket
 * reports that its (connected) peer is gone; the `UDPSocketError` of a failed send (on a socket
 * with `sendWithCallback`; a WeChat / Taro socket reports send failures on `error$` only, so
 * there the request times out); `ERR_SOCKET_DGRAM_NOT_RUNNING` when the socket is or gets
 * closed while a request waits; whatever `match` throws. A bad argument errors the operator when
 * subscribed (nothing is sent): `ERR_INVALID_ARG_TYPE` (a socket, target, option or `match` of
 * the wrong type, or one whose fields cannot be read), `ERR_INVALID_ADDRESS` /
 * `ERR_SOCKET_BAD_PORT` (the target), `ERR_OUT_OF_RANGE` (a `timeout`, `retries`, `backoff`,
 * `concurrency` or `settle` out of range, NaN included), `ERR_INVALID_ARG_VALUE` (`retries` or a
 * broadcast, multicast or hostname target without `match`).
 *
 * @param socket - an {@link RxUDPSocket} or a plain socket; timeouts run on its scheduler.
 * @param target - the peer to ask.
 * @param options - `timeout` (required), `match`, `retries`, `backoff`, `concurrency`, `settle`, `scheduler`.
 * @returns an operator from request payloads to reply messages.
 * @example
 * // Each question carries an id; its reply echoes it.
 * const ask = (id: number) => JSON.stringify({ id, q: 'time?' });
 * const idOf = (m: UDPMessageResult) => (JSON.parse(new TextDecoder().decode(m.message)) as { id: number }).id;
 * from([1, 2, 3]).pipe(
 *   map(ask),
 *   request(rx, { address: '127.0.0.1', port: 3000 }, {
 *     timeout: 500,
 *     retries: 2,
 *     match: (reply, question) => idOf(reply) === (JSON.parse(question) as { id: number }).id,
 *   }),
 *   decode(json<{ id: number; time: string }>()),
 * ).subscribe({ next: console.log, error: (e) => console.error(e.code) });
 */
export function request<T extends UDPMessage>(
  socket: SocketInput,
  target: UDPTarget,
  options: RequestOptions<T>,
): OperatorFunction<T, UDPMessageResult> {
  const settings = settingsOf<T>(socket, target, options);
  if (failed(settings)) return failing(settings);
  return (source) =>
    new Observable<UDPMessageResult>((subscriber) => {
      const run = new RequestRun<T>(settings, subscriber);
      // The socket's reply listener is attached by its hub before the first datagram leaves.
      run.listen(source);
      // The run is its own teardown (`unsubscribe`): no closure per subscription.
      return run;
    });
}
