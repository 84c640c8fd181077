import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Every text file of the repository that code, comments or docs live in. */
function repositoryFiles(): string[] {
  const files: string[] = ['README.md', 'package.json', '.ci/run'];
  for (const folder of ['src', 'spec', 'bench', 'examples', 'docs']) {
    for (const name of fs.readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (/\.(ts|md|json|svg)$/.test(name) && !name.includes('results') && !(folder === 'docs' && name.startsWith('api'))) files.push(path.join(folder, name));
    }
  }
  return files.filter((file) => fs.existsSync(path.join(root, file)));
}

describe('the repository stands alone', () => {
  it('no file cites a design note, style guide or seed outside the repository', () => {
    const outside = [
      /\bDESIGN\.md/, // the design notes live in docs/design.md
      /\bSTYLE\.md/,
      /\.\.\/shared\b/,
      /\/work\//,
      /\bseed\/\d/,
      /\bthe seed page\b/,
    ];
    const self = path.relative(root, __filename);
    const offenders = repositoryFiles()
      .filter((file) => file !== self)
      .flatMap((file) => {
        const text = fs.readFileSync(path.join(root, file), 'utf8');
        return outside.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern.source}`);
      });
    expect(offenders).toEqual([]);
  });
});
