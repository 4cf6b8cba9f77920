/**
 * Starts real PostgreSQL 15, Redis 7 and HAProxy 2.6 (the Debian binaries) for tests and benchmarks: loopback only,
 * free ports, temp dirs, stopped (and their dirs removed) by `stop()`. Nothing depends on a service started by hand.
 * Run as root (CI), PostgreSQL runs as the `postgres` user: initdb through `runuser`, the server with that uid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const PG_BIN = process.env.MONETA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Thrown by a `waitFor` check to stop waiting at once (the awaited thing can no longer happen). */
export class WaitAborted extends Error {}

/**
 * Polls `check` every `everyMs` until it returns true, or throws `what` after `timeoutMs`. A check that throws counts
 * as "not yet", except a `WaitAborted`, which ends the wait with that error.
 */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal`, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** A running PostgreSQL. */
export interface PostgresServer {
  port: number;
  /** `postgres://moneta:<password>@127.0.0.1:<port>/moneta` */
  url: string;
  password: string;
  stop(): Promise<void>;
}

/** initdb in a temp dir, then a postgres server on a free loopback port (password auth over TCP). */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-pg-'));
  const dataDir = path.join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  fs.writeFileSync(path.join(dir, 'pwfile'), `${password}\n`);
  if (asRoot) fs.chownSync(path.join(dir, 'pwfile'), uid!, gid!);
  const initdbArgs = [path.join(PG_BIN, 'initdb'), '-D', dataDir, '-U', 'moneta', '--pwfile', path.join(dir, 'pwfile'), '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions'];
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...initdbArgs], { stdio: 'pipe' });
  else execFileSync(initdbArgs[0]!, initdbArgs.slice(1), { stdio: 'pipe' });
  const port = await freePort();
  // fsync off: a test database need not survive a power cut, and the shared machine's disk is slow.
  const child = spawn(path.join(PG_BIN, 'postgres'), ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(asRoot ? { uid, gid } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    await stopChild(child, 'SIGINT', 10_000); // SIGINT = PostgreSQL's fast shutdown
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = `postgres://moneta:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    await waitFor(`PostgreSQL on port ${port} (${stderr})`, async () => {
      if (child.exitCode !== null) throw new WaitAborted(`postgres exited: ${stderr}`);
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.end();
      return true;
    }, 30_000, 100);
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query('CREATE DATABASE moneta');
    await c.end();
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `postgres://moneta:${encodeURIComponent(password)}@127.0.0.1:${port}/moneta`, password, stop };
}

/** A running redis-server that can be stopped and started again on the same port. */
export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server (SIGTERM, no persistence); `start()` brings it back on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], { stdio: 'ignore' });
    const current = child;
    await waitFor(`redis on port ${port}`, () => {
      if (current.exitCode !== null) throw new WaitAborted('redis-server exited');
      return new Promise<boolean>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.once('connect', () => {
          sock.write('PING\r\n');
        });
        sock.once('data', (d) => {
          sock.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
        sock.once('error', () => resolve(false));
      });
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => stopChild(child),
    start,
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running HAProxy. */
export interface HaproxyServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * HAProxy in front of `backends` (host:port) with the repository's deploy/haproxy.cfg settings: round robin for new
 * clients, a cookie pins a Socket.IO client (polling requests and the upgrade) to the process that issued it.
 */
export async function startHaproxy(backends: readonly string[]): Promise<HaproxyServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-haproxy-'));
  const port = await freePort();
  const template = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', 'deploy', 'haproxy.cfg'), 'utf8');
  const servers = backends.map((b, i) => `    server moneta${i + 1} ${b} check inter 1s fall 2 rise 1 cookie m${i + 1}`).join('\n');
  const cfg = template
    .replace(/^\s*bind .*$/m, `    bind 127.0.0.1:${port}`)
    .replace(/^[ \t]*# BACKENDS[\s\S]*?# END BACKENDS[^\n]*$/m, servers)
    .replace(/^\s*maxconn \d+/m, '    maxconn 2000')
    .replace(/^\s*(stats socket|log|option httplog).*$/gm, '');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, cfg.endsWith('\n') ? cfg : `${cfg}\n`);
  execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: 'pipe' });
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    await stopChild(child, 'SIGUSR1', 3000); // SIGUSR1: soft stop
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`haproxy on port ${port}`, () => {
      if (child.exitCode !== null) throw new WaitAborted(`haproxy exited: ${stderr}`);
      return new Promise<boolean>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, stop };
}
