import { fromUDPSocket } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { main, sensorAlerts, type Reading } from '../../examples/sensor-alerts';
import { createTestScheduler } from '../helpers/marbles';

describe('examples/sensor-alerts', () => {
  it('raises hot readings and silent sensors at their exact frames on the virtual network (latency 1, idle 15)', () => {
    const scheduler = createTestScheduler();
    const bad: string[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const net = createVirtualNetwork({ scheduler, latency: 1 });
      const monitor = fromUDPSocket(net.createUDPSocket());
      const port = monitor.bind(9000);
      const kitchen = net.createUDPSocket();
      const garage = net.createUDPSocket();
      kitchen.bind(1001);
      garage.bind(1002);
      const readings: Record<string, Reading | string> = {
        a: { sensor: 'kitchen', celsius: 20 },
        b: { sensor: 'kitchen', celsius: 31 },
        c: { sensor: 'kitchen', celsius: 25 },
        g: 'garbage',
        h: { sensor: 'garage', celsius: 45 },
      };
      const send = (socket: typeof kitchen) => (key: string) => {
        const reading = readings[key]!;
        socket.send({ address: '127.0.0.1', port, message: typeof reading === 'string' ? reading : JSON.stringify(reading) });
      };
      // kitchen: readings at 0, 10, 20 (31 °C at 10 arrives at 11), then silence: silent at 21 + 15 = 36
      cold('a 9ms b 9ms c').subscribe(send(kitchen));
      // garage: garbage at 5 (arrives 6), 45 °C at 7 (arrives 8): silent at 8 + 15 = 23
      cold('5ms g-h').subscribe(send(garage));
      const alerts$ = sensorAlerts(monitor, { limit: 30, idle: 15, onBadDatagram: (e) => bad.push(e.code) });
      expectObservable(alerts$, '^ 50ms !').toBe('8ms h--k 11ms g 12ms s', {
        h: 'hot garage 45',
        k: 'hot kitchen 31',
        g: 'silent 127.0.0.1:1002',
        s: 'silent 127.0.0.1:1001',
      });
    });
    expect(bad).toEqual(['ERR_DATAGRAM_DECODE']);
  });

  it('main() runs the monitor on real loopback sockets: two hot alerts, two silent sensors, one unreadable datagram', async () => {
    const log: string[] = [];
    const { alerts, bad } = await main((line) => log.push(line));
    expect(alerts.filter((a) => a.startsWith('hot')).sort()).toEqual(['hot garage 41', 'hot kitchen 34']);
    expect(alerts.filter((a) => a.startsWith('silent'))).toHaveLength(2);
    expect(alerts.filter((a) => a.startsWith('silent')).every((a) => /^silent 127\.0\.0\.1:\d+$/.test(a))).toBe(true);
    expect(bad).toBe(1);
  });
});
