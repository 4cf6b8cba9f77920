/**
 * Issue 11 finding 6, "faults that hide": a corrupted or unloadable model stops start-up with a message naming the file
 * (repository-relative, never an absolute path) and the command that rebuilds it; an unwritable data dir names
 * MONETA_DATA_DIR; config errors name their variable; malformed encodings and paths get 400, never 500.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../server/config/index.ts';
import { startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'moneta.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-faults-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `moneta serve` on port 0 with extra env; resolves with its exit code and stderr (killed after 120 s). */
function serve(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MONETA_LOG_LEVEL: 'silent', MONETA_DATA_DIR: path.join(tmp, 'data'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('models that fail to load stop start-up', () => {
  it('refuses an intent model whose first 400 KB were overwritten, naming the file and its rebuild command', async () => {
    const dir = path.join(tmp, 'intent');
    fs.cpSync(path.join(PROJECT_ROOT, 'models', 'intent'), dir, { recursive: true });
    const onnx = path.join(dir, 'onnx', 'model.onnx');
    const fd = fs.openSync(onnx, 'r+');
    fs.writeSync(fd, Buffer.alloc(400 * 1024, 0x41), 0, 400 * 1024, 0);
    fs.closeSync(fd);
    const run = await serve({ MONETA_INTENT_MODEL_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toMatch(/Moneta is running/);
    expect(run.stderr).toMatch(/MONETA_INTENT_MODEL_DIR\/onnx\/model\.onnx does not match its SHA-256 in models\/manifest\.json/);
    expect(run.stderr).toMatch(/npm run train:intent/);
    expect(run.stderr).not.toContain(tmp);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 150_000);

  it('stops (exit 1, not 503 forever) when a credit model cannot be loaded even with verification off', async () => {
    const dir = path.join(tmp, 'credit');
    fs.cpSync(path.join(PROJECT_ROOT, 'models', 'credit'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'german', 'model.json'), '{"not": "a model"');
    const run = await serve({ MONETA_CREDIT_MODELS_DIR: dir, MONETA_VERIFY_MODELS: 'off' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Credit model german could not be loaded.*npm run train:credit/s);
    expect(run.stderr).not.toContain(PROJECT_ROOT);
  }, 150_000);

  it('names MONETA_DATA_DIR when the data dir is not writable, instead of a raw EACCES', async () => {
    let dataDir: string;
    if (process.getuid?.() === 0) {
      // root writes anywhere: a "directory" under a regular file is unwritable for everyone (ENOTDIR).
      const file = path.join(tmp, 'a-file');
      fs.writeFileSync(file, '');
      dataDir = path.join(file, 'data');
    } else {
      dataDir = path.join(tmp, 'read-only');
      fs.mkdirSync(dataDir, { mode: 0o555 });
    }
    const run = await serve({ MONETA_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/MONETA_DATA_DIR \(.+\) is not writable \((EACCES|ENOTDIR|EROFS|EPERM)\)/);
    expect(run.stderr).not.toMatch(/SqliteError|unable to open database/);
  }, 150_000);

  it('names the variable in config errors', () => {
    expect(() => loadConfig({ MONETA_WORKER_TIMEOUT_MS: 'soon' })).toThrow(/MONETA_WORKER_TIMEOUT_MS \(workers\.taskTimeoutMs\)/);
    expect(() => loadConfig({ MONETA_OPTIMIZE_MAX_ASSETS: '-1' })).toThrow(/MONETA_OPTIMIZE_MAX_ASSETS/);
    expect(() => loadConfig({ MONETA_VERIFY_MODELS: 'maybe' })).toThrow(/MONETA_VERIFY_MODELS/);
  });
});

describe('malformed requests get 400, not 500', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  function raw(method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; body: string }> {
    const u = new URL(t.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method, path: pathname, headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  it.each(['/%ff', '/api/v1/sessions/%ff/messages', '/widget/%ff', '/%E0%A4%A', '/webhooks/rest/%ff', '/api/v1/credit/models/%ff/schema'])('GET %s → 4xx JSON', async (pathname) => {
    const res = await raw('GET', pathname);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it.each(['gzip', 'deflate', 'br', 'bogus', 'gzip, br'])('Content-Encoding %s on a plain body → 400', async (encoding) => {
    const res = await raw('POST', '/webhooks/rest/webhook', { 'content-type': 'application/json', 'content-encoding': encoding }, Buffer.from('{"sender":"a","message":"hi"}'));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toMatch(/^(bad_request|unsupported)$/);
  });
});
