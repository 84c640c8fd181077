import type { UDPMessageResult, UDPSocket, UDPSocketOptions, UDPSocketType } from 'rxjs-udp';
import { text } from './bytes';
import { DEFAULT_EVENT_TIMEOUT, nextEvent } from './events';

/** Creates sockets, as `createUDPSocket` does. */
export type SocketFactory = (type?: UDPSocketType, options?: UDPSocketOptions) => UDPSocket;

/** Opens sockets through a factory and closes every one of them at the end of a test. */
export class SocketPool {
  private sockets: UDPSocket[] = [];

  constructor(private readonly factory: SocketFactory) {}

  /** Creates a socket that {@link closeAll} will close. */
  open(type?: UDPSocketType, options?: UDPSocketOptions): UDPSocket {
    const socket = this.factory(type, options);
    this.sockets.push(socket);
    return socket;
  }

  /** Closes every socket opened since the last call, silencing their listeners first. */
  closeAll(): void {
    const sockets = this.sockets;
    this.sockets = [];
    for (const socket of sockets) {
      socket.offError();
      socket.offMessage();
      socket.offListening();
      socket.offClose();
      socket.close();
      socket.offError();
    }
  }
}

let echoCounter = 0;

/**
 * Proves `socket` still works: binds it on `loopback` when it is unbound, has a fresh probe
 * socket send it a datagram, echoes it back from `socket` and expects the probe to receive it.
 * Resolves when the round trip completed; rejects (failing the test) after `timeout` ms.
 */
export async function expectEcho(
  pool: SocketPool,
  socket: UDPSocket,
  loopback: string,
  timeout = DEFAULT_EVENT_TIMEOUT,
): Promise<void> {
  if (socket.address() === undefined) {
    const listening = nextEvent(socket, 'listening', timeout);
    socket.bind(0, loopback);
    await listening;
  }
  const port = socket.address()!.port;
  const probe = pool.open(socket.type);
  probe.bind(0, loopback);
  const payload = `echo #${++echoCounter}`;
  const echo = ({ message, remoteInfo }: UDPMessageResult): void => {
    socket.send({ address: remoteInfo.address, port: remoteInfo.port, message });
  };
  socket.onMessage(echo);
  try {
    const reply = nextEvent(probe, 'message', timeout);
    probe.send({ address: loopback, port, message: payload });
    const { message, remoteInfo } = await reply;
    expect(text(message)).toBe(payload);
    expect(remoteInfo.port).toBe(port);
  } finally {
    socket.offMessage(echo);
    probe.close();
  }
}
