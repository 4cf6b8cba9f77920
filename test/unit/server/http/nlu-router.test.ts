// POST /model/parse (CONTRACTS §3) on a real Express server (port 0) with the real model and the platform's error boundary.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { errorHandler } from '../../../../server/http/middleware.ts';
import { createNluRouter } from '../../../../server/http/nlu-router.ts';
import { RuleEntityExtractor } from '../../../../server/nlu/entities/index.ts';
import { StagedNluPipeline } from '../../../../server/nlu/pipeline.ts';
import { loadTransformerNlu } from '../../../../server/nlu/transformer-nlu.ts';
import { createSilentLogger } from '../../../../server/observability/logger.ts';
import { createMetrics } from '../../../../server/observability/metrics.ts';

let server: Server;
let base: string;
let pipeline: StagedNluPipeline;

beforeAll(async () => {
  const nlu = await loadTransformerNlu(loadConfig({}).nlu);
  pipeline = new StagedNluPipeline({ classifier: nlu.classifier, entityExtractors: [new RuleEntityExtractor()], stages: nlu.stages });
  const app = express();
  app.use(createNluRouter({ nlu: pipeline }));
  app.use(errorHandler({ logger: createSilentLogger().logger, metrics: createMetrics({ collectDefault: false }) }));
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await pipeline.dispose();
});

const post = (body: string, type = 'application/json') =>
  fetch(`${base}/model/parse`, { method: 'POST', headers: { 'content-type': type }, body });

describe('POST /model/parse', () => {
  it('returns text, intent, a ranking of at least 5 (best first) and entities', async () => {
    const res = await post(JSON.stringify({ text: 'I lost my card, can I get 2,500 euros sent somewhere?' }));
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.text).toBe('I lost my card, can I get 2,500 euros sent somewhere?');
    expect(typeof out.intent.name).toBe('string');
    expect(out.intent.confidence).toBeGreaterThan(0);
    expect(out.intent_ranking.length).toBeGreaterThanOrEqual(5);
    expect(out.intent_ranking[0]).toEqual(out.intent);
    for (let i = 1; i < out.intent_ranking.length; i++) {
      expect(out.intent_ranking[i - 1].confidence).toBeGreaterThanOrEqual(out.intent_ranking[i].confidence);
    }
    expect(Array.isArray(out.entities)).toBe(true);
  });

  it('recognises a banking intent', async () => {
    const out = await (await post(JSON.stringify({ text: 'My card still has not arrived, when will it come?' }))).json();
    expect(out.intent.name).toBe('card_arrival');
  });

  it('answers a 10,000-character text (truncated by the model), and empty text as out_of_scope', async () => {
    const long = await post(JSON.stringify({ text: 'where is my card '.repeat(600).slice(0, 10_000) }));
    expect(long.status).toBe(200);
    const empty = await (await post(JSON.stringify({ text: '' }))).json();
    expect(empty.intent.name).toBe('out_of_scope');
  });

  it.each([
    ['{"text": 42}', 'application/json', 'validation_failed'],
    ['{}', 'application/json', 'validation_failed'],
    ['{"text": "unterminated', 'application/json', 'bad_request'],
  ])('rejects %s with 400 and an error body', async (body, type, code) => {
    const res = await post(body, type);
    expect(res.status).toBe(400);
    const out = await res.json();
    expect(out.error.code).toBe(code);
  });
});
