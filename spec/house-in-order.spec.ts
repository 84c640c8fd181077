import * as fs from 'node:fs';
import * as path from 'node:path';

/** The house rules of src/ (issue 14): files with one job, no import cycle, one RxJS seam. */

const SRC = path.join(__dirname, '..', 'src');
const MAX_LINES = 450;

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The modules of src/ a file imports or re-exports (type-only imports included: a cycle is a cycle). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    const base = path.join(path.dirname(file), match[1]!);
    const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
    if (resolved !== undefined) targets.push(resolved);
  }
  return targets;
}

describe('the house in order (src/)', () => {
  const files = sourceFiles();

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => [path.relative(SRC, file), fs.readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, stack: string[]): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(SRC, f)).join(' -> '));
        else if (state.get(next) === undefined) visit(next, stack);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (state.get(file) === undefined) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('imports nothing from rxjs/internal (one seam: src/reactive/internal/operate.ts on the public Subscriber)', () => {
    const deep = files.filter((file) => /from\s+'rxjs\/internal/.test(fs.readFileSync(file, 'utf8'))).map((file) => path.relative(SRC, file));
    expect(deep).toEqual([]);
  });

  it('the cycle check finds a cycle when there is one (the check itself can fail)', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cycle-'));
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import type { a } from './a';\nexport const b = 1 as unknown as typeof a;\n");
    expect(importsOf(path.join(dir, 'a.ts'))).toEqual([path.join(dir, 'b.ts')]);
    expect(importsOf(path.join(dir, 'b.ts'))).toEqual([path.join(dir, 'a.ts')]);
    fs.rmSync(dir, { recursive: true });
  });
});
