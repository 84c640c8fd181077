/**
 * The cost of the layer itself, in process, without the kernel or a second process: the time
 * per datagram from node:dgram's `'message'` emit to the consumer, for a raw handler and for
 * the rxjs-udp paths, and the time of one `send()` down to the driver.
 *
 * The node driver registers `sink.message.bind(sink)` as the `'message'` listener of its
 * node:dgram socket; here an EventEmitter stands for that socket and a stub driver hands over
 * the sink, so the measured path is exactly the library's. Datagrams are pre-allocated
 * Buffers (node allocates one per datagram in either case) with a fresh `rinfo` each, as node
 * makes. Sends go to a stub handle that completes on the next tick, as node does. Subjects
 * rotate every round; figures are ns per datagram.
 *
 * Set against the CPU cost of one real datagram (receive stage), the difference gives the
 * receive ratio the layer allows: `raw / (raw + overhead)` — steady on a loaded machine, where
 * the socket figures are not.
 */
import { EventEmitter } from 'node:events';
import { asapScheduler, Subject as RxSubject, type Subscription } from 'rxjs';
import type { UDPRemoteInfo, UDPDriver, UDPHandle, UDPHandleSink } from '../src';
import type { BenchContext, Figure } from './context';
import { lib } from './lib';
import { collectGarbage, rotate, summarize } from './stats';
import { PAYLOAD_SIZE } from './subjects';

export interface LayerSubjectResult {
  label: string;
  baseline: boolean;
  /** Nanoseconds per datagram (receive) or per call (send). */
  ns: Figure;
  /** Over the baseline of its group, ns. */
  overheadNs: number;
}

export interface LayerResult {
  iterations: number;
  rounds: number;
  receive: Record<string, LayerSubjectResult>;
  send: Record<string, LayerSubjectResult>;
}

/** A driver whose handle does nothing: it hands the sink over and swallows sends. */
function stubDriver(): { driver: UDPDriver; sink: () => UDPHandleSink } {
  let captured: UDPHandleSink | undefined;
  const handle: Partial<UDPHandle> = {
    bind: (_port, _address, done) => done(null),
    address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 40000 }),
    // node completes a synchronous send on the next tick: so does the stub.
    send: (_data, _offset, _length, _port, _address, done) => {
      if (done !== undefined) process.nextTick(done, null);
    },
    close: () => undefined,
  };
  return {
    driver: {
      scheduler: asapScheduler,
      open: (_type, _options, sink) => {
        captured = sink;
        return handle as UDPHandle;
      },
    },
    sink: () => captured!,
  };
}

interface LayerCase {
  id: string;
  label: string;
  baseline?: boolean;
  /** Sets up, returns the per-iteration function and the teardown. */
  setup(): { step: (i: number) => void; teardown: () => void };
}

const POOL = 1024;
const pool: Buffer[] = Array.from({ length: POOL }, () => Buffer.from(new ArrayBuffer(PAYLOAD_SIZE)));
let consumed = 0;

/** What node:dgram's `onMessage` does per datagram: a fresh rinfo, then `emit('message', buf, rinfo)`. */
function emitter(): { socket: EventEmitter; step: (i: number) => void } {
  const socket = new EventEmitter();
  const step = (i: number): void => {
    const buf = pool[i & (POOL - 1)]!;
    const rinfo: UDPRemoteInfo = { address: '127.0.0.1', family: 'IPv4', port: 50000, size: buf.length };
    socket.emit('message', buf, rinfo);
  };
  return { socket, step };
}

const receiveCases: LayerCase[] = [
  {
    id: 'raw',
    label: "node:dgram 'message'",
    baseline: true,
    setup() {
      const { socket, step } = emitter();
      socket.on('message', (message: Buffer) => {
        consumed += message.length;
      });
      return { step, teardown: () => socket.removeAllListeners() };
    },
  },
  {
    id: 'message$',
    label: 'fromUDPSocket message$',
    setup() {
      const { driver, sink } = stubDriver();
      const udp = lib().createUDPSocket('udp4', { driver });
      const subscription: Subscription = lib().fromUDPSocket(udp).message$.subscribe(({ message }) => {
        consumed += message.byteLength;
      });
      udp.bind(0, '127.0.0.1');
      const { socket, step } = emitter();
      const s = sink();
      socket.on('message', s.message.bind(s));
      return {
        step,
        teardown: () => {
          subscription.unsubscribe();
          udp.close();
        },
      };
    },
  },
  {
    id: 'onMessage',
    label: 'createUDPSocket onMessage',
    setup() {
      const { driver, sink } = stubDriver();
      const udp = lib().createUDPSocket('udp4', { driver });
      udp.onMessage(({ message }) => {
        consumed += message.byteLength;
      });
      udp.bind(0, '127.0.0.1');
      const { socket, step } = emitter();
      const s = sink();
      socket.on('message', s.message.bind(s));
      return { step, teardown: () => udp.close() };
    },
  },
];

const SEND_BATCH = 500;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const sendCases: LayerCase[] = [
  {
    id: 'driver',
    label: 'handle.send (stub)',
    baseline: true,
    setup() {
      const { driver } = stubDriver();
      const handle = driver.open('udp4', {}, { message: () => undefined, error: () => undefined });
      const done = (): void => {
        consumed++;
      };
      return {
        step: (i) => handle.send(pool[i & (POOL - 1)]!, 0, PAYLOAD_SIZE, 50000, '127.0.0.1', done),
        teardown: () => handle.close(),
      };
    },
  },
  {
    id: 'sendTo',
    label: 'sendTo operator',
    setup() {
      const { driver } = stubDriver();
      const udp = lib().createUDPSocket('udp4', { driver });
      udp.bind(0, '127.0.0.1');
      const source = new RxSubject<Uint8Array>();
      const subscription = source.pipe(lib().sendTo(lib().fromUDPSocket(udp), { address: '127.0.0.1', port: 50000 })).subscribe(() => {
        consumed++;
      });
      return {
        step: (i) => source.next(pool[i & (POOL - 1)]!),
        teardown: () => {
          subscription.unsubscribe();
          udp.close();
        },
      };
    },
  },
  {
    id: 'send',
    label: 'createUDPSocket send()',
    setup() {
      const { driver } = stubDriver();
      const udp = lib().createUDPSocket('udp4', { driver });
      udp.bind(0, '127.0.0.1');
      return {
        step: (i) => udp.send({ address: '127.0.0.1', port: 50000, message: pool[i & (POOL - 1)]! }),
        teardown: () => udp.close(),
      };
    },
  },
  {
    id: 'sendWithCallback',
    label: 'createUDPSocket sendWithCallback()',
    setup() {
      const { driver } = stubDriver();
      const udp = lib().createUDPSocket('udp4', { driver });
      udp.bind(0, '127.0.0.1');
      const done = (): void => {
        consumed++;
      };
      return {
        step: (i) => udp.sendWithCallback({ address: '127.0.0.1', port: 50000, message: pool[i & (POOL - 1)]! }, done),
        teardown: () => udp.close(),
      };
    },
  },
];

/**
 * ns per step. Steps run in batches of {@link SEND_BATCH} with a turn of the event loop between
 * them, so that completions (node's next-tick callbacks) are part of the time, as they are for
 * a socket.
 */
async function time(c: LayerCase, iterations: number): Promise<number> {
  collectGarbage();
  const { step, teardown } = c.setup();
  for (let i = 0; i < 10_000; i++) step(i);
  await tick();
  const t0 = performance.now();
  for (let i = 0; i < iterations; ) {
    const end = Math.min(iterations, i + SEND_BATCH);
    for (; i < end; i++) step(i);
    await tick();
  }
  const ns = ((performance.now() - t0) * 1e6) / iterations;
  teardown();
  return ns;
}

async function runGroup(ctx: BenchContext, cases: LayerCase[], iterations: number, rounds: number, group: string): Promise<Record<string, LayerSubjectResult>> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of rotate(cases, round)) {
      const ns = await time(c, iterations);
      samples.get(c.id)!.push(ns);
      ctx.progress.update(`${group} round ${round + 1}/${rounds} ${c.id}: ${ns.toFixed(0)} ns`);
    }
  }
  const base = summarize(samples.get(cases[0]!.id)!).median;
  const out: Record<string, LayerSubjectResult> = {};
  for (const c of cases) {
    const ns = summarize(samples.get(c.id)!);
    out[c.id] = { label: c.label, baseline: c.baseline === true, ns, overheadNs: ns.median - base };
  }
  return out;
}

export async function benchLayer(ctx: BenchContext, stageIndex: number): Promise<LayerResult> {
  const iterations = ctx.quick ? 200_000 : 2_000_000;
  const rounds = ctx.quick ? 3 : 9;
  ctx.progress.begin('layer cost in process', rounds * (receiveCases.length + sendCases.length), stageIndex);
  const receive = await runGroup(ctx, receiveCases, iterations, rounds, 'receive');
  const send = await runGroup(ctx, sendCases, iterations, rounds, 'send');
  if (consumed === 0) throw new Error('layer: nothing consumed');
  return { iterations, rounds, receive, send };
}
