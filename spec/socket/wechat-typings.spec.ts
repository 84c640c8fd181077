/// <reference types="miniprogram-api-typings" />
import { createUDPSocket, type UDPSocket } from 'rxjs-udp';

// Compile-time checks: `npm test` runs `tsc --noEmit` over spec/, so a signature that drifts
// from the WeChat typings breaks the build before any test runs.

/** Code written against the official WeChat typings takes our socket as it is. */
function portedMiniProgramCode(udp: WechatMiniprogram.UDPSocket): number {
  udp.onMessage((res) => {
    const size: number = res.remoteInfo.size;
    const bytes: ArrayBuffer = res.message;
    udp.send({ address: res.remoteInfo.address, port: res.remoteInfo.port, message: bytes, offset: 0, length: size });
  });
  udp.onListening((res) => void res.errMsg);
  udp.onError((res) => void res.errMsg);
  udp.onClose((res) => void res.errMsg);
  udp.setTTL(64);
  return udp.bind();
}

describe('typings', () => {
  it('a socket of createUDPSocket is a WechatMiniprogram.UDPSocket and answers bind with the port', () => {
    const socket: UDPSocket = createUDPSocket();
    try {
      const port = portedMiniProgramCode(socket);
      expect(port).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });

  it('rejects a send option without a port at compile time', () => {
    const socket = createUDPSocket();
    const errors: string[] = [];
    socket.onError(({ code }) => errors.push(code));
    // @ts-expect-error port is required, as in WeChat
    socket.send({ address: '127.0.0.1', message: 'x' });
    socket.close();
    return new Promise<void>((resolve) =>
      socket.onClose(() => {
        expect(errors).toEqual(['ERR_SOCKET_BAD_PORT']);
        resolve();
      }),
    );
  });
});
