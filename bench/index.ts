/**
 * `npm run bench`: rxjs-udp side by side with raw node:dgram, in one run, on this machine.
 *
 * Every figure is measured interleaved (subjects rotate every round: A B C, B C A, ...) and
 * reported as the median over rounds with min–max, and as a ratio to its node:dgram baseline,
 * so that load on the machine hits both sides alike. The other end of every real-socket
 * measurement is a separate process (`bench/peer.ts`) on 127.0.0.1.
 *
 * Options:
 *   --quick           short run (< 1 min) for CI: same code paths, no assertions
 *   --src             measure src/ through tsx instead of the tsc build (see bench/lib.ts);
 *                     RXJS_UDP_BENCH_LIB=<dir> measures a build made elsewhere (an older commit)
 *   --only=a,b        stages to run: layer, receive, send, rtt, memory, array, virtual, cluster,
 *                     flood
 *   --rcvbuf=<bytes>  SO_RCVBUF of the receivers (default 4 MiB, capped by net.core.rmem_max)
 *   --out=<file>      JSON output (default bench/results/latest.json; quick: quick.json; with
 *                     --only: partial.json, so a partial run never replaces the full figures)
 *   --svg=<file>      chart output (default docs/bench.svg; not written by --quick or --only)
 *
 * Writes the JSON of all figures and the SVG chart, and prints the table of ratios against
 * the targets in docs/design.md. Exits non-zero only when a measurement fails, never on a ratio.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchContext } from './context';
import { benchCluster } from './cluster';
import { benchFloodInFreshProcess } from './flood';
import { benchLayer } from './layer';
import { LIB_DIR_ENV, buildLibrary, libKind } from './lib';
import { benchMemory } from './memory';
import { Peer } from './peer-client';
import { Progress } from './progress';
import { benchReceive } from './receive';
import { buildRows, renderMarkdown, renderSvg, renderTable, type BenchResults, type VirtualResult } from './report';
import { benchRtt, benchRttInFreshProcesses } from './rtt';
import { benchSendArray } from './send-array';
import { benchSend, benchSendFresh } from './send';
import { benchVirtualNetwork } from './virtual-network';
import { pingers, receiveOptions, receivers, senders } from './subjects';

/** Fresh processes per round-trip pass with the echo in process (one in the quick run). */
const RTT_PROCESSES = 3;

const STAGES = ['layer', 'receive', 'send', 'rtt', 'memory', 'array', 'virtual', 'cluster', 'flood'] as const;
type Stage = (typeof STAGES)[number];

interface Options {
  quick: boolean;
  src: boolean;
  only: Set<Stage>;
  out: string;
  svg: string | undefined;
}

const root = path.join(__dirname, '..');

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const only = value('only');
  const stages = new Set<Stage>(only === undefined ? STAGES : (only.split(',') as Stage[]));
  for (const stage of stages) if (!STAGES.includes(stage)) throw new Error(`unknown stage ${stage}; stages: ${STAGES.join(', ')}`);
  const rcvbuf = value('rcvbuf');
  if (rcvbuf !== undefined) receiveOptions.recvBufferSize = Number(rcvbuf);
  const svg = value('svg');
  return {
    quick,
    src: argv.includes('--src'),
    only: stages,
    out: path.resolve(value('out') ?? path.join(root, 'bench', 'results', quick ? 'quick.json' : only !== undefined ? 'partial.json' : 'latest.json')),
    svg: svg !== undefined ? path.resolve(svg) : quick || only !== undefined ? undefined : path.join(root, 'docs', 'bench.svg'),
  };
}

/** The virtual network's own benchmark (`bench/virtual-network.ts`). */
async function benchVirtual(quick: boolean): Promise<VirtualResult> {
  const raw = await benchVirtualNetwork({ quick });
  return { available: true, datagramsPerSecond: raw.datagramsPerSecond, raw };
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function readSysctl(name: string): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  if (process.env[LIB_DIR_ENV]) {
    // A build given from outside (an older commit's, for a before/after comparison).
    process.stderr.write(`measuring the build in ${process.env[LIB_DIR_ENV]}\n`);
  } else if (!options.src) {
    process.stderr.write('compiling src/ with tsc (what dist/ users run)...\n');
    buildLibrary();
  }
  // receive shows as two stages (CPU cost, lossless search), send as two (this process, a fresh
  // one), rtt as three (echo in this process, echo in the peer process, the RxJS floor).
  const stageCount = [...options.only].reduce((n, s) => n + (s === 'rtt' ? 3 : s === 'receive' || s === 'send' ? 2 : 1), 0);
  const progress = new Progress(stageCount);
  const peer = await Peer.start();
  const ctx: BenchContext = { peer, progress, quick: options.quick };
  const results: BenchResults = {};
  const loadBefore = os.loadavg();
  let index = 1;
  try {
    if (options.only.has('layer')) results.layer = await benchLayer(ctx, index++);
    if (options.only.has('receive')) {
      results.receive = await benchReceive(ctx, receivers(), index);
      index += 2;
    }
    if (options.only.has('send')) {
      results.send = await benchSend(ctx, senders(), index++);
      results.sendFresh = await benchSendFresh(ctx, index++);
    }
    if (options.only.has('rtt')) {
      // With the echo in process (where the targets are judged) in fresh processes: see benchRttInFreshProcesses.
      const processes = options.quick ? 1 : RTT_PROCESSES;
      results.rttLocal = await benchRttInFreshProcesses(ctx, 'pingers', processes, index++, 'round trip, echo in process');
      results.rtt = await benchRtt(ctx, pingers(), index++, 'peer');
      results.rttFloor = await benchRttInFreshProcesses(ctx, 'floor', processes, index++, 'round trip, the RxJS one-shot floor, echo in process');
    }
    if (options.only.has('memory')) results.memory = await benchMemory(ctx, receivers(), index++);
    if (options.only.has('array')) results.sendArray = await benchSendArray(ctx, index++);
    if (options.only.has('virtual')) {
      progress.begin('virtual network', 1, index++);
      results.virtual = await benchVirtual(options.quick);
      progress.update(`${Math.round(results.virtual.datagramsPerSecond ?? NaN).toLocaleString('en-US')} datagrams/s`);
    }
    if (options.only.has('cluster')) results.cluster = await benchCluster(ctx, index++);
    if (options.only.has('flood')) results.flood = await benchFloodInFreshProcess(ctx, index++);
  } finally {
    progress.done();
    peer.stop();
  }

  const rows = buildRows(results);
  // A quick run is a smoke check: its figures are too short to judge a target by.
  if (options.quick) for (const row of rows) delete row.pass;
  const durationS = (Date.now() - started.getTime()) / 1000;
  const meta = {
    date: started.toISOString(),
    quick: options.quick,
    library: libKind(),
    durationS,
    commit: gitCommit(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().map((c) => c.model).filter((m, i, all) => all.indexOf(m) === i),
    cpuCount: os.cpus().length,
    loadavgBefore: loadBefore,
    loadavgAfter: os.loadavg(),
    recvBufferSize: receiveOptions.recvBufferSize,
    rmemMax: readSysctl('net.core.rmem_max'),
    rmemDefault: readSysctl('net.core.rmem_default'),
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify({ meta, table: rows, markdown: renderMarkdown(rows), ...results }, jsonReplacer, 2)}\n`);
  const caption = `rxjs-udp vs node:dgram — ${meta.date.slice(0, 16).replace('T', ' ')} UTC, node ${meta.node}, ${meta.cpuCount} × ${meta.cpus[0] ?? 'cpu'}, load ${loadBefore[0]!.toFixed(2)}${options.quick ? ' (quick run)' : ''}`;
  if (options.svg !== undefined) {
    fs.mkdirSync(path.dirname(options.svg), { recursive: true });
    fs.writeFileSync(options.svg, renderSvg(results, caption));
  }

  process.stdout.write(`\n${caption}\n\n${renderTable(rows)}\n\n`);
  if (results.receive !== undefined) {
    const r = results.receive;
    const limited = Object.values(r.subjects).some((s) => s.senderLimited);
    process.stdout.write(
      `receive: peer sent at most ${Math.round(r.senderMax).toLocaleString('en-US')}/s unpaced; CPU cost measured draining ${r.backlogRounds} backlogs of ${r.backlog} datagrams per subject` +
        ` (lost ${Object.values(r.subjects).reduce((n, s) => n + s.backlogLost, 0)}, median idle ${(Math.max(...Object.values(r.subjects).map((s) => s.backlogIdle.median)) * 100).toFixed(1)} %).` +
        (limited ? ' The lossless search reached the sender\'s limit, so receive ratios use CPU time per datagram.' : '') +
        `\nreceive CPU ratio at saturation (raw CPU/datagram over the subject's): ${Object.entries(r.subjects)
          .filter(([, s]) => !s.baseline)
          .map(([id, s]) => `${id} ${s.saturatedCpuRatios.median.toFixed(3)}× (${s.saturatedCpuRatios.min.toFixed(2)}–${s.saturatedCpuRatios.max.toFixed(2)})`)
          .join(', ')}\n`,
    );
  }
  if (results.send !== undefined) {
    const s = results.send;
    process.stdout.write(
      `send: ${s.rounds} samples of ${s.batch} datagrams per subject, taking turns, to a ${s.sink} sink; ratio ranges are interquartile.` +
        ' "fresh process": the same stage in a process started for it (raw pays a tick more per send than rxjs-udp; a tick costs least there).\n',
    );
  }
  process.stdout.write(
    `${options.quick ? 'quick run: smoke check only, ratios not asserted. ' : ''}` +
      `${Math.round(durationS)} s; figures in ${path.relative(process.cwd(), options.out)}` +
      `${options.svg !== undefined ? `, chart in ${path.relative(process.cwd(), options.svg)}` : ''}\n`,
  );
}

/** NaN and Infinity are not JSON: write them as null. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
