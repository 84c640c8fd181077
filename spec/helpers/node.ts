import { createUDPSocket, type UDPSocket, type UDPSocketOptions, type UDPSocketType } from 'rxjs-udp';
import { nextEvent } from './events';
import { SocketPool } from './sockets';

/** Loopback addresses of real node:dgram tests. */
export const LOOPBACK = { udp4: '127.0.0.1', udp6: '::1' } as const;

/**
 * A pool of real node:dgram sockets closed after each test of the calling `describe`.
 * @returns accessors valid inside tests.
 */
export function useNodeSockets(): {
  pool: () => SocketPool;
  open: (type?: UDPSocketType, options?: UDPSocketOptions) => UDPSocket;
  bound: (type?: UDPSocketType, options?: UDPSocketOptions) => Promise<UDPSocket>;
} {
  let pool = new SocketPool(createUDPSocket);
  beforeEach(() => {
    pool = new SocketPool(createUDPSocket);
  });
  afterEach(async () => {
    pool.closeAll();
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  const open = (type?: UDPSocketType, options?: UDPSocketOptions): UDPSocket => pool.open(type, options);
  const bound = async (type: UDPSocketType = 'udp4', options?: UDPSocketOptions): Promise<UDPSocket> => {
    const socket = open(type, options);
    const listening = nextEvent(socket, 'listening');
    socket.bind(0, LOOPBACK[type]);
    await listening;
    return socket;
  };
  return { pool: () => pool, open, bound };
}
