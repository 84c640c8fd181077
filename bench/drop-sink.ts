/**
 * A UDP sink that never reads: a child process binds a socket with the smallest receive buffer,
 * reports its port, then blocks its event loop for good (`Atomics.wait`), so the kernel queues a
 * few datagrams and drops the rest. A sender's cost per datagram is then the same for every
 * subject: no reader on the other core to wake or to compete with, which is what made the send
 * rate swing by ±30 % from one round to the next against a reading sink.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { trackChild } from './peer-client';

const CHILD = `
const dgram = require('node:dgram');
const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 });
socket.bind(0, '127.0.0.1', () => {
  process.stdout.write(socket.address().port + '\\n', () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
});
`;

export interface DropSink {
  port: number;
  close(): void;
}

/** Starts a non-reading sink on 127.0.0.1; `close()` kills it (so does the bench's exit, see trackChild). */
export function openDropSink(): Promise<DropSink> {
  const child: ChildProcess = trackChild(spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`drop sink exited (${code}) before reporting its port`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.indexOf('\n');
      if (line < 0) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(out.slice(0, line)),
        close: kill,
      });
    });
  });
}
