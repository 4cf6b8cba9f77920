/**
 * Runs Moneta as a real child process (the precompiled server `npm start` runs, built once per test file into
 * `.test-build/`), for tests and benchmarks that need several processes, kill -9, or a start-up that must fail.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config/index.ts';
import { freePort, stopChild, waitFor, WaitAborted } from './engines.ts';

/**
 * Builds the server with esbuild into a private folder (a second or so) and returns its entry. The precompiled server
 * starts in about half the time of the tsx one (README, `npm run bench:cold-start`), which matters with two processes.
 */
export function buildServerOnce(): string {
  const outdir = path.join(PROJECT_ROOT, '.test-build', `server-${process.pid}`);
  const entry = path.join(outdir, 'moneta.mjs');
  if (!fs.existsSync(entry)) execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-server.mjs'), '--outdir', outdir], { cwd: PROJECT_ROOT, stdio: 'pipe' });
  return entry;
}

/** Removes what `buildServerOnce` built. */
export function removeServerBuild(): void {
  fs.rmSync(path.join(PROJECT_ROOT, '.test-build', `server-${process.pid}`), { recursive: true, force: true });
}

/**
 * A knowledge index to copy into each process's data dir: the checkout's `knowledge/.index` when built, else one built
 * now (once) into a temp dir with `moneta kb build` (a fresh CI clone has none; each process building its own would
 * cost tens of seconds apiece on a loaded machine). Remove the returned `cleanup` dir when done.
 */
export function prepareKnowledgeIndex(entry: string): { dir: string; cleanup: () => void } {
  const shared = path.join(PROJECT_ROOT, 'knowledge', '.index');
  if (fs.existsSync(path.join(shared, 'manifest.json'))) return { dir: shared, cleanup: () => undefined };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-index-'));
  const dir = path.join(tmp, 'index');
  execFileSync(process.execPath, [entry, 'kb', 'build'], { cwd: PROJECT_ROOT, env: { ...process.env, MONETA_KNOWLEDGE_INDEX_DIR: dir }, stdio: 'pipe' });
  return { dir, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

/** A running Moneta child process. */
export interface MonetaProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stderr (capped). */
  stderr(): string;
  /** Graceful stop (SIGTERM), SIGKILL after a grace period; removes its data dir. */
  stop(): Promise<void>;
}

/** Options for `startMonetaProcess`. */
export interface MonetaProcessOptions {
  entry: string;
  name: string;
  /** Knowledge index folder to copy (`prepareKnowledgeIndex`); default the checkout's when built. */
  knowledgeIndex?: string;
  env: Record<string, string>;
  /** Wait for `/readyz` 200 (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
  /** Pin the process to these CPUs (`taskset -c`, e.g. `0` or `0,1`); benchmarks use it to keep the load apart. */
  cpus?: string;
}

/** Spawns `node <entry> serve` on a free loopback port with a temp data dir and a private copy of the knowledge index. */
export async function startMonetaProcess(options: MonetaProcessOptions): Promise<MonetaProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `moneta-${options.name}-`));
  const shared = options.knowledgeIndex ?? path.join(PROJECT_ROOT, 'knowledge', '.index');
  const indexDir = path.join(dataDir, 'knowledge-index');
  if (fs.existsSync(path.join(shared, 'manifest.json'))) fs.cpSync(shared, indexDir, { recursive: true });
  const argv = ['--enable-source-maps', options.entry, 'serve'];
  // taskset execs node in place, so the child's pid is the server's (for memory and CPU sampling).
  const child = spawn(options.cpus ? 'taskset' : process.execPath, options.cpus ? ['-c', options.cpus, process.execPath, ...argv] : argv, {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      MONETA_DATA_DIR: dataDir,
      MONETA_KNOWLEDGE_INDEX_DIR: indexDir,
      MONETA_LOG_LEVEL: 'warn',
      MONETA_SHUTDOWN_GRACE_MS: '3000',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const proc: MonetaProcess = {
    name: options.name,
    port,
    url,
    child,
    stderr: () => stderr,
    async stop() {
      await stopChild(child, 'SIGTERM', 8000);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.waitReady ?? true) {
    try {
      await waitFor(`${options.name} ready on ${url}`, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new WaitAborted(`${options.name} exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
        const res = await fetch(`${url}/readyz`);
        return res.status === 200;
      }, options.timeoutMs ?? 90_000, 100);
    } catch (error) {
      await proc.stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr}`);
    }
  }
  return proc;
}
