import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstValueFrom } from 'rxjs';

const src = path.resolve(__dirname, '../src');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code of a file without its comments, so TSDoc examples may mention Buffer. */
function code(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('platform boundary', () => {
  const core = filesUnder(src).filter((file) => !file.startsWith(path.join(src, 'node') + path.sep));

  it('only src/node/ uses Node: no node:* module, Buffer, process or require elsewhere', () => {
    const offenders = core.flatMap((file) => {
      const text = code(file);
      const found = [
        /from\s+['"](?:node:)?(?:dgram|dns|net|os|fs|path|events|util|buffer|process|module|crypto)['"]/.test(text) && 'a Node module',
        /from\s+['"]node:/.test(text) && 'a node: module',
        /\bBuffer\b/.test(text) && 'Buffer',
        /\bprocess\./.test(text) && 'process',
        /\brequire\(/.test(text) && 'require',
        /\bnew URL\(/.test(text) && 'URL',
      ].filter(Boolean);
      return found.map((what) => `${path.relative(src, file)}: ${what}`);
    });
    expect(offenders).toEqual([]);
  });

  it('no module outside src/node/ imports from src/node/', () => {
    const offenders = core.filter((file) => /from\s+['"][./]*\/node\//.test(code(file)) || /from\s+['"]\.\/node['"]/.test(code(file)));
    expect(offenders.map((file) => path.relative(src, file))).toEqual([]);
  });
});

describe('the platform-free entry', () => {
  let lib!: typeof import('../src/index');
  let testing!: typeof import('../src/testing/index');
  let rxjs!: typeof import('rxjs');
  beforeAll(() => {
    jest.isolateModules(() => {
      lib = require('../src/index');
      testing = require('../src/testing/index');
      rxjs = require('rxjs');
    });
  });

  it('exports no node driver', () => {
    expect(Object.keys(lib)).not.toContain('nodeDgramDriver');
    expect(Object.keys(lib)).not.toContain('createNodeDgramDriver');
  });

  it('createUDPSocket() without a driver reports ERR_SOCKET_NO_DRIVER naming fromUDPSocket, on a closed socket, without throwing', async () => {
    const socket = lib.createUDPSocket();
    expect(socket.closed).toBe(true);
    const error = await new Promise<import('../src/index').UDPErrorResult>((resolve) => socket.onError(resolve));
    expect(error.code).toBe('ERR_SOCKET_NO_DRIVER');
    expect(error.errMsg).toContain('fromUDPSocket');
    expect(lib.isUDPSocketError(error.error)).toBe(true);
    expect(socket.bind()).toBe(0);
  });

  it('openUDPSocket() without a driver errors with ERR_SOCKET_NO_DRIVER', async () => {
    await expect(firstValueFrom(lib.openUDPSocket())).rejects.toMatchObject({ code: 'ERR_SOCKET_NO_DRIVER' });
  });

  it('a socket with an explicit driver works as before', () => {
    const net = testing.createVirtualNetwork({ scheduler: rxjs.asapScheduler });
    const socket = lib.createUDPSocket('udp4', { driver: net.driver });
    expect(socket.bind()).toBeGreaterThan(0);
    socket.close();
  });
});
