/// <reference types="miniprogram-api-typings" />
import { createUDPSocket, type UDPSocket } from 'rxjs-udp';

type Listener = (result: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
type EventName = 'close' | 'error' | 'listening' | 'message';

/**
 * A stand-in for what `wx.createUDPSocket()` returns in a mini-program: ONLY the methods of the
 * WeChat reference (bind, setTTL, send, connect, write, close, on/off Close/Error/Listening/Message) and
 * WeChat's payloads (`onError` gets `{ errMsg, errCode }`, `onListening` and `onClose` get
 * `{ errMsg }`), no `sendWithCallback`, no `scheduler`, no `address()`. Its members are typed by
 * the published WeChat typings (miniprogram-api-typings), not restated. Real traffic on loopback
 * underneath; it counts its listeners so tests can see them go back to zero.
 */
export class WeChatStandIn implements WechatMiniprogram.UDPSocket {
  private readonly inner: UDPSocket;
  private readonly listeners: Record<EventName, Listener[]> = { close: [], error: [], listening: [], message: [] };

  constructor(type: 'udp4' | 'udp6' = 'udp4') {
    this.inner = createUDPSocket(type);
    this.inner.onMessage(({ message, remoteInfo, localInfo }) =>
      this.emit('message', { message, remoteInfo: { ...remoteInfo }, localInfo: { ...localInfo } }),
    );
    this.inner.onError(({ errMsg, errCode }) => this.emit('error', { errMsg, errCode }));
    this.inner.onListening(() => this.emit('listening', { errMsg: 'bind:ok' }));
    this.inner.onClose(() => this.emit('close', { errMsg: 'close:ok' }));
  }

  /** How many listeners are registered, for one event or all. */
  listenerCount(event?: EventName): number {
    if (event !== undefined) return this.listeners[event].length;
    return Object.values(this.listeners).reduce((n, list) => n + list.length, 0);
  }

  private emit(event: EventName, payload: unknown): void {
    for (const listener of this.listeners[event].slice()) listener(payload);
  }

  private off(event: EventName, listener?: Listener): void {
    this.listeners[event] = listener === undefined ? [] : this.listeners[event].filter((l) => l !== listener);
  }

  bind(port?: number): number {
    return this.inner.bind(port ?? 0, this.inner.type === 'udp6' ? '::1' : '127.0.0.1');
  }
  setTTL(ttl: number): void {
    this.inner.setTTL(ttl);
  }
  send(option: WechatMiniprogram.UDPSocketSendOption): void {
    this.inner.send(option);
  }
  connect(option: WechatMiniprogram.UDPSocketConnectOption): void {
    this.inner.connect(option);
  }
  write(option: WechatMiniprogram.UDPSocketSendOption): void {
    this.inner.write(option);
  }
  close(): void {
    // WeChat answers a close of a closed socket with an error (ours are silent): modelled here.
    if (this.inner.closed) setImmediate(() => this.emit('error', { errMsg: 'close:fail socket is closed', errCode: -1 }));
    else this.inner.close();
  }
  onClose(listener: WechatMiniprogram.UDPSocketOnCloseCallback): void {
    this.listeners.close.push(listener);
  }
  offClose(listener?: WechatMiniprogram.UDPSocketOffCloseCallback): void {
    this.off('close', listener);
  }
  onError(listener: WechatMiniprogram.UDPSocketOnErrorCallback): void {
    this.listeners.error.push(listener);
  }
  offError(listener?: WechatMiniprogram.UDPSocketOffErrorCallback): void {
    this.off('error', listener);
  }
  onListening(listener: WechatMiniprogram.OnListeningCallback): void {
    this.listeners.listening.push(listener);
  }
  offListening(listener?: WechatMiniprogram.OffListeningCallback): void {
    this.off('listening', listener);
  }
  onMessage(listener: WechatMiniprogram.UDPSocketOnMessageCallback): void {
    this.listeners.message.push(listener);
  }
  offMessage(listener?: WechatMiniprogram.UDPSocketOffMessageCallback): void {
    this.off('message', listener);
  }
}
