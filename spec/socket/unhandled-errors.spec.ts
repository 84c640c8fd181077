import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Without `config.onUnhandledError`, what a listener or send callback throws is re-thrown on a job
 * of its own, after the events queued with it were delivered: it reaches `uncaughtException` and
 * costs no other socket an event. Run in a child process, whose `uncaughtException` handler the
 * test runner does not own (spec/fixtures/throwing-callbacks.ts).
 */
describe('throwing listeners and send callbacks without config.onUnhandledError', () => {
  it('every event of several sockets queued in one flush is delivered, then each error is re-thrown once', () => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'throwing-callbacks.ts');
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], { timeout: 8000, encoding: 'utf8' });
    expect(child.status).toBe(0);
    const order = JSON.parse(child.stdout) as string[];
    const events = ['a error ERR_OUT_OF_RANGE', 'b close', 'c callback ERR_SOCKET_BAD_PORT', 'd listening', 'd callback null'];
    const rethrown = ['error', 'close', 'invalid', 'listening', 'sent'].map((name) => `uncaught ${name}`);
    expect([...order].sort()).toEqual([...events, ...rethrown].sort());
    // Each error is re-thrown after the events of its flush, never in the middle of them.
    const lastEvent = Math.max(...events.map((event) => order.indexOf(event)));
    const firstRethrow = Math.min(...rethrown.map((error) => order.indexOf(error)));
    expect(firstRethrow).toBeGreaterThan(lastEvent);
  });
});
