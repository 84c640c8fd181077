import { Observable, map } from 'rxjs';
import { isUDPSocketError, type UDPSocketLike } from 'rxjs-udp';
import { createVirtualNetwork, type DatagramFate, type ForgedDatagram } from 'rxjs-udp/testing';
import { createTestScheduler, messages$ } from '../helpers/marbles';

/** Every datagram a socket receives as `"address:port text"`. */
function senders$(socket: UDPSocketLike): Observable<string> {
  return new Observable<string>((subscriber) => {
    const listener = ({ message, remoteInfo }: { message: ArrayBuffer; remoteInfo: { address: string; port: number } }): void =>
      subscriber.next(`${remoteInfo.address}:${remoteInfo.port} ${Buffer.from(message).toString()}`);
    socket.onMessage(listener);
    return () => socket.offMessage(listener);
  });
}

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('virtual network: inject (forged traffic)', () => {
  it('a forged datagram arrives at frame `at` exactly, with the forged source address and port', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 7 });
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      server.bind(53);
      net.inject({ from: { address: '203.0.113.9', port: 4444 }, to: { address: '10.0.0.1', port: 53 }, message: 'q', at: 3 });
      expectObservable(senders$(server)).toBe('---a', { a: '203.0.113.9:4444 q' });
    });
  });

  it('without `at` it arrives in the current frame, after inject() returned', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const seen: string[] = [];
      server.onMessage(() => seen.push('received'));
      scheduler.schedule(() => {
        net.inject({ from: { address: '127.0.0.9', port: 1 }, to: { address: '127.0.0.1', port }, message: 'x' });
        seen.push('returned');
      }, 2);
      expectObservable(messages$(server)).toBe('--x');
      scheduler.schedule(() => expect(seen).toEqual(['returned', 'received']), 3);
    });
  });

  it('latency, jitter, loss, duplication and partitions do not apply to a forged datagram', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 5, jitter: 9, loss: 1, duplicate: 1 });
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      server.bind(9);
      net.addHost('10.0.0.2');
      net.partition('10.0.0.1', '10.0.0.2');
      net.inject({ from: { address: '10.0.0.2', port: 7 }, to: { address: '10.0.0.1', port: 9 }, message: 'a', at: 1 });
      expectObservable(messages$(server)).toBe('-a');
    });
  });

  it('counts in stats (sent, then its fate) and shows on traffic$ with injected: true', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      net.inject({ from: { address: '127.0.0.2', port: 1000 }, to: { address: '127.0.0.1', port }, message: 'abc', at: 1 });
      net.inject({ from: { address: '127.0.0.2', port: 1000 }, to: { address: '127.0.0.1', port: port + 1 }, message: 'x', at: 2 });
      expectObservable(net.traffic$).toBe('-ab', {
        a: {
          id: 1,
          source: { address: '127.0.0.2', family: 'IPv4', port: 1000 },
          destination: { address: '127.0.0.1', family: 'IPv4', port },
          size: 3,
          sentAt: 0,
          arrivedAt: 1,
          fate: 'delivered',
          receivers: 1,
          injected: true,
        },
        b: expect.objectContaining({ id: 2, fate: 'refused', injected: true }),
      });
      scheduler.schedule(() => expect(net.stats).toMatchObject({ sent: 2, delivered: 1, refused: 1 }), 3);
    });
  });

  it('a destination no host owns is unreachable: counted at once, nothing delivered', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      expectObservable(net.traffic$.pipe(map(({ fate, injected }) => `${fate}${injected === true ? '!' : ''}`))).toBe('-u', {
        u: 'unreachable!',
      });
      scheduler.schedule(() => net.inject({ from: { address: '10.9.9.9', port: 1 }, to: { address: '10.0.0.77', port: 5 }, message: 'x', at: 4 }), 1);
      scheduler.schedule(() => expect(net.stats).toMatchObject({ sent: 1, unreachable: 1 }), 2);
    });
  });

  it('a socket connected to the forged source takes the datagram (a forged reply is indistinguishable on the wire)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      client.bind(5000);
      client.connect({ address: '10.0.0.1', port: 53 });
      net.inject({ from: { address: '10.0.0.1', port: 53 }, to: { address: '10.0.0.2', port: 5000 }, message: 'forged', at: 2 });
      net.inject({ from: { address: '10.0.0.3', port: 53 }, to: { address: '10.0.0.2', port: 5000 }, message: 'other', at: 3 });
      expectObservable(senders$(client)).toBe('--f', { f: '10.0.0.1:53 forged' });
    });
  });

  it('an IPv4 forgery reaches a dual-stack udp6 socket as an IPv4-mapped source', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket('udp6', { host: '10.0.0.1' });
      server.bind(8000);
      net.inject({ from: { address: '192.0.2.1', port: 5 }, to: { address: '10.0.0.1', port: 8000 }, message: 'm', at: 1 });
      expectObservable(senders$(server)).toBe('-a', { a: '::ffff:192.0.2.1:5 m' });
    });
  });

  it('draws nothing from the seeded PRNG: the fates of real datagrams are the same with or without a flood', () => {
    const run = (flood: boolean): DatagramFate[] => {
      const scheduler = createTestScheduler();
      const fates: Array<{ id: number; fate: DatagramFate; injected?: true }> = [];
      scheduler.run(() => {
        const net = createVirtualNetwork({ scheduler, seed: 9, loss: 0.4, duplicate: 0.2, jitter: 2 });
        net.traffic$.subscribe((t) => fates.push(t));
        const server = net.createUDPSocket();
        const port = server.bind();
        const client = net.createUDPSocket();
        for (let i = 0; i < 50; i++) {
          scheduler.schedule(() => {
            client.send({ address: '127.0.0.1', port, message: 'real' });
            if (flood) net.inject({ from: { address: `127.1.0.${i}`, port: 2000 + i }, to: { address: '127.0.0.1', port }, message: 'spoof' });
          }, i);
        }
      });
      return fates.filter((t) => t.injected !== true).map((t) => t.fate);
    };
    expect(run(true)).toEqual(run(false));
  });

  it('a spoofed flood is delivered in order, one frame each, as given', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      for (let i = 0; i < 4; i++) {
        net.inject({ from: { address: `127.0.0.${10 + i}`, port: 999 }, to: { address: '127.0.0.1', port }, message: `${i}`, at: i + 1 });
      }
      expectObservable(senders$(server)).toBe('-abcd', {
        a: '127.0.0.10:999 0',
        b: '127.0.0.11:999 1',
        c: '127.0.0.12:999 2',
        d: '127.0.0.13:999 3',
      });
    });
  });

  describe('refuses what could not be on the wire with a UDPSocketError of operation inject', () => {
    const ok: ForgedDatagram = { from: { address: '127.0.0.2', port: 1 }, to: { address: '127.0.0.1', port: 2 }, message: 'x' };
    it.each<[string, unknown, string]>([
      ['no datagram', undefined, 'ERR_INVALID_ARG_TYPE'],
      ['from not an object', { ...ok, from: 'x' }, 'ERR_INVALID_ARG_TYPE'],
      ['from.address not an IP', { ...ok, from: { address: 'evil.example', port: 1 } }, 'ERR_INVALID_ADDRESS'],
      ['to.address not an IP', { ...ok, to: { address: '', port: 1 } }, 'ERR_INVALID_ADDRESS'],
      ['families that differ', { ...ok, from: { address: '::1', port: 1 } }, 'ERR_INVALID_ADDRESS'],
      ['a multicast destination', { ...ok, to: { address: '239.1.1.1', port: 1 } }, 'ERR_INVALID_ADDRESS'],
      ['a broadcast destination', { ...ok, to: { address: '255.255.255.255', port: 1 } }, 'ERR_INVALID_ADDRESS'],
      ['to.port 0', { ...ok, to: { address: '127.0.0.1', port: 0 } }, 'ERR_SOCKET_BAD_PORT'],
      ['from.port 70000', { ...ok, from: { address: '127.0.0.1', port: 70000 } }, 'ERR_SOCKET_BAD_PORT'],
      ['a number as message', { ...ok, message: 5 }, 'ERR_INVALID_ARG_TYPE'],
      ['a message over the UDP limit', { ...ok, message: new Uint8Array(65508) }, 'EMSGSIZE'],
      ['at in the past', { ...ok, at: -1 }, 'ERR_OUT_OF_RANGE'],
      ['at NaN', { ...ok, at: Number.NaN }, 'ERR_OUT_OF_RANGE'],
      ['a throwing getter', { ...ok, get to(): never { throw new Error('boom'); } }, 'ERR_INVALID_ARG_TYPE'],
    ])('%s', (_, datagram, code) => {
      const net = createVirtualNetwork({ scheduler: createTestScheduler() });
      const error = thrown(() => net.inject(datagram as ForgedDatagram));
      expect(isUDPSocketError(error) && error.operation).toBe('inject');
      expect(error).toMatchObject({ code });
      expect(net.stats.sent).toBe(0);
    });

    it('an mtu smaller than the payload gives EMSGSIZE', () => {
      const net = createVirtualNetwork({ scheduler: createTestScheduler(), mtu: 100 });
      expect(thrown(() => net.inject({ ...ok, message: new Uint8Array(73) }))).toMatchObject({ code: 'EMSGSIZE' });
    });
  });
});
