import { Observable, asyncScheduler, map } from 'rxjs';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { createTestScheduler, errors$, messages$ } from '../helpers/marbles';

describe('virtual network: exact time on a TestScheduler', () => {
  it('a datagram sent at frame t with latency L is delivered at frame t + L', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 5 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 3);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'b' }), 4);
      expectObservable(messages$(server)).toBe('8ms ab');
    });
  });

  it('with latency 0 a datagram arrives in the frame it was sent, never inside send()', () => {
    const scheduler = createTestScheduler();
    const receivedInsideSend: boolean[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      let sending = false;
      server.onMessage(() => receivedInsideSend.push(sending));
      scheduler.schedule(() => {
        sending = true;
        client.send({ address: '127.0.0.1', port, message: 'a' });
        sending = false;
      }, 2);
      expectObservable(messages$(server)).toBe('--a');
    });
    expect(receivedInsideSend).toEqual([false]);
  });

  it('onListening fires in the frame of bind() and onClose in the frame of close()', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket();
      const events$ = new Observable<string>((subscriber) => {
        socket.onListening(() => subscriber.next('l'));
        socket.onClose(() => subscriber.next('c'));
      });
      scheduler.schedule(() => socket.bind(), 3);
      scheduler.schedule(() => socket.close(), 7);
      expectObservable(events$).toBe('3ms l 3ms c');
    });
  });

  it('the completion of sendWithCallback runs in the send frame, after send() returned', () => {
    const scheduler = createTestScheduler();
    const completedInsideSend: boolean[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 4 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      const done$ = new Observable<string>((subscriber) => {
        scheduler.schedule(() => {
          let sending = true;
          client.sendWithCallback({ address: '127.0.0.1', port, message: 'a' }, (error) => {
            completedInsideSend.push(sending);
            subscriber.next(error === null ? 'd' : error.code);
          });
          sending = false;
        }, 1);
      });
      expectObservable(done$).toBe('-d');
      expectObservable(messages$(server)).toBe('- 4ms a');
    });
    expect(completedInsideSend).toEqual([false]);
  });

  it('configure({ latency }) applies to datagrams sent afterwards, not to those in flight', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 10 });
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 0);
      scheduler.schedule(() => net.configure({ latency: 1 }), 1);
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'b' }), 2);
      expectObservable(messages$(server)).toBe('---b 6ms a');
    });
  });

  it('jitter delays each datagram by latency + 0..jitter frames and reorders them', () => {
    const scheduler = createTestScheduler();
    const arrivals: Array<{ sentAt: number; arrivedAt: number | undefined; id: number }> = [];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler, latency: 2, jitter: 5, seed: 7 });
      net.traffic$.subscribe(({ id, sentAt, arrivedAt }) => arrivals.push({ id, sentAt, arrivedAt }));
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      for (let i = 0; i < 50; i++) scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: String(i) }), i);
    });
    expect(arrivals).toHaveLength(50);
    for (const { sentAt, arrivedAt } of arrivals) {
      expect(arrivedAt! - sentAt).toBeGreaterThanOrEqual(2);
      expect(arrivedAt! - sentAt).toBeLessThanOrEqual(7);
    }
    const order = arrivals.map(({ id }) => id);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('a connected socket hears ECONNREFUSED in the frame its datagram reaches the closed port', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 3 });
      const client = net.createUDPSocket();
      client.connect({ address: '127.0.0.1', port: 9 });
      scheduler.schedule(() => client.write({ address: '127.0.0.1', port: 9, message: 'anyone?' }), 2);
      expectObservable(errors$(client)).toBe('5ms E', { E: 'ECONNREFUSED' });
    });
  });

  it('the default asyncScheduler runs on virtual time inside TestScheduler.run()', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ latency: 4 });
      expect(net.scheduler).toBe(asyncScheduler);
      const server = net.createUDPSocket();
      const port = server.bind();
      const client = net.createUDPSocket();
      scheduler.schedule(() => client.send({ address: '127.0.0.1', port, message: 'a' }), 1);
      expectObservable(messages$(server).pipe(map((text) => text.toUpperCase()))).toBe('5ms A');
    });
  });
});

describe('virtual network: order within a frame', () => {
  it('datagrams and other actions due in one frame run in the order they were scheduled', () => {
    const scheduler = createTestScheduler();
    const order: string[] = [];
    scheduler.run(() => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      server.onMessage(({ message }) => order.push(Buffer.from(message).toString()));
      const client = net.createUDPSocket();
      scheduler.schedule(() => {
        client.send({ address: '127.0.0.1', port, message: 'first' });
        client.send({ address: '127.0.0.1', port, message: 'second' });
        scheduler.schedule(() => order.push('action'), 0);
        client.send({ address: '127.0.0.1', port, message: 'third' });
      }, 1);
    });
    expect(order).toEqual(['first', 'second', 'action', 'third']);
  });
});
