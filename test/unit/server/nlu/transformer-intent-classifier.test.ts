// Moneta's real intent model (models/intent, loaded once, well under a second) through the same parts the server uses:
// the served classifier (transformer + TF-IDF linear ensemble) → out-of-scope stage. Table-driven: in-scope rows, out-of-scope rows and bad input of every kind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { StagedNluPipeline } from '../../../../server/nlu/pipeline.ts';
import { loadTransformerNlu, type TransformerNlu } from '../../../../server/nlu/transformer-nlu.ts';
import type { ParseResult } from '../../../../server/nlu/types.ts';

const modelDir = loadConfig({}).nlu.modelDir;
let nlu: TransformerNlu;
let pipeline: StagedNluPipeline;
let loadMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  nlu = await loadTransformerNlu({ modelDir, dtype: 'fp32' });
  loadMs = performance.now() - t0;
  pipeline = new StagedNluPipeline({ classifier: nlu.classifier, stages: nlu.stages });
});
afterAll(() => pipeline.dispose());

function expectValid(r: ParseResult, text: string): void {
  expect(r.text).toBe(text);
  expect(r.intent_ranking.length).toBeGreaterThanOrEqual(5);
  expect(r.intent_ranking[0]).toEqual(r.intent);
  expect(Number.isFinite(r.intent.confidence)).toBe(true);
  expect(nlu.classifier.labels).toContain(r.intent.name);
}

describe('TransformerIntentClassifier (real model)', () => {
  it('loads quickly and takes its 89 labels from config.id2label', () => {
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
    expect(nlu.classifier.labels).toEqual(Object.values(config.id2label));
    expect(nlu.classifier.labels).toHaveLength(89);
    for (const l of ['card_arrival', 'Refund_not_showing_up', 'reverted_card_payment?', 'credit_risk_assessment', 'bot_challenge', 'out_of_scope']) {
      expect(nlu.classifier.labels).toContain(l);
    }
    expect(loadMs).toBeLessThan(5000);
  });

  it.each([
    ['My card still has not arrived, when will it come?', 'card_arrival'],
    ['the cash machine swallowed my card', 'card_swallowed'],
    ['how do I change my PIN?', 'change_pin'],
    ['I want to close my account for good', 'terminate_account'],
    ['I think my card has been stolen, what do I do?', 'lost_or_stolen_card'],
    ['why was I charged twice for my coffee?', 'transaction_charged_twice'],
    ['would a bank give me a loan with my income?', 'credit_risk_assessment'],
    ['how should I invest 20000 euros for retirement?', 'portfolio_advice'],
    ['what is compound interest?', 'financial_education'],
    ['let me speak to a real person', 'human_handoff'],
    ['hello there', 'greet'],
    ['goodbye, see you', 'goodbye'],
    ['thank you very much', 'thank_you'],
    ['are you a robot?', 'bot_challenge'],
    ['what can you do?', 'capabilities'],
    ['yes', 'affirm'],
    ['no', 'deny'],
    // user-facing misses of the first model (training-only utterances in models/intent/data/training-only.jsonl are
    // paraphrases, never these exact texts)
    ["I'd like to borrow 5,000 euros for 2 years, would I get approved?", 'credit_risk_assessment'],
    ['I have 20,000 to invest for 15 years', 'portfolio_advice'],
    ['my card got eaten by the ATM', 'card_swallowed'],
  ])('%j → %s', async (text, intent) => {
    const r = await pipeline.parse(text);
    expectValid(r, text);
    expect(r.intent.name).toBe(intent);
  });

  it.each([
    "what's the weather going to be like in paris tomorrow",
    'give me a recipe for lasagna',
    'book me a flight to rome next week',
    'set an alarm for 6 am',
    'tell me a joke',
  ])('out of scope: %j', async (text) => {
    const r = await pipeline.parse(text);
    expectValid(r, text);
    expect(r.intent.name).toBe('out_of_scope');
  });

  it.each(['9000', '12', '2,500 euros'])('a bare number (%j) is never a confident deny/affirm', async (text) => {
    const r = await pipeline.parse(text);
    expectValid(r, text);
    const confident = r.intent.confidence >= loadConfig({}).nlu.fallbackThreshold;
    expect(r.intent.name === 'out_of_scope' || !confident).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['spaces', '   \n\t '],
    ['emoji only', '🙂🙂🎉'],
    ['control characters', '\u0000\u0007\u001b\u0008\u007f'],
  ])('bad input (%s) → out_of_scope, no exception', async (_name, text) => {
    const r = await pipeline.parse(text);
    expectValid(r, text);
    expect(r.intent.name).toBe('out_of_scope');
  });

  it.each([
    ['10,000 characters', 'lorem ipsum dolor sit amet '.repeat(400).slice(0, 10_000)],
    ['one 10,000-character word', 'x'.repeat(10_000)],
    ['HTML', '<script>alert("x")</script><b>hello</b>'],
    ['ANSI escape codes', '\u001b[31mred\u001b[0m \u0007'],
    ['Chinese', '我的银行卡在哪里'],
    ['Russian', 'где моя карта'],
    ['Arabic', 'أين بطاقتي'],
    ['lone surrogate', 'card \ud800 arrival'],
  ])('bad input (%s) → a valid parse result', async (_name, text) => {
    const r = await pipeline.parse(text);
    expectValid(r, text);
  });

  it('batches: a batch gives the same rankings as one-by-one calls', async () => {
    const texts = ['where is my card', 'what is an etf', '', 'x'.repeat(10_000), 'hi'];
    const batch = await nlu.classifier.classify(texts);
    for (const [i, t] of texts.entries()) {
      const [one] = await nlu.classifier.classify([t]);
      expect(batch[i]![0]!.name).toBe(one![0]!.name);
      expect(batch[i]![0]!.confidence).toBeCloseTo(one![0]!.confidence, 4);
    }
  });

  it('embeds with the same encoder: paraphrases are closer than unrelated texts', async () => {
    const e = nlu.embedder!;
    expect(e.modelId).toContain(nlu.model.contentHash);
    const [a, b, c] = await e.embedDocuments(['my card has not arrived yet', 'when will my new card be delivered?', 'what is compound interest']);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
  });
});
