/// <reference types="miniprogram-api-typings" />
/**
 * Recipe: a WeChat (or Taro) mini-program page that wraps `wx.createUDPSocket()` with
 * `fromUDPSocket`.
 *
 * The page listens for a device's telemetry lines, shows the last ten with `setData`, pings the
 * device from a button, and closes the socket in `onUnload`. In a mini-program:
 *
 * ```ts
 * import { telemetryPage } from './telemetry-page';
 * Page(telemetryPage(wx));
 * // Taro: the same options object in a class or function page; `Taro` has createUDPSocket() too
 * ```
 *
 * Nothing here is Node: the reactive layer only needs the callback API of the WeChat socket. The
 * file is type-checked against the official typings (`miniprogram-api-typings`), and `main()` runs
 * the page in Node against a `wx` stand-in made from `createUDPSocket` on 127.0.0.1
 * (spec/examples/wechat-page.spec.ts runs it).
 *
 * Run it: `npx tsx examples/wechat-page.ts`.
 */
import { type Subscription, filter, firstValueFrom, scan } from 'rxjs';
import { createUDPSocket, decode, fromUDPSocket, text, type RxUDPSocket, type UDPSocketLike } from '../src/node';

/** What the page shows. */
export interface TelemetryData {
  /** The port the page listens on (what `bind()` returned). */
  port: number;
  /** The last ten telemetry lines, newest first. */
  lines: string[];
  /** The last error's code, or `'ok'`. */
  status: string;
}

/** The page's own members. */
export interface TelemetryCustom {
  rx?: RxUDPSocket;
  subscriptions?: Subscription;
  /** The button: sends `ping` to the device. */
  ping(): void;
}

/** The device the page talks to. */
export interface Device {
  address: string;
  port: number;
}

/** The part of `wx` (or `Taro`) the page uses: a factory of sockets with the WeChat callback API. */
export interface UDPHost {
  createUDPSocket(): UDPSocketLike;
}

/** Compile-time check: the official `wx` is a {@link UDPHost} as it is. */
export const fitsWx = (wx: WechatMiniprogram.Wx): UDPHost => wx;

/**
 * The page's options: pass them to `Page()`.
 *
 * @param host - `wx` (or `Taro`).
 * @param device - where pings go.
 * @returns the options of a page.
 */
export function telemetryPage(host: UDPHost, device: Device = { address: '192.168.1.50', port: 9000 }): WechatMiniprogram.Page.Options<TelemetryData, TelemetryCustom> {
  return {
    data: { port: 0, lines: [], status: 'ok' },

    onLoad() {
      const rx = fromUDPSocket(host.createUDPSocket());
      this.rx = rx;
      this.subscriptions = rx.message$
        .pipe(
          decode(text),
          scan((lines: string[], line) => [line, ...lines].slice(0, 10), []),
        )
        .subscribe((lines) => this.setData({ lines }));
      // WeChat's error payload is { errMsg, errCode }; error$ turns it into a UDPSocketError with a code
      this.subscriptions.add(rx.error$.subscribe((error) => this.setData({ status: error.code })));
      this.setData({ port: rx.bind() }); // as in WeChat: synchronous, the port
    },

    ping() {
      this.rx?.send({ ...device, message: 'ping' }).subscribe({ error: () => undefined }); // failures reach error$
    },

    onUnload() {
      this.subscriptions?.unsubscribe();
      this.rx?.close();
    },
  };
}

/**
 * A `wx` stand-in for Node: its sockets are `createUDPSocket()`'s, bound to 127.0.0.1.
 *
 * @returns an object with `createUDPSocket()` as `wx` has it.
 */
export function loopbackWx(): UDPHost {
  return {
    createUDPSocket: () => {
      const socket = createUDPSocket();
      const bind = socket.bind.bind(socket);
      socket.bind = (port?: number) => bind(port ?? 0, '127.0.0.1'); // WeChat's bind takes only a port
      return socket;
    },
  };
}

/**
 * Runs the page in Node: loads it, lets a device send three lines and answer a ping, unloads it.
 *
 * @param log - where to print.
 * @returns the page's data after the exchange, and whether the page's socket was closed on unload.
 */
export async function main(log: (line: string) => void = console.log): Promise<{ data: TelemetryData; closed: boolean }> {
  const device = fromUDPSocket(createUDPSocket());
  const devicePort = device.bind(0, '127.0.0.1');
  const options = telemetryPage(loopbackWx(), { address: '127.0.0.1', port: devicePort });
  // what the mini-program framework does: an instance with data and setData
  const page = Object.assign(Object.create(options) as typeof options, {
    data: { ...options.data! },
    setData(patch: Partial<TelemetryData>) {
      Object.assign(this.data, patch);
    },
  }) as unknown as WechatMiniprogram.Page.Instance<TelemetryData, TelemetryCustom>;
  try {
    await page.onLoad?.({});
    log(`page listening on port ${page.data.port}`);
    const pinged = firstValueFrom(device.message$);
    page.ping();
    const { remoteInfo } = await pinged;
    const shown = firstValueFrom(page.rx!.message$.pipe(filter(() => page.data.lines.length === 3)));
    for (const line of ['temp 21.5', 'temp 21.7', 'pong']) device.send({ address: '127.0.0.1', port: remoteInfo.port, message: line }).subscribe();
    await shown;
    log(`page shows: ${page.data.lines.join(' | ')}`);
    await page.onUnload?.();
    const closed = page.rx!.state === 'closed';
    log(`page unloaded, socket ${closed ? 'closed' : 'still open'}`);
    return { data: page.data, closed };
  } finally {
    device.close();
  }
}

if (process.argv[1]?.endsWith('wechat-page.ts') === true) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
