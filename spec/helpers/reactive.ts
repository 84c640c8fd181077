import type { Observable } from 'rxjs';
import { UDPSocketError, createUDPSocket, type UDPSocket, type UDPSocketType } from 'rxjs-udp';
import { text } from './bytes';
import { LOOPBACK } from './node';

/** A TestScheduler asserting with jest's `toEqual` (the one of ./marbles). */
export { createTestScheduler as marbles } from './marbles';

/** The loopback address of a socket type. */
export const loopbackOf = (type: UDPSocketType): string => LOOPBACK[type];

/** Real sockets for the tests of the calling `describe` (or file), all closed after each test. */
export function useLoopbackSockets(): LoopbackSockets {
  const sockets = new LoopbackSockets();
  afterEach(() => sockets.closeAll());
  return sockets;
}

/** Creates real sockets and closes all of them after each test. */
export class LoopbackSockets {
  private sockets: Array<{ close(): void }> = [];

  /** A socket bound to the loopback of `type` on an OS-chosen port. */
  bound(type: UDPSocketType = 'udp4'): { socket: UDPSocket; port: number; address: string } {
    const socket = this.track(createUDPSocket(type));
    const address = loopbackOf(type);
    const port = socket.bind(0, address);
    return { socket, port, address };
  }

  /** An unbound socket. */
  unbound(type: UDPSocketType = 'udp4'): UDPSocket {
    return this.track(createUDPSocket(type));
  }

  track<S extends { close(): void }>(socket: S): S {
    this.sockets.push(socket);
    return socket;
  }

  /** Closes every tracked socket that is still open, waiting for their close events. */
  async closeAll(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = [];
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            const s = socket as Partial<UDPSocket> & { close(): void };
            if (s.closed === true) {
              resolve(); // closed already: close() is silent, no event would come
            } else if (typeof s.address === 'function' && typeof s.onClose === 'function' && typeof s.offError === 'function') {
              s.offError();
              s.offMessage!();
              s.onError!(() => resolve());
              s.onClose(() => resolve());
              s.close();
            } else {
              try {
                socket.close();
              } catch {
                // already closed
              }
              setImmediate(resolve);
            }
          }),
      ),
    );
  }
}

/**
 * Builds and subscribes an operator's Observable (then unsubscribes); returns its error as
 * `format` writes it (default: the code), else what happened instead: `next`, `, complete`,
 * `raw <error>` for an error that is no UDPSocketError, `threw <error>` for a synchronous throw.
 */
export function outcomeOf(build: () => Observable<unknown>, format: (error: UDPSocketError) => string = (e) => e.code): string {
  let result = 'nothing';
  try {
    build()
      .subscribe({
        next: () => (result = 'next'),
        error: (e: unknown) => (result = e instanceof UDPSocketError ? format(e) : `raw ${String(e)}`),
        complete: () => (result = `${result}, complete`),
      })
      .unsubscribe();
  } catch (thrown) {
    result = `threw ${String(thrown)}`;
  }
  return result;
}

/** The UTF-8 text of a received datagram. */
export const textOf = ({ message }: { message: ArrayBuffer }): string => text(message);

/**
 * A socket that records sends and confirms them only when told to: shows backpressure without
 * any clock. It has the WeChat `UDPSocket` methods (no-ops) plus `sendWithCallback`.
 */
export class ManualConfirmSocket {
  readonly sent: string[] = [];
  private readonly callbacks: Array<(error: import('rxjs-udp').UDPSocketError | null) => void> = [];

  /** Datagrams handed over and not yet confirmed. */
  get inFlight(): number {
    return this.callbacks.length;
  }

  /** Confirms the oldest pending datagram, with `error` or success. */
  confirm(error: import('rxjs-udp').UDPSocketError | null = null): void {
    this.callbacks.shift()!(error);
  }

  /** Confirms the pending datagram at `index` (0: the oldest), out of send order. */
  confirmAt(index: number, error: import('rxjs-udp').UDPSocketError | null = null): void {
    this.callbacks.splice(index, 1)[0]!(error);
  }

  sendWithCallback(option: { message: unknown }, callback: (error: import('rxjs-udp').UDPSocketError | null) => void): void {
    this.sent.push(String(option.message));
    this.callbacks.push(callback);
  }

  bind(): number {
    return 1;
  }
  setTTL(): void {}
  send(): void {}
  connect(): void {}
  write(): void {}
  close(): void {}
  onClose(): void {}
  offClose(): void {}
  onError(): void {}
  offError(): void {}
  onListening(): void {}
  offListening(): void {}
  onMessage(): void {}
  offMessage(): void {}
}
