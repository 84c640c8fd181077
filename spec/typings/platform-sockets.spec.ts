/// <reference types="miniprogram-api-typings" />
import type Taro from '@tarojs/taro';
import { Subject } from 'rxjs';
import { decode, fromUDPSocket, text, type RxUDPSocket, type UDPSocketLike } from 'rxjs-udp';

// Compile-time checks against the typings as published — miniprogram-api-typings'
// `WechatMiniprogram.UDPSocket` and @tarojs/taro 4.x `types/api/network/udp.d.ts` (its
// RemoteInfo has no `size`, its message result carries `errMsg`, `write(): void`, a required
// `bind` port) — not restatements of them. `npm test` type-checks spec/ before jest runs.

/** What a WeChat page writes. */
export function wrapWechat(udp: WechatMiniprogram.UDPSocket): RxUDPSocket {
  return fromUDPSocket(udp);
}

/** What a Taro page writes, with the socket `Taro.createUDPSocket()` returns. */
export function wrapTaro(taro: typeof Taro): RxUDPSocket {
  const udp: Taro.UDPSocket = taro.createUDPSocket();
  return fromUDPSocket(udp);
}

/** A Taro socket is a UDPSocketLike as it is. */
export function asLike(udp: Taro.UDPSocket, wx: WechatMiniprogram.UDPSocket): UDPSocketLike[] {
  return [udp, wx];
}

type MessageListener = Parameters<Taro.UDPSocket['onMessage']>[0];
type ErrorListener = Parameters<Taro.UDPSocket['onError']>[0];

/**
 * A runtime double typed by Taro's own declarations: every member has exactly the published
 * type, and payloads are what Taro's typings say (no `size` on remoteInfo, `errMsg` on messages).
 */
function taroDouble(): { udp: Taro.UDPSocket; deliver(text: string): void } {
  const messages: MessageListener[] = [];
  const errors: ErrorListener[] = [];
  const udp: Taro.UDPSocket = {
    bind: (port) => port || 40000,
    setTTL: () => undefined,
    send: () => undefined,
    connect: () => undefined,
    write: () => undefined,
    close: () => undefined,
    onClose: () => undefined,
    offClose: () => undefined,
    onError: (listener) => void errors.push(listener),
    offError: (listener) => void errors.splice(errors.indexOf(listener), 1),
    onListening: () => undefined,
    offListening: () => undefined,
    onMessage: (listener) => void messages.push(listener),
    offMessage: (listener) => void messages.splice(messages.indexOf(listener), 1),
  };
  return {
    udp,
    deliver(value) {
      const message = new Uint8Array(Array.from(value, (c) => c.charCodeAt(0))).buffer;
      for (const listener of messages.slice()) {
        listener({ errMsg: 'onMessage:ok', message, remoteInfo: { address: '10.0.0.2', family: 'IPv4', port: 5000 }, localInfo: { address: '0.0.0.0', family: 'IPv4', port: 40000, size: message.byteLength } });
      }
    },
  };
}

describe('platform socket typings', () => {
  it('fromUDPSocket takes a socket typed by @tarojs/taro and reads its messages', () => {
    const { udp, deliver } = taroDouble();
    const received = new Subject<string>();
    const seen: string[] = [];
    received.subscribe((line) => seen.push(line));
    const subscription = fromUDPSocket(udp).message$.pipe(decode(text)).subscribe(received);
    deliver('ping');
    subscription.unsubscribe();
    expect(seen).toEqual(['ping']);
  });

  it('message$ of a Taro-typed socket has remoteInfo.size, which Taro does not give', () => {
    const { udp, deliver } = taroDouble();
    const sizes: number[] = [];
    const subscription = fromUDPSocket(udp).message$.subscribe(({ remoteInfo, localInfo }) => sizes.push(remoteInfo.size, localInfo.size));
    deliver('hello');
    subscription.unsubscribe();
    expect(sizes).toEqual([5, 5]);
  });
});
