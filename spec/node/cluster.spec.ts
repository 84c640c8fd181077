import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { createUDPSocket } from 'rxjs-udp';
import { nodeHasReusePort } from '../../src/node/node-dgram-driver';
import { nextEvent, record } from '../helpers/events';
import { useNodeSockets } from '../helpers/node';

interface Outcome {
  bound: Array<{ returned: number; listening: number | null; error: string | null }>;
  received: number[];
  sent: number;
  error?: string;
}

/** Runs spec/helpers/cluster-primary.ts: a real node:cluster primary with two workers. */
function runCluster(scenario: 'shared' | 'exclusive' | 'any-port'): Promise<Outcome> {
  const script = path.join(__dirname, '..', 'helpers', 'cluster-primary.ts');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script, scenario], { timeout: 25_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Outcome);
      } catch {
        reject(new Error(`cluster script failed: ${error?.message ?? ''}\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('node:cluster workers', () => {
  it('two workers bind one port and share it: bind() returns 0, onListening tells the port, a loopback sender reaches both', async () => {
    const outcome = await runCluster('shared');
    expect(outcome.error).toBeUndefined();
    const [first, second] = outcome.bound;
    expect(first!.error).toBeNull();
    expect(second!.error).toBeNull();
    expect([first!.returned, second!.returned]).toEqual([0, 0]);
    expect(first!.listening).toBeGreaterThan(0);
    expect(second!.listening).toBe(first!.listening);
    expect(outcome.received.every((n) => n > 0)).toBe(true);
    expect(outcome.received[0]! + outcome.received[1]!).toBe(outcome.sent);
  }, 30_000);

  it('bind() without a port gives each worker a port of its own, synchronously, as outside a cluster', async () => {
    const outcome = await runCluster('any-port');
    expect(outcome.error).toBeUndefined();
    const [first, second] = outcome.bound;
    expect(first!.error).toBeNull();
    expect(second!.error).toBeNull();
    expect(first!.returned).toBe(first!.listening);
    expect(second!.returned).toBe(second!.listening);
    expect(first!.returned).toBeGreaterThan(0);
    expect(second!.returned).not.toBe(first!.returned);
  }, 30_000);

  it('with exclusive: true a worker binds alone: the second worker on that port gets EADDRINUSE', async () => {
    const outcome = await runCluster('exclusive');
    expect(outcome.error).toBeUndefined();
    const [first, second] = outcome.bound;
    expect(first!.error).toBeNull();
    expect(first!.returned).toBe(first!.listening); // exclusive binds stay synchronous in a worker
    expect(second).toEqual({ type: 'bound', returned: 0, listening: null, error: 'EADDRINUSE' });
  }, 30_000);
});

describe('the reusePort option', () => {
  const { open } = useNodeSockets();
  const supported = nodeHasReusePort();

  it('knows which Node versions have reusePort', () => {
    expect(['20.19.0', '22.11.0', '23.0.0'].map((v) => nodeHasReusePort(v))).toEqual([false, false, false]);
    expect(['22.12.0', '23.1.0', '24.0.0', '25.2.1'].map((v) => nodeHasReusePort(v))).toEqual([true, true, true, true]);
  });

  // One test per behaviour, never skipped: each Node of the CI matrix (20, 22, 24) runs the branch
  // it has, so both branches are covered across the matrix.
  it(`reusePort on this Node (${process.version}): ${supported ? 'two sockets with it bind one port and both listen' : 'reports ERR_FEATURE_UNAVAILABLE_ON_PLATFORM naming 22.12 and the socket starts closed'}`, async () => {
    if (supported) {
      const first = open('udp4', { reusePort: true });
      const port = first.bind(0, '127.0.0.1');
      expect(port).toBeGreaterThan(0);
      await nextEvent(first, 'listening');
      const second = open('udp4', { reusePort: true });
      const errors = record(second, 'error');
      const listening = nextEvent(second, 'listening');
      expect(second.bind(port, '127.0.0.1')).toBe(port);
      expect((await listening).port).toBe(port);
      expect(errors.values).toEqual([]);
    } else {
      const socket = createUDPSocket('udp4', { reusePort: true });
      const errors = record(socket, 'error');
      await errors.waitFor(1);
      expect(errors.values.map((e) => [e.code, e.errMsg.startsWith('createUDPSocket:fail ')])).toEqual([
        ['ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', true],
      ]);
      expect(errors.values[0]!.errMsg).toContain('22.12');
      expect(socket.closed).toBe(true);
      socket.close();
    }
  });

  it(`reusePort on this Node (${process.version}): a socket bound without it on a port taken by one with it ${supported ? 'gets EADDRINUSE' : 'is refused as before (the first socket never opened)'}`, async () => {
    const first = open('udp4', { reusePort: true });
    const port = first.bind(0, '127.0.0.1');
    if (supported) {
      const second = open('udp4');
      const errors = record(second, 'error');
      expect(second.bind(port, '127.0.0.1')).toBe(0);
      await errors.waitFor(1);
      expect(errors.values.map((e) => e.code)).toEqual(['EADDRINUSE']);
    } else {
      expect(port).toBe(0);
      expect(first.closed).toBe(true);
    }
  });

  it('reusePort: a non-boolean is reported once as ERR_INVALID_ARG_TYPE and ignored', async () => {
    const socket = open('udp4', { reusePort: 'yes' as unknown as boolean });
    const errors = record(socket, 'error');
    await errors.waitFor(1);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE']);
    expect(socket.closed).toBe(false);
  });
});
