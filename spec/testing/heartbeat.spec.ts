import { interval, type Subscription } from 'rxjs';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { peerStatus, runHeartbeatExample } from '../../examples/virtual-network-heartbeat';
import { createTestScheduler } from '../helpers/marbles';

describe('business logic on the virtual network: a heartbeat monitor', () => {
  it('the example declares the peer dead after three lost beats under 30 % loss, frame by frame', () => {
    const fates = runHeartbeatExample((actual, expected) => expect(actual).toEqual(expected));
    expect(fates.join(',')).toContain('lost,lost,lost');
  });

  it('a partitioned peer is declared dead 35 frames after its last beat and alive again after heal()', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const monitor = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      monitor.bind(7000);
      const peer = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      let beating: Subscription | undefined;
      scheduler.schedule(() => {
        beating = interval(10, scheduler).subscribe(() => peer.send({ address: '10.0.0.1', port: 7000, message: 'beat' }));
      }, 0);
      scheduler.schedule(() => net.partition('10.0.0.1', '10.0.0.2'), 25); // beats of 30, 40, 50, 60 are cut
      scheduler.schedule(() => net.heal(), 65);
      scheduler.schedule(() => beating?.unsubscribe(), 100);
      // alive at 11, last beat arrives at 21, dead at 56, beat of 70 arrives at 71.
      expectObservable(peerStatus(monitor, { interval: 10, scheduler }), '^ 99ms !').toBe('11ms a 44ms d 14ms a', {
        a: 'alive',
        d: 'dead',
      });
    });
  });

  it('two lost beats in a row do not declare the peer dead', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const monitor = net.createUDPSocket('udp4', { host: '10.0.0.1' });
      monitor.bind(7000);
      const peer = net.createUDPSocket('udp4', { host: '10.0.0.2' });
      const beating = interval(10, scheduler).subscribe(() => peer.send({ address: '10.0.0.1', port: 7000, message: 'beat' }));
      scheduler.schedule(() => net.configure({ loss: 1 }), 25); // beats of 30 and 40 are lost
      scheduler.schedule(() => net.configure({ loss: 0 }), 45);
      scheduler.schedule(() => beating.unsubscribe(), 100);
      expectObservable(peerStatus(monitor, { interval: 10, scheduler }), '^ 99ms !').toBe('11ms a', { a: 'alive' });
    });
  });
});
