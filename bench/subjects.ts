/**
 * What the bench measures: for each figure, the raw node:dgram baseline and the rxjs-udp ways of
 * doing the same thing. Every subject does the least a real consumer would (count the datagram,
 * read its size), so the difference between two subjects is the cost of the layer.
 */
import * as dgram from 'node:dgram';
import { Observable, Subject as RxSubject, map, of, type Subscriber, type Subscription } from 'rxjs';
import type { UDPSocket } from '../src/node';
import { lib } from './lib';

const LOOPBACK = '127.0.0.1';
export const PAYLOAD_SIZE = 64;

/**
 * SO_RCVBUF of every receiving socket, the same for all subjects. The Linux default (208 KiB,
 * ~200 small datagrams) turns any 2 ms pause into loss, so the lossless rate would measure
 * scheduler jitter on a shared machine rather than the cost per datagram; high-rate
 * consumers raise it anyway. Capped by `net.core.rmem_max`. Set with `--rcvbuf=<bytes>`.
 */
export const receiveOptions = { recvBufferSize: 4 * 1024 * 1024 };

/** One subject of a figure: `id` is stable (JSON keys), `label` is for people. */
export interface Subject {
  id: string;
  label: string;
  /** True for the node:dgram baseline of the figure. */
  baseline?: boolean;
}

// ---- receive -------------------------------------------------------------------------------

export interface Receiver {
  port: number;
  /** Datagrams handed to the consumer so far. */
  received(): number;
  /** Bytes seen by the consumer (read from each datagram, so the work is not optimised away). */
  bytes(): number;
  close(): void;
}

export interface ReceiverSubject extends Subject {
  open(): Promise<Receiver>;
}

function rawBind(socket: dgram.Socket, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, LOOPBACK, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** Raw node:dgram: a `'message'` handler. */
export const rawReceiver: ReceiverSubject = {
  id: 'raw',
  label: "node:dgram 'message'",
  baseline: true,
  async open() {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: receiveOptions.recvBufferSize });
    let n = 0;
    let bytes = 0;
    socket.on('message', (message) => {
      n++;
      bytes += message.length;
    });
    const port = await rawBind(socket);
    return { port, received: () => n, bytes: () => bytes, close: () => socket.close() };
  },
};

/** The callback API: `createUDPSocket().onMessage`. */
export const callbackReceiver: ReceiverSubject = {
  id: 'onMessage',
  label: 'createUDPSocket onMessage',
  async open() {
    const udp = lib().createUDPSocket('udp4', { recvBufferSize: receiveOptions.recvBufferSize });
    let n = 0;
    let bytes = 0;
    udp.onMessage(({ message }) => {
      n++;
      bytes += message.byteLength;
    });
    const port = udp.bind(0, LOOPBACK);
    return { port, received: () => n, bytes: () => bytes, close: () => udp.close() };
  },
};

// ---- send ----------------------------------------------------------------------------------

export interface Sender {
  /** Sends `n` datagrams to the sink; resolves once every one of them is handed to the OS. */
  run(n: number): Promise<void>;
  /** Send failures seen so far. */
  errors(): number;
  close(): void;
}

export interface SenderSubject extends Subject {
  open(port: number): Promise<Sender>;
}

/** Raw node:dgram: `socket.send(buf, port, ip, cb)` (node resolves the IP through dns.lookup). */
export const rawSender: SenderSubject = {
  id: 'raw',
  label: 'node:dgram send(buf, port, ip, cb)',
  baseline: true,
  async open(port) {
    const socket = dgram.createSocket('udp4');
    await rawBind(socket);
    return rawSendLoop(socket, port);
  },
};

/**
 * A sender whose `sendAll(n, callback)` sends n datagrams, each completing through `callback`:
 * a batch resolves after the n-th completion, failures are counted. The per-datagram work (the
 * loop in `sendAll`, one callback call) is the same for every subject built on it.
 */
function completingSender(
  sendAll: (n: number, callback: (error: unknown) => void) => void,
  close: () => void,
  moreErrors: () => number = () => 0,
): Sender {
  let errors = 0;
  return {
    run: (n) =>
      new Promise((resolve) => {
        let done = 0;
        sendAll(n, (error) => {
          if (error !== null) errors++;
          if (++done === n) resolve();
        });
      }),
    errors: () => errors + moreErrors(),
    close,
  };
}

/** A raw sender: `send(buf, port, ip, cb)` on `socket`, one callback per datagram. */
function rawSendLoop(socket: dgram.Socket, port: number): Sender {
  const payload = Buffer.alloc(PAYLOAD_SIZE, 0x62);
  return completingSender(
    (n, callback) => {
      for (let i = 0; i < n; i++) socket.send(payload, port, LOOPBACK, callback);
    },
    () => socket.close(),
  );
}

/**
 * Decomposition, not a target: raw node:dgram with a `lookup` option that answers IP literals
 * synchronously, as the rxjs-udp driver's does. node's default lookup defers every send by a
 * tick (`dns.lookup` calls back on the next tick even for an IP), so this is the floor any
 * layer over node:dgram can reach: its distance to `raw` is all a layer can save.
 */
export const rawSyncLookupSender: SenderSubject = {
  id: 'rawSyncLookup',
  label: 'node:dgram send, synchronous lookup',
  async open(port) {
    const lookup = (hostname: string, _options: unknown, callback: (error: null, address: string, family: number) => void): void =>
      callback(null, hostname, 4);
    const socket = dgram.createSocket({ type: 'udp4', lookup: lookup as unknown as dgram.SocketOptions['lookup'] });
    await rawBind(socket);
    return rawSendLoop(socket, port);
  },
};

/** Decomposition, not a target: the driver handle under `createUDPSocket` (bytes, no WeChat contract). */
export const driverSender: SenderSubject = {
  id: 'driver',
  label: 'driver handle.send (under the socket)',
  async open(port) {
    const errorsSeen: Error[] = [];
    const handle = lib().createNodeDgramDriver().open('udp4', {}, { message: () => undefined, error: (error) => errorsSeen.push(error) });
    await new Promise<void>((resolve, reject) => handle.bind(0, LOOPBACK, (error) => (error === null ? resolve() : reject(error))));
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x62);
    return completingSender(
      (n, callback) => {
        for (let i = 0; i < n; i++) handle.send(payload, 0, PAYLOAD_SIZE, port, LOOPBACK, callback);
      },
      () => handle.close(),
      () => errorsSeen.length,
    );
  },
};

/** The callback API: `udp.send({ address, port, message })`, failures on `onError`. */
export const callbackSender: SenderSubject = {
  id: 'send',
  label: 'createUDPSocket send()',
  async open(port) {
    const udp = lib().createUDPSocket('udp4');
    udp.bind(0, LOOPBACK);
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x62);
    let errors = 0;
    udp.onError(() => {
      errors++;
    });
    return {
      run: (n) => {
        for (let i = 0; i < n; i++) udp.send({ address: LOOPBACK, port, message: payload });
        // node completes synchronous sends on the next tick: after it, all n were handed over.
        return new Promise((resolve) => setImmediate(resolve));
      },
      errors: () => errors,
      close: () => udp.close(),
    };
  },
};

/** The callback API with a per-datagram completion: `udp.sendWithCallback(option, cb)`. */
export const callbackSenderWithCompletion: SenderSubject = {
  id: 'sendWithCallback',
  label: 'createUDPSocket sendWithCallback()',
  async open(port) {
    const udp = lib().createUDPSocket('udp4');
    udp.bind(0, LOOPBACK);
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x62);
    return completingSender(
      (n, callback) => {
        for (let i = 0; i < n; i++) udp.sendWithCallback({ address: LOOPBACK, port, message: payload }, callback);
      },
      () => udp.close(),
    );
  },
};

// ---- round trip ----------------------------------------------------------------------------

export interface Pinger {
  /** `n` sequential round trips to the echo server; writes each RTT in microseconds to `out`. */
  run(n: number, out: Float64Array): Promise<{ lost: number }>;
  close(): void;
}

export interface PingerSubject extends Subject {
  open(echoPort: number): Promise<Pinger>;
}

/** Re-sends after this long without a reply (a lost datagram on loopback is rare, not impossible). */
const PING_TIMEOUT_MS = 250;

/**
 * Sequential ping-pong over `send`/`subscribe` primitives; the same loop for every subject.
 * `send` transmits the payload, `onReply` registers the reply handler and returns its removal.
 */
function pingLoop(
  send: () => void,
  onReply: (handler: () => void) => () => void,
  n: number,
  out: Float64Array,
): Promise<{ lost: number }> {
  return new Promise((resolve) => {
    let i = 0;
    let lost = 0;
    let t0 = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = (): void => {
      timer = setTimeout(() => {
        lost++;
        next();
      }, PING_TIMEOUT_MS);
      t0 = performance.now();
      send();
    };
    const remove = onReply(() => {
      const rtt = (performance.now() - t0) * 1000;
      clearTimeout(timer);
      out[i++] = rtt;
      if (i < n && lost < n) {
        next();
      } else {
        remove();
        resolve({ lost });
      }
    });
    next();
  });
}

/** Raw node:dgram ping-pong: `send(buf, port, ip)` and a `'message'` handler. */
export const rawPinger: PingerSubject = {
  id: 'raw',
  label: 'node:dgram ping-pong',
  baseline: true,
  async open(echoPort) {
    const socket = dgram.createSocket('udp4');
    await rawBind(socket);
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x63);
    return {
      run: (n, out) =>
        pingLoop(
          () => socket.send(payload, echoPort, LOOPBACK),
          (handler) => {
            socket.on('message', handler);
            return () => socket.off('message', handler);
          },
          n,
          out,
        ),
      close: () => socket.close(),
    };
  },
};

/**
 * A ping-pong on a socket of the callback API: replies by `onMessage`; `makeSend` gives what
 * transmits one ping.
 */
function callbackApiPinger(
  id: string,
  label: string,
  makeSend: (udp: UDPSocket, echoPort: number, payload: Uint8Array) => () => void,
): PingerSubject {
  return {
    id,
    label,
    async open(echoPort) {
      const udp = lib().createUDPSocket('udp4');
      udp.bind(0, LOOPBACK);
      const send = makeSend(udp, echoPort, Buffer.alloc(PAYLOAD_SIZE, 0x63));
      return {
        run: (n, out) =>
          pingLoop(
            send,
            (handler) => {
              udp.onMessage(handler);
              return () => udp.offMessage(handler);
            },
            n,
            out,
          ),
        close: () => udp.close(),
      };
    },
  };
}

/** The callback API ping-pong: `send()` and `onMessage`. */
export const callbackPinger: PingerSubject = callbackApiPinger('callback', 'createUDPSocket send/onMessage', (udp, echoPort, payload) => () =>
  udp.send({ address: LOOPBACK, port: echoPort, message: payload }),
);

// ---- the reactive layer ----------------------------------------------------------------------

/** `fromUDPSocket(createUDPSocket()).message$` with one subscriber. */
export const messageStreamReceiver: ReceiverSubject = {
  id: 'message$',
  label: 'fromUDPSocket message$',
  async open() {
    const udp = lib().createUDPSocket('udp4', { recvBufferSize: receiveOptions.recvBufferSize });
    let n = 0;
    let bytes = 0;
    const subscription = lib().fromUDPSocket(udp).message$.subscribe(({ message }) => {
      n++;
      bytes += message.byteLength;
    });
    const port = udp.bind(0, LOOPBACK);
    return {
      port,
      received: () => n,
      bytes: () => bytes,
      close: () => {
        subscription.unsubscribe();
        udp.close();
      },
    };
  },
};

/** A long-lived source of payloads and the function that pushes the next one into it. */
interface PayloadSource {
  source: Observable<Uint8Array>;
  push: (payload: Uint8Array) => void;
}

/** `sendTo(rx, target)` on a long-lived stream of payloads; a batch is done when its receipts are in. */
function sendToSubject(id: string, label: string, makeSource: () => PayloadSource): SenderSubject {
  return {
    id,
    label,
    async open(port) {
      const udp = lib().createUDPSocket('udp4');
      udp.bind(0, LOOPBACK);
      const rx = lib().fromUDPSocket(udp);
      const payload = Buffer.alloc(PAYLOAD_SIZE, 0x62);
      const { source, push } = makeSource();
      let receipts = 0;
      let errors = 0;
      let waiting: { until: number; resolve: () => void } | undefined;
      const subscription = source.pipe(lib().sendTo(rx, { address: LOOPBACK, port })).subscribe({
        next: () => {
          receipts++;
          if (waiting !== undefined && receipts >= waiting.until) {
            const { resolve } = waiting;
            waiting = undefined;
            resolve();
          }
        },
        error: () => {
          errors++;
          waiting?.resolve();
        },
      });
      return {
        run: (n) =>
          new Promise<void>((resolve) => {
            waiting = { until: receipts + n, resolve };
            for (let i = 0; i < n; i++) push(payload);
          }),
        errors: () => errors,
        close: () => {
          subscription.unsubscribe();
          udp.close();
        },
      };
    },
  };
}

/**
 * `sendTo` fed by an RxJS Subject, as a telemetry pipeline has: the target figure. The Subject
 * is the consumer's, and not free: rxjs 7's CommonJS build (what node loads) is ES5, whose
 * `Subject.next` allocates a closure and an iterator per value.
 */
export const sendToSender: SenderSubject = sendToSubject('sendTo', 'sendTo operator (fed by a Subject)', () => {
  const subject = new RxSubject<Uint8Array>();
  return { source: subject, push: (payload) => subject.next(payload) };
});

/**
 * `sendTo` fed by a producer wrapped with `new Observable` (the shape of `fromEvent` and of
 * most sources): the operator's own cost, without the Subject's.
 */
export const sendToPushSender: SenderSubject = sendToSubject('sendToPush', 'sendTo operator (fed by new Observable)', () => {
  let subscriber: Subscriber<Uint8Array> | undefined;
  const source = new Observable<Uint8Array>((s) => {
    subscriber = s;
  });
  return { source, push: (payload) => subscriber!.next(payload) };
});

/**
 * The `timeout` of the request pingers. A ping lost on loopback (rare) fails its request after
 * this long, and the next question to the echo waits as long again (`settle`); the subjects
 * handle the error, so a loss costs ~2 s of the pass instead of the process.
 */
const REQUEST_TIMEOUT_MS = 1000;

/** `request(rx, echo)` on a long-lived stream of payloads: one exchange at a time. */
export const requestPinger: PingerSubject = {
  id: 'request',
  label: 'request() operator',
  async open(echoPort) {
    const udp = lib().createUDPSocket('udp4');
    udp.bind(0, LOOPBACK);
    const rx = lib().fromUDPSocket(udp);
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x63);
    const source = new RxSubject<Uint8Array>();
    const replies = source.pipe(lib().request(rx, { address: LOOPBACK, port: echoPort }, { timeout: REQUEST_TIMEOUT_MS }));
    return {
      run: (n, out) =>
        pingLoop(
          () => source.next(payload),
          (handler) => {
            let subscription: Subscription | undefined;
            // A timed-out request ends the pipeline: listen again (the ping loop resends).
            const listen = (): void => {
              subscription = replies.subscribe({ next: handler, error: listen });
            };
            listen();
            return () => subscription!.unsubscribe();
          },
          n,
          out,
        ),
      close: () => udp.close(),
    };
  },
};

/**
 * A one-shot request per ping: a fresh `of(payload).pipe(request(rx, echo, options))` each time,
 * as `mergeMap((q) => of(q).pipe(request(...)))` makes one per question. Its cost is creating the
 * operator (argument checks), subscribing, and the socket's shared reply listener.
 */
export const requestOncePinger: PingerSubject = {
  id: 'requestOnce',
  label: 'request() one-shot per question',
  async open(echoPort) {
    const udp = lib().createUDPSocket('udp4');
    udp.bind(0, LOOPBACK);
    const rx = lib().fromUDPSocket(udp);
    const payload = Buffer.alloc(PAYLOAD_SIZE, 0x63);
    const target = { address: LOOPBACK, port: echoPort };
    const options = { timeout: REQUEST_TIMEOUT_MS };
    let onReply: (() => void) | undefined;
    // A timed-out question is simply lost: the ping loop resends.
    const observer = { next: () => onReply!(), error: () => undefined };
    return {
      run: (n, out) =>
        pingLoop(
          () => {
            of(payload).pipe(lib().request(rx, target, options)).subscribe(observer);
          },
          (handler) => {
            onReply = handler;
            return () => (onReply = undefined);
          },
          n,
          out,
        ),
      close: () => udp.close(),
    };
  },
};

/**
 * The floor under any one-shot RxJS pipeline: a fresh `of(payload).pipe(map(identity))` per ping,
 * subscribed, whose value is sent with the callback API (replies by `onMessage`). No rxjs-udp
 * operator is involved, but rxjs-udp's socket is: the one-shot `request()` subject's distance to
 * this row is the reactive layer's cost; this row's distance to the callback API's is what
 * building and tearing down a pipeline per question costs in RxJS.
 */
export const rxjsOncePinger: PingerSubject = callbackApiPinger('rxjsOnce', 'RxJS floor: of(q).pipe(map) per ping, callback API', (udp, echoPort, payload) => {
  const identity = <T>(value: T): T => value;
  const observer = { next: (message: Uint8Array) => udp.send({ address: LOOPBACK, port: echoPort, message }) };
  return () => {
    of(payload).pipe(map(identity)).subscribe(observer);
  };
});

export const receivers = (): ReceiverSubject[] => [rawReceiver, messageStreamReceiver, callbackReceiver];
export const senders = (): SenderSubject[] => [
  rawSender,
  sendToSender,
  sendToPushSender,
  callbackSender,
  callbackSenderWithCompletion,
  rawSyncLookupSender,
  driverSender,
];
export const pingers = (): PingerSubject[] => [rawPinger, requestPinger, requestOncePinger, callbackPinger];
/**
 * The RxJS floor, in a pass of its own: in the same pass its operator made RxJS's shared
 * subscriber code serve one more class and moved the one-shot row by up to 0.02×.
 */
export const floorPingers = (): PingerSubject[] => [rawPinger, rxjsOncePinger];

/** A receiver subject by id (for child processes, which get the id on their command line). */
export function receiverById(id: string): ReceiverSubject {
  const subject = receivers().find((s) => s.id === id);
  if (subject === undefined) throw new Error(`unknown receiver subject ${id}`);
  return subject;
}
