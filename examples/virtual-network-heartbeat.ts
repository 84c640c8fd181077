/**
 * Testing business logic that talks UDP with marble diagrams, on the virtual network.
 *
 * The logic: a monitor listens for heartbeats and declares its peer dead after three missed
 * beats. The test: a peer beats every 10 frames over a link that loses 30 % of the datagrams
 * (seeded, so the losses are the same on every run); we assert frame by frame when the monitor
 * says 'alive' and 'dead'.
 *
 * Run it: `npx tsx examples/virtual-network-heartbeat.ts` (spec/testing/heartbeat.spec.ts runs it too).
 */
import { deepStrictEqual } from 'node:assert';
import {
  EMPTY,
  Observable,
  asyncScheduler,
  concat,
  distinctUntilChanged,
  interval,
  map,
  of,
  startWith,
  switchMap,
  timer,
  type SchedulerLike,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { UDPSocketLike } from '../src';
import { createVirtualNetwork } from '../src/testing';

/** What the monitor thinks of its peer. */
export type PeerStatus = 'alive' | 'dead';

/** Options of {@link peerStatus}. */
export interface PeerStatusOptions {
  /** Period of the peer's heartbeats, in ms (frames in a marble test). */
  interval: number;
  /**
   * Beats missed in a row before the peer is declared dead.
   * @default 3
   */
  missedBeats?: number;
  /**
   * Scheduler of the deadline timer.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * The business logic under test: `'alive'` when a heartbeat arrives after silence, `'dead'` once
 * `missedBeats` beats are missing: `missedBeats + 0.5` periods without one (counted from
 * subscription, then from the last beat).
 *
 * @param socket - the socket the heartbeats arrive on.
 * @param options - beat interval, tolerated misses, scheduler.
 * @returns the status changes of the peer.
 * @example
 * peerStatus(monitor, { interval: 1000 }).subscribe((status) => console.log(status));
 */
export function peerStatus(socket: UDPSocketLike, options: PeerStatusOptions): Observable<PeerStatus> {
  const { interval: period, missedBeats = 3, scheduler = asyncScheduler } = options;
  // Half a period of grace: a beat arriving right on the third period is late, not missing.
  const deadline = period * (missedBeats + 0.5);
  const beats$ = new Observable<true>((subscriber) => {
    const listener = (): void => subscriber.next(true);
    socket.onMessage(listener);
    return () => socket.offMessage(listener);
  });
  return beats$.pipe(
    startWith(false), // subscribing arms the first deadline
    switchMap((beat) =>
      concat(beat ? of<PeerStatus>('alive') : EMPTY, timer(deadline, scheduler).pipe(map((): PeerStatus => 'dead'))),
    ),
    distinctUntilChanged(),
  );
}

/** Heartbeats sent at 10, 20, ...; 30, 40 and 50 are lost (three in a row), so is 70 (only one). */
const TRAFFIC = '11ms o 9ms o 8ms x 9ms x 9ms x 10ms o 8ms x 10ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o 9ms o';
/** Alive at the first beat (11); dead at 56 = 21 + 35; alive at 61; dead 35 after the last beat (191). */
const STATUS = '11ms a 44ms d 4ms a 164ms d';

/**
 * The marble test of {@link peerStatus}: a peer on host 10.0.0.2 beats every 10 frames to a
 * monitor on 10.0.0.1 over a link with latency 1 and 30 % loss (seed 4), for 200 frames.
 *
 * @param assertEqual - the deep-equality assertion of the test framework.
 * @returns the fates of the heartbeats, in send order.
 * @example
 * runHeartbeatExample((actual, expected) => expect(actual).toEqual(expected));
 */
export function runHeartbeatExample(
  assertEqual: (actual: unknown, expected: unknown) => void = deepStrictEqual,
): string[] {
  const fates: string[] = [];
  const scheduler = new TestScheduler(assertEqual);
  scheduler.run(({ expectObservable }) => {
    const net = createVirtualNetwork({ scheduler, latency: 1, loss: 0.3, seed: 4 });
    const monitor = net.createUDPSocket('udp4', { host: '10.0.0.1' });
    monitor.bind(7000);
    const peer = net.createUDPSocket('udp4', { host: '10.0.0.2' });
    const beating = interval(10, scheduler).subscribe(() => peer.send({ address: '10.0.0.1', port: 7000, message: 'beat' }));
    scheduler.schedule(() => beating.unsubscribe(), 200);
    net.traffic$.subscribe(({ fate }) => fates.push(fate));

    // Heartbeats: 'o' = delivered (at its arrival frame), 'x' = lost (at its send frame).
    expectObservable(net.traffic$.pipe(map(({ fate }) => (fate === 'lost' ? 'x' : 'o'))), '^ 210ms !').toBe(
      TRAFFIC,
    );
    // The monitor: alive at the first beat, dead 30 frames after the last beat before a loss streak.
    expectObservable(peerStatus(monitor, { interval: 10, scheduler }), '^ 240ms !').toBe(STATUS, {
      a: 'alive',
      d: 'dead',
    });
  });
  return fates;
}

if (process.argv[1]?.endsWith('virtual-network-heartbeat.ts') === true) {
  const fates = runHeartbeatExample();
  console.log(`heartbeats: ${fates.map((fate) => (fate === 'lost' ? 'x' : 'o')).join('')}`);
  console.log('the monitor declared the peer dead after three missed beats, frame by frame as asserted');
}
