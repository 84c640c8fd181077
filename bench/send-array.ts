/**
 * A whole array through `sendTo` with default options, as a batch job does it: does it complete,
 * how long it takes, how much heap it takes at its peak, and how much of it a receiver in the peer
 * process got — the burst loss that a receipt ("handed to the operating system") cannot show.
 */
import { from } from 'rxjs';
import type { BenchContext } from './context';
import { lib } from './lib';
import { collectGarbage } from './stats';
import { PAYLOAD_SIZE } from './subjects';

export interface SendArrayResult {
  values: number;
  completed: boolean;
  receipts: number;
  seconds: number;
  /** Highest heap used while sending, bytes above the heap before the array was made. */
  heapPeakAbove: number;
  /** Datagrams the receiver (the peer process, default SO_RCVBUF) got. */
  received: number;
  /** 1 − received / sent. */
  loss: number;
  error?: string;
}

export async function benchSendArray(ctx: BenchContext, stageIndex: number): Promise<SendArrayResult> {
  const values = ctx.quick ? 100_000 : 1_000_000;
  ctx.progress.begin(`sendTo of a ${values.toLocaleString('en-US')}-value array`, 1, stageIndex);
  const port = await ctx.peer.openCounter();
  const socket = lib().createUDPSocket('udp4');
  socket.bind(0, '127.0.0.1');
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => {
    const used = process.memoryUsage().heapUsed;
    if (used > peak) peak = used;
  }, 20);
  const payloads = Array.from({ length: values }, () => new Uint8Array(PAYLOAD_SIZE));
  let receipts = 0;
  let error: string | undefined;
  const started = performance.now();
  try {
    await new Promise<void>((resolve) => {
      from(payloads)
        .pipe(lib().sendTo(socket, { address: '127.0.0.1', port }))
        .subscribe({
          next: () => receipts++,
          error: (e: unknown) => {
            error = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
            resolve();
          },
          complete: () => resolve(),
        });
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const final = process.memoryUsage().heapUsed;
  if (final > peak) peak = final;
  // Let the last datagrams reach the sink.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const received = await ctx.peer.readCounter(port);
  socket.close();
  const result: SendArrayResult = {
    values,
    completed: error === undefined,
    receipts,
    seconds,
    heapPeakAbove: peak - heapBefore,
    received,
    loss: 1 - received / values,
    ...(error === undefined ? {} : { error }),
  };
  ctx.progress.update(
    `${result.completed ? 'completed' : `failed (${error})`} in ${seconds.toFixed(2)} s, peak heap +${(result.heapPeakAbove / 1048576).toFixed(1)} MB, receiver got ${(100 * (1 - result.loss)).toFixed(1)} %`,
  );
  return result;
}
