import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Observable } from 'rxjs';
import { createUDPSocket, type UDPLookupFunction, type UDPSendCallback } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { record } from '../helpers/events';
import { createTestScheduler, errors$, messages$ } from '../helpers/marbles';
import { useNodeSockets } from '../helpers/node';

/** A resolver that never calls back: a dead DNS server, a hung resolver thread. */
const neverAnswers: UDPLookupFunction = () => undefined;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns = require('node:dns') as typeof import('node:dns');

describe('a lookup that never answers (virtual network, exact frames)', () => {
  it('fails a send with ETIMEDOUT exactly lookupTimeout ms later (default 5000)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket('udp4', { lookup: neverAnswers });
      scheduler.schedule(() => socket.send({ address: 'never.test', port: 9, message: 'x' }), 2);
      expectObservable(errors$(socket)).toBe('2ms 5000ms e', { e: 'ETIMEDOUT' });
    });
  });

  it('fails a send after the lookupTimeout option, and the socket still sends to others', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const socket = net.createUDPSocket('udp4', { lookup: neverAnswers, lookupTimeout: 30 });
      scheduler.schedule(() => socket.send({ address: 'never.test', port, message: 'lost' }), 0);
      scheduler.schedule(() => socket.send({ address: '127.0.0.1', port, message: 'ok' }), 40);
      expectObservable(errors$(socket)).toBe('30ms e', { e: 'ETIMEDOUT' });
      expectObservable(messages$(server)).toBe('40ms o', { o: 'ok' });
    });
  });

  it('hands ETIMEDOUT to the callback of sendWithCallback', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket('udp4', { lookup: neverAnswers, lookupTimeout: 10 });
      const outcome$ = new Observable<string>((subscriber) => {
        const callback: UDPSendCallback = (error) => subscriber.next(error === null ? 'ok' : error.code);
        socket.sendWithCallback({ address: 'never.test', port: 9, message: 'x' }, callback);
      });
      expectObservable(outcome$).toBe('10ms t', { t: 'ETIMEDOUT' });
    });
  });

  it('fails bind(0, hostname) with ETIMEDOUT; the socket can bind again', () => {
    const scheduler = createTestScheduler();
    const returned: number[] = [];
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket('udp4', { lookup: neverAnswers, lookupTimeout: 20 });
      const events$ = new Observable<string>((subscriber) => {
        socket.onError(({ code }) => subscriber.next(code));
        socket.onListening(() => subscriber.next('listening'));
      });
      scheduler.schedule(() => returned.push(socket.bind(0, 'never.test')), 0);
      scheduler.schedule(() => returned.push(socket.bind(0, '127.0.0.1')), 25);
      expectObservable(events$).toBe('20ms e 4ms l', { e: 'ETIMEDOUT', l: 'listening' });
    });
    expect(returned[0]).toBe(0);
    expect(returned[1]).toBeGreaterThan(0);
  });

  it('fails connect with ETIMEDOUT and leaves the socket unconnected', () => {
    const scheduler = createTestScheduler();
    let remote: unknown = 'unread';
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const socket = net.createUDPSocket('udp4', { lookup: neverAnswers, lookupTimeout: 15 });
      scheduler.schedule(() => socket.connect({ address: 'never.test', port: 9 }), 0);
      scheduler.schedule(() => (remote = socket.remoteAddress()), 16);
      expectObservable(errors$(socket)).toBe('15ms e', { e: 'ETIMEDOUT' });
    });
    expect(remote).toBeUndefined();
  });

  it('drops an answer that comes after the timeout: nothing is sent, no second report', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const late: UDPLookupFunction = (_hostname, family, callback) => {
        scheduler.schedule(() => callback(null, '127.0.0.1', family), 50);
      };
      const socket = net.createUDPSocket('udp4', { lookup: late, lookupTimeout: 10 });
      scheduler.schedule(() => socket.send({ address: 'late.test', port, message: 'late' }), 0);
      expectObservable(errors$(socket)).toBe('10ms e', { e: 'ETIMEDOUT' });
      expectObservable(messages$(server)).toBe('');
    });
  });

  it('an answer within the timeout is used and no timeout follows', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const slow: UDPLookupFunction = (_hostname, family, callback) => {
        scheduler.schedule(() => callback(null, '127.0.0.1', family), 9);
      };
      const socket = net.createUDPSocket('udp4', { lookup: slow, lookupTimeout: 10 });
      scheduler.schedule(() => socket.send({ address: 'slow.test', port, message: 'in time' }), 0);
      expectObservable(errors$(socket)).toBe('');
      expectObservable(messages$(server)).toBe('9ms m', { m: 'in time' });
    });
  });

  it('lookupTimeout: Infinity waits as long as the lookup takes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const net = createVirtualNetwork({ scheduler });
      const server = net.createUDPSocket();
      const port = server.bind();
      const slow: UDPLookupFunction = (_hostname, family, callback) => {
        scheduler.schedule(() => callback(null, '127.0.0.1', family), 60_000);
      };
      const socket = net.createUDPSocket('udp4', { lookup: slow, lookupTimeout: Infinity });
      scheduler.schedule(() => socket.send({ address: 'slow.test', port, message: 'm' }), 0);
      expectObservable(errors$(socket)).toBe('');
      expectObservable(messages$(server)).toBe('60000ms m');
    });
  });
});

describe('the lookupTimeout option', () => {
  it.each([
    ['0', 0],
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['a string', '100'],
    ['more than a timer takes', 2 ** 31],
  ])('%s is reported once as ERR_INVALID_ARG_TYPE and ignored', async (_name, value) => {
    const net = createVirtualNetwork();
    const socket = net.createUDPSocket('udp4', { lookupTimeout: value as number });
    const errors = record(socket, 'error');
    await errors.waitFor(1);
    expect(errors.values.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE']);
    expect(errors.values[0]!.errMsg).toContain('lookupTimeout');
    socket.close();
  });
});

describe('a lookup that never answers (node:dgram)', () => {
  const { open } = useNodeSockets();

  it('fails a send with ETIMEDOUT on onError', async () => {
    const socket = open('udp4', { lookup: neverAnswers, lookupTimeout: 20 });
    const errors = record(socket, 'error');
    socket.send({ address: 'never.test', port: 9, message: 'x' });
    await errors.waitFor(1);
    expect(errors.values.map((e) => [e.code, e.errMsg.startsWith('send:fail ')])).toEqual([['ETIMEDOUT', true]]);
  });

  it('fails sendWithCallback with ETIMEDOUT through its callback', async () => {
    const socket = open('udp4', { lookup: neverAnswers, lookupTimeout: 20 });
    const code = await new Promise<string | null>((resolve) =>
      socket.sendWithCallback({ address: 'never.test', port: 9, message: 'x' }, (error) => resolve(error?.code ?? null)),
    );
    expect(code).toBe('ETIMEDOUT');
  });

  it('fails bind(0, hostname) with ETIMEDOUT and the socket binds again afterwards', async () => {
    const socket = open('udp4', { lookup: neverAnswers, lookupTimeout: 20 });
    const errors = record(socket, 'error');
    expect(socket.bind(0, 'never.test')).toBe(0);
    await errors.waitFor(1);
    expect(errors.values.map((e) => e.code)).toEqual(['ETIMEDOUT']);
    const listening = record(socket, 'listening');
    expect(socket.bind(0, '127.0.0.1')).toBeGreaterThan(0);
    await listening.waitFor(1);
  });

  it('fails connect with ETIMEDOUT', async () => {
    const socket = open('udp4', { lookup: neverAnswers, lookupTimeout: 20 });
    const errors = record(socket, 'error');
    socket.connect({ address: 'never.test', port: 9 });
    await errors.waitFor(1);
    expect(errors.values.map((e) => e.code)).toEqual(['ETIMEDOUT']);
    expect(socket.remoteAddress()).toBeUndefined();
  });

  it('bounds the default resolver (dns.lookup) too', async () => {
    const hung = jest.spyOn(dns, 'lookup').mockImplementation((() => undefined) as unknown as typeof dns.lookup);
    try {
      const socket = createUDPSocket('udp4', { lookupTimeout: 20 });
      const errors = record(socket, 'error');
      socket.send({ address: 'never.test', port: 9, message: 'x' });
      await errors.waitFor(1);
      expect(hung).toHaveBeenCalledWith('never.test', 4, expect.any(Function));
      expect(errors.values.map((e) => e.code)).toEqual(['ETIMEDOUT']);
      socket.close();
    } finally {
      hung.mockRestore();
    }
  });
});

/**
 * The lookup timer belongs to the socket: close() cancels it and unref() lets the process exit
 * while it runs. Each scenario runs in a child process with a one-minute lookupTimeout and a
 * lookup that never answers (spec/fixtures/pending-lookup-exit.ts): it passes when the child
 * exits by itself; a timer left behind would keep it alive until the runner kills it.
 */
describe('a lookup timer does not outlive its socket', () => {
  const fixture = path.join(__dirname, '..', 'fixtures', 'pending-lookup-exit.ts');

  it.each([
    ['close() during bind(0, hostname)', 'close-bind'],
    ['close() during a send to a hostname', 'close-send'],
    ['unref() during a send to a hostname', 'unref-send'],
    ["unref() during a send resolved by the driver's own resolver", 'unref-send-default'],
  ])('the process exits by itself after %s', (_name, scenario) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture, scenario], { timeout: 8000, encoding: 'utf8' });
    expect(child.stdout).toBe('exited by itself\n');
    expect(child.status).toBe(0);
  });
});
