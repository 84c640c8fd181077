#!/usr/bin/env node
// CI check of the package as users get it (issue 10): pack, install the tarball into a temporary
// consumer, then
//   - publint --strict and @arethetypeswrong/cli report nothing;
//   - every shipped .js parses as ES2015 (the syntax level mini-program toolchains take as is);
//   - the public .d.ts declare no class the entries do not export, no file imports rxjs/internal;
//   - an esbuild --platform=browser bundle of the reactive API (package root) and
//     createVirtualNetwork (rxjs-udp/testing) holds no Node module and one copy of rxjs, and runs
//     (a marble test, UTF-8 round trips through a wx-shaped socket and a virtual network) in a bare
//     node:vm realm (no require / process / Buffer / TextDecoder / TextEncoder) and in headless
//     chromium (installed with apt-get when absent; skipped, saying why, only when apt cannot run);
//   - a Node ES module consumer and a CommonJS consumer;
//   - the .d.ts compile under tsc for consumers with lib es2022 + dom (no esnext; rxjs's own types need
//     dom's or node's timers) and skipLibCheck off, resolving as a bundler and as node16;
//   - min+gzip size of the browser entry without rxjs (target: 15 KB; reported, a miss is a note).
// Offline-safe: rxjs and tslib come from this repository's node_modules. Usage:
//   node scripts/check-package.mjs [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const programs = path.join(here, 'check-package');
const requireFromRoot = createRequire(path.join(root, 'package.json'));
const esbuild = requireFromRoot('esbuild');
const acorn = requireFromRoot('acorn');
const keep = process.argv.includes('--keep');
const SIZE_TARGET = 15 * 1024;
const TEXT = '温度 21.5 °C — 你好, wörld 😀';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjs-udp-check-'));
const consumer = path.join(tmp, 'consumer');
const installed = path.join(consumer, 'node_modules', 'rxjs-udp');
const timings = [];
const notes = [];
let failed = 0;

function sh(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

function sameJson(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}:\n  got      ${a}\n  expected ${e}`);
}

async function step(name, body) {
  const started = Date.now();
  try {
    const note = await body();
    const seconds = (Date.now() - started) / 1000;
    timings.push([name, seconds]);
    console.log(`ok    ${name} (${seconds.toFixed(1)} s)${note ? ` — ${note}` : ''}`);
  } catch (error) {
    failed++;
    timings.push([name, (Date.now() - started) / 1000]);
    console.log(`FAIL  ${name}\n${String(error?.stack ?? error).replace(/^/gm, '      ')}`);
  }
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

let tarball;

await step('npm pack builds first (prepack) and ships dist/cjs, dist/esm, types and maps', () => {
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  sh('npm', ['pack', '--pack-destination', tmp], { cwd: root });
  tarball = path.join(tmp, fs.readdirSync(tmp).find((name) => name.startsWith('rxjs-udp-') && name.endsWith('.tgz')));
  const files = sh('tar', ['tzf', tarball]).split('\n').filter(Boolean);
  for (const wanted of [
    'package/package.json',
    'package/dist/cjs/index.js',
    'package/dist/cjs/node/index.js',
    'package/dist/cjs/index.d.ts.map',
    'package/dist/cjs/package.json',
    'package/dist/esm/index.js',
    'package/dist/esm/testing/index.d.ts',
    'package/dist/esm/package.json',
    'package/CHANGELOG.md',
    'package/LICENSE',
  ]) {
    check(files.includes(wanted), `the tarball lacks ${wanted}`);
  }
  const stray = files.filter((file) => /^package\/(?:spec|bench|examples|scripts|\.ci)\//.test(file));
  check(stray.length === 0, `the tarball ships ${stray.slice(0, 5).join(', ')}`);
  return `${path.basename(tarball)}, ${files.length} files, ${(fs.statSync(tarball).size / 1024).toFixed(0)} KB`;
});

await step('install the tarball into a temporary consumer (rxjs from the local node_modules)', () => {
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '0.0.0', private: true }));
  const local = ['rxjs', 'tslib'].map((name) => {
    const out = sh('npm', ['pack', path.join(root, 'node_modules', name), '--pack-destination', tmp, '--ignore-scripts'], { cwd: tmp });
    return path.join(tmp, out.trim().split('\n').pop());
  });
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, ...local], { cwd: consumer });
  for (const file of fs.readdirSync(programs)) fs.copyFileSync(path.join(programs, file), path.join(consumer, file));
  return `rxjs ${JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules/rxjs/package.json'), 'utf8')).version}`;
});

await step('publint --strict reports nothing', () => {
  const out = sh(bin('publint'), ['run', tarball, '--strict']);
  check(/All good!/.test(out), out);
});

await step('@arethetypeswrong/cli reports nothing (node10, node16 CJS/ESM, bundler)', () => {
  const out = sh(bin('attw'), [tarball, '--no-definitely-typed', '--format', 'ascii', '--no-color']);
  check(/No problems found/.test(out), out);
});

await step('every shipped .js parses as ES2015 (esm as modules, cjs as scripts)', () => {
  const files = filesUnder(path.join(installed, 'dist')).filter((file) => file.endsWith('.js'));
  for (const file of files) {
    const sourceType = file.includes(`${path.sep}esm${path.sep}`) ? 'module' : 'script';
    try {
      acorn.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 2015, sourceType });
    } catch (error) {
      throw new Error(`${path.relative(installed, file)} is not ES2015: ${error.message}`);
    }
  }
  return `${files.length} files`;
});

await step('no rxjs/internal import ships; the public .d.ts declare no internal class', () => {
  const dist = path.join(installed, 'dist');
  const deep = filesUnder(dist).filter((file) => /\.(?:js|d\.ts)$/.test(file) && /["']rxjs\/internal\//.test(fs.readFileSync(file, 'utf8')));
  check(deep.length === 0, `rxjs/internal is imported by ${deep.map((file) => path.relative(dist, file)).join(', ')} (tell the lead: src/reactive, src/socket)`);
  for (const build of ['cjs', 'esm']) {
    const base = path.join(dist, build);
    const entries = ['index.d.ts', 'testing/index.d.ts', 'node/index.d.ts'].map((file) => path.join(base, file));
    const exported = new Set(entries.flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/\b(\w+)\b/g)].map((m) => m[1])));
    const seen = new Set();
    const stack = [...entries];
    while (stack.length > 0) {
      const file = stack.pop();
      if (seen.has(file)) continue;
      seen.add(file);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:from\s*|import\s*\(\s*)["'](\.{1,2}\/[^"']*)["']/g)) {
        const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '');
        stack.push(fs.existsSync(`${target}.d.ts`) ? `${target}.d.ts` : path.join(target, 'index.d.ts'));
      }
    }
    const internal = [...seen].flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/declare class (\w+)/g)].map((m) => m[1]).filter((name) => !exported.has(name)).map((name) => `${name} (${path.relative(base, file)})`),
    );
    check(internal.length === 0, `${build}: the public declarations reach internal classes: ${internal.join(', ')}`);
  }
});

let bundle;

await step('esbuild --platform=browser bundle of the root and rxjs-udp/testing: no Node module, one rxjs', async () => {
  const result = await esbuild.build({
    absWorkingDir: consumer,
    entryPoints: ['browser-check.mjs'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'rxjsUdpCheck',
    target: 'es2015',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const node = inputs.filter((input) => /^node:|^(?:dgram|dns|net|buffer|process|os|fs|path|events|util)$/.test(input));
  check(node.length === 0, `Node modules in the bundle: ${node.join(', ')}`);
  const rxjsCopies = new Set(inputs.map((input) => /node_modules\/rxjs\/dist\/([^/]+)\//.exec(input)?.[1]).filter(Boolean));
  check(rxjsCopies.size === 1, `copies of rxjs in the bundle: ${[...rxjsCopies].join(', ')}`);
  const ours = inputs.filter((input) => input.includes('node_modules/rxjs-udp/'));
  check(ours.length > 0 && ours.every((input) => input.includes('node_modules/rxjs-udp/dist/esm/') && !input.includes('/dist/esm/node/')), `rxjs-udp files beyond the platform-free ESM build: ${ours.filter((i) => !i.includes('/dist/esm/') || i.includes('/esm/node/')).join(', ')}`);
  bundle = result.outputFiles[0].text;
  fs.writeFileSync(path.join(tmp, 'bundle.js'), bundle);
  return `${inputs.length} modules, rxjs from dist/${[...rxjsCopies][0]}, ${(bundle.length / 1024).toFixed(0)} KB unminified`;
});

const expected = (globals) => ({
  globals,
  marble: 'ok',
  marbleCanFail: true,
  wx: [TEXT, TEXT],
  virtual: TEXT,
  noDriver: { code: 'ERR_SOCKET_NO_DRIVER', namesFromUDPSocket: true },
});

await step('the bundle runs in a bare node:vm realm: marbles, UTF-8 through a wx-shaped socket', async () => {
  check(bundle !== undefined, 'no bundle');
  // Mini-programs have timers; nothing else of a host is given.
  const context = vm.createContext({ setTimeout, clearTimeout, setInterval, clearInterval });
  const bare = vm.runInContext("['require', 'process', 'Buffer', 'TextDecoder', 'TextEncoder', 'URL'].filter((n) => typeof globalThis[n] !== 'undefined')", context);
  sameJson([...bare], [], 'globals of the bare realm');
  vm.runInContext(bundle, context, { filename: 'bundle.js' });
  const result = await vm.runInContext('rxjsUdpCheck.run()', context);
  sameJson(JSON.parse(JSON.stringify(result)), expected([]), 'the bundle in node:vm');
});

function findChromium() {
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

await step('the bundle runs in headless chromium', () => {
  check(bundle !== undefined, 'no bundle');
  let chromium = findChromium();
  if (chromium === undefined) {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      notes.push('chromium skipped: not installed, and apt-get needs root');
      return 'SKIPPED: chromium is not installed and this user is not root (apt-get install -y chromium needs root)';
    }
    const update = spawnSync('apt-get', ['update'], { encoding: 'utf8', timeout: 300_000 });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', 'chromium'], { encoding: 'utf8', timeout: 900_000 }) : update;
    if (install.status !== 0) {
      const reason = `apt-get failed (${install.error?.message ?? `exit ${install.status}`}): ${(install.stderr || '').trim().split('\n').slice(-2).join(' ')}`;
      notes.push(`chromium skipped: ${reason}`);
      return `SKIPPED: chromium is not installed and ${reason}`;
    }
    chromium = findChromium();
    check(chromium !== undefined, 'apt-get installed chromium but it is not on PATH');
  }
  const page = path.join(tmp, 'index.html');
  fs.writeFileSync(
    page,
    '<!doctype html><meta charset="utf-8"><pre id="result">pending</pre><script src="bundle.js"></script><script>' +
      "rxjsUdpCheck.run().then((r) => { document.getElementById('result').textContent = encodeURIComponent(JSON.stringify(r)); }," +
      " (e) => { document.getElementById('result').textContent = encodeURIComponent(JSON.stringify({ error: String(e && e.stack || e) })); });</script>",
  );
  const run = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${path.join(tmp, 'chromium-profile')}`,
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const dumped = /<pre id="result">([^<]*)<\/pre>/.exec(run.stdout ?? '');
  check(dumped !== null && dumped[1] !== 'pending', `no result from chromium (exit ${run.status}${run.error ? `, ${run.error.message}` : ''}):\n${(run.stderr ?? '').slice(-2000)}`);
  const result = JSON.parse(decodeURIComponent(dumped[1]));
  delete result.globals; // a browser has TextEncoder and TextDecoder
  const wanted = expected([]);
  delete wanted.globals;
  sameJson(result, wanted, 'the bundle in chromium');
  return sh(chromium, ['--version']).trim();
});

await step('a Node ES module consumer (mixing import and require: one rxjs, one rxjs-udp)', () => {
  sh(process.execPath, ['node-esm.mjs'], { cwd: consumer, timeout: 30_000 });
});

await step('a Node CommonJS consumer', () => {
  sh(process.execPath, ['node-cjs.cjs'], { cwd: consumer, timeout: 30_000 });
});

await step('the types compile for TypeScript consumers whose lib stops before esnext (skipLibCheck off)', () => {
  // Symbol.asyncDispose comes from lib esnext.disposable, and a `/// <reference lib>` does not
  // survive into the emitted .d.ts: the types must declare what they use.
  fs.writeFileSync(
    path.join(consumer, 'types-consumer.ts'),
    "import { createUDPSocket } from 'rxjs-udp';\nimport { createVirtualNetwork } from 'rxjs-udp/testing';\nconst socket = createUDPSocket();\nvoid socket[Symbol.asyncDispose]();\nvoid createVirtualNetwork;\n",
  );
  const cases = [
    { lib: ['es2022', 'dom'], module: 'esnext', moduleResolution: 'bundler' },
    { lib: ['es2022', 'dom'], module: 'node16', moduleResolution: 'node16' },
    { lib: ['esnext', 'dom'], module: 'esnext', moduleResolution: 'bundler' },
  ];
  for (const options of cases) {
    const config = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', types: [], ...options }, files: ['types-consumer.ts'] };
    fs.writeFileSync(path.join(consumer, 'tsconfig.types.json'), JSON.stringify(config));
    sh(bin('tsc'), ['-p', 'tsconfig.types.json'], { cwd: consumer });
  }
  return cases.map((c) => `lib ${c.lib.join('+')} / ${c.moduleResolution}`).join(', ');
});

let sizes = '';
await step('size: min+gzip of the browser entry without rxjs', async () => {
  const measure = async (contents) => {
    const result = await esbuild.build({
      absWorkingDir: consumer,
      stdin: { contents, resolveDir: consumer, loader: 'js' },
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2015',
      external: ['rxjs', 'rxjs/*'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].contents;
    return { min: code.length, gzip: zlib.gzipSync(code, { level: 9 }).length };
  };
  // The reactive API is what a mini-program or a web page ships: every export of the root but
  // the socket facade (createUDPSocket, and openUDPSocket that defaults to it), which needs a
  // driver that only Node and the virtual network have.
  const rootExports = Object.keys(createRequire(path.join(installed, 'package.json'))(path.join(installed, 'dist/cjs/index.js')));
  const reactiveExports = rootExports.filter((name) => name !== 'createUDPSocket' && name !== 'openUDPSocket');
  const reactive = await measure(`export { ${reactiveExports.join(', ')} } from 'rxjs-udp';`);
  const issueEntry = await measure("export { fromUDPSocket, sendTo, request, decode, json } from 'rxjs-udp';");
  const core = await measure("export * from 'rxjs-udp';");
  const withTesting = await measure("export * from 'rxjs-udp'; export * from 'rxjs-udp/testing';");
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const line = (label, size) => `\n        ${label}: ${kb(size.min)} min, ${kb(size.gzip)} min+gzip`;
  sizes =
    line(`reactive API (${reactiveExports.length} exports of the root, no socket facade; target ${kb(SIZE_TARGET)})`, reactive) +
    line('fromUDPSocket, sendTo, request, decode, json', issueEntry) +
    line('the whole root (with createUDPSocket / openUDPSocket)', core) +
    line('the whole root and rxjs-udp/testing', withTesting);
  // Reported, not failed: a size over the target is a figure to recover, not a broken package,
  // and must not keep correctness fixes from landing (README and the closing note say it).
  if (reactive.gzip > SIZE_TARGET) notes.push(`SIZE TARGET MISSED: the reactive API is ${kb(reactive.gzip)} min+gzip, over the ${kb(SIZE_TARGET)} target`);
  return sizes;
});

console.log('\ntimings:');
for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${name}`);
for (const note of notes) console.log(`note: ${note}`);
if (keep) console.log(`kept ${tmp}`);
else fs.rmSync(tmp, { recursive: true, force: true });
if (failed > 0) {
  console.log(`\n${failed} check(s) failed`);
  process.exitCode = 1;
} else {
  console.log('\npackage checks passed');
}
