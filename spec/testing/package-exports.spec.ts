import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Installs a fresh build of the package as `node_modules/rxjs-udp` of a temporary project, the
 * way npm would (package.json + dist), so Node resolves `rxjs-udp/testing` through `exports`.
 */
function installBuild(): string {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjs-udp-exports-'));
  const pkg = path.join(project, 'node_modules', 'rxjs-udp');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules', 'rxjs'), path.join(project, 'node_modules', 'rxjs'), 'dir');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), path.join(pkg, 'dist')], { stdio: 'ignore' });
  return project;
}

const script = `
  const net = createVirtualNetwork();
  const server = net.createUDPSocket();
  const port = server.bind();
  server.onMessage(({ message }) => {
    console.log(Buffer.from(message).toString());
    server.close();
  });
  net.createUDPSocket().send({ address: '127.0.0.1', port, message: 'through exports' });
  setTimeout(() => process.exit(0), 200);
`;

describe('package exports', () => {
  let project: string;

  beforeAll(() => {
    project = installBuild();
  }, 60_000);

  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it("require('rxjs-udp/testing') resolves to dist/testing through the exports map and works", () => {
    const out = execFileSync(
      process.execPath,
      ['-e', `console.log(require.resolve('rxjs-udp/testing')); const { createVirtualNetwork } = require('rxjs-udp/testing'); ${script}`],
      { cwd: project, encoding: 'utf8' },
    );
    const [resolved, received] = out.trim().split('\n');
    expect(path.relative(project, resolved!)).toBe(path.join('node_modules', 'rxjs-udp', 'dist', 'cjs', 'testing', 'index.js'));
    expect(received).toBe('through exports');
  });

  it("under Node, require('rxjs-udp') gives createUDPSocket() the node:dgram driver and exports it", () => {
    const out = execFileSync(
      process.execPath,
      ['-e', `const lib = require('rxjs-udp'); const s = lib.createUDPSocket(); console.log(s.bind(0, '127.0.0.1') > 0, typeof lib.createNodeDgramDriver); s.close();`],
      { cwd: project, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('true function');
  });

  it("import { createVirtualNetwork } from 'rxjs-udp/testing' works from an ES module", () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { createVirtualNetwork } from 'rxjs-udp/testing'; ${script}`],
      { cwd: project, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('through exports');
  });
});
