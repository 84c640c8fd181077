import { createUDPSocket, type UDPErrorResult, type UDPSocketOptions } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { asyncScheduler } from 'rxjs';
import { delay, record } from '../helpers/events';

/** Options objects no code could read without an exception. */
function hostileOptions(): Array<[string, unknown]> {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const boom = (): never => {
    throw new Error('trap');
  };
  return [
    ['a getter that throws', { get reuseAddr(): boolean { throw new Error('getter'); } }],
    ['a throwing driver getter', { get driver(): never { throw new Error('driver getter'); } }],
    ['a revoked Proxy', revoked.proxy],
    ['a Proxy whose get, has and ownKeys traps throw', new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom })],
  ];
}

describe('createUDPSocket never throws for an options value', () => {
  it.each(hostileOptions())('options with %s: no throw, one ERR_INVALID_ARG_TYPE on onError, and the socket starts closed', async (_name, options) => {
    let socket!: ReturnType<typeof createUDPSocket>;
    expect(() => {
      socket = createUDPSocket('udp4', options as UDPSocketOptions);
    }).not.toThrow();
    const errors = record(socket, 'error');
    await errors.waitFor(1);
    await delay(20);
    expect(errors.values.map((e: UDPErrorResult) => [e.code, e.errMsg.startsWith('createUDPSocket:fail ')])).toEqual([['ERR_INVALID_ARG_TYPE', true]]);
    expect(socket.closed).toBe(true);
    expect(socket.bind(0, '127.0.0.1')).toBe(0);
  });

  it('a driver whose scheduler getter throws is an unusable driver: reported once, the socket starts closed', async () => {
    const net = createVirtualNetwork({ scheduler: asyncScheduler });
    const driver = { open: net.driver.open.bind(net.driver), get scheduler(): never { throw new Error('scheduler getter'); } };
    const socket = createUDPSocket('udp4', { driver } as unknown as UDPSocketOptions);
    const errors = record(socket, 'error');
    await errors.waitFor(1);
    await delay(20);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE']);
    expect(socket.closed).toBe(true);
  });
});
