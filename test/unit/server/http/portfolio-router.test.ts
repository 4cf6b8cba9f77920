// POST /api/v1/portfolio/optimize on a real Express server (port 0) with the platform's error boundary.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioRouter } from '../../../../server/http/portfolio-router.ts';
import { errorHandler } from '../../../../server/http/middleware.ts';
import { createSilentLogger } from '../../../../server/observability/logger.ts';
import { createWorkerPool, type WorkerPool } from '../../../../server/workers/pool.ts';
import { createMetrics } from '../../../../server/observability/metrics.ts';
import type { Server } from 'node:http';

const csv = readFileSync(fileURLToPath(new URL('../../../fixtures/portfolio/synthetic-prices.csv', import.meta.url)), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/portfolio/reference.json', import.meta.url)), 'utf8'));

let server: Server;
let base: string;
let pool: WorkerPool;

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: 1_000_000 }));
  pool = createWorkerPool({ threads: 1, taskTimeoutMs: 20_000, maxQueue: 8, maxMemoryMb: 512 });
  app.use(createPortfolioRouter({ pool, caps: { maxAssets: 500, maxRows: 5000 }, maxCsvBytes: 20 * 1024 * 1024 }));
  app.use(errorHandler({ logger: createSilentLogger().logger, metrics: createMetrics({ collectDefault: false }) }));
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await pool.close();
});

const post = (body: unknown, path = '/api/v1/portfolio/optimize', type = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('POST /api/v1/portfolio/optimize', () => {
  it('optimises CSV text in a JSON body (CONTRACTS §6 shape) and matches the reference max-Sharpe portfolio', async () => {
    const res = await post({ prices: csv, objective: 'max-sharpe', totalValue: 10000 });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(Object.keys(out.weights)).toEqual(ref.columns);
    ref.columns.forEach((c: string, i: number) => expect(Math.abs(out.weights[c] - ref.opt.max_sharpe.w[i])).toBeLessThan(1e-6));
    expect(out.performance.sharpe).toBeCloseTo(ref.opt.max_sharpe.perf[2], 6);
    expect(out.expectedReturns.A00).toBeCloseTo(ref.mu.mean[0], 10);
    expect(out.allocation.shares).toEqual(ref.allocation.shares);
    expect(out.model.name).toBe('moneta-portfolio-optimizer');
    expect(typeof out.disclaimer).toBe('string');
  });

  it('accepts a {dates, columns, rows} table and a raw text/csv body with options in the query', async () => {
    const table = { dates: ['d1', 'd2', 'd3', 'd4'], columns: ['X', 'Y'], rows: [[1, 2], [1.1, 2.05], [1.05, 2.2], [1.2, 2.1]] };
    const a = await post({ prices: table, objective: 'min-volatility', bounds: [0, 1] });
    expect(a.status).toBe(200);
    const wa = (await a.json()).weights;
    expect(wa.X + wa.Y).toBeCloseTo(1, 12);
    const b = await post(csv, '/api/v1/portfolio/optimize?objective=min-volatility&bounds=0,0.4', 'text/csv');
    expect(b.status).toBe(200);
    const wb = (await b.json()).weights as Record<string, number>;
    for (const w of Object.values(wb)) expect(w).toBeLessThanOrEqual(0.4 + 1e-12);
  });

  it('400 with the field named on bad input; 422 when infeasible', async () => {
    const bad = await post({ prices: csv, objective: 'nope' });
    expect(bad.status).toBe(400);
    const badBody = await bad.json();
    expect(badBody.error.code).toBe('validation_failed');
    expect(badBody.error.message).toMatch(/objective/);
    const unknown = await post({ prices: csv, columns: ['A00', 'ZZZ'] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/unknown column "ZZZ"/);
    const negative = await post({ prices: 'date,A\n2020-01-01,1\n2020-01-02,-3\n' });
    expect(negative.status).toBe(400);
    const missing = await post({ objective: 'hrp' });
    expect(missing.status).toBe(400);
    const infeasible = await post({ prices: csv, objective: 'efficient-return', target: 3 });
    expect(infeasible.status).toBe(422);
    expect((await infeasible.json()).error.code).toBe('infeasible');
  });
});
