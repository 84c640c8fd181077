import { map } from 'rxjs';
import { createVirtualNetwork, type DatagramFate, type VirtualNetworkConfig } from 'rxjs-udp/testing';
import { createTestScheduler, errors$, messages$ } from '../helpers/marbles';

/** Sends `count` datagrams, one per frame, on a fresh network and returns their fates in send order. */
function fates(config: VirtualNetworkConfig, count = 200): DatagramFate[] {
  const scheduler = createTestScheduler();
  const result: Array<{ id: number; fate: DatagramFate }> = [];
  scheduler.run(() => {
    const net = createVirtualNetwork({ scheduler, ...config });
    net.traffic$.subscribe(({ id, fate }) => result.push({ id, fate }));
    const server = net.createUDPSocket();
    const port = server.bind();
    const client = net.createUDPSocket();
    for (let i = 0; i < count; i++) scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'x' }), i);
  });
  return result.sort((a, b) => a.id - b.id).map(({ fate }) => fate);
}

describe('virtual network: faults', () => {
  it('the same seed and the same sends give the identical sequence of fates', () => {
    const config = { seed: 42, loss: 0.3, duplicate: 0.2, jitter: 3 };
    const first = fates(config);
    expect(first).toHaveLength(200);
    expect(new Set(first)).toEqual(new Set(['delivered', 'lost', 'duplicated']));
    expect(fates(config)).toEqual(first);
  });

  it('the same seed and the same sends give identical arrival frames and receipts, jitter and duplicates included', () => {
    const run = (): Array<[number, string, number | undefined]> => {
      const scheduler = createTestScheduler();
      const seen: Array<[number, string, number | undefined]> = [];
      scheduler.run(() => {
        const net = createVirtualNetwork({ scheduler, seed: 5, latency: 2, jitter: 4, loss: 0.2, duplicate: 0.3 });
        net.traffic$.subscribe(({ id, fate, arrivedAt }) => seen.push([id, fate, arrivedAt]));
        const server = net.createUDPSocket();
        const port = server.bind();
        server.onMessage(({ message }) => seen.push([scheduler.now(), Buffer.from(message).toString(), undefined]));
        const client = net.createUDPSocket();
        for (let i = 0; i < 100; i++) scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: `m${i}` }), i % 10);
      });
      return seen;
    };
    const first = run();
    expect(first.length).toBeGreaterThan(150);
    expect(run()).toEqual(first);
  });

  it('another seed gives another sequence of fates', () => {
    expect(fates({ seed: 1, loss: 0.3 })).not.toEqual(fates({ seed: 2, loss: 0.3 }));
  });

  it('loss 0.3 loses about 30 % of the datagrams', () => {
    const lost = fates({ seed: 3, loss: 0.3 }, 2000).filter((fate) => fate === 'lost').length;
    expect(lost).toBeGreaterThan(500);
    expect(lost).toBeLessThan(700);
  });

  it('loss 1 loses every datagram and nothing reaches the receiver', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, loss: 1 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 1);
      expectObservable(messages$(server)).toBe('');
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate))).toBe('-l', { l: 'lost' });
    });
  });

  it('duplicate 1 delivers every datagram twice, as two separate buffers', () => {
    const scheduler = createTestScheduler();
    const buffers: ArrayBuffer[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, duplicate: 1, latency: 2 });
      const server = net.createUDPSocket();
      const port = server.bind();
      server.onMessage(({ message }) => buffers.push(message));
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 1);
      expectObservable(messages$(server)).toBe('---(aa)');
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate))).toBe('---d', { d: 'duplicated' });
    });
    expect(buffers).toHaveLength(2);
    expect(buffers[0]).not.toBe(buffers[1]);
  });

  it('configure({ seed }) restarts the random sequence', () => {
    const scheduler = createTestScheduler();
    const seen: DatagramFate[][] = [[], []];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler, loss: 0.5, seed: 9 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      let round = 0;
      net.traffic$.subscribe(({ fate }) => seen[round]!.push(fate));
      for (let i = 0; i < 20; i++) client.send({ address: '127.0.0.1', port, message: 'x' });
      scheduler.schedule(() => {
        round = 1;
        net.configure({ seed: 9 });
        for (let i = 0; i < 20; i++) client.send({ address: '127.0.0.1', port, message: 'x' });
      }, 5);
    });
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toContain('lost');
  });

  it('partition(a, b) drops datagrams between two hosts from that frame on and heal() restores the link', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, cold }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const port = server.bind(5000);
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      cold('a-b-c-d-e').subscribe((message) => client.send({ address: '10.0.0.1', port, message }));
      scheduler.schedule(() => net.partition('10.0.0.1', '10.0.0.2'), 1);
      scheduler.schedule(() => net.heal(), 5);
      expectObservable(messages$(server)).toBe('-a-----d-e');
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate[0]))).toBe('-dp-p--d-d');
    });
  });

  it('heal(a) restores every link of host a and leaves other partitions in place', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const a = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const portA = a.bind();
      const b = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const portB = b.bind();
      const c = net.createUDPSocket('udp4', { host: '10.0.0.3' });
      net.partition('10.0.0.1', '10.0.0.3');
      net.partition('10.0.0.2', '10.0.0.3');
      net.heal('10.0.0.1');
      scheduler.schedule(() => {
        c.send({ address: '10.0.0.1', port: portA, message: 'to a' });
        c.send({ address: '10.0.0.2', port: portB, message: 'to b' });
      }, 1);
      expectObservable(messages$(a)).toBe('-x', { x: 'to a' });
      expectObservable(messages$(b)).toBe('');
    });
  });

  it('a partition leaves traffic inside each host and with third hosts alone', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const a = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const portA = a.bind();
      const b = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const c = net.createUDPSocket('udp4', { host: '10.0.0.3' });
      const self = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      net.partition('10.0.0.1', '10.0.0.2');
      scheduler.schedule(() => {
        b.send({ address: '10.0.0.1', port: portA, message: 'b' });
        c.send({ address: '10.0.0.1', port: portA, message: 'c' });
        self.send({ address: '127.0.0.1', port: portA, message: 's' });
      }, 1);
      expectObservable(messages$(a)).toBe('-(cs)');
    });
  });

  it('a datagram larger than mtu - 28 bytes fails with EMSGSIZE and fate too-big', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, mtu: 1500 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: new Uint8Array(1472) }), 1);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: new Uint8Array(1473) }), 2);
      expectObservable(errors$(client)).toBe('--E', { E: 'EMSGSIZE' });
      expectObservable(net.traffic$.pipe(map(({ fate, size }) => `${fate}:${size}`))).toBe('-ab', {
        a: 'delivered:1472',
        b: 'too-big:1473',
      });
    });
  });

  it('without mtu the limits are Linux ones: 65507 bytes on udp4, 65527 on udp6', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const v4 = net.createUDPSocket('udp4');
      const port4 = v4.bind();
      const v6 = net.createUDPSocket('udp6');
      const port6 = v6.bind();
      scheduler.schedule(() => {
        v4.send({ address: '127.0.0.1', port: port4, message: new Uint8Array(65507) });
        v4.send({ address: '127.0.0.1', port: port4, message: new Uint8Array(65508) });
        v6.send({ address: '::1', port: port6, message: new Uint8Array(65527) });
        v6.send({ address: '::1', port: port6, message: new Uint8Array(65528) });
      }, 1);
      // Too-big datagrams are traced when sent, delivered ones when they arrive (same frame here).
      expectObservable(net.traffic$.pipe(map(({ fate, size }) => `${fate}:${size}`))).toBe('-(abcd)', {
        a: 'too-big:65508',
        b: 'too-big:65528',
        c: 'delivered:65507',
        d: 'delivered:65527',
      });
    });
  });

  it('stats count every datagram by fate and resetStats() zeroes them', () => {
    const scheduler = createTestScheduler();
    const net = createVirtualNetwork({ scheduler, mtu: 100 });
    scheduler.run(() => {
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      const port = server.bind();
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      client.send({ address: '10.0.0.1', port, message: 'ok' });
      client.send({ address: '10.0.0.1', port: port + 1, message: 'nobody' });
      client.send({ address: '10.0.0.9', port, message: 'no such host' });
      client.send({ address: '10.0.0.1', port, message: new Uint8Array(100) });
      scheduler.schedule(() => {
        net.partition('10.0.0.1', '10.0.0.2');
        client.send({ address: '10.0.0.1', port, message: 'cut' });
        net.heal();
        net.configure({ loss: 1 });
        client.send({ address: '10.0.0.1', port, message: 'lost' });
        net.configure({ loss: 0, duplicate: 1 });
        client.send({ address: '10.0.0.1', port, message: 'twice' });
      }, 1);
    });
    expect(net.stats).toEqual({
      sent: 7,
      delivered: 1,
      duplicated: 1,
      lost: 1,
      partitioned: 1,
      refused: 1,
      tooBig: 1,
      unreachable: 1,
    });
    net.resetStats();
    expect(net.stats.sent).toBe(0);
  });

  it('configure rejects out-of-range options with ERR_OUT_OF_RANGE and keeps the old ones', () => {
    const net = createVirtualNetwork({ loss: 0.1 });
    expect(() => net.configure({ loss: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => net.configure({ latency: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => net.configure({ mtu: 10 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => createVirtualNetwork({ duplicate: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(net.config).toEqual({ latency: 0, jitter: 0, loss: 0.1, duplicate: 0, mtu: undefined, seed: 1 });
  });
});
