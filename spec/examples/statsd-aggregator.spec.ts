import { fromUDPSocket } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { aggregate, main, parseLines } from '../../examples/statsd-aggregator';
import { createTestScheduler } from '../helpers/marbles';

describe('examples/statsd-aggregator', () => {
  it('parses counters with a sample rate, gauges and timers, and reports lines that are not metrics', () => {
    const bad: string[] = [];
    expect(parseLines('a:2|c|@0.5\nb:-1.5|g\n\nc.d:30|ms\nnope|c', (line) => bad.push(line))).toEqual([
      { name: 'a', type: 'c', value: 4 },
      { name: 'b', type: 'g', value: -1.5 },
      { name: 'c.d', type: 'ms', value: 30 },
    ]);
    expect(bad).toEqual(['nope|c']);
  });

  it('flushes one summary per metric at the end of each 10-frame window on the virtual network', () => {
    const scheduler = createTestScheduler();
    const bad: string[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const server = fromUDPSocket(net.createUDPSocket());
      const port = server.bind(8125);
      const client = net.createUDPSocket();
      const lines: Record<string, string> = {
        a: 'hits:1|c\nlatency:30|ms',
        b: 'hits:2|c\nlatency:10|ms\nlatency:20|ms',
        c: 'temp:20|g',
        d: 'temp:22|g\ngarbage',
      };
      // sent at 0, 2, 5 (arrive 1, 3, 6: first window) and 12 (arrives 13: second window)
      cold('a-b--c------d').subscribe((key) => client.send({ address: '127.0.0.1', port, message: lines[key]! }));
      const flushes$ = aggregate(server.message$, { flushInterval: 10, scheduler: server.scheduler, onBadLine: (line) => bad.push(line) });
      expectObservable(flushes$, '^ 35ms !').toBe('10ms x 9ms y', {
        x: {
          at: 10,
          metrics: [
            { name: 'hits', type: 'c', count: 2, value: 3 },
            { name: 'latency', type: 'ms', count: 3, value: 20, min: 10, max: 30 },
            { name: 'temp', type: 'g', count: 1, value: 20 },
          ],
        },
        y: { at: 20, metrics: [{ name: 'temp', type: 'g', count: 1, value: 22 }] },
      });
    });
    expect(bad).toEqual(['garbage']);
  });

  it('main() aggregates two windows of real loopback traffic and counts the unreadable line', async () => {
    const log: string[] = [];
    const { flushes, bad } = await main((line) => log.push(line));
    const all = flushes.flatMap(({ metrics }) => metrics);
    const total = (name: string): number => all.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
    expect(total('requests')).toBe(2);
    expect(total('jobs.done')).toBe(21);
    expect(all.filter((m) => m.name === 'queue.depth').map((m) => m.value)).toEqual([7, 3]);
    expect(bad).toBe(1);
    expect(log.at(-1)).toBe('unreadable lines: 1');
  });
});
