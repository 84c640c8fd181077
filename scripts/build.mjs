#!/usr/bin/env node
// Builds the package: dist/cjs (CommonJS) and dist/esm (ES modules), each with .d.ts and
// .d.ts.map, the way rxjs ships. `node scripts/build.mjs [outDir]` (default dist).
//
// - The platform-free core is type-checked first without Node typings (tsconfig.core.json).
// - tsc writes extensionless relative imports; ES module resolution (Node, webpack 5 for
//   "type": "module" packages) needs them fully specified, so the ESM build gets `.js` /
//   `/index.js` added here.
// - dist/esm/package.json says "type": "module", dist/cjs/package.json "type": "commonjs";
//   both repeat "sideEffects", because bundlers read the nearest package.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** The modules with a side effect: the Node entry installs the node:dgram driver as default. */
const sideEffects = ['./node/index.js', './node/register.js'];

function run(...args) {
  execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const RELATIVE = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

/** Adds `.js` (or `/index.js`) to the relative specifiers of an ESM file. */
function fullySpecify(file) {
  const dir = path.dirname(file);
  const text = fs.readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE, (match, lead, quote, specifier) => {
    if (/\.(?:m?js|json)$/.test(specifier)) return match;
    const target = path.resolve(dir, specifier);
    let suffix;
    if (fs.existsSync(`${target}.js`)) suffix = '.js';
    else if (fs.existsSync(path.join(target, 'index.js'))) suffix = '/index.js';
    else throw new Error(`${path.relative(out, file)}: cannot resolve ${specifier}`);
    return `${lead}${quote}${specifier}${suffix}${quote}`;
  });
  if (fixed !== text) fs.writeFileSync(file, fixed);
}

const started = Date.now();
fs.rmSync(out, { recursive: true, force: true });
run('-p', 'tsconfig.core.json');
run('-p', 'tsconfig.build.json', '--outDir', path.join(out, 'cjs'));
run('-p', 'tsconfig.esm.json', '--outDir', path.join(out, 'esm'));
for (const file of filesUnder(path.join(out, 'esm'))) {
  if (file.endsWith('.js') || file.endsWith('.d.ts')) fullySpecify(file);
}
fs.writeFileSync(path.join(out, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs', sideEffects }, null, 2)}\n`);
fs.writeFileSync(path.join(out, 'esm', 'package.json'), `${JSON.stringify({ type: 'module', sideEffects }, null, 2)}\n`);
console.log(`built ${path.relative(root, out) || out} (cjs + esm) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
