/**
 * Business logic that talks UDP, tested with marble diagrams (spec/examples/sensor-alerts.spec.ts).
 *
 * Sensors send JSON readings `{ sensor, celsius }` over UDP. `sensorAlerts` turns the datagrams
 * of a socket into alerts: `hot <sensor> <celsius>` for a reading above the limit, `silent <peer>`
 * when a sensor sent nothing for `idle` ms, and counts datagrams it cannot read. The spec runs
 * it on the virtual network and asserts each alert at its exact frame; `main()` runs it on real
 * loopback sockets.
 *
 * Run it: `npx tsx examples/sensor-alerts.ts`.
 */
import { Observable, concat, filter, lastValueFrom, map, mergeMap, of, take, toArray } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, groupByPeer, json, type RxUDPSocket, type UDPSocketError } from '../src/node';

/** A reading as the sensors send it. */
export interface Reading {
  sensor: string;
  celsius: number;
}

/** Options of {@link sensorAlerts}. */
export interface SensorAlertOptions {
  /** Readings above this many °C raise `hot`. */
  limit: number;
  /** A sensor silent for this many ms (frames on virtual time) raises `silent`. */
  idle: number;
  /** Told about each datagram that is not a reading. */
  onBadDatagram?: (error: UDPSocketError) => void;
}

const isReading = (value: unknown): value is Reading =>
  typeof (value as Reading | null)?.sensor === 'string' && typeof (value as Reading).celsius === 'number';

/**
 * The alerts of the sensors that send to `rx`. Timers run on the socket's scheduler, so on the
 * virtual network they run on virtual time.
 *
 * @param rx - the socket the sensors send to.
 * @param options - limit, idle time, bad-datagram callback.
 * @returns `hot <sensor> <celsius>` and `silent <address:port>` alerts.
 */
export function sensorAlerts(rx: RxUDPSocket, options: SensorAlertOptions): Observable<string> {
  const readings = json<Reading>({ validate: isReading });
  return rx.message$.pipe(
    groupByPeer({ idle: options.idle, socket: rx }),
    mergeMap((session) =>
      concat(
        session.pipe(
          decode(readings, options.onBadDatagram),
          filter(({ celsius }) => celsius > options.limit),
          map(({ sensor, celsius }) => `hot ${sensor} ${celsius}`),
        ),
        of(`silent ${session.key}`),
      ),
    ),
  );
}

/**
 * Runs the monitor on 127.0.0.1 with two real sensors until both fell silent.
 *
 * @param log - where to print the alerts.
 * @returns the alerts, and how many datagrams could not be read.
 */
export async function main(log: (line: string) => void = console.log): Promise<{ alerts: string[]; bad: number }> {
  const monitor = fromUDPSocket(createUDPSocket());
  const kitchen = createUDPSocket();
  const garage = createUDPSocket();
  let bad = 0;
  try {
    const port = monitor.bind(0, '127.0.0.1');
    kitchen.bind(0, '127.0.0.1');
    garage.bind(0, '127.0.0.1');
    // 4 alerts: one hot reading per sensor, then each sensor falls silent
    const alerts = lastValueFrom(
      sensorAlerts(monitor, { limit: 30, idle: 100, onBadDatagram: () => bad++ }).pipe(take(4), toArray()),
    );
    const send = (socket: typeof kitchen, reading: Reading | string): void =>
      socket.send({ address: '127.0.0.1', port, message: typeof reading === 'string' ? reading : JSON.stringify(reading) });
    send(kitchen, { sensor: 'kitchen', celsius: 21 });
    send(kitchen, { sensor: 'kitchen', celsius: 34 });
    send(garage, 'garbage');
    send(garage, { sensor: 'garage', celsius: 41 });
    const result = await alerts;
    for (const alert of result) log(alert);
    log(`unreadable datagrams: ${bad}`);
    return { alerts: result, bad };
  } finally {
    monitor.close();
    kitchen.close();
    garage.close();
  }
}

if (process.argv[1]?.endsWith('sensor-alerts.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
