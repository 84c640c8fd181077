/// <reference types="miniprogram-api-typings" />
import type Taro from '@tarojs/taro';
import { Observable, of, type OperatorFunction } from 'rxjs';
import {
  createUDPSocket,
  decode,
  encode,
  fromUDPSocket,
  groupByPeer,
  json,
  reply,
  request,
  sendTo,
  text,
  type CodecValue,
  type RxUDPSocket,
  type SendReceipt,
  type UDPMessage,
  type UDPMessageResult,
  type UDPSendOption,
} from 'rxjs-udp';

// Compile-time checks of the reactive API: `tsc --noEmit` (npm test) fails when a signature
// drifts. Each `@ts-expect-error` line must stay an error.

/** What a mini-program author writes: both platform sockets are accepted as they are. */
export function wrapPlatformSockets(wx: WechatMiniprogram.UDPSocket, taro: Taro.UDPSocket): RxUDPSocket[] {
  return [fromUDPSocket(wx), fromUDPSocket(taro)];
}

interface Reading {
  sensor: string;
  value: number;
}

export function inference(rx: RxUDPSocket): void {
  // decode(json<T>()) gives T
  const readings: Observable<Reading> = rx.message$.pipe(decode(json<Reading>()));
  // @ts-expect-error a Reading is not a string
  const wrong: Observable<string> = rx.message$.pipe(decode(json<Reading>()));
  const lines: Observable<string> = rx.message$.pipe(decode(text));
  const value: CodecValue<typeof text> = 'a string';

  // encode(json<T>()) takes only T
  const payloads: Observable<UDPMessage> = readings.pipe(encode(json<Reading>()));
  // @ts-expect-error numbers are not Readings
  of(1, 2).pipe(encode(json<Reading>()));

  // sendTo with a target takes payloads; without one, full send options
  const receipts: Observable<SendReceipt> = payloads.pipe(sendTo(rx, { address: '127.0.0.1', port: 9 }));
  const options: OperatorFunction<UDPSendOption, SendReceipt> = sendTo(rx, { concurrency: 4 });
  // @ts-expect-error without a target the values must be send options, not strings
  of('x').pipe(sendTo(rx));
  // @ts-expect-error a target needs a port
  of('x').pipe(sendTo(rx, { address: '127.0.0.1' }));

  // request: the match function sees the reply and the request value
  const replies: Observable<UDPMessageResult> = of('a', 'b').pipe(
    request(rx, { address: '127.0.0.1', port: 9 }, { timeout: 10, retries: 2, match: (r, req: string) => r.remoteInfo.size === req.length }),
  );
  // @ts-expect-error timeout is required
  request(rx, { address: '127.0.0.1', port: 9 }, { retries: 2 });
  // @ts-expect-error requests are payloads, not objects
  of({ q: 1 }).pipe(request(rx, { address: '127.0.0.1', port: 9 }, { timeout: 10 }));

  // reply: a payload, an Observable of payloads, or nothing
  rx.message$.pipe(reply(rx, (m) => m.message));
  rx.message$.pipe(reply(rx, () => of('a', 'b')));
  rx.message$.pipe(reply(rx, () => undefined));
  // @ts-expect-error a number is not a payload
  rx.message$.pipe(reply(rx, () => 42));

  // groupByPeer keys are strings
  rx.message$.pipe(groupByPeer({ idle: 10 })).subscribe((group) => {
    const key: string = group.key;
    void key;
  });

  // @ts-expect-error send needs a full option
  rx.send({ address: '127.0.0.1', message: 'x' });
  void [wrong, lines, value, receipts, options, replies];
}

// @ts-expect-error an object without the callback API is not a socket
fromUDPSocket({ bind: () => 0 });

describe('types of the reactive API', () => {
  it('fromUDPSocket accepts a socket of createUDPSocket and the checks above compile', () => {
    const socket = createUDPSocket();
    try {
      const rx = fromUDPSocket(socket);
      inference(rx);
      expect(rx.socket).toBe(socket);
    } finally {
      socket.close();
    }
  });
});
