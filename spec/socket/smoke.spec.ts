import { createUDPSocket } from 'rxjs-udp';

describe('createUDPSocket', () => {
  it('bind returns the OS-chosen port synchronously', () => {
    const udp = createUDPSocket();
    const port = udp.bind(0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(udp.address()?.port).toBe(port);
    udp.close();
  });
});
