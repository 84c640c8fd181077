/**
 * A node:cluster worker of the cluster stage (bench/cluster.ts): binds the shared port with
 * rxjs-udp's `createUDPSocket` (no `exclusive`: the primary's socket is shared), counts datagrams
 * and notes when the last one came; on `block` it stops its event loop until the given time so
 * the primary can queue a backlog in the shared socket.
 */
import { lib } from './lib';

type Command = { kind: 'bind'; port: number; recvBufferSize: number } | { kind: 'block'; untilNs: string } | { kind: 'report' } | { kind: 'stop' };

const blocker = new Int32Array(new SharedArrayBuffer(4));
let received = 0;
let lastNs = 0n;
let socket: ReturnType<ReturnType<typeof lib>['createUDPSocket']> | undefined;

process.on('message', (command: Command) => {
  if (command.kind === 'bind') {
    socket = lib().createUDPSocket('udp4', { recvBufferSize: command.recvBufferSize });
    socket.onMessage(() => {
      received++;
      lastNs = process.hrtime.bigint();
    });
    socket.onListening(({ port }) => process.send!({ kind: 'listening', port }));
    socket.onError(({ code }) => process.send!({ kind: 'error', code }));
    socket.bind(command.port, '127.0.0.1');
  } else if (command.kind === 'block') {
    const until = BigInt(command.untilNs);
    for (let now = process.hrtime.bigint(); now < until; now = process.hrtime.bigint()) {
      Atomics.wait(blocker, 0, 0, Math.max(0.05, Number(until - now) / 1e6));
    }
  } else if (command.kind === 'report') {
    process.send!({ kind: 'report', received, lastNs: lastNs.toString() });
    received = 0;
    lastNs = 0n;
  } else {
    socket?.close();
    process.disconnect();
  }
});
process.send!({ kind: 'ready' });
