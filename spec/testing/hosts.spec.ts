import { map } from 'rxjs';
import { createUDPSocket, type UDPMessageResult } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { createTestScheduler, errors$, messages$ } from '../helpers/marbles';

/** Runs `body` inside TestScheduler.run() on a fresh network; returns what it returns. */
function onNetwork<T>(body: (net: ReturnType<typeof createVirtualNetwork>, at: (frame: number, work: () => void) => void) => T): T {
  const scheduler = createTestScheduler();
  let result!: T;
  scheduler.run(() => {
    const net = createVirtualNetwork({ scheduler });
    result = body(net, (frame, work) => scheduler.schedule(work, frame));
  });
  return result;
}

/** Collects the message results of a socket. */
function received(socket: { onMessage(listener: (result: UDPMessageResult) => void): void }): UDPMessageResult[] {
  const results: UDPMessageResult[] = [];
  socket.onMessage((result) => results.push(result));
  return results;
}

describe('virtual network: hosts and addresses', () => {
  it('sockets on two hosts exchange datagrams and remoteInfo carries the sender host address', () => {
    const got = onNetwork((net, at) => {
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const port = server.bind(53);
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const results = received(server);
      at(1, () => client.send({ address: '10.0.0.1', port, message: 'q' }));
      return results;
    });
    expect(got).toHaveLength(1);
    expect(got[0]!.remoteInfo).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 32768, size: 1 });
    expect(got[0]!.localInfo).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 53, size: 1 });
  });

  it('127.0.0.1 is the loopback of the sending host: it never reaches another host', () => {
    const [local, remote] = onNetwork((net, at) => {
      const onA = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const onB = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      onA.bind(7000);
      onB.bind(7000);
      const a = received(onA);
      const b = received(onB);
      const sender = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      at(1, () => sender.send({ address: '127.0.0.1', port: 7000, message: 'loop' }));
      return [a, b];
    });
    expect(local).toHaveLength(0);
    expect(remote.map(({ remoteInfo }) => remoteInfo.address)).toEqual(['127.0.0.1']);
  });

  it('the default host has only loopback addresses: sending to another host reports ENETUNREACH', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      net.addHost('10.0.0.1');
      const socket = net.createUDPSocket();
      scheduler.schedule(() => socket.send({ address: '10.0.0.1', port: 9, message: 'x' }), 2);
      expectObservable(errors$(socket)).toBe('--E', { E: 'ENETUNREACH' });
    });
  });

  it('a datagram to an address no host owns is traced as unreachable', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      scheduler.schedule(() => socket.send({ address: '10.0.0.77', port: 9, message: 'x' }), 1);
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate))).toBe('-u', { u: 'unreachable' });
      expectObservable(errors$(socket)).toBe('');
    });
  });

  it('ephemeral ports come from 32768 upwards, in order, per host', () => {
    const ports = onNetwork((net) => [
      net.createUDPSocket().bind(),
      net.createUDPSocket('udp6').bind(),
      net.createUDPSocket().bind(0, '127.0.0.1'),
      net.createUDPSocket('udp4', { host: '10.0.0.1' }).bind(),
    ]);
    expect(ports).toEqual([32768, 32769, 32770, 32768]);
  });

  it('bind to an address of the host succeeds, to an address of another host fails with EADDRNOTAVAIL', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      net.addHost('10.0.0.2');
      const good = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const bad = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      expectObservable(errors$(bad)).toBe('E', { E: 'EADDRNOTAVAIL' });
      expect(good.bind(0, '10.0.0.1')).toBe(32768);
      expect(bad.bind(0, '10.0.0.2')).toBe(0);
    });
  });

  it('reuseAddr lets two sockets bind one port; without it the second gets EADDRINUSE', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const first = net.createUDPSocket('udp4', { reuseAddr: true });
      const port = first.bind(4000);
      expect(net.createUDPSocket('udp4', { reuseAddr: true }).bind(port)).toBe(4000);
      const third = net.createUDPSocket();
      expectObservable(errors$(third)).toBe('E', { E: 'EADDRINUSE' });
      expect(third.bind(port, '127.0.0.1')).toBe(0);
    });
  });

  it('a udp6 socket on :: also receives IPv4 datagrams, from an IPv4-mapped address', () => {
    const got = onNetwork((net, at) => {
      const dual = net.createUDPSocket('udp6');
      const port = dual.bind();
      const results = received(dual);
      const v4 = net.createUDPSocket('udp4');
      at(1, () => v4.send({ address: '127.0.0.1', port, message: 'mapped' }));
      return results;
    });
    expect(got.map(({ remoteInfo }) => [remoteInfo.address, remoteInfo.family])).toEqual([['::ffff:127.0.0.1', 'IPv6']]);
  });

  it('a udp6 socket with ipv6Only does not take IPv4 datagrams', () => {
    const got = onNetwork((net, at) => {
      const only6 = net.createUDPSocket('udp6', { ipv6Only: true });
      const port = only6.bind();
      const results = received(only6);
      const v4 = net.createUDPSocket('udp4');
      at(1, () => v4.send({ address: '127.0.0.1', port, message: 'v4' }));
      return results;
    });
    expect(got).toHaveLength(0);
  });

  it('connect from a wildcard socket fixes its local address to the route source', () => {
    const address = onNetwork((net) => {
      net.addHost('10.0.0.1');
      const socket = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      socket.bind();
      socket.connect({ address: '10.0.0.1', port: 9 });
      return socket.address();
    });
    expect(address).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 32768 });
  });

  it('connect to 0.0.0.0 connects to the loopback of the host, as on Linux', () => {
    const got = onNetwork((net, at) => {
      const server = net.createUDPSocket();
      const port = server.bind();
      server.onMessage(({ remoteInfo }) => server.send({ address: remoteInfo.address, port: remoteInfo.port, message: 'pong' }));
      const client = net.createUDPSocket();
      client.connect({ address: '0.0.0.0', port });
      const results = received(client);
      at(1, () => client.write({ address: '0.0.0.0', port, message: 'ping' }));
      return { results, peer: client.remoteAddress() };
    });
    expect(got.peer).toEqual({ address: '127.0.0.1', family: 'IPv4', port: 32768 });
    expect(got.results.map(({ message }) => Buffer.from(message).toString())).toEqual(['pong']);
  });

  it('a subnet broadcast with setBroadcast reaches wildcard sockets of every host in the /24, itself included', () => {
    const got = onNetwork((net, at) => {
      const listeners = ['10.0.0.1', '10.0.0.2', '10.0.1.3'].map((host) => {
        const socket = net.createUDPSocket('udp4', { host });
        socket.bind(6000);
        return received(socket);
      });
      const sender = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      at(1, () => sender.send({ address: '10.0.0.255', port: 6000, message: 'hello', setBroadcast: true }));
      return listeners;
    });
    expect(got.map((list) => list.length)).toEqual([1, 1, 0]);
  });

  it('255.255.255.255 reaches the wildcard sockets of every host with an IPv4 address, not the loopback-only default host', () => {
    const got = onNetwork((net, at) => {
      const listeners = [undefined, '10.0.0.1', '10.0.5.2'].map((host) => {
        const socket = net.createUDPSocket('udp4', host === undefined ? {} : { host });
        socket.bind(6000);
        return received(socket);
      });
      const sender = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      at(1, () => sender.send({ address: '255.255.255.255', port: 6000, message: 'all', setBroadcast: true }));
      return listeners;
    });
    expect(got.map((list) => list.length)).toEqual([0, 1, 1]);
  });

  it('a multicast datagram reaches members on other hosts; IP_MULTICAST_LOOP off keeps it off the own host', () => {
    const got = onNetwork((net, at) => {
      const members = ['10.0.0.1', '10.0.0.2'].map((host) => {
        const socket = net.createUDPSocket('udp4', { host, reuseAddr: true });
        socket.bind(5353);
        socket.addMembership('239.0.0.251');
        return received(socket);
      });
      const sender = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      at(1, () => sender.send({ address: '239.0.0.251', port: 5353, message: 'with loop' }));
      at(2, () => {
        sender.setMulticastLoopback(false);
        sender.send({ address: '239.0.0.251', port: 5353, message: 'without loop' });
      });
      return members;
    });
    expect(got.map((list) => list.map(({ message }) => Buffer.from(message).toString()))).toEqual([['with loop'], ['with loop', 'without loop']]);
  });

  it('each receiver of a broadcast gets its own bytes: one listener writing into its buffer changes nothing for the others', () => {
    const got = onNetwork((net, at) => {
      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const socket = net.createUDPSocket('udp4', { reuseAddr: true });
        socket.bind(6000);
        socket.onMessage(({ message }) => {
          texts.push(Buffer.from(message).toString());
          new Uint8Array(message).fill(0x21); // '!'
        });
      }
      const sender = net.createUDPSocket();
      at(1, () => sender.send({ address: '127.255.255.255', port: 6000, message: 'same', setBroadcast: true }));
      return texts;
    });
    expect(got).toEqual(['same', 'same', 'same']);
  });

  it('multicast TTL 0 keeps a datagram on the sending host', () => {
    const got = onNetwork((net, at) => {
      const remote = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      remote.bind(5353);
      remote.addMembership('239.0.0.251');
      const results = received(remote);
      const sender = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      sender.setMulticastTTL(0);
      at(1, () => sender.send({ address: '239.0.0.251', port: 5353, message: 'local' }));
      return results;
    });
    expect(got).toHaveLength(0);
  });

  it('a source-specific membership only receives from that source', () => {
    const got = onNetwork((net, at) => {
      const member = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      member.bind(5000);
      member.addSourceSpecificMembership('10.0.0.2', '232.1.1.1');
      const results = received(member);
      const good = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const other = net.createUDPSocket('udp4', { host: '10.0.0.3' });
      at(1, () => {
        good.send({ address: '232.1.1.1', port: 5000, message: 'from source' });
        other.send({ address: '232.1.1.1', port: 5000, message: 'from elsewhere' });
      });
      return results;
    });
    expect(got.map(({ remoteInfo }) => remoteInfo.address)).toEqual(['10.0.0.2']);
  });

  it('membership errors mirror Linux: EINVAL for a unicast group, EADDRINUSE when joined twice', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket();
      expectObservable(errors$(socket)).toBe('(ab)', { a: 'EINVAL', b: 'EADDRINUSE' });
      socket.bind();
      socket.addMembership('10.1.2.3');
      socket.addMembership('239.1.1.1', '127.0.0.1');
      socket.addMembership('239.1.1.1', '127.0.0.1');
    });
  });

  it('createUDPSocket with net.driver puts the socket on the default host', () => {
    const got = onNetwork((net, at) => {
      const server = createUDPSocket('udp4', { driver: net.driver });
      const port = server.bind();
      const results = received(server);
      const client = net.createUDPSocket();
      at(1, () => client.send({ address: 'localhost', port, message: 'hi' }));
      return results;
    });
    expect(got.map(({ remoteInfo }) => remoteInfo.address)).toEqual(['127.0.0.1']);
  });

  it('a hostname resolves through the lookup option of the socket', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const port = server.bind();
      const client = net.createUDPSocket('udp4', {
        host: '10.0.0.2',
        lookup: (hostname, _family, callback) => callback(null, hostname === 'server.test' ? '10.0.0.1' : '0.0.0.0', 4),
      });
      scheduler.schedule(() => client.send({ address: 'server.test', port, message: 'named' }), 1);
      expectObservable(messages$(server)).toBe('-n', { n: 'named' });
    });
  });

  it('addHost returns the host owning the first address and refuses addresses of another host', () => {
    const net = createVirtualNetwork();
    const host = net.addHost('10.0.0.1', 'fd00::1');
    expect(net.addHost('10.0.0.1')).toBe(host);
    expect(net.host('fd00:0:0::1')).toBe(host);
    expect(host.addresses).toEqual(['10.0.0.1', 'fd00::1']);
    expect(net.host('127.0.0.1')).toBe(net.localhost);
    net.addHost('10.0.0.2');
    expect(() => net.addHost('10.0.0.1', '10.0.0.2')).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    expect(() => net.addHost('127.0.0.2')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }));
  });

  it('traffic$ describes each datagram: source, destination, size, send and arrival frames', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 2 });
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      server.bind(9000);
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      client.bind(1234);
      scheduler.schedule(() => client.send({ address: '10.0.0.1', port: 9000, message: 'abc' }), 1);
      expectObservable(net.traffic$).toBe('---t', {
        t: {
          id: 1,
          source: { address: '10.0.0.2', family: 'IPv4', port: 1234 },
          destination: { address: '10.0.0.1', family: 'IPv4', port: 9000 },
          size: 3,
          sentAt: 1,
          arrivedAt: 3,
          fate: 'delivered',
          receivers: 1,
        },
      });
    });
  });
});
