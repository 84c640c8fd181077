import { TestScheduler } from 'rxjs/testing';
import { createUDPSocket, type UDPSocket, type UDPSocketType } from 'rxjs-udp';

/** The loopback address of a socket type. */
export const loopbackOf = (type: UDPSocketType): string => (type === 'udp6' ? '::1' : '127.0.0.1');

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
            if (typeof s.address === 'function' && typeof s.onClose === 'function' && typeof s.offError === 'function') {
              s.offError();
              s.offMessage!();
              // A socket of createUDPSocket: closing a closed one only reports an error, no close event.
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

/** A TestScheduler asserting with jest's `toEqual`. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The UTF-8 text of a received datagram. */
export const textOf = ({ message }: { message: ArrayBuffer }): string => Buffer.from(message).toString();

/**
 * A socket that records sends and confirms them only when told to: shows backpressure without
 * any clock. It has the seed's methods (no-ops) plus `sendWithCallback`.
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
