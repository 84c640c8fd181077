import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The README section "Testing with the virtual network", up to the next `## ` heading. */
function testingSection(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Testing with the virtual network');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README: Testing with the virtual network', () => {
  it('shows docs-example.spec.ts verbatim, so the documented marble test is one that runs', () => {
    const doc = testingSection();
    const spec = fs.readFileSync(path.join(__dirname, 'docs-example.spec.ts'), 'utf8').trimEnd();
    expect(doc).toContain(`\`\`\`ts\n${spec}\n\`\`\``);
  });

  it('has a heading for every option of createVirtualNetwork and every member of the network', () => {
    const doc = testingSection();
    const headings = [...doc.matchAll(/^#### `([^`(]+)/gm)].map(([, name]) => name!.trim());
    for (const option of ['scheduler', 'latency', 'jitter', 'loss', 'duplicate', 'mtu', 'seed']) {
      expect(headings).toContain(`options.${option}`);
    }
    for (const member of ['createUDPSocket', 'driver', 'localhost', 'addHost', 'host', 'configure', 'config', 'partition', 'heal', 'traffic$', 'stats']) {
      expect(headings).toContain(`net.${member}`);
    }
  });
});
