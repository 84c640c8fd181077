import { firstValueFrom, lastValueFrom, map, of, timeout } from 'rxjs';
import { filterByPeer, fromUDPSocket } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { LoopbackSockets, marbles, textOf } from '../../helpers/reactive';

describe('filterByPeer', () => {
  it('lets through only the messages of one sender address and port (marbles over the virtual network)', () => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(7);
      const alice = fromUDPSocket(net.createUDPSocket());
      const bob = fromUDPSocket(net.createUDPSocket());
      const alicePort = alice.bind(1001);
      bob.bind(1002);
      cold('a-a-a').subscribe(() => alice.send({ address: '127.0.0.1', port, message: 'a' }).subscribe());
      cold('-b-b-').subscribe(() => bob.send({ address: '127.0.0.1', port, message: 'b' }).subscribe());
      expectObservable(server.message$.pipe(filterByPeer('127.0.0.1', alicePort), map(textOf)), '^ 10ms !').toBe('-a-a-a');
      expectObservable(server.message$.pipe(filterByPeer('127.0.0.1'), map(textOf)), '^ 10ms !').toBe('-ababa');
      expectObservable(server.message$.pipe(filterByPeer('127.0.0.2'), map(textOf)), '^ 10ms !').toBe('');
    });
  });

  it('filters real datagrams on ::1 by port', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound('udp6');
      const wanted = sockets.bound('udp6');
      const other = sockets.bound('udp6');
      const got = firstValueFrom(fromUDPSocket(server.socket).message$.pipe(filterByPeer('::1', wanted.port), map(textOf)));
      other.socket.send({ address: '::1', port: server.port, message: 'other' });
      wanted.socket.send({ address: '::1', port: server.port, message: 'wanted' });
      expect(await got).toBe('wanted');
    } finally {
      await sockets.closeAll();
    }
  });
});

describe('filterByPeer (bad arguments and values)', () => {
  const message = (address: string, port: number) => ({ remoteInfo: { address, port } });

  it.each([
    ['address undefined', 'ERR_INVALID_ADDRESS', undefined, undefined],
    ['address 5', 'ERR_INVALID_ADDRESS', 5, undefined],
    ['address "localhost" (never what a socket reports)', 'ERR_INVALID_ADDRESS', 'localhost', undefined],
    ['port -1', 'ERR_SOCKET_BAD_PORT', '127.0.0.1', -1],
    ['port "53"', 'ERR_SOCKET_BAD_PORT', '127.0.0.1', '53'],
  ])('filterByPeer with %s errors with %s when subscribed instead of silently filtering everything out', async (_name, code, address, port) => {
    let operator: ReturnType<typeof filterByPeer> | undefined;
    expect(() => (operator = filterByPeer(address as never, port as never))).not.toThrow();
    await expect(lastValueFrom(of(message('127.0.0.1', 53)).pipe(operator!))).rejects.toMatchObject({ code });
  });

  it('filterByPeer given a value without remoteInfo errors with ERR_INVALID_ARG_TYPE instead of a raw TypeError', async () => {
    await expect(lastValueFrom(of(5 as unknown as ReturnType<typeof message>).pipe(filterByPeer('127.0.0.1')))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', operation: 'receive' });
  });

  it.each(['FD00::1', 'fd00:0:0:0:0:0:0:1', 'fd00:0000::0001'])('given %s, lets through the messages of fd00::1 (one address however written)', (address) => {
    const scheduler = marbles();
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket('udp6', { host: 'fd00::2' }));
      const port = server.bind(7);
      const peer = fromUDPSocket(net.createUDPSocket('udp6', { host: 'fd00::1' }));
      const peerPort = peer.bind(1001);
      const stranger = fromUDPSocket(net.createUDPSocket('udp6', { host: 'fd00::3' }));
      stranger.bind(1001);
      cold('a-a').subscribe(() => peer.send({ address: 'fd00::2', port, message: 'a' }).subscribe());
      cold('-b-').subscribe(() => stranger.send({ address: 'fd00::2', port, message: 'b' }).subscribe());
      expectObservable(server.message$.pipe(filterByPeer(address, peerPort), map(textOf)), '^ 10ms !').toBe('-a-a');
    });
  });

  it('given another spelling of ::1, filters real datagrams from ::1', async () => {
    const sockets = new LoopbackSockets();
    try {
      const server = sockets.bound('udp6');
      const wanted = sockets.bound('udp6');
      const got = firstValueFrom(fromUDPSocket(server.socket).message$.pipe(filterByPeer('0:0:0:0:0:0:0:1', wanted.port), map(textOf), timeout(2000)));
      wanted.socket.send({ address: '::1', port: server.port, message: 'wanted' });
      expect(await got).toBe('wanted');
    } finally {
      await sockets.closeAll();
    }
  });
});
