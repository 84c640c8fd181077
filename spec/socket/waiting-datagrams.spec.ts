import type { UDPLookupFunction } from 'rxjs-udp';
import { nextEvent } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

type Answer = Parameters<UDPLookupFunction>[2];

/**
 * A datagram that has to wait — behind bind(0, hostname), or for connect(hostname) — is the
 * socket's from the call: its bytes are copied then (as WeChat's are), and close() tells its
 * callback that it was never sent.
 */
describe('datagrams waiting behind a hostname bind or connect', () => {
  const { open, bound } = useNodeSockets();

  /** A lookup that answers when the test says so. */
  function heldLookup(): { lookup: UDPLookupFunction; answer: () => void } {
    const answers: Answer[] = [];
    return {
      lookup: (_hostname, _family, callback) => void answers.push(callback),
      answer: () => {
        for (const callback of answers.splice(0)) callback(null, LOOPBACK.udp4, 4);
      },
    };
  }

  it('a sendWithCallback queued behind bind(0, hostname) gets ERR_SOCKET_DGRAM_NOT_RUNNING when close() comes first', async () => {
    const { lookup, answer } = heldLookup();
    const socket = open('udp4', { lookup });
    socket.bind(0, 'later.test');
    const outcome = new Promise<string | null>((resolve) =>
      socket.sendWithCallback({ address: LOOPBACK.udp4, port: 9, message: 'x' }, (error) => resolve(error === null ? null : error.code)),
    );
    socket.close();
    answer();
    expect(await outcome).toBe('ERR_SOCKET_DGRAM_NOT_RUNNING');
  });

  it('the bytes of a send queued behind bind(0, hostname) are copied at the call', async () => {
    const { lookup, answer } = heldLookup();
    const receiver = await bound();
    const socket = open('udp4', { lookup });
    socket.bind(0, 'later.test');
    const received = nextEvent(receiver, 'message');
    const view = new Uint8Array([1, 2, 3]);
    socket.send({ address: LOOPBACK.udp4, port: receiver.address()!.port, message: view });
    view.fill(0);
    answer();
    expect([...new Uint8Array((await received).message)]).toEqual([1, 2, 3]);
  });

  it('the bytes of a write held during connect(hostname) are copied at the call', async () => {
    const { lookup, answer } = heldLookup();
    const receiver = await bound();
    const port = receiver.address()!.port;
    const socket = await bound('udp4', { lookup });
    socket.connect({ address: 'later.test', port });
    const received = nextEvent(receiver, 'message');
    const buffer = Buffer.from([4, 5, 6]);
    socket.write({ address: 'later.test', port, message: buffer });
    buffer.fill(0);
    answer();
    expect([...new Uint8Array((await received).message)]).toEqual([4, 5, 6]);
  });
});
