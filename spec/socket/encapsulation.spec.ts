import { asyncScheduler } from 'rxjs';
import { createVirtualNetwork } from 'rxjs-udp/testing';

describe('a socket shows nothing internal', () => {
  it('its own properties are type and scheduler only: no listener list, state or handle reachable by name', () => {
    const net = createVirtualNetwork({ scheduler: asyncScheduler });
    const socket = net.createUDPSocket();
    socket.onMessage(() => undefined);
    socket.bind(0, '127.0.0.1');
    expect(Object.keys(socket).sort()).toEqual(['scheduler', 'type']);
    const names = new Set<string>();
    for (let o: object | null = socket; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const name of Object.getOwnPropertyNames(o)) names.add(name);
    }
    for (const internal of ['messageListeners', 'errorListeners', 'closeListeners', 'listeningListeners', 'state', 'handle', 'core']) {
      expect(names.has(internal)).toBe(false);
    }
    socket.close();
  });
});

describe('methods are called on their socket', () => {
  it('a method taken off its socket throws a TypeError when called; through the socket or bound, it works', () => {
    const net = createVirtualNetwork({ scheduler: asyncScheduler });
    const socket = net.createUDPSocket();
    // Shared on the prototype, not bound per socket: a socket costs no closure per method.
    expect(Object.prototype.hasOwnProperty.call(socket, 'close')).toBe(false);
    const { close } = socket;
    expect(() => close()).toThrow(TypeError);
    expect(socket.closed).toBe(false);
    const bound = socket.close.bind(socket);
    bound();
    expect(socket.closed).toBe(true);
  });
});
