import { TestScheduler } from 'rxjs/testing';
import { decode, fromUDPSocket, text } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

it('sees each datagram two frames after it was sent', () => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run(({ cold, expectObservable }) => {
    const net = createVirtualNetwork({ scheduler, latency: 2 });
    const server = fromUDPSocket(net.createUDPSocket());
    const port = server.bind(5000);
    const client = net.createUDPSocket();
    cold('a-b---c').subscribe((message) => client.send({ address: '127.0.0.1', port, message }));
    expectObservable(server.message$.pipe(decode(text)), '^ 20ms !').toBe('--a-b---c');
  });
});
