/**
 * One subject, one direction, for a fixed time, under the V8 CPU profiler (the one of
 * `node --cpu-prof`), started after the warm-up so that module loading (tsx) stays out:
 *
 *   npx tsx bench/profile.ts receive onMessage 5     # -> bench/results/profiles/receive-onMessage.cpuprofile
 *   npx tsx bench/profile.ts send raw 5
 *   npx tsx bench/profile-summary.ts bench/results/profiles/receive-onMessage.cpuprofile
 *
 * `receive <subject> [seconds] [rate]`: the peer sends to a receiver of the subject, unpaced or
 *   paced at `rate` datagrams/s.
 * `send <subject>`: the subject sends in batches to a sink that never reads (as the bench does).
 * `rtt <subject>`: sequential ping-pongs with the peer's echo server (raw, request, callback).
 * Subjects are the ids of `bench/subjects.ts` (raw, onMessage, message$, send, sendTo, ...).
 * Like the bench it measures the tsc build of `src/`; `--src` profiles `src/` through tsx.
 * The .cpuprofile also opens in Chrome DevTools (Performance) or speedscope.
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { openDropSink } from './drop-sink';
import { buildLibrary } from './lib';
import { Peer } from './peer-client';
import { nowMs } from './stats';
import { PAYLOAD_SIZE, pingers, receiverById, senders } from './subjects';

const session = new Session();
const post = <T>(method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));

async function startProfiler(): Promise<void> {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
}

async function stopProfiler(file: string): Promise<void> {
  const { profile } = await post<{ profile: object }>('Profiler.stop');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  console.log(`profile: ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--src');
  if (!process.argv.includes('--src')) buildLibrary();
  const [direction, id, seconds = '5', rateArg = '0'] = args;
  const rate = Number(rateArg);
  const durationMs = Number(seconds) * 1000;
  const file = path.join(__dirname, 'results', 'profiles', `${direction}-${id}.cpuprofile`);
  const peer = await Peer.start();
  try {
    if (direction === 'receive') {
      const warm = await receiverById(id!).open();
      await peer.blast({ port: warm.port, rate: 0, size: PAYLOAD_SIZE, durationMs: 500, count: 1e9 });
      warm.close();
      const receiver = await receiverById(id!).open();
      await startProfiler();
      const blast = await peer.blast({ port: receiver.port, rate, size: PAYLOAD_SIZE, durationMs, count: 1e9 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await stopProfiler(file);
      console.log(`${id}: sent ${blast.sent}, received ${receiver.received()} in ${(blast.elapsedMs / 1000).toFixed(1)} s`);
      receiver.close();
    } else if (direction === 'send') {
      const subject = senders().find((s) => s.id === id);
      if (subject === undefined) throw new Error(`unknown sender ${id}`);
      // The non-reading sink of the bench's send stage: what the bench measures is what is profiled.
      const sink = await openDropSink();
      const sender = await subject.open(sink.port);
      for (let i = 0; i < 200; i++) await sender.run(500);
      await startProfiler();
      const t0 = nowMs();
      let sent = 0;
      while (nowMs() - t0 < durationMs) {
        await sender.run(500);
        sent += 500;
      }
      const rate = Math.round((sent / (nowMs() - t0)) * 1000);
      await stopProfiler(file);
      console.log(`${id}: ${rate} datagrams/s, ${sender.errors()} errors`);
      sender.close();
      sink.close();
    } else if (direction === 'rtt') {
      const subject = pingers().find((s) => s.id === id);
      if (subject === undefined) throw new Error(`unknown pinger ${id}`);
      const pinger = await subject.open(await peer.openEcho());
      const samples = new Float64Array(1000);
      await pinger.run(1000, samples);
      await startProfiler();
      const t0 = nowMs();
      let exchanges = 0;
      while (nowMs() - t0 < durationMs) {
        await pinger.run(1000, samples);
        exchanges += 1000;
      }
      const elapsed = nowMs() - t0;
      await stopProfiler(file);
      console.log(`${id}: ${exchanges} round trips, mean ${((elapsed * 1000) / exchanges).toFixed(1)} µs`);
      pinger.close();
    } else {
      throw new Error('usage: profile.ts receive|send|rtt <subject> [seconds]');
    }
  } finally {
    peer.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
