/**
 * The "many sources" of `bench/flood.ts`: waves of real sockets, each bound to its own loopback
 * address (127.0.<wave>.<n>, which Linux's lo answers for) on an OS-chosen port, each sending a
 * few small amplifying requests to the server, then closing. Forged sources are not possible
 * on loopback without raw sockets; this is the closest real traffic: every source is new.
 *
 * argv: port waves socketsPerWave perSocket pauseMs. Reports { wave } after each wave (the
 * progress line), then { sources, datagrams, bytes } over IPC.
 */
import * as dgram from 'node:dgram';

const [port, waves, perWave, perSocket, pauseMs] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
/** An amplifying request: byte 0 asks for a reply 20 times its size (an "ANY" query). */
const REQUEST = Buffer.from([20, 0, 0, 0, 0, 0, 0, 0]);

async function wave(w: number): Promise<number> {
  const sockets: dgram.Socket[] = [];
  await Promise.all(
    Array.from({ length: perWave }, (_, i) => {
      const socket = dgram.createSocket('udp4');
      socket.on('error', () => {});
      sockets.push(socket);
      return new Promise<void>((resolve) => socket.bind(0, `127.${1 + (w >> 8)}.${w & 255}.${1 + (i % 250)}`, () => resolve()));
    }),
  );
  let sent = 0;
  for (let k = 0; k < perSocket; k++) {
    for (const socket of sockets) {
      socket.send(REQUEST, port, '127.0.0.1');
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return sent;
}

async function main(): Promise<void> {
  let datagrams = 0;
  for (let w = 0; w < waves; w++) {
    datagrams += await wave(w);
    process.send!({ wave: w + 1 });
  }
  process.send!({ sources: waves * perWave, datagrams, bytes: datagrams * REQUEST.byteLength });
}

void main();
