/**
 * Flood stage (issue 13 item 6): a `groupByPeer` + `reply` server on 127.0.0.1 under a flood of
 * amplifying requests from many sources, while a real peer keeps asking. Reports the server
 * process's heap (peak and after, against the bound), bytes out against 3 x bytes in (the
 * amplification guard), and the share of the real peer's requests answered.
 *
 * The sources are real sockets of a child process (`bench/flood-child.ts`), each on its own
 * loopback address and port, in waves: 20,000 sources by default, every one new to the server.
 *
 * A stage of `npm run bench` (`npm run bench -- --only=flood`), which measures the tsc build of
 * `src/` like every stage. Run alone, `npx tsx bench/flood.ts [--quick]` measures `src/` through
 * tsx. Bounded: at most ~20 s; `--quick` (CI) floods 2 waves, ~2 s.
 */
import * as v8 from 'node:v8';
import { mergeMap } from 'rxjs';
import type { GroupByPeerCounters, ReplyCounters } from '../src/node';
import type { BenchContext } from './context';
import { lib } from './lib';
import { runStageChild } from './child-stage';
import { forkBenchChild } from './peer-client';
import { Progress } from './progress';
import { TARGETS } from './report';
import { collectGarbage } from './stats';

/** What {@link benchFlood} measures. */
export interface FloodResult {
  sources: number;
  floodDatagrams: number;
  floodSeconds: number;
  /** Heap of this process (server and real peer): before the flood, peak during it, after it (after GC), MB. */
  heapBeforeMB: number;
  heapPeakMB: number;
  /**
   * The most heap any GC during the flood left in use, MB: what the server held (its sessions,
   * the socket's queues) without the young generation's garbage, which `heapPeakMB` counts until
   * a GC runs (the old generation's garbage is in both until a full GC).
   */
  heapPeakAfterGCMB: number;
  heapAfterMB: number;
  /** The stated bound on heap growth during the flood, MB. */
  heapBoundMB: number;
  requestBytes: number;
  replyBytes: number;
  droppedReplies: number;
  /** replyBytes / requestBytes (the guard's limit is 3). */
  amplification: number;
  sessions: GroupByPeerCounters;
  realRequests: number;
  /** The real peer's requests that reached the pipeline (the rest were dropped by the kernel). */
  realSeen: number;
  realAnswered: number;
  realAnsweredShare: number;
}

/** What the child process reports at the end. */
interface FloodTotals {
  sources: number;
  datagrams: number;
  bytes: number;
}

const HEAP_BOUND_MB = 64;

/** Waves of 1,000 new sources: 20, or 2 with `--quick`. */
const wavesOf = (quick: boolean): number => (quick ? 2 : 20);

/** The stage's title on the progress line. */
const titleOf = (waves: number): string => `flood: ${(waves * 1000).toLocaleString('en-US')} sources against groupByPeer + reply`;
/** Pause between rounds of the flood: 1,000 datagrams every 40 ms, ~25,000/s, under what one core serves with a session per source. */
const PAUSE_MS = 40;

function megabytes(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** The real peer's requests (they ask for 2x) that reached the server's pipeline. */
let realSeen = 0;

/** The server's answer: the request (its id included), padded to `request[0]` times its size. */
function answer({ message }: { message: ArrayBuffer }): Uint8Array {
  const request = new Uint8Array(message);
  if (request[0] === 2) realSeen++;
  const out = new Uint8Array(request.byteLength * request[0]!);
  out.set(request);
  return out;
}

/**
 * Runs the flood stage.
 * @param ctx - `quick`: 2,000 sources instead of 20,000; the progress line (a step per wave).
 * @param index - the stage's number on the progress line.
 * @returns the figures.
 * @example
 * const { realAnsweredShare } = await benchFlood({ quick: true, progress: new Progress(1) }, 1);
 */
export async function benchFlood(ctx: { quick: boolean; progress: Pick<Progress, 'begin' | 'update'> }, index: number): Promise<FloodResult> {
  const { createUDPSocket, fromUDPSocket, groupByPeer, reply } = lib();
  const waves = wavesOf(ctx.quick);
  ctx.progress.begin(titleOf(waves), waves, index);
  const server = createUDPSocket('udp4', { recvBufferSize: 4 * 1024 * 1024 });
  const rx = fromUDPSocket(server);
  const port = server.bind(0, '127.0.0.1');
  const sessions: GroupByPeerCounters = { live: 0, opened: 0, idled: 0, evicted: 0, dropped: 0 };
  const replies: ReplyCounters = { requestBytes: 0, replyBytes: 0, dropped: 0, droppedBytes: 0 };
  // The protocol: byte 0 of a request is how many times its size the answer is (an "ANY" query asks for 20).
  const pipeline = rx.message$
    .pipe(
      groupByPeer({ idle: 2000, counters: sessions, socket: rx }),
      mergeMap((session) => session.pipe(reply(rx, answer, { counters: replies }))),
    )
    .subscribe();

  // The real peer: a 16-byte request every 5 ms asking for 2x, id in bytes 1-4.
  const peer = createUDPSocket('udp4');
  peer.bind(0, '127.0.0.1');
  const answered = new Set<number>();
  peer.onMessage(({ message }) => answered.add(new DataView(message).getUint32(1)));
  let realRequests = 0;
  const asking = setInterval(() => {
    const request = new Uint8Array(16);
    request[0] = 2;
    new DataView(request.buffer).setUint32(1, realRequests++);
    peer.send({ address: '127.0.0.1', port, message: request });
  }, 5);

  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampling = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
  const gcs = new v8.GCProfiler();
  gcs.start();
  realSeen = 0;
  const started = performance.now();
  const child = forkBenchChild('flood-child.ts', [String(port), String(waves), '1000', '5', String(PAUSE_MS)]);
  // The child reports each wave done ({ wave }), then the totals.
  let flood: FloodTotals;
  let floodSeconds: number;
  let heapPeakAfterGC = heapBefore;
  try {
    flood = await new Promise<FloodTotals>((resolve, reject) => {
      child.on('message', (m: { wave: number } | FloodTotals) => {
        if ('wave' in m) ctx.progress.update(`wave ${m.wave}/${waves}, heap +${megabytes(heapPeak - heapBefore)} MB at peak`);
        else resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`flood child exited with ${code}`)));
    });
    floodSeconds = (performance.now() - started) / 1000;
    clearInterval(asking);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last answers
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  } finally {
    // Nothing of the stage outlives it, whether the flood ended or its child failed.
    clearInterval(asking);
    clearInterval(sampling);
    for (const gc of gcs.stop().statistics) heapPeakAfterGC = Math.max(heapPeakAfterGC, gc.afterGC.heapStatistics.usedHeapSize);
    pipeline.unsubscribe();
    peer.close();
    server.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  child.kill();
  const result: FloodResult = {
    sources: flood.sources,
    floodDatagrams: flood.datagrams,
    floodSeconds,
    heapBeforeMB: megabytes(heapBefore),
    heapPeakMB: megabytes(heapPeak),
    heapPeakAfterGCMB: megabytes(heapPeakAfterGC),
    heapAfterMB: megabytes(heapAfter),
    heapBoundMB: HEAP_BOUND_MB,
    requestBytes: replies.requestBytes,
    replyBytes: replies.replyBytes,
    droppedReplies: replies.dropped,
    amplification: replies.requestBytes === 0 ? 0 : replies.replyBytes / replies.requestBytes,
    sessions: { ...sessions },
    realRequests,
    realSeen,
    realAnswered: answered.size,
    realAnsweredShare: realRequests === 0 ? 0 : answered.size / realRequests,
  };
  ctx.progress.update(
    `heap +${(result.heapPeakMB - result.heapBeforeMB).toFixed(1)} MB at peak, out/in ${result.amplification.toFixed(2)}x, real peer ${(result.realAnsweredShare * 100).toFixed(1)} % answered`,
    false,
  );
  return result;
}

/**
 * The flood stage in a fresh process (`bench/flood-server.ts`), as `npm run bench` runs it: the
 * heap figures are then the server's own, not shaped by the stages that ran before.
 */
export function benchFloodInFreshProcess(ctx: Pick<BenchContext, 'quick' | 'progress'>, index: number): Promise<FloodResult> {
  const waves = wavesOf(ctx.quick);
  ctx.progress.begin(`${titleOf(waves)} (a fresh process)`, waves, index);
  return runStageChild<FloodResult>('flood-server.ts', ctx.quick ? ['--quick'] : [], 'flood server', (detail, advance) => ctx.progress.update(detail, advance));
}

if (process.argv[1]?.endsWith('flood.ts') === true) {
  const progress = new Progress(1);
  benchFlood({ quick: process.argv.includes('--quick'), progress }, 1).then(
    (r) => {
      progress.done();
      console.log(`flood: ${r.sources.toLocaleString('en-US')} sources, ${r.floodDatagrams.toLocaleString('en-US')} amplifying requests in ${r.floodSeconds.toFixed(1)} s`);
      console.log(`heap (server process): before ${r.heapBeforeMB} MB, peak ${r.heapPeakMB} MB (+${(r.heapPeakMB - r.heapBeforeMB).toFixed(1)}; +${(r.heapPeakAfterGCMB - r.heapBeforeMB).toFixed(1)} left by a GC at most), after ${r.heapAfterMB} MB; bound +${r.heapBoundMB} MB: ${r.heapPeakMB - r.heapBeforeMB <= r.heapBoundMB ? 'met' : 'NOT met'}`);
      console.log(`bytes: in ${r.requestBytes.toLocaleString('en-US')}, out ${r.replyBytes.toLocaleString('en-US')} (${r.amplification.toFixed(2)}x, limit ${TARGETS.floodAmplification}x: ${r.amplification <= TARGETS.floodAmplification ? 'met' : 'NOT met'}), ${r.droppedReplies.toLocaleString('en-US')} replies dropped by the guard`);
      console.log(`sessions: ${JSON.stringify(r.sessions)}`);
      console.log(`real peer: ${r.realAnswered}/${r.realRequests} answered (${(r.realAnsweredShare * 100).toFixed(2)} %, aim >= ${TARGETS.floodAnsweredShare * 100} %: ${r.realAnsweredShare >= TARGETS.floodAnsweredShare ? 'met' : 'NOT met'}); ${r.realSeen} reached the pipeline (the rest: kernel drops)`);
    },
    (error: unknown) => {
      progress.done();
      console.error(error);
      process.exitCode = 1;
    },
  );
}
