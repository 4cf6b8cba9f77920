/**
 * The real `moneta` command, run from the sources (bin/moneta.mjs through tsx, as `npx moneta`) and precompiled
 * (`npm run build:server`, as `npm start`): help, a clear config error, and `serve` → URL → healthy → chat → graceful
 * SIGTERM exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config/index.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'moneta.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-cli-'));
// A private build inside the checkout (the config finds the root upwards), so a parallel `npm start` keeps its dist/.
const BUILD = path.join(PROJECT_ROOT, 'node_modules', '.cache', `moneta-test-dist-${process.pid}`);
const BUILT = path.join(BUILD, 'moneta.mjs');
beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-server.mjs'), '--outdir', BUILD], { encoding: 'utf8', cwd: PROJECT_ROOT });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 60_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(BUILD, { recursive: true, force: true });
});

/** `node <args> …`: the sources through tsx, or the precompiled entry. */
const ENTRIES: Array<[name: string, args: string[]]> = [
  ['bin/moneta.mjs (tsx)', [BIN]],
  ['precompiled', ['--enable-source-maps', BUILT]],
];

describe('moneta CLI', () => {
  it.each(ENTRIES)('%s prints help listing serve and the feature command groups', (_name, entry) => {
    const r = spawnSync(process.execPath, [...entry, '--help'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    expect(r.status).toBe(0);
    for (const command of ['serve', 'nlu', 'kb', 'credit', 'portfolio']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it.each(ENTRIES)('%s loads a feature group only when it is named', (_name, entry) => {
    const r = spawnSync(process.execPath, [...entry, 'help', 'portfolio'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+optimize\b/m);
  });

  it('fails with a clear message and exit code 1 on bad configuration, without a stack trace', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve'], { encoding: 'utf8', cwd: PROJECT_ROOT, env: { ...process.env, PORT: 'not-a-port' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PORT (server.port)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(ENTRIES)('%s serves: prints the URL, turns healthy, chats, and exits 0 on SIGTERM with the conversation saved', async (name, entry) => {
    const dataDir = path.join(dir, name.replace(/\W+/g, '-'));
    const child = spawn(process.execPath, [...entry, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MONETA_DATA_DIR: dataDir, MONETA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 90_000);
      child.stdout.on('data', () => {
        const m = /Moneta is running at (http:\/\/\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    let healthy = false;
    for (let i = 0; i < 600 && !healthy; i += 1) {
      healthy = (await fetch(`${url}/healthz`).then((r) => r.status).catch(() => 0)) === 200;
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe(true);
    const res = await fetch(`${url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: 'cli-test', message: 'hello' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Array<{ text: string }>)[0]!.text).toMatch(/^Hi, I'm Moneta/);
    // The optimiser runs in the worker pool: its entry must load from the sources (tsx) and from the build (dist/worker.mjs).
    const csv = 'date,A,B,C\n2024-01-01,10,20,30\n2024-01-02,10.2,19.8,30.3\n2024-01-03,10.1,20.3,30.1\n2024-01-04,10.4,20.1,30.6\n2024-01-05,10.3,20.6,30.2';
    const optimized = await fetch(`${url}/api/v1/portfolio/optimize?objective=min-volatility`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(optimized.status).toBe(200);
    expect(Object.keys(((await optimized.json()) as { weights: Record<string, number> }).weights)).toEqual(['A', 'B', 'C']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataDir, 'sessions.sqlite'), { readonly: true });
    const events = db.prepare("SELECT data FROM events WHERE session_id = 'cli-test' ORDER BY seq").all().map((r) => JSON.parse((r as { data: string }).data) as { type: string; text?: string });
    expect(events.map((e) => e.type)).toEqual(['session_started', 'user_uttered', 'skill_ran', 'bot_uttered']);
    expect(events[1]!.text).toBe('hello');
    db.close();
  }, 120_000);
});
