/**
 * Benchmark of the virtual network (`rxjs-udp/testing`): datagrams simulated per second with no
 * faults, and a network of 10,000 sockets that bind and exchange one datagram each.
 *
 * Run alone: `npx tsx bench/virtual-network.ts [--quick]`. `bench/index.ts` calls
 * {@link benchVirtualNetwork}. Everything runs on a `VirtualTimeScheduler`: the figures measure the
 * simulation itself, not a clock.
 */
import { VirtualTimeScheduler } from 'rxjs';
import type { UDPRemoteInfo, UDPHandle, UDPHandleSink } from '../src';
import { createVirtualNetwork } from '../src/testing';

/** Options of {@link benchVirtualNetwork}. */
export interface VirtualBenchOptions {
  /** Fewer datagrams and rounds, for CI. */
  quick: boolean;
}

/** One throughput measurement. */
export interface ThroughputResult {
  /** Datagrams delivered per second of wall time (median of the rounds). */
  perSecond: number;
  /** Slowest and fastest round. */
  min: number;
  max: number;
  /** Datagrams per round. */
  datagrams: number;
  rounds: number;
}

/** What {@link benchVirtualNetwork} returns. */
export interface VirtualBenchResult {
  /** The headline figure: datagrams per second through the socket API (`send` → `onMessage`), no faults. */
  datagramsPerSecond: number;
  /** Through the socket API: `socket.send()` to `onMessage` listeners. */
  socketApi: ThroughputResult;
  /** Through the driver alone: `UDPHandle.send()` to `UDPHandleSink.message()`. */
  driver: ThroughputResult;
  /** 10,000 sockets bind, each sends one datagram to the next, all are received. */
  tenThousandSockets: { sockets: number; bindMs: number; exchangeMs: number; totalMs: number; delivered: number };
  /** The target in docs/design.md. */
  target: number;
}

const PAYLOAD = new Uint8Array(64).fill(7);
const PER_FRAME = 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `round` several times after a warm-up; each returns datagrams/s. */
function measure(rounds: number, datagrams: number, round: () => number): ThroughputResult {
  round(); // warm-up: let the JIT settle
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) rates.push(round());
  return { perSecond: median(rates), min: Math.min(...rates), max: Math.max(...rates), datagrams, rounds };
}

/** `datagrams` sent through the socket API in bursts of 1,000 per frame, from one socket to another. */
function socketRound(datagrams: number): number {
  const scheduler = new VirtualTimeScheduler();
  const net = createVirtualNetwork({ scheduler });
  const server = net.createUDPSocket();
  const port = server.bind();
  let received = 0;
  server.onMessage(() => {
    received++;
  });
  const client = net.createUDPSocket();
  client.bind();
  const option = { address: '127.0.0.1', port, message: PAYLOAD };
  const frames = Math.ceil(datagrams / PER_FRAME);
  for (let f = 0; f < frames; f++) {
    scheduler.schedule(() => {
      for (let i = 0; i < PER_FRAME; i++) client.send(option);
    }, f);
  }
  const start = performance.now();
  scheduler.flush();
  const seconds = (performance.now() - start) / 1000;
  if (received !== frames * PER_FRAME) throw new Error(`socket bench: ${received} of ${frames * PER_FRAME} received`);
  server.close();
  client.close();
  return received / seconds;
}

/** The same through the driver interface only (no socket layer). */
function driverRound(datagrams: number): number {
  const scheduler = new VirtualTimeScheduler();
  const net = createVirtualNetwork({ scheduler });
  let received = 0;
  const sink: UDPHandleSink = {
    message(_data: Uint8Array, _remote: UDPRemoteInfo) {
      received++;
    },
    error(error: Error) {
      throw error;
    },
  };
  const server: UDPHandle = net.driver.open('udp4', {}, sink);
  server.bind(0, '127.0.0.1', () => {});
  const port = server.address().port;
  const client: UDPHandle = net.driver.open('udp4', {}, sink);
  client.bind(0, '127.0.0.1', () => {});
  const frames = Math.ceil(datagrams / PER_FRAME);
  for (let f = 0; f < frames; f++) {
    scheduler.schedule(() => {
      for (let i = 0; i < PER_FRAME; i++) client.send(PAYLOAD, 0, PAYLOAD.byteLength, port, '127.0.0.1');
    }, f);
  }
  const start = performance.now();
  scheduler.flush();
  const seconds = (performance.now() - start) / 1000;
  if (received !== frames * PER_FRAME) throw new Error(`driver bench: ${received} of ${frames * PER_FRAME} received`);
  server.close();
  client.close();
  return received / seconds;
}

/** 10,000 sockets bind (ephemeral ports), each sends one datagram to the next one; all arrive. */
function tenThousandSockets(count: number): VirtualBenchResult['tenThousandSockets'] {
  const scheduler = new VirtualTimeScheduler();
  const net = createVirtualNetwork({ scheduler, latency: 1 });
  let delivered = 0;
  const start = performance.now();
  const sockets = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = net.createUDPSocket();
    socket.onMessage(() => {
      delivered++;
    });
    ports.push(socket.bind(0, '127.0.0.1'));
    sockets.push(socket);
  }
  scheduler.flush(); // every onListening
  const bound = performance.now();
  for (let i = 0; i < count; i++) {
    sockets[i]!.send({ address: '127.0.0.1', port: ports[(i + 1) % count]!, message: PAYLOAD });
  }
  scheduler.flush();
  const end = performance.now();
  if (delivered !== count) throw new Error(`${count} sockets: ${delivered} datagrams delivered`);
  if (new Set(ports).size !== count || ports.includes(0)) throw new Error(`${count} sockets: ports not distinct`);
  for (const socket of sockets) socket.close();
  return { sockets: count, bindMs: bound - start, exchangeMs: end - bound, totalMs: end - start, delivered };
}

/**
 * Measures the virtual network: datagrams per second through the socket API and through the
 * driver (64-byte payloads, no faults, bursts of 1,000 per frame on a `VirtualTimeScheduler`),
 * and the 10,000-socket scenario.
 *
 * @param options - `quick` for fewer datagrams and rounds.
 * @returns the figures; `datagramsPerSecond` is the socket-API rate.
 * @example
 * const { datagramsPerSecond } = await benchVirtualNetwork({ quick: true });
 */
export async function benchVirtualNetwork(options: VirtualBenchOptions): Promise<VirtualBenchResult> {
  const datagrams = options.quick ? 200_000 : 1_000_000;
  const rounds = options.quick ? 3 : 7;
  const socketApi = measure(rounds, datagrams, () => socketRound(datagrams));
  const driver = measure(rounds, datagrams, () => driverRound(datagrams));
  const sockets = tenThousandSockets(10_000);
  return { datagramsPerSecond: socketApi.perSecond, socketApi, driver, tenThousandSockets: sockets, target: 500_000 };
}

function format(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.argv[1]?.endsWith('virtual-network.ts') === true) {
  benchVirtualNetwork({ quick: process.argv.includes('--quick') }).then(
    (r) => {
      const row = (name: string, t: ThroughputResult): string =>
        `${name.padEnd(34)} ${format(t.perSecond).padStart(11)} datagrams/s  (min ${format(t.min)}, max ${format(t.max)}; ${t.rounds} × ${format(t.datagrams)})`;
      console.log('virtual network, 64-byte datagrams, no faults, VirtualTimeScheduler');
      console.log(row('socket API (send → onMessage)', r.socketApi));
      console.log(row('driver (UDPHandle → sink)', r.driver));
      const s = r.tenThousandSockets;
      console.log(
        `${format(s.sockets)} sockets: bind ${s.bindMs.toFixed(0)} ms, exchange ${s.exchangeMs.toFixed(0)} ms, total ${s.totalMs.toFixed(0)} ms, ${format(s.delivered)} delivered`,
      );
      console.log(`target ≥ ${format(r.target)}/s: ${r.datagramsPerSecond >= r.target ? 'met' : 'NOT met'}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
