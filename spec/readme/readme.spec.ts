import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

// The README's quick starts are these files, verbatim: `npm test` type-checks all three and runs
// the marble test, so a quick start that no longer compiles or passes fails the build.
describe('README quick starts', () => {
  it.each(['quick-start-callback.ts', 'quick-start-reactive.ts', 'quick-start-marble.spec.ts'])('README.md shows spec/readme/%s verbatim', (file) => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const code = fs.readFileSync(path.join(__dirname, file), 'utf8').trimEnd();
    expect(readme).toContain(`\`\`\`ts\n${code}\n\`\`\``);
  });
});
