import * as dgram from 'node:dgram';
import { asyncScheduler } from 'rxjs';
import type { UDPSocket } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';
import { record, type EventLog } from '../helpers/events';

describe('await using (Symbol.asyncDispose)', () => {
  it('a socket declared with `await using` is closed, and its onClose dispatched, when the block ends', async () => {
    const net = createVirtualNetwork({ scheduler: asyncScheduler });
    let kept!: UDPSocket;
    let closes!: EventLog<'close'>;
    {
      await using socket = net.createUDPSocket();
      kept = socket;
      closes = record(socket, 'close');
      socket.bind(0, '127.0.0.1');
      expect(socket.closed).toBe(false);
    }
    expect(kept.closed).toBe(true);
    expect(closes.values).toEqual([{ errMsg: 'close:ok' }]);
  });

  it('the dispose method is keyed by the runtime Symbol.asyncDispose, the one node:dgram sockets use', () => {
    const net = createVirtualNetwork({ scheduler: asyncScheduler });
    const socket = net.createUDPSocket();
    const dgramSocket = dgram.createSocket('udp4');
    expect(typeof (dgramSocket as unknown as Record<symbol, unknown>)[Symbol.asyncDispose]).toBe('function');
    expect(typeof socket[Symbol.asyncDispose]).toBe('function');
    dgramSocket.close();
    socket.close();
  });
});
