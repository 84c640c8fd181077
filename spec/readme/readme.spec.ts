import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Whether `markdown` holds `file` of this folder verbatim, as a ```ts block. */
function shows(markdown: string, file: string): boolean {
  const code = fs.readFileSync(path.join(__dirname, file), 'utf8').trimEnd();
  return fs.readFileSync(path.join(root, markdown), 'utf8').includes(`\`\`\`ts\n${code}\n\`\`\``);
}

// The quick starts are these files, verbatim: `npm test` type-checks them all and runs the marble
// test, so a quick start that no longer compiles or passes fails the build.
describe('quick starts', () => {
  it.each(['quick-start-callback.ts', 'quick-start-reactive.ts', 'quick-start-marble.spec.ts'])('README.md shows spec/readme/%s verbatim', (file) => {
    expect(shows('README.md', file)).toBe(true);
  });

  it.each(['reactive-guide-quick-start.ts', 'reactive-guide-marble.spec.ts'])('docs/reactive.md shows spec/readme/%s verbatim', (file) => {
    expect(shows('docs/reactive.md', file)).toBe(true);
  });
});
