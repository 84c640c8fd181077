/**
 * The library under test, loaded on first use.
 *
 * `npm run bench` compiles `src/` with tsc (`tsconfig.build.json`) into `bench/results/.build`
 * and measures that JavaScript — what users run from `dist/`. Through tsx the same code is
 * slower in places: esbuild's `keepNames` wraps every named closure in a `__name()` call (an
 * `Object.defineProperty` each time the closure is created), which showed as ~6 % of the CPU
 * of a `request()` round trip. `--src` measures `src/` through tsx instead.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as Lib from '../src/node';

/** Environment variable naming the compiled library directory (inherited by child processes). */
export const LIB_DIR_ENV = 'RXJS_UDP_BENCH_LIB';

let loaded: typeof Lib | undefined;

/** The library: the compiled build when {@link LIB_DIR_ENV} is set, else `src/` through tsx. */
export function lib(): typeof Lib {
  if (loaded === undefined) {
    const dir = process.env[LIB_DIR_ENV];
    loaded = (dir !== undefined && dir !== '' ? require(path.join(dir, 'node', 'index.js')) : require('../src/node')) as typeof Lib;
  }
  return loaded;
}

/** What {@link lib} loads: `'build'` or `'src (tsx)'`. */
export function libKind(): string {
  const dir = process.env[LIB_DIR_ENV];
  return dir !== undefined && dir !== '' ? `build (tsc, ${path.relative(process.cwd(), dir)})` : 'src (tsx)';
}

/**
 * Compiles `src/` with tsc into `bench/results/.build` and points {@link lib} (and the child
 * processes, through the environment) at it.
 * @returns the build directory.
 */
export function buildLibrary(): string {
  const root = path.join(__dirname, '..');
  const outDir = path.join(__dirname, 'results', '.build');
  fs.rmSync(outDir, { recursive: true, force: true });
  const tsc = createRequire(__filename).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  process.env[LIB_DIR_ENV] = outDir;
  return outDir;
}
