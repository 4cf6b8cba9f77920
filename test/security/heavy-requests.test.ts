/**
 * Issue 11 finding 1: one optimise request stalled the whole server (/healthz included) for 77 s, and nothing capped
 * its size or time. Now the work runs in the app's worker pool with a time budget, the event loop stays free, and
 * every size cap answers 400 (naming the cap) or 413 (streamed, without buffering the body).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioRouter } from '../../server/http/portfolio-router.ts';
import { createWorkerPool } from '../../server/workers/pool.ts';
import { startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const CAPS = { maxAssets: 500, maxRows: 5000 };

/** Seeded daily prices: `assets` columns, `rows` dates, one market factor plus noise (realistic correlations). */
function pricesCsv(assets: number, rows: number, seed = 7): string {
  let state = seed >>> 0;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const lines = [`date,${Array.from({ length: assets }, (_, i) => `A${i}`).join(',')}`];
  const p = new Float64Array(assets).fill(100);
  const start = Date.UTC(2000, 0, 3);
  for (let t = 0; t < rows; t++) {
    const market = gauss() * 0.01;
    for (let i = 0; i < assets; i++) p[i] = p[i]! * (1 + 0.0003 + market * (0.5 + (i % 7) / 7) + gauss() * 0.015);
    lines.push(`${new Date(start + t * 86_400_000).toISOString().slice(0, 10)},${Array.from(p, (x) => x.toFixed(4)).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

function optimize(url: string, csv: string, query = 'objective=min-volatility'): Promise<Response> {
  return fetch(`${url}/api/v1/portfolio/optimize?${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
}

async function startWithPool(taskTimeoutMs: number, maxCsvBytes = 24 * 1024 * 1024): Promise<TestApp> {
  const workers = createWorkerPool({ threads: 1, taskTimeoutMs, maxQueue: 4, maxMemoryMb: 1024 });
  // The worker loads the TypeScript sources once; the budget is for the work, so start it before timing anything.
  await workers.warmUp();
  return startTestApp({ workers, routers: [createPortfolioRouter({ pool: workers, caps: CAPS, maxCsvBytes })], config: { limits: { httpPerIpPerMinute: 100_000, optimizePerIpPerMinute: 100_000 } } });
}

describe('heavy requests run off the event loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startWithPool(10_000);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('answers /healthz within 100 ms while a maximal optimisation (500 assets × 5,000 rows, CLA) runs', async () => {
    const csv = pricesCsv(CAPS.maxAssets, CAPS.maxRows);
    let done = false;
    const heavy = optimize(t.url, csv, 'objective=cla-max-sharpe').then(async (res) => {
      done = true;
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    });
    const latencies: number[] = [];
    // Probe for as long as the request runs (it finishes or hits its 10 s budget), at least 10 probes.
    while (!done || latencies.length < 10) {
      const started = performance.now();
      const res = await fetch(`${t.url}/healthz`);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const outcome = await heavy;
    // Either it finished, or the budget stopped it with a clear 503; never a 500, never a stall.
    if (outcome.status !== 200) expect(outcome).toMatchObject({ status: 503, body: { error: { code: 'timeout' } } });
    const sorted = [...latencies].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)]!;
    // Before the worker pool, every probe waited for the whole optimisation (tens of seconds).
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(100);
    expect(p90).toBeLessThan(100);
    console.info(`healthz during a maximal optimise: ${latencies.length} probes, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; optimise → ${outcome.status}`);
  }, 180_000);
});

describe('the time budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startWithPool(400);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('stops a request over budget with 503, terminates its worker, and the server stays healthy', async () => {
    // 500 assets × 2,000 rows: seconds of work on any machine (parsing alone), against a 0.4 s budget.
    const res = await optimize(t.url, pricesCsv(500, 2000), 'objective=cla-max-sharpe');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'timeout', message: expect.stringMatching(/longer than its 0\.4 s budget/) } });
    // A fresh worker replaces the terminated one (it loads the sources first; wait for that so its start-up CPU is
    // not counted below).
    await t.app.workers!.warmUp();
    // The runaway job's thread is gone: the process is (nearly) idle now, not still computing.
    const before = process.cpuUsage();
    const wall = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cpu = process.cpuUsage(before);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan((performance.now() - wall) * 0.5);
    expect(t.app.workers!.stats().threads).toBeLessThanOrEqual(1);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    // And the pool serves the next request.
    expect((await optimize(t.url, pricesCsv(3, 30))).status).toBe(200);
  }, 60_000);
});

describe('size caps', () => {
  let t: TestApp;
  const smallBodyCap = 256 * 1024;
  beforeAll(async () => {
    t = await startWithPool(10_000, smallBodyCap);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('refuses more than 500 assets with a 400 that names the cap', async () => {
    const res = await optimize(t.url, pricesCsv(CAPS.maxAssets + 1, 3));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/501.*the limit is 500 \(MONETA_OPTIMIZE_MAX_ASSETS\)/);
  });

  it('refuses more than 5,000 rows with a 400 that names the cap (CSV and JSON tables)', async () => {
    const csv = await optimize(t.url, pricesCsv(2, CAPS.maxRows + 1));
    expect(csv.status).toBe(400);
    expect(((await csv.json()) as { error: { message: string } }).error.message).toMatch(/5001.*the limit is 5000 \(MONETA_OPTIMIZE_MAX_ROWS\)/);
    const table = { columns: ['A', 'B'], rows: Array.from({ length: CAPS.maxRows + 1 }, (_, i) => [100 + i, 50 + i]) };
    const json = await fetch(`${t.url}/api/v1/portfolio/optimize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prices: table }) });
    // 5,001 rows of JSON exceed the 100 kB JSON cap first: either way a 4xx naming its limit, never work done.
    expect([400, 413]).toContain(json.status);
    expect(((await json.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
  });

  it('answers 413 to a declared Content-Length over the cap without reading the body', async () => {
    // Declares 1 GB, sends 16 kB and stops: the answer can only come if the server refuses on the header alone.
    const res = await partialPost(t.url, '/api/v1/portfolio/optimize', 'text/csv', { declaredLength: 1024 ** 3, send: 16 * 1024 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/too large/) } });
  });

  it('answers 413 to a chunked body that passes the cap (counted while streaming, never buffered whole)', async () => {
    const csv = await partialPost(t.url, '/api/v1/portfolio/optimize', 'text/csv', { send: smallBodyCap + 32 * 1024, end: true });
    expect(csv.status).toBe(413);
    const json = await partialPost(t.url, '/webhooks/rest/webhook', 'application/json', { send: 100_000 + 32 * 1024, end: true });
    expect(json.status).toBe(413);
    expect(JSON.parse(json.body)).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/limit \d+ bytes/) } });
  });
});

/**
 * Sends `send` bytes of a body (with or without a declared Content-Length) and then neither sends more nor ends it;
 * resolves with the server's answer. A server that waited for the whole body would never answer.
 */
function partialPost(url: string, path: string, type: string, options: { declaredLength?: number; send: number; end?: boolean }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': type };
    if (options.declaredLength !== undefined) headers['content-length'] = options.declaredLength;
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    let answered = false;
    req.on('response', () => (answered = true));
    // The server may reset the connection after answering; only an error before any answer is a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.write(Buffer.alloc(options.send, 0x20));
    if (options.end) req.end();
  });
}
