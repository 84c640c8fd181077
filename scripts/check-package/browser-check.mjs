// The program of the browser bundle (scripts/check-package.mjs): what a mini-program or a web page
// does with rxjs-udp, run in a bare JavaScript realm (node:vm) and in headless chromium.
import { asapScheduler, firstValueFrom, of, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createUDPSocket, decode, encode, fromUDPSocket, json, sendTo, text } from 'rxjs-udp';
import { createVirtualNetwork } from 'rxjs-udp/testing';

export const TEXT = '温度 21.5 °C — 你好, wörld 😀';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A marble test: a virtual network without an explicit scheduler inside TestScheduler.run(). */
function marble(expected) {
  let failure = null;
  const scheduler = new TestScheduler((actual, wanted) => {
    if (!same(actual, wanted)) failure = { actual, wanted };
  });
  scheduler.run(({ cold, expectObservable }) => {
    const net = createVirtualNetwork({ latency: 2 });
    const server = fromUDPSocket(net.createUDPSocket());
    const port = server.bind(5000);
    const client = net.createUDPSocket();
    cold('a-b---c').subscribe((message) => client.send({ address: '127.0.0.1', port, message }));
    expectObservable(server.message$.pipe(decode(text)), '^ 20ms !').toBe(expected);
  });
  return failure === null ? 'ok' : JSON.stringify(failure);
}

/** UTF-8 the way the platform's own socket writes a string (wx does it natively). */
function platformUtf8(value) {
  const binary = unescape(encodeURIComponent(value));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Two sockets shaped like wx.createUDPSocket()'s, joined by an in-memory wire. */
function wxPair() {
  const sockets = new Map();
  const make = (address, port) => {
    const listeners = { message: [], error: [], listening: [], close: [] };
    const emit = (event, payload) => Promise.resolve().then(() => listeners[event].slice().forEach((l) => l(payload)));
    const on = (event) => (listener) => void listeners[event].push(listener);
    const off = (event) => (listener) => {
      listeners[event] = listener === undefined ? [] : listeners[event].filter((l) => l !== listener);
    };
    const socket = {
      bind: () => {
        emit('listening', { errMsg: 'bind:ok' });
        return port;
      },
      setTTL: () => undefined,
      connect: () => undefined,
      send: (option) => {
        const message = typeof option.message === 'string' ? platformUtf8(option.message) : option.message.slice(0);
        const peer = sockets.get(`${option.address}:${option.port}`);
        if (peer !== undefined) peer.deliver(message, { address, family: 'IPv4', port, size: message.byteLength });
      },
      write: (option) => socket.send(option),
      close: () => emit('close', { errMsg: 'close:ok' }),
      onMessage: on('message'),
      offMessage: off('message'),
      onError: on('error'),
      offError: off('error'),
      onListening: on('listening'),
      offListening: off('listening'),
      onClose: on('close'),
      offClose: off('close'),
      deliver: (message, remoteInfo) => emit('message', { message, remoteInfo, localInfo: { address, family: 'IPv4', port, size: message.byteLength } }),
    };
    sockets.set(`${address}:${port}`, socket);
    return socket;
  };
  return [make('10.0.0.1', 4001), make('10.0.0.2', 4002)];
}

async function wxRoundTrip() {
  const [wxClient, wxServer] = wxPair();
  // The server echoes what it gets, as bytes.
  wxServer.onMessage(({ message, remoteInfo }) => wxServer.send({ address: remoteInfo.address, port: remoteInfo.port, message }));
  const client = fromUDPSocket(wxClient);
  client.bind();
  const echoes = firstValueFrom(client.message$.pipe(take(2), toArray()));
  of(TEXT).pipe(sendTo(client, { address: '10.0.0.2', port: 4002 })).subscribe();
  of({ text: TEXT }).pipe(encode(json()), sendTo(client, { address: '10.0.0.2', port: 4002 })).subscribe();
  const [first, second] = await echoes;
  return [text.decode(first.message), json().decode(second.message).text];
}

/** Text through the socket facade on a virtual network (the package's own UTF-8 both ways). */
async function virtualRoundTrip() {
  const net = createVirtualNetwork({ scheduler: asapScheduler });
  const server = fromUDPSocket(net.createUDPSocket());
  const port = server.bind(9);
  const received = firstValueFrom(server.message$.pipe(decode(text)));
  net.createUDPSocket().send({ address: '127.0.0.1', port, message: TEXT });
  return received;
}

/** createUDPSocket() where there is no driver: a clear error, no throw. */
function noDriver() {
  const socket = createUDPSocket();
  return new Promise((resolve) => socket.onError(({ code, errMsg }) => resolve({ code, namesFromUDPSocket: errMsg.includes('fromUDPSocket') })));
}

export async function run() {
  return {
    globals: ['require', 'process', 'Buffer', 'TextDecoder', 'TextEncoder'].filter((name) => typeof globalThis[name] !== 'undefined'),
    marble: marble('--a-b---c'),
    marbleCanFail: marble('--a-b----c') !== 'ok',
    wx: await wxRoundTrip(),
    virtual: await virtualRoundTrip(),
    noDriver: await noDriver(),
  };
}
