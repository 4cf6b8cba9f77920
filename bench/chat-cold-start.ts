/**
 * `npm run bench:cold-start`: where `moneta serve` spends its start-up time, and cold start to a healthy /healthz
 * compared between checkouts, run after run in one session (the machine is shared: read the ratios, not the
 * milliseconds). For each checkout:
 * - cold start: spawn `node <dir>/bin/moneta.mjs serve` → first HTTP answer (listening) → `/healthz` 200 (healthy),
 *   plus the child's CPU time at healthy (Linux /proc; less sensitive to other load than wall time);
 * - phases (in a child process): tsx loader registration, the config module (zod), the server modules, building the
 *   dependencies and listening, then `ready` (models and indexes).
 * Rounds interleave the checkouts so drifting machine load hits them alike. An echo server on the same Express 5 +
 * Socket.IO 4 stack is the floor.
 *
 *   npm run bench:cold-start -- [--runs 7] [label=<checkout dir | entry .mjs> …]
 *
 * A checkout runs `bin/moneta.mjs serve` (tsx, what `npx moneta serve` does); an entry file runs
 * `node --enable-source-maps <file> serve` (e.g. dist/moneta.mjs, what `npm start` runs after `npm run build:server`).
 * Default: this checkout, then its dist/moneta.mjs when built.
 *
 * Prints a table and writes bench/results/cold-start.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../server/config/index.ts';
import { freePort } from './support/free-port.ts';

interface Variant {
  label: string;
  /** The checkout (phases are measured for tsx runs of checkouts only); undefined for the echo baseline. */
  dir?: string;
  /** Node arguments before `serve`. */
  entry?: string[];
  /** Runs the sources through tsx (bin/moneta.mjs). */
  tsx?: boolean;
}

/** `label=path`: a checkout folder (bin/moneta.mjs through tsx) or an entry file (plain node). */
function variant(label: string, target: string): Variant {
  const resolved = path.resolve(target);
  if (fs.statSync(resolved).isDirectory()) return { label, dir: resolved, entry: [path.join(resolved, 'bin', 'moneta.mjs')], tsx: true };
  return { label, dir: findCheckout(resolved), entry: ['--enable-source-maps', resolved] };
}

function findCheckout(file: string): string {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  return path.dirname(file);
}

interface ColdRun {
  listenMs: number;
  healthyMs: number;
  cpuMs: number | undefined;
}

type Phases = Record<'tsx' | 'config' | 'serverModules' | 'depsAndListen' | 'ready' | 'total', number>;

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
const named = args.filter((a, i) => a.includes('=') && (runsAt < 0 || i !== runsAt + 1));
const DIST_ENTRY = path.join(PROJECT_ROOT, 'dist', 'moneta.mjs');
const VARIANTS: Variant[] = [
  ...(named.length
    ? named.map((a) => variant(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)))
    : [variant('tsx (npx moneta serve)', PROJECT_ROOT), ...(fs.existsSync(DIST_ENTRY) ? [variant('dist (npm start)', DIST_ENTRY)] : [])]),
  { label: 'echo baseline' },
];
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** User + system CPU time of a process (all threads), from /proc; undefined off Linux. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
  } catch {
    return undefined;
  }
}

function serverEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, PORT: String(port), HOST: '127.0.0.1', MONETA_DATA_DIR: dataDir, MONETA_LOG_LEVEL: 'warn' };
}

/** Spawns one server and measures spawn → listening → healthy. */
async function coldStart(variant: Variant, dataDir: string): Promise<ColdRun> {
  const port = await freePort();
  const argv = variant.entry ? [...variant.entry, 'serve'] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'chat-echo-server.ts')];
  const t0 = performance.now();
  const child = spawn(process.execPath, argv, { env: serverEnv(port, dataDir), cwd: variant.dir ?? PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let listenMs: number | undefined;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant.label}: server exited with code ${child.exitCode}`);
      if (performance.now() - t0 > 120_000) throw new Error(`${variant.label}: not healthy after 120 s`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        listenMs ??= performance.now() - t0;
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const healthyMs = performance.now() - t0;
    return { listenMs: listenMs!, healthyMs, cpuMs: cpuMs(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** The start-up phases of `moneta serve`, timed inside a child process that mirrors `startServer`. */
function phases(dir: string, dataDir: string): Phases {
  const url = (p: string) => JSON.stringify(new URL(`file://${path.join(dir, p)}`).href);
  const script = `
    const t0 = performance.now();
    const { register } = await import(${url('node_modules/tsx/dist/esm/api/index.mjs')});
    register();
    const t1 = performance.now();
    const { loadConfig } = await import(${url('server/config/index.ts')});
    const t2 = performance.now();
    const { startServer } = await import(${url('server/start-server.ts')});
    const t3 = performance.now();
    const server = await startServer(loadConfig(process.env), { handleSignals: false, onListening: () => {} });
    const t4 = performance.now();
    await server.ready;
    const t5 = performance.now();
    process.stdout.write(JSON.stringify({ tsx: t1 - t0, config: t2 - t1, serverModules: t3 - t2, depsAndListen: t4 - t3, ready: t5 - t4, total: t5 }));
    await server.stop();
    process.exit(0);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: serverEnv(0, dataDir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as Phases;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-cold-'));
  const cold = new Map<string, ColdRun[]>(VARIANTS.map((v) => [v.label, []]));
  const phaseRuns = new Map<string, Phases[]>(VARIANTS.filter((v) => v.tsx).map((v) => [v.label, []]));
  try {
    // One warm-up each: tsx's transform cache and the knowledge index are built once, as on any machine after the first start.
    for (const v of VARIANTS) await coldStart(v, path.join(tmp, `warm-${v.label.replace(/\W+/g, '_')}`));
    for (let round = 0; round < RUNS; round++) {
      for (const v of VARIANTS) {
        cold.get(v.label)!.push(await coldStart(v, path.join(tmp, `cold-${round}-${v.label.replace(/\W+/g, '_')}`)));
        if (v.tsx) phaseRuns.get(v.label)!.push(phases(v.dir!, path.join(tmp, `phases-${round}-${v.label.replace(/\W+/g, '_')}`)));
      }
      process.stderr.write(`round ${round + 1}/${RUNS}\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const round0 = (x: number | undefined) => (x === undefined ? null : Math.round(x));
  const first = VARIANTS[0]!.label;
  const p50 = (label: string, key: keyof ColdRun) => quantile(cold.get(label)!.map((r) => r[key] ?? Number.NaN), 0.5);
  const result = {
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))) },
    runs: RUNS,
    coldStart: Object.fromEntries(
      VARIANTS.map((v) => {
        const runs = cold.get(v.label)!;
        const summary = (key: keyof ColdRun) => ({ p50: round0(p50(v.label, key)), p99: round0(quantile(runs.map((r) => r[key] ?? Number.NaN), 0.99)) });
        return [
          v.label,
          {
            command: v.entry ? `node ${[...v.entry, 'serve'].join(' ')}` : 'node --import tsx bench/chat-echo-server.ts',
            listenMs: summary('listenMs'),
            healthyMs: summary('healthyMs'),
            cpuMs: summary('cpuMs'),
            healthyRatioToFirst: Number((p50(v.label, 'healthyMs') / p50(first, 'healthyMs')).toFixed(2)),
            cpuRatioToFirst: Number((p50(v.label, 'cpuMs') / p50(first, 'cpuMs')).toFixed(2)),
            runs: runs.map((r) => ({ listenMs: round0(r.listenMs), healthyMs: round0(r.healthyMs), cpuMs: round0(r.cpuMs) })),
          },
        ];
      }),
    ),
    phasesP50Ms: Object.fromEntries(
      [...phaseRuns].map(([label, runs]) => [label, Object.fromEntries((Object.keys(runs[0]!) as Array<keyof Phases>).map((k) => [k, Math.round(quantile(runs.map((r) => r[k]), 0.5))]))]),
    ),
  };
  fs.mkdirSync(path.join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results', 'cold-start.json'), `${JSON.stringify(result, null, 2)}\n`);

  const rows: string[][] = [['variant', 'listening p50', 'healthy p50', 'healthy p99', 'CPU p50', 'healthy ×', 'CPU ×']];
  for (const [label, r] of Object.entries(result.coldStart)) {
    rows.push([label, `${r.listenMs.p50}`, `${r.healthyMs.p50}`, `${r.healthyMs.p99}`, `${r.cpuMs.p50}`, `${r.healthyRatioToFirst}`, `${r.cpuRatioToFirst}`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  process.stdout.write(`\nphases of moneta serve (p50 ms): ${JSON.stringify(result.phasesP50Ms)}\n`);
  process.stdout.write(`load average ${result.machine.loadAverage.join(' ')} on ${result.machine.cpus} CPUs; ratios are against "${first}" in the same run.\n`);
}

await main();
