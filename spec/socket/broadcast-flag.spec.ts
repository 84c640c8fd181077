import { nodeDgramDriver, type UDPDriver, type UDPHandle } from 'rxjs-udp';
import { nextEvent } from '../helpers/events';
import { LOOPBACK, useNodeSockets } from '../helpers/node';

const { open, bound } = useNodeSockets();

/** The node driver, counting the SO_BROADCAST changes its handle is asked for. */
function countingDriver(calls: boolean[]): UDPDriver {
  return {
    scheduler: nodeDgramDriver.scheduler,
    open: (type, options, sink) => {
      const handle = nodeDgramDriver.open(type, options, sink);
      const setBroadcast = handle.setBroadcast.bind(handle);
      return Object.assign(handle, {
        setBroadcast: (flag: boolean) => {
          calls.push(flag);
          setBroadcast(flag);
        },
      }) satisfies UDPHandle;
    },
  };
}

describe('send({ setBroadcast: true })', () => {
  it('enables SO_BROADCAST once, not with a system call per datagram', async () => {
    const calls: boolean[] = [];
    const sender = open('udp4', { driver: countingDriver(calls) });
    const receiver = await bound();
    const port = receiver.address()!.port;
    for (let i = 0; i < 3; i++) {
      const arrived = nextEvent(receiver, 'message');
      sender.send({ address: LOOPBACK.udp4, port, message: `n${i}`, setBroadcast: true });
      await arrived;
    }
    expect(calls).toEqual([true]);
  });

  it('enables it again after setBroadcast(false) turned it off', async () => {
    const calls: boolean[] = [];
    const sender = open('udp4', { driver: countingDriver(calls) });
    const receiver = await bound();
    const port = receiver.address()!.port;
    let arrived = nextEvent(receiver, 'message');
    sender.send({ address: LOOPBACK.udp4, port, message: 'a', setBroadcast: true });
    await arrived;
    sender.setBroadcast(false);
    arrived = nextEvent(receiver, 'message');
    sender.send({ address: LOOPBACK.udp4, port, message: 'b', setBroadcast: true });
    await arrived;
    expect(calls).toEqual([true, false, true]);
  });
});
