import { Observable, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createVirtualNetwork } from 'rxjs-udp/testing';

describe('an echo server on the virtual network', () => {
  it('echoes each datagram back after a round trip of twice the latency', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler: testScheduler, latency: 3 });

      // The code under test: an echo server on host 10.0.0.1, port 7.
      const server = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      server.onMessage(({ message, remoteInfo }) => {
        server.send({ address: remoteInfo.address, port: remoteInfo.port, message });
      });
      server.bind(7);

      // A client on host 10.0.0.2 sends 'a' at frame 0 and 'b' at frame 2.
      const client = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const replies$ = new Observable<string>((subscriber) => {
        client.onMessage(({ message }) => subscriber.next(Buffer.from(message).toString()));
      });
      cold('a-b').subscribe((message) => client.send({ address: '10.0.0.1', port: 7, message }));

      // Each reply arrives 2 × 3 frames after its request; every datagram is traced.
      expectObservable(replies$).toBe('------a-b');
      expectObservable(net.traffic$.pipe(map(({ fate }) => fate))).toBe('---d-dd-d', { d: 'delivered' });
    });
  });
});
