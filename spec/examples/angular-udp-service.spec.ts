import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');

describe('examples/angular-udp.service', () => {
  // Angular ships ES modules only, which jest's CommonJS runtime cannot load: the recipe runs in
  // its own process through tsx, as `npx tsx examples/angular-udp.service.ts` would.
  it('the service takes a reading into its signal, and destroying the injector closes its socket', async () => {
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['examples/angular-udp.service.ts'], {
      cwd: root,
      timeout: 30_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^service listening on 127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual(['latest reading: {"device":"pump-1","value":4.2}', 'injector destroyed, socket closed']);
  }, 30_000);
});
