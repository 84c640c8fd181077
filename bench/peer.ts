/**
 * The peer process of the bench: a paced sender and an echo server on
 * 127.0.0.1, driven over IPC by the parent (`bench/peer-client.ts`). Plain node:dgram, so the
 * load generator is the same whatever the parent measures.
 *
 * Every loop is bounded (duration and count) and the process exits when the parent goes away.
 */
import * as dgram from 'node:dgram';
import type { BlastCommand, BlastResult, PeerReply, PeerRequest } from './protocol';

/** Never send more than this per event-loop turn, so IPC (a `stop`) gets through. */
const BATCH = 64;
/** Do not let libuv queue more than this when the kernel pushes back. */
const MAX_QUEUED = 256;
/** The peer never outlives this, whatever happens to the parent. */
const MAX_LIFETIME_MS = 20 * 60_000;

// A lookup that answers IP literals synchronously: replies and sends skip dns.lookup's tick.
const syncLookup = (address: string, _family: unknown, callback: (e: Error | null, a: string, f: number) => void): void =>
  callback(null, address, 4);

let stopRequested = false;
/** The counting sinks, by port. */
const counters = new Map<number, { socket: dgram.Socket; count: number }>();

function open(): dgram.Socket {
  const socket = dgram.createSocket({ type: 'udp4', lookup: syncLookup as never });
  socket.on('error', () => undefined); // ICMP errors of a closed receiver are expected
  return socket;
}

function bound(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
}

async function blast(cmd: BlastCommand): Promise<BlastResult> {
  const socket = open();
  await bound(socket);
  await new Promise<void>((resolve) => socket.connect(cmd.port, '127.0.0.1', () => resolve()));
  const payload = Buffer.alloc(cmd.size, 0x61);
  const count = Math.max(0, Math.floor(cmd.count));
  stopRequested = false;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let sent = 0;
    const tick = (): void => {
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (stopRequested || elapsedMs >= cmd.durationMs || sent >= count) {
        socket.close();
        resolve({ sent, elapsedMs });
        return;
      }
      let due = cmd.rate > 0 ? Math.floor((cmd.rate * elapsedMs) / 1000) : sent + BATCH;
      if (due > count) due = count;
      let n = due - sent;
      if (n > BATCH) n = BATCH;
      if (socket.getSendQueueCount() < MAX_QUEUED) {
        for (let i = 0; i < n; i++) socket.send(payload);
        sent += n;
      }
      setImmediate(tick);
    };
    tick();
  });
}

async function handle(request: PeerRequest): Promise<Omit<PeerReply, 'id' | 'ok'>> {
  switch (request.type) {
    case 'blast':
      return { blast: await blast(request) };
    case 'stop':
      stopRequested = true;
      return {};
    case 'count-open': {
      const socket = open();
      const counter = { socket, count: 0 };
      socket.on('message', () => counter.count++);
      const port = await bound(socket);
      counters.set(port, counter);
      return { port };
    }
    case 'count-read': {
      const counter = counters.get(request.port);
      counters.delete(request.port);
      counter?.socket.close();
      return { count: counter?.count ?? 0 };
    }
    case 'echo-open': {
      const socket = open();
      socket.on('message', (message, remote) => socket.send(message, remote.port, remote.address));
      return { port: await bound(socket) };
    }
  }
}

process.on('message', (request: PeerRequest) => {
  handle(request).then(
    (reply) => process.send?.({ id: request.id, ok: true, ...reply } satisfies PeerReply),
    (error: unknown) => process.send?.({ id: request.id, ok: false, error: String(error) } satisfies PeerReply),
  );
});
// The parent went away (crash, Ctrl-C): stop everything.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), MAX_LIFETIME_MS).unref();
process.send?.({ id: 0, ok: true } satisfies PeerReply);
