// Moneta's committed cross-encoder (models/reranker), loaded through TransformerCrossEncoderReranker: parity with
// torch (reference.json from training), real rankings of confusable sibling passages, the config switch, fusion.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { ConfigError, ModelNotReadyError } from '../../../../server/errors.ts';
import { parsePassages, readKnowledgeFiles, type Passage } from '../../../../server/rag/ingest.ts';
import {
  loadConfiguredReranker,
  rerankerModelPresent,
  rerankerPassageText,
  rerankHits,
  RERANKER_INPUT,
  SERVED_RERANKER_DTYPE,
  TransformerCrossEncoderReranker,
} from '../../../../server/rag/reranker.ts';

const config = loadConfig({});
const MODEL = config.knowledge.rerankerModelDir;
let reranker: TransformerCrossEncoderReranker;
let passages: Map<string, Passage>;

beforeAll(async () => {
  reranker = await TransformerCrossEncoderReranker.load(MODEL);
  passages = new Map(parsePassages(readKnowledgeFiles(config.knowledge.dir)).map((p) => [p.id, p]));
}, 60_000);
afterAll(async () => {
  await reranker?.dispose();
});

const candidate = (id: string): { id: string; title: string; text: string } => {
  const p = passages.get(id);
  if (!p) throw new Error(`no passage ${id}`);
  return { id, title: p.title, text: p.text };
};

describe('TransformerCrossEncoderReranker (models/reranker)', () => {
  it('reproduces torch: identical pair ids and logits within 1e-4 (reference.json from training)', async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(MODEL, 'reference.json'), 'utf8')) as {
      pairs: Array<{ query: string; doc: string; ids: number[]; types: number[]; logit: number }>;
    };
    expect(ref.pairs.length).toBeGreaterThan(10);
    for (const r of ref.pairs) {
      const c = { id: 'x', title: r.doc, text: '' };
      expect(reranker.pairIds(r.query, c)).toEqual({ ids: r.ids, types: r.types });
      const [logit] = await reranker.rerank(r.query, [c]);
      expect(Math.abs(logit! - r.logit)).toBeLessThan(1e-4);
    }
  });

  it('identifies the model version and reads its limits from the folder', () => {
    expect(reranker.modelId).toMatch(/^moneta-reranker-fp32-[0-9a-f]{16}$/);
    const tok = JSON.parse(fs.readFileSync(path.join(MODEL, 'tokenizer_config.json'), 'utf8')) as { model_max_length: number };
    expect(reranker.maxLength).toBe(tok.model_max_length);
  });

  // Questions of the dev half of knowledge/eval (never trained on; the dev half is where settings are chosen), each
  // between passages that share an intent or most of their words.
  const confusable: Array<{ question: string; right: string; siblings: string[] }> = [
    { question: 'the app keeps saying activation failed when I type in the card digits', right: 'cs-activate-card-problems', siblings: ['cs-activate-card', 'cs-card-linking-add-card-to-app'] },
    { question: "I requested a virtual card but can't see it anywhere in the app", right: 'cs-virtual-card-not-showing', siblings: ['cs-getting-virtual-card'] },
    { question: 'its been 12 working days and theres still no card in the letterbox. what now', right: 'cs-card-arrival-not-received', siblings: ['cs-card-arrival-tracking'] },
    { question: 'how do I get my moneta card onto my iphone wallet so I can pay with the phone', right: 'cs-apple-pay-google-pay-add-card', siblings: ['cs-apple-pay-google-pay-top-up'] },
    { question: 'paid my rent to the wrong account number by mistake, help', right: 'cs-cancel-transfer-wrong-account', siblings: ['cs-cancel-transfer', 'cs-transfer-not-received-by-recipient', 'cs-transfer-proof-of-payment-trace'] },
  ];

  it.each(confusable)('ranks the right passage above its siblings: $question', async ({ question, right, siblings }) => {
    const ids = [...siblings, right];
    const scores = await reranker.rerank(question, ids.map(candidate));
    expect(scores).toHaveLength(ids.length);
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    const best = ids[scores.indexOf(Math.max(...scores))];
    expect(best).toBe(right);
  });

  it('int8 variant (the served one) ranks the confusable questions like fp32, with logits close to it', async () => {
    const q8 = await TransformerCrossEncoderReranker.load(MODEL, { dtype: 'q8' });
    try {
      for (const { question, right, siblings } of confusable) {
        const ids = [...siblings, right];
        const a = await reranker.rerank(question, ids.map(candidate));
        const b = await q8.rerank(question, ids.map(candidate));
        for (let i = 0; i < ids.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(0.5);
        expect(ids[b.indexOf(Math.max(...b))]).toBe(right);
      }
    } finally {
      await q8.dispose();
    }
  });

  it('scores a batch exactly as one pair at a time, in the candidates\' order', async () => {
    const ids = ['cs-activate-card', 'cs-activate-card-problems', 'cs-getting-virtual-card', 'cs-get-disposable-virtual-card'];
    const q = 'the app keeps rejecting my card details when I try to activate it';
    const batch = await reranker.rerank(q, ids.map(candidate));
    for (const [i, id] of ids.entries()) {
      const [one] = await reranker.rerank(q, [candidate(id)]);
      expect(Math.abs(batch[i]! - one!)).toBeLessThan(1e-4);
    }
  });

  it('handles empty, huge, binary-looking and non-English questions with finite scores', async () => {
    expect(await reranker.rerank('anything', [])).toEqual([]);
    const c = [candidate('cs-activate-card'), candidate('cs-transfer-fees')];
    for (const q of ['', 'x'.repeat(50_000), '\u0000\u0001\u0002\ufffd', '我的卡在哪里', '🙂'.repeat(100)]) {
      const scores = await reranker.rerank(q, c);
      expect(scores).toHaveLength(2);
      for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    }
  });

  it('cuts the question to its first pieces and the pair to model_max_length, ending with [SEP]', () => {
    const { ids, types } = reranker.pairIds('card '.repeat(500), candidate('cs-transfer-fees'));
    expect(ids.length).toBe(reranker.maxLength);
    expect(types.filter((t) => t === 0).length).toBe(RERANKER_INPUT.queryTokens + 2);
    expect(ids.at(-1)).toBe(ids[RERANKER_INPUT.queryTokens + 1]); // both [SEP]
  });

  it('rejects calls after dispose with ModelNotReadyError', async () => {
    const own = await TransformerCrossEncoderReranker.load(MODEL);
    await own.dispose();
    await expect(own.rerank('q', [candidate('cs-activate-card')])).rejects.toBeInstanceOf(ModelNotReadyError);
  });
});

describe('rerankerPassageText', () => {
  it('is the title and the lead of the plain-text body, cut at a word boundary', () => {
    const text = rerankerPassageText('How do fees work?', `**Fees** are charged [monthly](https://x.example). ${'word '.repeat(200)}`);
    expect(text.startsWith('How do fees work? Fees are charged monthly.')).toBe(true);
    expect(text.length).toBeLessThanOrEqual('How do fees work? '.length + RERANKER_INPUT.leadChars);
    expect(text.endsWith('word')).toBe(true);
  });
});

describe('rerankHits', () => {
  it('reorders the top k by score + weight × logit and keeps the rest after them', async () => {
    const hits = ['cs-getting-virtual-card', 'cs-transfer-fees', 'cs-activate-card-problems', 'cs-activate-card'].map((id, i) => ({ ...candidate(id), score: 0.5 - i * 0.01 }));
    const q = 'tried to activate my new card three times and it says the details are wrong';
    const logits = await reranker.rerank(q, hits.slice(0, 3));
    const out = await rerankHits(reranker, q, hits, { k: 3, weight: 1 });
    expect(out).toHaveLength(4);
    expect(out[3]!.id).toBe('cs-activate-card'); // outside the top k: untouched, no logit
    expect(out[3]!.rerank).toBeUndefined();
    const expected = hits
      .slice(0, 3)
      .map((h, i) => ({ id: h.id, key: h.score + logits[i]! }))
      .sort((a, b) => b.key - a.key)
      .map((x) => x.id);
    expect(out.slice(0, 3).map((h) => h.id)).toEqual(expected);
    // weight 0 keeps the retriever's order
    expect((await rerankHits(reranker, q, hits, { k: 3, weight: 0 })).map((h) => h.id)).toEqual(hits.map((h) => h.id));
  });
});

describe('loadConfiguredReranker', () => {
  it('loads the committed model by default, none with "off", and names the variable for a missing folder', async () => {
    expect(rerankerModelPresent(MODEL)).toBe(true);
    const loaded = await loadConfiguredReranker(config);
    expect(loaded).toBeInstanceOf(TransformerCrossEncoderReranker);
    expect((loaded as TransformerCrossEncoderReranker).dtype).toBe(SERVED_RERANKER_DTYPE);
    await loaded!.dispose();
    expect(await loadConfiguredReranker(loadConfig({ MONETA_RERANKER_MODEL_DIR: 'off' }))).toBeUndefined();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-reranker-'));
    try {
      await expect(loadConfiguredReranker(loadConfig({ MONETA_RERANKER_MODEL_DIR: empty }))).rejects.toThrow(ConfigError);
      await expect(loadConfiguredReranker(loadConfig({ MONETA_RERANKER_MODEL_DIR: empty }))).rejects.toThrow(/MONETA_RERANKER_MODEL_DIR/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
