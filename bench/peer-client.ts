import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { BlastCommand, BlastResult, PeerCommand, PeerReply } from './protocol';

/** Children of the bench, killed when it exits however it exits. */
const children = new Set<ChildProcess>();
let exitHooked = false;

function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/** Tracks a child of the bench so that it is killed when the bench exits, however it exits. */
export function trackChild(child: ChildProcess): ChildProcess {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', killChildren);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        killChildren();
        process.exit(130);
      });
    }
  }
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/**
 * Forks a TypeScript script of `bench/` with tsx, tracked so that it is killed on exit.
 * @param script - file name inside `bench/`.
 * @param args - argv of the child.
 * @param nodeFlags - extra node flags (e.g. `--expose-gc`).
 */
export function forkBenchChild(script: string, args: string[] = [], nodeFlags: string[] = []): ChildProcess {
  return trackChild(
    fork(path.join(__dirname, script), args, {
      cwd: path.join(__dirname, '..'),
      execArgv: [...nodeFlags, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

/** The parent's handle on the peer process: request/response over IPC. */
export class Peer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: PeerReply) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    child.on('message', (reply: PeerReply) => {
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(new Error(`peer: ${reply.error}`));
    });
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`peer exited with ${code}`));
      this.pending.clear();
    });
  }

  /** Starts `bench/peer.ts` and waits until it answers. */
  static async start(): Promise<Peer> {
    const peer = new Peer(forkBenchChild('peer.ts'));
    await peer.ready;
    return peer;
  }

  call(command: PeerCommand): Promise<PeerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...command, id });
    });
  }

  async blast(command: Omit<BlastCommand, 'type'>): Promise<BlastResult> {
    return (await this.call({ type: 'blast', ...command })).blast!;
  }

  async stopBlast(): Promise<void> {
    await this.call({ type: 'stop' });
  }



  /** Opens a counting sink in the peer process; its port. */
  async openCounter(): Promise<number> {
    return (await this.call({ type: 'count-open' })).port!;
  }

  /** What the counting sink on `port` received; closes it. */
  async readCounter(port: number): Promise<number> {
    return (await this.call({ type: 'count-read', port })).count!;
  }

  async openEcho(): Promise<number> {
    return (await this.call({ type: 'echo-open' })).port!;
  }


  stop(): void {
    this.child.disconnect();
    this.child.kill();
  }
}
