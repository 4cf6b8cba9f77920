/** The real `moneta` command: help, a clear config error, and `serve` → URL → healthy → chat → graceful SIGTERM exit. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config/index.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'moneta.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moneta CLI', () => {
  it('prints help listing serve and the feature command groups', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    expect(r.status).toBe(0);
    for (const command of ['serve', 'nlu', 'kb', 'credit', 'portfolio']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('fails with a clear message and exit code 1 on bad configuration, without a stack trace', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve'], { encoding: 'utf8', cwd: PROJECT_ROOT, env: { ...process.env, PORT: 'not-a-port' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PORT (server.port)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('serves: prints the URL, turns healthy, chats, and exits 0 on SIGTERM with the conversation saved', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MONETA_DATA_DIR: dir, MONETA_LOG_LEVEL: 'warn' },
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
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'sessions.sqlite'), { readonly: true });
    const events = db.prepare("SELECT data FROM events WHERE session_id = 'cli-test' ORDER BY seq").all().map((r) => JSON.parse((r as { data: string }).data) as { type: string; text?: string });
    expect(events.map((e) => e.type)).toEqual(['session_started', 'user_uttered', 'skill_ran', 'bot_uttered']);
    expect(events[1]!.text).toBe('hello');
    db.close();
  }, 120_000);
});
