/**
 * Recipe: send a large array.
 *
 * 1. Many values, one datagram each: `from(array).pipe(sendTo(rx, target))` sends them in order,
 *    at most `concurrency` in flight, the rest waiting in `sendTo`'s buffer, and completes once
 *    the last one was handed to the OS — one receipt per datagram.
 * 2. One value too big for a datagram (a Float32Array of 1,000,000 samples, 4 MB; a udp4 datagram
 *    holds at most 65,507 bytes, and fragments are best avoided): cut it into chunks of 1,400
 *    bytes with a `[index][count]` header, send the chunks the same way, and reassemble.
 * 3. An endless producer faster than the network: bound `sendTo`'s buffer and choose what to drop
 *    (`bufferSize`, `overflow: 'drop-oldest'`, `onDrop`).
 *
 * A receipt means "handed to the OS", not "delivered": the receiver counts what arrived, and on
 * a busy machine it can be less than what was sent (the kernel drops what the receive buffer
 * cannot hold — hence the 4 MiB `recvBufferSize` here). Delivery needs an answer from the peer.
 *
 * Run it: `npx tsx examples/send-large-array.ts` (loopback only; spec/examples/send-large-array.spec.ts runs it).
 */
import { Subject, count, from, lastValueFrom } from 'rxjs';
import { createUDPSocket, fromUDPSocket, sendTo, type RxUDPSocket, type UDPTarget } from '../src/node';

/** Bytes of samples per chunk: with the 8-byte header, well under a 1,500-byte MTU. */
const CHUNK_BYTES = 1400;

/**
 * Sends every value of `values` as a datagram of its own.
 *
 * @returns the number of receipts: one per value once all were handed to the OS.
 */
export function sendEach(rx: RxUDPSocket, target: UDPTarget, values: readonly string[]): Promise<number> {
  return lastValueFrom(from(values).pipe(sendTo(rx, target), count()));
}

/**
 * Cuts `samples` into datagrams `[index: uint32][count: uint32][bytes]`.
 *
 * @returns the datagrams, in order.
 */
export function chunksOf(samples: Float32Array): Uint8Array[] {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const total = Math.ceil(bytes.byteLength / CHUNK_BYTES);
  const chunks: Uint8Array[] = [];
  for (let index = 0; index < total; index++) {
    const part = bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
    const chunk = new Uint8Array(8 + part.byteLength);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, index);
    view.setUint32(4, total);
    chunk.set(part, 8);
    chunks.push(chunk);
  }
  return chunks;
}

/** Reassembles chunks as they arrive; tells which are missing. */
export class Reassembly {
  private readonly parts = new Map<number, Uint8Array>();
  private total = 0;

  /** Takes one datagram of {@link chunksOf}. */
  add(datagram: ArrayBuffer): void {
    const view = new DataView(datagram);
    this.total = view.getUint32(4);
    this.parts.set(view.getUint32(0), new Uint8Array(datagram, 8));
  }

  /** How many chunks are still missing. */
  get missing(): number {
    return this.total - this.parts.size;
  }

  /** The samples, once every chunk arrived. */
  samples(): Float32Array | undefined {
    if (this.total === 0 || this.missing > 0) return undefined;
    const bytes = new Uint8Array([...this.parts.values()].reduce((n, part) => n + part.byteLength, 0));
    for (let index = 0, offset = 0; index < this.total; index++) {
      const part = this.parts.get(index)!;
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    return new Float32Array(bytes.buffer);
  }
}

/** Resolves once `read()` stopped changing for `quiet` ms. */
async function settled(read: () => number, quiet = 100): Promise<number> {
  for (let last = -1; ; ) {
    const now = read();
    if (now === last) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, quiet));
  }
}

/**
 * An endless producer faster than the socket: a burst pushed at once into a bounded buffer that
 * keeps the freshest values (`overflow: 'drop-oldest'`), counting what it drops.
 *
 * @returns receipts and drops: they add up to `pushed`.
 */
export async function sendBounded(rx: RxUDPSocket, target: UDPTarget, pushed: number): Promise<{ receipts: number; dropped: number }> {
  let dropped = 0;
  const readings = new Subject<string>();
  const receipts = lastValueFrom(
    readings.pipe(
      sendTo(rx, target, { concurrency: 16, bufferSize: 100, overflow: 'drop-oldest', onDrop: (_value, count) => (dropped = count) }),
      count(),
    ),
  );
  for (let i = 0; i < pushed; i++) readings.next(`fresh ${i}`);
  readings.complete();
  return { receipts: await receipts, dropped };
}

/** What {@link main} saw. */
export interface SendLargeArrayResult {
  values: { sent: number; receipts: number; received: number };
  bounded: { pushed: number; receipts: number; dropped: number };
  chunks: { sent: number; receipts: number; received: number; intact: boolean };
}

/**
 * Runs the recipe over 127.0.0.1.
 *
 * @param log - where to print.
 * @param valueCount - how many values part 1 sends.
 * @param sampleCount - how many samples the array of part 2 holds.
 */
export async function main(log: (line: string) => void = console.log, valueCount = 50_000, sampleCount = 1_000_000): Promise<SendLargeArrayResult> {
  const receiver = fromUDPSocket(createUDPSocket('udp4', { recvBufferSize: 4 * 1024 * 1024 }));
  const sender = fromUDPSocket(createUDPSocket());
  let received = 0;
  const reassembly = new Reassembly();
  let collecting = false;
  const listening = receiver.message$.subscribe(({ message }) => {
    received++;
    if (collecting) reassembly.add(message);
  });
  try {
    const target = { address: '127.0.0.1', port: receiver.bind(0, '127.0.0.1') };

    // 1. many values, one datagram each
    const values = Array.from({ length: valueCount }, (_, i) => `reading ${i}`);
    const receipts = await sendEach(sender, target, values);
    const arrived = await settled(() => received);
    log(`values: ${values.length} sent, ${receipts} receipts, ${arrived} received (a receipt means "handed to the OS", not delivered)`);

    // 2. one array too big for a datagram, in chunks
    received = 0;
    collecting = true;
    const samples = Float32Array.from({ length: sampleCount }, (_, i) => Math.sin(i / 100));
    const chunks = chunksOf(samples);
    const chunkReceipts = await lastValueFrom(from(chunks).pipe(sendTo(sender, target), count()));
    const chunksArrived = await settled(() => received);
    const copy = reassembly.samples();
    const intact = copy !== undefined && copy.every((sample, i) => sample === samples[i]);
    log(`samples: ${samples.byteLength} bytes in ${chunks.length} chunks, ${chunkReceipts} receipts, ${chunksArrived} received, ${intact ? 'reassembled intact' : `${reassembly.missing} missing`}`);
    // 3. an endless producer: a bounded buffer that drops the oldest
    const bounded = await sendBounded(sender, target, 5_000);
    log(`bounded buffer (100, drop-oldest): 5000 pushed at once, ${bounded.receipts} receipts, ${bounded.dropped} dropped`);
    return {
      values: { sent: values.length, receipts, received: arrived },
      bounded: { pushed: 5_000, ...bounded },
      chunks: { sent: chunks.length, receipts: chunkReceipts, received: chunksArrived, intact },
    };
  } finally {
    listening.unsubscribe();
    receiver.close();
    sender.close();
  }
}

if (process.argv[1]?.endsWith('send-large-array.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
