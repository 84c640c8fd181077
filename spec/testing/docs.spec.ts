import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The guide "Testing with the virtual network". */
function testingSection(): string {
  return fs.readFileSync(path.join(root, 'docs/testing.md'), 'utf8');
}

describe('docs/testing.md: Testing with the virtual network', () => {
  it.each(['docs-example.spec.ts', 'marble-recipes.spec.ts'])('shows %s verbatim, so the documented marble tests are ones that run', (file) => {
    const doc = testingSection();
    const spec = fs.readFileSync(path.join(__dirname, file), 'utf8').trimEnd();
    expect(doc).toContain(`\`\`\`ts\n${spec}\n\`\`\``);
  });

  it('has a heading for every option of createVirtualNetwork and every member of the network', () => {
    const doc = testingSection();
    const headings = [...doc.matchAll(/^### `([^`(]+)/gm)].map(([, name]) => name!.trim());
    for (const option of ['scheduler', 'latency', 'jitter', 'loss', 'duplicate', 'mtu', 'seed']) {
      expect(headings).toContain(`options.${option}`);
    }
    for (const member of ['createUDPSocket', 'driver', 'localhost', 'addHost', 'host', 'configure', 'config', 'partition', 'heal', 'traffic$', 'inject', 'stats']) {
      expect(headings).toContain(`net.${member}`);
    }
  });
});
