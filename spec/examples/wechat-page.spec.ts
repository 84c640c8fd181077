import { main, telemetryPage } from '../../examples/wechat-page';
import { WeChatStandIn } from '../helpers/wechat-stand-in';

describe('examples/wechat-page', () => {
  it('main() shows the device lines newest first, and closes the socket on unload', async () => {
    const log: string[] = [];
    const { data, closed } = await main((line) => log.push(line));
    expect(data.lines).toEqual(['pong', 'temp 21.7', 'temp 21.5']);
    expect(data.status).toBe('ok');
    expect(closed).toBe(true);
  });

  it('on a WeChat-shaped socket (only the WeChat methods and payloads) the page binds, and unload removes every listener', async () => {
    const sockets: WeChatStandIn[] = [];
    const options = telemetryPage({ createUDPSocket: () => sockets[sockets.push(new WeChatStandIn()) - 1]! });
    const page = Object.assign(Object.create(options) as typeof options, {
      data: { ...options.data! },
      setData(patch: object) {
        Object.assign(this.data as object, patch);
      },
    }) as unknown as WechatMiniprogram.Page.Instance<{ port: number; lines: string[]; status: string }, { rx?: unknown; ping(): void }>;
    await page.onLoad?.({});
    expect(page.data.port).toBeGreaterThan(0);
    expect(sockets[0]!.listenerCount()).toBeGreaterThan(0);
    await page.onUnload?.();
    expect(sockets[0]!.listenerCount()).toBe(0);
  });
});
