/**
 * Summarises a `.cpuprofile` of `node --cpu-prof`: self time by function and by origin
 * (rxjs-udp `src/`, node internals, GC, idle), heaviest first.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function origin(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'native (program)';
  if (url.includes('/src/') || url.includes('/results/.build/')) return 'rxjs-udp (src/ or its tsc build)';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.includes('node_modules/rxjs')) return 'rxjs';
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return 'native';
  return 'other';
}

const [file, topArg = '25'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byOrigin = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const o = origin(url, functionName);
  byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
}
const busy = total - (byOrigin.get('idle') ?? 0);
const pct = (us: number, of: number): string =>
  `${((us / of) * 100).toFixed(1).padStart(5)}% ${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy\n`);
console.log('by origin (share of busy time, self ms):');
for (const [o, us] of [...byOrigin].sort((a, b) => b[1] - a[1])) {
  if (o !== 'idle') console.log(`  ${pct(us, busy)}  ${o}`);
}
console.log(`\ntop functions by self time (share of busy time, self ms):`);
const top = [...byFunction].sort((a, b) => b[1] - a[1]).filter(([key]) => !key.startsWith("(idle)")).slice(0, Number(topArg));
for (const [key, us] of top) {
  console.log(`  ${pct(us, busy)}  ${key}`);
}
