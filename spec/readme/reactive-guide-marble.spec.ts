import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RequestTimeoutError, fromUDPSocket, request } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

it('a request to a silent peer fails after 3 tries of 10 frames', () => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run(({ expectObservable }) => {
    const net = createVirtualNetwork({ scheduler });
    const port = net.createUDPSocket().bind(7); // a silent peer
    const client = fromUDPSocket(net.createUDPSocket());
    const ask = request(client, { address: '127.0.0.1', port }, { timeout: 10, retries: 2, match: () => true });
    expectObservable(of('ping').pipe(ask)).toBe('30ms #', undefined, new RequestTimeoutError(3, 30, '127.0.0.1:7'));
  });
});
