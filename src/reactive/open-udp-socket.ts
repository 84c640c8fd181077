import { Observable, Subscription, throwError, type SchedulerLike } from 'rxjs';
import { UDPSocketError, toUDPSocketError } from '../errors';
import { unreadableOption } from '../internal/validators';
import { createUDPSocket } from '../socket/create-udp-socket';
import type { UDPSocketLike, UDPSocketOptions, UDPSocketType } from '../socket/types';
import { fromUDPSocket } from './from-udp-socket';
import { socketScheduler } from './internal/capabilities';
import { checkFunction, checkScheduler, checkSocket, readOptions } from './internal/validate';
import type { RxUDPSocket } from './types';

/** Options of {@link openUDPSocket}: what to create and where to bind it. */
export interface OpenUDPSocketOptions extends UDPSocketOptions {
  /**
   * The socket type, for `createUDPSocket`.
   * @default 'udp4'
   */
  type?: UDPSocketType;
  /**
   * The port to bind; 0 lets the operating system choose.
   * @default 0
   */
  port?: number;
  /**
   * The local address to bind (sockets of `createUDPSocket` take it; WeChat's do not).
   * @default the any-address of the family
   */
  address?: string;
  /**
   * Creates the socket instead of `createUDPSocket(type, options)`: e.g. `() => net.createUDPSocket()`
   * for the virtual network, or `() => wx.createUDPSocket()` in a mini-program.
   * @default `createUDPSocket(type, options)`
   */
  create?: () => UDPSocketLike;
  /**
   * The scheduler of the operators' timers, as in `fromUDPSocket`.
   * @default the socket's scheduler, else `asyncScheduler`
   */
  scheduler?: SchedulerLike;
}

/** The fields `openUDPSocket` reads itself; the others are socket options. */
const OWN_FIELDS = ['type', 'port', 'address', 'create', 'scheduler'] as const;

/** What `openUDPSocket` read of its options: its own fields, and a copy of the socket options. */
type OpenSettings = { [K in (typeof OWN_FIELDS)[number]]: OpenUDPSocketOptions[K] } & { socketOptions: UDPSocketOptions };

/**
 * Reads the options of {@link openUDPSocket} once (later changes to `options` do not reach the
 * socket): its own fields, then a copy of the other own enumerable fields (the socket options, as
 * a rest copy would). Never throws: a field that cannot be read is an error naming it.
 */
function readOpenOptions(options: unknown): OpenSettings | UDPSocketError {
  const op = 'createUDPSocket';
  const own = readOptions(op, options, OWN_FIELDS);
  if (own instanceof UDPSocketError) return own;
  const socketOptions: Record<PropertyKey, unknown> = {};
  if (options !== null && options !== undefined) {
    const source = options as Record<PropertyKey, unknown>;
    let keys: PropertyKey[];
    try {
      keys = Reflect.ownKeys(source);
    } catch (thrown) {
      return unreadableOption(op, thrown, 'options');
    }
    for (const key of keys) {
      if ((OWN_FIELDS as ReadonlyArray<PropertyKey>).includes(key)) continue;
      try {
        if (Object.prototype.propertyIsEnumerable.call(source, key)) socketOptions[key] = source[key];
      } catch (thrown) {
        return unreadableOption(op, thrown, `options.${String(key)}`);
      }
    }
  }
  return { ...(own as OpenSettings), socketOptions: socketOptions as UDPSocketOptions };
}

/**
 * Opens a UDP socket as a **cold** resource: each subscription creates a socket, binds it, and
 * emits its {@link RxUDPSocket} once the socket is listening; unsubscribing closes the socket.
 * Made for `switchMap`, `using` and `retry` (each retry opens a fresh socket).
 *
 * The Observable errors with the first `UDPSocketError` the socket reports before it listens —
 * a failed bind (`EADDRINUSE`, `ERR_SOCKET_BAD_PORT`, `EADDRNOTAVAIL`, ...) or a bad option —
 * and closes the socket; a socket that is closed from the start (a driver that could not open
 * it) makes it error with the reason the socket reports. It completes when the socket is closed
 * by someone else (`rx.close()`), or when its `signal` (a socket option) is aborted.
 * `null` options are no options; options, `create` or `scheduler` of the wrong type, options that
 * cannot be read (a throwing getter, a revoked Proxy: the error names the field), or a `create`
 * that returns no socket, make it error with `ERR_INVALID_ARG_TYPE` when subscribed; it never throws.
 *
 * @param options - type, port, address, socket options, or a `create` factory.
 * @returns a cold Observable of one {@link RxUDPSocket}.
 * @example
 * openUDPSocket({ port: 0, address: '127.0.0.1' })
 *   .pipe(switchMap((rx) => rx.message$.pipe(reply(rx, ({ message }) => message))))
 *   .subscribe(); // an echo server, closed on unsubscribe
 */
export function openUDPSocket(options?: OpenUDPSocketOptions | null): Observable<RxUDPSocket> {
  const read = readOpenOptions(options);
  if (read instanceof UDPSocketError) return throwError(() => read);
  const { type, port, address, create, scheduler, socketOptions } = read;
  const error = checkFunction('createUDPSocket', 'create', create, true) ?? checkScheduler('createUDPSocket', scheduler);
  if (error !== undefined) return throwError(() => error);
  return new Observable<RxUDPSocket>((subscriber) => {
    let socket: UDPSocketLike;
    try {
      socket = create !== undefined ? create() : createUDPSocket(type, socketOptions);
    } catch (thrown) {
      subscriber.error(toUDPSocketError('createUDPSocket', thrown));
      return undefined;
    }
    const notSocket = checkSocket('createUDPSocket', socket);
    if (notSocket !== undefined) {
      subscriber.error(notSocket);
      return undefined;
    }
    const rx = fromUDPSocket(socket, scheduler === undefined ? {} : { scheduler });
    let listening = false;
    const subscriptions = new Subscription();
    subscriptions.add(
      rx.listening$.subscribe(() => {
        if (listening) return;
        listening = true;
        subscriber.next(rx);
      }),
    );
    subscriptions.add(
      rx.error$.subscribe((error) => {
        if (!listening) subscriber.error(error);
      }),
    );
    // A socket closed from the start (ours tell: a driver that could not open it, or a `create`
    // that hands over a closed socket) cannot listen; it reports why asynchronously (its creation
    // error, or bind's ERR_SOCKET_DGRAM_NOT_RUNNING), and that is the outcome, not a completion.
    const closedAtStart = rx.state === 'closed';
    if (!closedAtStart) subscriptions.add(rx.close$.subscribe(() => subscriber.complete()));
    // Without a port, bind() gets none: a WeChat socket then picks one, as its docs say.
    rx.bind(port, address);
    if (closedAtStart) {
      // After the reports queued so far on the socket's scheduler: complete if none came.
      subscriptions.add((socketScheduler(socket) ?? rx.scheduler).schedule(() => subscriber.complete()));
    }
    return () => {
      subscriptions.unsubscribe();
      if (rx.state !== 'closed') rx.close();
    };
  });
}
