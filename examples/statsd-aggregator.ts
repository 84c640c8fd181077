/**
 * Recipe: a StatsD-style aggregator — `message$` → `decode` → time windows → one summary per
 * metric per window.
 *
 * Clients send lines `name:value|type` (`c` counter, `g` gauge, `ms` timer; a counter may carry a
 * sample rate, `|@0.1`), several per datagram separated by newlines, as StatsD clients do. Every
 * `flushInterval` ms the aggregator emits a {@link Flush}: per metric, the sum of a counter, the
 * last value of a gauge, count / min / p50 / max of a timer. Lines that are not metrics are
 * counted, never fatal. Windows run on the socket's scheduler, so the same code is marble-tested
 * on the virtual network (spec/examples/statsd-aggregator.spec.ts) and runs on real sockets below.
 *
 * Run it: `npx tsx examples/statsd-aggregator.ts` (loopback only).
 */
import {
  type Observable,
  type SchedulerLike,
  filter,
  firstValueFrom,
  groupBy,
  map,
  mergeMap,
  reduce,
  take,
  toArray,
  windowTime,
} from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, text, type UDPMessageResult } from '../src/node';

/** The kinds of metric: counter, gauge, timer. */
export type MetricType = 'c' | 'g' | 'ms';

/** One line of the protocol, parsed. */
export interface Metric {
  name: string;
  type: MetricType;
  /** The value, a counter's already divided by its sample rate. */
  value: number;
}

/** What a window says about one metric. */
export interface MetricSummary {
  name: string;
  type: MetricType;
  /** Lines received for it in the window. */
  count: number;
  /** Counter: the sum. Gauge: the last value. Timer: the median. */
  value: number;
  /** Timer only: the smallest and largest value. */
  min?: number;
  max?: number;
}

/** One window: every metric seen in it, sorted by name. */
export interface Flush {
  /** When the window closed (ms, or frames on virtual time). */
  at: number;
  metrics: MetricSummary[];
}

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  /** Window length in ms (frames on virtual time). */
  flushInterval: number;
  /** Where windows run; use the socket's (`rx.scheduler`) to run on virtual time in tests. */
  scheduler: SchedulerLike;
  /** Told about each line that is not a metric, and each datagram that is not text. */
  onBadLine?: (line: string) => void;
}

const LINE = /^([\w.-]+):(-?\d+(?:\.\d+)?)\|(c|g|ms)(?:\|@(0?\.\d+|1))?$/;

/**
 * Parses one datagram of StatsD lines.
 *
 * @param datagram - lines separated by `\n`.
 * @param onBadLine - told about each line that does not parse.
 * @returns the metrics, in order.
 */
export function parseLines(datagram: string, onBadLine?: (line: string) => void): Metric[] {
  const metrics: Metric[] = [];
  for (const line of datagram.split('\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) {
      onBadLine?.(line);
      continue;
    }
    const [, name, value, type, rate] = match;
    const sampled = type === 'c' && rate !== undefined ? Number(value) / Number(rate) : Number(value);
    metrics.push({ name: name!, type: type as MetricType, value: sampled });
  }
  return metrics;
}

/** The summary of one metric's values in one window. */
function summarize(name: string, type: MetricType, values: number[]): MetricSummary {
  if (type === 'c') return { name, type, count: values.length, value: values.reduce((a, b) => a + b, 0) };
  if (type === 'g') return { name, type, count: values.length, value: values.at(-1)! };
  const sorted = [...values].sort((a, b) => a - b);
  return { name, type, count: values.length, value: sorted[(sorted.length - 1) >> 1]!, min: sorted[0]!, max: sorted.at(-1)! };
}

/**
 * The aggregator: datagrams in, one {@link Flush} per window that saw at least one metric.
 *
 * @param messages$ - the datagrams, e.g. `rx.message$`.
 * @param options - window length, scheduler, bad-line callback.
 * @returns the flushes; completes when `messages$` does (flushing the last window).
 */
export function aggregate(messages$: Observable<UDPMessageResult>, options: AggregateOptions): Observable<Flush> {
  const { flushInterval, scheduler, onBadLine } = options;
  return messages$.pipe(
    decode(text, (error) => onBadLine?.(`(${error.code})`)),
    mergeMap((datagram) => parseLines(datagram, onBadLine)),
    // one window per flush interval...
    windowTime(flushInterval, scheduler),
    mergeMap((window) =>
      window.pipe(
        // ...and in each window, one group per metric, reduced to its summary when the window closes
        groupBy(({ name, type }) => `${name}|${type}`),
        mergeMap((metric) =>
          metric.pipe(
            reduce((values, { value }) => {
              values.push(value);
              return values;
            }, [] as number[]),
            map((values) => {
              const [name, type] = metric.key.split('|') as [string, MetricType];
              return summarize(name, type, values);
            }),
          ),
        ),
        toArray(),
        filter((metrics) => metrics.length > 0),
        map((metrics): Flush => ({ at: scheduler.now(), metrics: metrics.sort((a, b) => a.name.localeCompare(b.name)) })),
      ),
    ),
  );
}

/**
 * Formats a flush as a table, one metric a line.
 *
 * @param flush - a window's summary.
 * @returns the lines.
 */
export function formatFlush({ metrics }: Flush): string[] {
  return metrics.map(({ name, type, count, value, min, max }) => {
    const range = min === undefined ? '' : `  min ${min}  max ${max}`;
    return `${name.padEnd(24)} ${type.padEnd(2)} ${String(value).padStart(8)}  (${count} lines)${range}`;
  });
}

/**
 * Runs the aggregator on 127.0.0.1 with two clients for two windows of 100 ms.
 *
 * @param log - where to print the tables.
 * @returns the flushes, and the number of unreadable lines.
 */
export async function main(log: (line: string) => void = console.log): Promise<{ flushes: Flush[]; bad: number }> {
  const server = fromUDPSocket(createUDPSocket());
  const web = createUDPSocket();
  const worker = createUDPSocket();
  let bad = 0;
  try {
    const port = server.bind(0, '127.0.0.1');
    const start = server.scheduler.now();
    const flushes = firstValueFrom(
      aggregate(server.message$, { flushInterval: 100, scheduler: server.scheduler, onBadLine: () => bad++ }).pipe(take(2), toArray()),
    );
    const send = (socket: typeof web, message: string): void => socket.send({ address: '127.0.0.1', port, message });
    send(web, 'requests:1|c\nrequest.time:12|ms');
    send(web, 'requests:1|c\nrequest.time:30|ms');
    send(worker, 'jobs.done:10|c|@0.5\nqueue.depth:7|g');
    send(worker, 'not a metric');
    setTimeout(() => send(worker, 'queue.depth:3|g\njobs.done:1|c'), 150);
    const result = await flushes;
    for (const flush of result) {
      log(`flush at +${flush.at - start} ms`);
      for (const line of formatFlush(flush)) log(`  ${line}`);
    }
    log(`unreadable lines: ${bad}`);
    return { flushes: result, bad };
  } finally {
    server.close();
    web.close();
    worker.close();
  }
}

if (process.argv[1]?.endsWith('statsd-aggregator.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
