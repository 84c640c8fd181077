/**
 * One subject, one direction, for a fixed time: the workload to run under `node --cpu-prof`.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/results/profiles --import tsx bench/profile.ts send raw 5
 *   node --cpu-prof --cpu-prof-dir=bench/results/profiles --import tsx bench/profile.ts receive onMessage 5
 *   npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile
 *
 * `receive <subject>`: the peer sends unpaced to a receiver of the subject.
 * `send <subject>`: the subject sends in batches to the peer's sink.
 * Subjects are the ids of `bench/subjects.ts` (raw, onMessage, send, sendWithCallback, ...).
 */
import { Peer } from './peer-client';
import { nowMs } from './stats';
import { PAYLOAD_SIZE, receiverById, senders } from './subjects';

async function main(): Promise<void> {
  const [direction, id, seconds = '5'] = process.argv.slice(2);
  const durationMs = Number(seconds) * 1000;
  const peer = await Peer.start();
  try {
    if (direction === 'receive') {
      const receiver = await receiverById(id!).open();
      const blast = await peer.blast({ port: receiver.port, rate: 0, size: PAYLOAD_SIZE, durationMs, count: 1e9 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      console.log(`${id}: sent ${blast.sent}, received ${receiver.received()} in ${(blast.elapsedMs / 1000).toFixed(1)} s`);
      receiver.close();
    } else if (direction === 'send') {
      const subject = senders().find((s) => s.id === id);
      if (subject === undefined) throw new Error(`unknown sender ${id}`);
      const sender = await subject.open(await peer.openSink());
      const t0 = nowMs();
      let sent = 0;
      while (nowMs() - t0 < durationMs) {
        await sender.run(500);
        sent += 500;
      }
      console.log(`${id}: ${Math.round((sent / (nowMs() - t0)) * 1000)} datagrams/s, ${sender.errors()} errors`);
      sender.close();
    } else {
      throw new Error('usage: profile.ts receive|send <subject> [seconds]');
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
