// The credit API (CONTRACTS §5) on a real Express server (port 0) with the platform's error boundary, the real models
// and a real SQLite audit log in a temporary directory.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { createCreditRouter } from '../../../../server/http/credit-router.ts';
import { errorHandler } from '../../../../server/http/middleware.ts';
import { createSilentLogger } from '../../../../server/observability/logger.ts';
import { createMetrics } from '../../../../server/observability/metrics.ts';
import { canonicalJson, SqliteCreditAuditLog } from '../../../../server/skills/credit/audit-log.ts';
import { CreditService } from '../../../../server/skills/credit/credit-service.ts';

const config = loadConfig(process.env);
let server: Server;
let base: string;
let service: CreditService;
let dataDir: string;

/** A German applicant with distinctive values, so the audit-log check can search the file for them. */
const FEATURES = {
  purpose: 'car_used',
  credit_amount: 4711.5,
  duration_months: 27,
  installment_rate: 3,
  checking_account: 'below_0',
  savings: '500_to_1000',
  employment_since: '4_to_7y',
  credit_history: 'past_delays',
  existing_credits: 2,
  other_installment_plans: 'stores',
  other_debtors: 'guarantor',
  property: 'savings_agreement_or_life_insurance',
  housing: 'free',
  age: 57,
};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-credit-api-'));
  service = await CreditService.load({ modelsDir: config.credit.modelsDir, auditLog: new SqliteCreditAuditLog({ dir: dataDir }), tfBackend: config.credit.tfBackend });
  const app = express();
  app.use(createCreditRouter({ service: Promise.resolve(service) }));
  app.use(errorHandler({ logger: createSilentLogger().logger, metrics: createMetrics({ collectDefault: false }) }));
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await service.dispose();
});

const assess = (body: unknown) =>
  fetch(`${base}/api/v1/credit/assess`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('GET /api/v1/credit/models', () => {
  it('lists both models with version, description and cross-validated metrics', async () => {
    const res = await fetch(`${base}/api/v1/credit/models`);
    expect(res.status).toBe(200);
    const models = (await res.json()) as Array<{ name: string; version: string; description: string; metrics: Record<string, number> }>;
    expect(models.map((m) => m.name)).toEqual(['german', 'taiwan']);
    for (const m of models) {
      expect(m.version).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
      expect(m.description.length).toBeGreaterThan(20);
      expect(m.metrics.cvAuc).toBeGreaterThan(0.7);
      expect(m.metrics).toHaveProperty('brier');
      expect(m.metrics).toHaveProperty('baseline');
    }
  });
});

describe('GET /api/v1/credit/models/:name/schema', () => {
  it('returns the questionnaire: name, question, type, allowed values or range, unit, why', async () => {
    const res = await fetch(`${base}/api/v1/credit/models/german/schema`);
    expect(res.status).toBe(200);
    const schema = await res.json();
    expect(schema.features).toHaveLength(14);
    const checking = schema.features.find((f: { name: string }) => f.name === 'checking_account');
    expect(checking).toMatchObject({ type: 'categorical', question: expect.any(String), why: expect.any(String) });
    expect(checking.values.map((v: { value: string }) => v.value)).toEqual(['below_0', '0_to_200', '200_or_more', 'none']);
    const amount = schema.features.find((f: { name: string }) => f.name === 'credit_amount');
    expect(amount).toMatchObject({ type: 'number', min: 250, max: 18500, unit: 'DM' });
    expect(schema.excluded.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['personal_status', 'foreign_worker']));
    expect(schema.riskBands).toHaveLength(3);
  });

  it('answers 404 with the error shape for an unknown model', async () => {
    const res = await fetch(`${base}/api/v1/credit/models/klingon/schema`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('klingon') } });
  });
});

describe('POST /api/v1/credit/assess', () => {
  it('returns probability of default, risk band, at most four reasons and a disclaimer', async () => {
    const res = await assess({ model: 'german', features: FEATURES });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.model).toBe('german');
    expect(out.modelVersion).toBe(service.model('german').version);
    expect(out.probabilityOfDefault).toBeGreaterThan(0);
    expect(out.probabilityOfDefault).toBeLessThan(1);
    expect(['low', 'medium', 'high']).toContain(out.riskBand);
    expect(out.reasons.length).toBeGreaterThan(0);
    expect(out.reasons.length).toBeLessThanOrEqual(4);
    for (const r of out.reasons) {
      expect(r).toMatchObject({ feature: expect.any(String), effect: expect.stringMatching(/^(increases|decreases)_risk$/), text: expect.any(String) });
    }
    expect(out.disclaimer).toMatch(/estimate, not a credit decision/);
    expect(out.assumptions.join(' ')).toMatch(/Deutsche Mark/);
    // The same model gives the same number through the library.
    const checked = service.model('german').validate(FEATURES);
    expect(checked.ok && service.model('german').probability(checked.applicant)).toBeCloseTo(out.probabilityOfDefault, 12);
  });

  it('scores the taiwan model too', async () => {
    const features = {
      limit_bal: 50000, education: 'university', age: 24,
      pay_0: 2, pay_2: 2, pay_3: 2, pay_4: 0, pay_5: 0, pay_6: -1,
      bill_amt1: 48000, bill_amt2: 47000, bill_amt3: 46000, bill_amt4: 30000, bill_amt5: 20000, bill_amt6: 1000,
      pay_amt1: 0, pay_amt2: 0, pay_amt3: 1000, pay_amt4: 1500, pay_amt5: 1000, pay_amt6: 0,
    };
    const res = await assess({ model: 'taiwan', features });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.probabilityOfDefault).toBeGreaterThan(0.4);
    expect(out.reasons[0]).toMatchObject({ feature: 'repayment_status', effect: 'increases_risk' });
    expect(out.reasons[0].text).toMatch(/late/);
  });

  it('answers 400 naming each bad or missing field', async () => {
    const { age: _age, ...rest } = FEATURES;
    const res = await assess({ model: 'german', features: { ...rest, duration_months: 'long', checking_account: 'A19', sex: 'female' } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('validation_failed');
    const fields = body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['features.age', 'features.checking_account', 'features.duration_months', 'features.sex']);
    for (const f of ['age', 'checking_account', 'duration_months', 'sex']) expect(body.error.message).toContain(f);
  });

  it('answers 400 for a bad body, an unknown model or missing features, and keeps serving', async () => {
    const notJson = await assess('{"model": "german",');
    expect(notJson.status).toBe(400);
    const unknown = await assess({ model: 'martian', features: FEATURES });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.details).toEqual([{ field: 'model', message: 'must be one of: german, taiwan' }]);
    const missing = await assess({ model: 'german' });
    expect((await missing.json()).error.details).toEqual([{ field: 'features', message: expect.stringContaining('required') }]);
    const array = await assess([1, 2]);
    expect(array.status).toBe(400);
    expect((await assess({ model: 'german', features: FEATURES })).status).toBe(200);
  });
});

describe('audit log', () => {
  it('records every assessment with model, version, input digest and output — and no raw inputs', async () => {
    const before = new Database(path.join(dataDir, 'credit-audit.sqlite'), { readonly: true });
    const countBefore = (before.prepare('SELECT COUNT(*) AS n FROM credit_assessments').get() as { n: number }).n;
    before.close();
    const res = await assess({ model: 'german', features: FEATURES });
    const out = await res.json();
    const db = new Database(path.join(dataDir, 'credit-audit.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT * FROM credit_assessments ORDER BY id').all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows.length).toBe(countBefore + 1);
    const last = rows.at(-1)!;
    expect(last).toMatchObject({ model: 'german', model_version: out.modelVersion, hash_algorithm: 'hmac-sha256', source: 'api', risk_band: out.riskBand });
    expect(last.probability_of_default).toBeCloseTo(out.probabilityOfDefault, 12);
    expect(last.input_hash).toMatch(/^[0-9a-f]{64}$/);
    // The same inputs in another key order give the same digest; different inputs a different one.
    const log = new SqliteCreditAuditLog({ dir: dataDir });
    const reversed = Object.fromEntries(Object.entries(FEATURES).reverse());
    const checked = service.model('german').validate(reversed);
    expect(checked.ok && log.inputHash(checked.applicant)).toBe(last.input_hash);
    expect(log.inputHash({ ...FEATURES, age: 58 })).not.toBe(last.input_hash);
    log.close();
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    // No raw value of the applicant appears anywhere in the database files.
    const files = fs.readdirSync(dataDir).filter((f) => f.startsWith('credit-audit.sqlite'));
    const bytes = files.map((f) => fs.readFileSync(path.join(dataDir, f)).toString('latin1')).join('');
    for (const raw of ['4711.5', 'car_used', 'below_0', 'past_delays', 'guarantor', 'savings_agreement_or_life_insurance', '"age":57', 'stores']) {
      expect(bytes).not.toContain(raw);
    }
    // Only the text columns can carry a raw value; the HMAC digest is random hex and the timestamp and probability are
    // numbers, any of which may contain the digits 4711 by chance.
    const text = rows.map(({ input_hash: _digest, ...row }) => Object.values(row).filter((v) => typeof v === 'string').join('\n'));
    expect(text.join('\n')).not.toMatch(/4711|below_0|past_delays/);
  });
});
