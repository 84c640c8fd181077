import { runDemo } from '../../examples/demo';

describe('examples/demo (npm start)', () => {
  it('streams readings into windowed tables, answers control requests by id, and ends with a summary, every socket closed', async () => {
    const log: string[] = [];
    const summary = await runDemo({ log: (line) => log.push(line), duration: 1200, window: 400, controlEvery: 200 });
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.received).toBeGreaterThan(0);
    expect(summary.received).toBeLessThanOrEqual(summary.sent);
    // the garage's simulated radio loses readings before they are sent: never counted as received
    expect(summary.sensors['garage']!.received).toBeLessThan(summary.sensors['garage']!.sent);
    expect(summary.requests).toBeGreaterThan(0);
    expect(Number.isFinite(summary.rttP50)).toBe(true);
    expect(log.filter((line) => /^ {3}\d\.\d\/1\.2 s {2}/.test(line)).length).toBeGreaterThan(0);
    expect(log).toContain('   control → kitchen: set-period 2 ms (answered, id matched)');
    expect(log.some((line) => line.startsWith('   control:  ') && line.includes('round trip p50'))).toBe(true);
    expect(log.at(-1)).toBe('   all sockets closed');
  });
});
