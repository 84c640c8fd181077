import { execFile } from 'node:child_process';
import * as path from 'node:path';

describe('examples/cluster-receiver', () => {
  it('two workers listen on one shared port and between them receive every datagram sent', async () => {
    const script = path.join(__dirname, '..', '..', 'examples', 'cluster-receiver.ts');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 25_000, env: { ...process.env, WORKERS: '2', PORT: '0' } }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { ports: number[]; sent: number; counts: number[] };
    expect(summary.ports).toHaveLength(2);
    expect(summary.ports[1]).toBe(summary.ports[0]);
    expect(summary.counts.reduce((a, b) => a + b, 0)).toBe(summary.sent);
  }, 30_000);
});
