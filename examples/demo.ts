/**
 * `npm start`: a real pipeline over loopback, end to end, in about six seconds.
 *
 * 1. Four simulated sensors, each a socket of its own on 127.0.0.1, send StatsD-style readings
 *    (`celsius.<name>:<value>|g` and `readings.<name>:1|c`) every few milliseconds with `sendTo`.
 *    The garage sensor sits behind a poor radio link: 5 % of its readings never leave (simulated).
 * 2. A collector aggregates them — `message$` → `decode` → one-second windows → one summary per
 *    metric (examples/statsd-aggregator.ts) — and prints a live table each window.
 * 3. A control channel asks every sensor for its status twice a second with `request`, each
 *    question carrying an id that `match` checks; halfway, it tells the kitchen sensor to send
 *    twice as fast, and the table shows it.
 * 4. It stops by itself: the sensors stop, the last window is flushed, every socket is closed, and
 *    a summary prints rates, loss and the control round trip (p50, p99).
 *
 * Loopback only; bounded in time (it gives up after `limit` ms whatever happens).
 */
import {
  BehaviorSubject,
  EMPTY,
  catchError,
  type Observable,
  type Subscription,
  count,
  filter,
  interval,
  lastValueFrom,
  map,
  mergeMap,
  of,
  switchMap,
  takeUntil,
  tap,
  timer,
  toArray,
} from 'rxjs';
import { createUDPSocket, decode, encode, fromUDPSocket, isUDPSocketError, json, reply, request, sendTo, type RxUDPSocket, type UDPTarget } from '../src/node';
import { type Flush, aggregate } from './statsd-aggregator';

/** A question on the control channel. */
interface Command {
  id: number;
  op: 'status' | 'set-period';
  period?: number;
}

/** A sensor's answer, with the id of the question. */
interface Status {
  id: number;
  sensor: string;
  sent: number;
  period: number;
}

const commands = json<Command>();
const statuses = json<Status>();

/** A simulated sensor: readings out, control questions in, on one socket. */
class Sensor {
  readonly rx: RxUDPSocket = fromUDPSocket(createUDPSocket());
  /** Readings counted as sent: handed to the OS, or lost on the simulated radio link. */
  sent = 0;
  private readonly period$: BehaviorSubject<number>;
  private readonly running: Subscription;
  private celsius: number;
  private seed: number;

  constructor(
    readonly name: string,
    period: number,
    collector: UDPTarget,
    stop$: Observable<unknown>,
    private readonly radioLoss = 0,
  ) {
    this.period$ = new BehaviorSubject(period);
    this.celsius = 18 + name.length;
    this.seed = name.length * 7919;
    this.rx.bind(0, '127.0.0.1');
    // readings: a line every `period` ms, until stop$
    this.running = this.period$
      .pipe(
        switchMap((every) => interval(every)),
        map(() => this.reading()),
        filter((line) => line !== undefined),
        sendTo(this.rx, collector),
        takeUntil(stop$),
      )
      .subscribe();
    // control: answer each question with the id it carries
    this.running.add(
      this.rx.message$
        .pipe(
          reply(this.rx, ({ message }) => {
            const command = commands.decode(message);
            if (command.op === 'set-period' && command.period !== undefined) this.period$.next(command.period);
            return statuses.encode({ id: command.id, sensor: this.name, sent: this.sent, period: this.period$.value });
          }),
        )
        .subscribe(),
    );
  }

  /** The next reading, or undefined when the simulated radio loses it. */
  private reading(): string | undefined {
    this.sent++;
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    const random = this.seed / 2147483648;
    this.celsius = Math.round((this.celsius + (random - 0.5) * 0.4) * 10) / 10;
    if (random < this.radioLoss) return undefined;
    return `celsius.${this.name}:${this.celsius}|g\nreadings.${this.name}:1|c`;
  }

  close(): void {
    this.running.unsubscribe();
    this.rx.close();
  }
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where to print. */
  log: (line: string) => void;
  /** How long the sensors send, in ms. */
  duration: number;
  /** Window of the live table, in ms. */
  window: number;
  /** Between two status rounds of the control channel, in ms. */
  controlEvery: number;
  /** Give up after this many ms, whatever happens. */
  limit: number;
}

/** What the demo measured. */
export interface DemoSummary {
  seconds: number;
  sent: number;
  received: number;
  /** Fraction of the readings sent that the collector did not count. */
  loss: number;
  /** Per sensor: readings sent and received. */
  sensors: Record<string, { sent: number; received: number }>;
  /** Control requests answered. */
  requests: number;
  /** Control requests that failed (timed out). */
  unanswered: number;
  rttP50: number;
  rttP99: number;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Prints one window of the aggregator as a table. */
function printTable(log: (line: string) => void, flush: Flush, elapsed: number, duration: number, window: number): Map<string, number> {
  const readings = new Map<string, number>();
  const last = new Map<string, number>();
  for (const { name, value } of flush.metrics) {
    const [kind, sensor] = name.split('.') as [string, string];
    (kind === 'readings' ? readings : last).set(sensor, value);
  }
  const time = `${(elapsed / 1000).toFixed(1)}/${(duration / 1000).toFixed(1)} s`;
  const row = (first: string, sensor: string, n: number, celsius = ''): void =>
    log(`   ${first.padEnd(11)}${sensor.padEnd(9)}${String(n).padStart(9)}${String(Math.round((n * 1000) / window)).padStart(8)}${celsius.padStart(10)}`.trimEnd());
  let total = 0;
  [...readings.keys()].sort().forEach((sensor, i) => {
    const n = readings.get(sensor)!;
    total += n;
    row(i === 0 ? time : '', sensor, n, last.get(sensor)?.toFixed(1));
  });
  row('', 'total', total);
  return readings;
}

/**
 * Runs the demo.
 *
 * @param options - output, durations.
 * @returns the summary it printed last.
 */
export async function runDemo(options: Partial<DemoOptions> = {}): Promise<DemoSummary> {
  const { log = console.log, duration = 4000, window = 1000, controlEvery = 500, limit = 20_000 } = options;
  const started = performance.now();
  const collector = fromUDPSocket(createUDPSocket('udp4', { recvBufferSize: 1 << 20 }));
  const control = fromUDPSocket(createUDPSocket());
  const stop$ = timer(duration);
  const sensors: Sensor[] = [];
  const guard = setTimeout(() => {
    log(`  gave up after ${limit} ms`);
    for (const sensor of sensors) sensor.close();
    collector.close();
    control.close();
  }, limit);
  try {
    const target = { address: '127.0.0.1', port: collector.bind(0, '127.0.0.1') };
    control.bind(0, '127.0.0.1');
    log(`rxjs-udp demo — everything on 127.0.0.1, for ${(duration / 1000).toFixed(1)} s\n`);
    log(`1. collector on 127.0.0.1:${target.port}; sensors:`);
    for (const [name, period, loss] of [['kitchen', 4, 0], ['garage', 4, 0.05], ['attic', 8, 0], ['cellar', 10, 0]] as const) {
      const sensor = new Sensor(name, period, target, stop$, loss);
      sensors.push(sensor);
      log(`   ${name.padEnd(8)} 127.0.0.1:${sensor.rx.address()?.port}, a reading every ${period} ms${loss > 0 ? `, ${loss * 100} % lost on its radio link (simulated)` : ''}`);
    }

    // 2. the aggregator: message$ → decode → windows, a table per window
    log(`\n2. live table: message$ → decode → ${window} ms windows → a summary per metric`);
    log(`   ${'time'.padEnd(11)}${'sensor'.padEnd(9)}${'readings'.padStart(9)}${'per s'.padStart(8)}${'last °C'.padStart(10)}`);
    const received = new Map<string, number>();
    const tables = lastValueFrom(
      aggregate(collector.message$.pipe(takeUntil(timer(duration + 100))), { flushInterval: window, scheduler: collector.scheduler }).pipe(
        tap((flush) => {
          for (const [sensor, n] of printTable(log, flush, performance.now() - started, duration, window)) received.set(sensor, (received.get(sensor) ?? 0) + n);
        }),
        count(),
      ),
    );

    // 3. the control channel: status questions with ids, matched by id
    let nextId = 1;
    const rtts: number[] = [];
    const unanswered: string[] = [];
    const ask = (sensor: Sensor, command: Omit<Command, 'id'>): Observable<Status> => {
      const id = nextId++;
      const sentAt = performance.now();
      return of({ ...command, id }).pipe(
        encode(commands),
        request(control, { address: '127.0.0.1', port: sensor.rx.address()!.port }, {
          timeout: 500,
          retries: 2,
          match: (answer) => statuses.decode(answer.message).id === id,
        }),
        decode(statuses),
        tap(() => rtts.push(performance.now() - sentAt)),
        // a question nobody answered is counted, not fatal: the demo goes on
        catchError((error: unknown) => {
          unanswered.push(isUDPSocketError(error) ? error.code : String(error));
          return EMPTY;
        }),
      );
    };
    const controlling = lastValueFrom(
      interval(controlEvery).pipe(
        takeUntil(stop$),
        mergeMap((round) => {
          const speedUp = round === Math.floor(duration / controlEvery / 2) - 1;
          const kitchen = sensors[0]!;
          return speedUp
            ? ask(kitchen, { op: 'set-period', period: 2 }).pipe(tap(() => log('   control → kitchen: set-period 2 ms (answered, id matched)')))
            : of(...sensors).pipe(mergeMap((sensor) => ask(sensor, { op: 'status' })));
        }),
        toArray(),
      ),
      { defaultValue: [] },
    );

    await Promise.all([tables, controlling]);
    const seconds = (performance.now() - started) / 1000;

    // 4. the summary
    const perSensor: DemoSummary['sensors'] = {};
    for (const sensor of sensors) perSensor[sensor.name] = { sent: sensor.sent, received: received.get(sensor.name) ?? 0 };
    const sent = sensors.reduce((n, s) => n + s.sent, 0);
    const got = [...received.values()].reduce((n, v) => n + v, 0);
    const sorted = [...rtts].sort((a, b) => a - b);
    const summary: DemoSummary = {
      seconds,
      sent,
      received: got,
      loss: sent === 0 ? 0 : 1 - got / sent,
      sensors: perSensor,
      requests: rtts.length,
      unanswered: unanswered.length,
      rttP50: quantile(sorted, 0.5),
      rttP99: quantile(sorted, 0.99),
    };
    log('\n3. summary');
    for (const [name, { sent: s, received: r }] of Object.entries(perSensor)) {
      log(`   ${name.padEnd(8)} sent ${String(s).padStart(5)}  received ${String(r).padStart(5)}  loss ${((1 - r / Math.max(s, 1)) * 100).toFixed(1)} %`);
    }
    log(`   readings: ${sent} sent, ${got} received in ${(duration / 1000).toFixed(1)} s — ${Math.round(got / (duration / 1000))}/s, loss ${(summary.loss * 100).toFixed(1)} %`);
    log(`   control:  ${rtts.length} requests answered${unanswered.length > 0 ? `, ${unanswered.length} not (${[...new Set(unanswered)].join(', ')})` : ''}, round trip p50 ${summary.rttP50.toFixed(2)} ms, p99 ${summary.rttP99.toFixed(2)} ms`);
    return summary;
  } finally {
    clearTimeout(guard);
    for (const sensor of sensors) sensor.close();
    collector.close();
    control.close();
    log('   all sockets closed');
  }
}

if (process.argv[1]?.endsWith('demo.ts') === true) {
  runDemo().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
