import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { ConfigError } from '../../../../server/errors.ts';
import { HashedNgramEmbedder } from '../../../../server/rag/hashed-ngram-embedder.ts';
import { createEmbedder, createKnowledgeBase, startKnowledgeBase } from '../../../../server/rag/knowledge-base.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/knowledge');
// The NLU's tiny test model (untrained weights, real ONNX + tokenizer): enough to exercise the transformer path.
const TINY_MODEL = path.join(ROOT, 'test/fixtures/tiny-intent-model');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kbase-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// No retrieval encoder unless a test asks for one, so `auto` exercises the NLU-transformer and hashed fallbacks.
const config = (knowledge: Record<string, unknown>, nlu: Record<string, unknown> = {}) =>
  loadConfig({}, { knowledge: { dir: FIXTURE, indexDir: path.join(work, `i-${Math.random()}`), retrievalModelDir: path.join(work, 'none'), ...knowledge }, nlu });

describe('embedder choice', () => {
  it('uses hashed n-grams when asked, or on auto when there is no transformer model', async () => {
    expect(await createEmbedder(config({ embedder: 'hashed' }))).toBeInstanceOf(HashedNgramEmbedder);
    expect(await createEmbedder(config({ embedder: 'auto' }, { modelDir: path.join(work, 'none') }))).toBeInstanceOf(HashedNgramEmbedder);
  });

  it('fails with a fix-it message when the transformer is required but missing', async () => {
    await expect(createEmbedder(config({ embedder: 'transformer' }, { modelDir: path.join(work, 'none') }))).rejects.toBeInstanceOf(ConfigError);
    await expect(createEmbedder(config({ embedder: 'retrieval' }))).rejects.toThrow(/npm run train:retrieval/);
  });

  it('prefers the retrieval encoder, blended with hashed n-grams, when its model is there', async () => {
    const embedder = await createEmbedder(config({ embedder: 'auto', retrievalModelDir: TINY_MODEL }, { modelDir: path.join(work, 'none') }));
    try {
      expect(embedder.modelId).toMatch(/^combined\(hashed-ngram[^+]*\*0\.\d+\+transformer-fp32-[0-9a-f]{16}\*0\.\d+\)$/);
      expect((await embedder.embedQuery('my card was stolen')).length).toBe(embedder.dimension);
    } finally {
      await embedder.dispose?.();
    }
  });

  it('indexes and searches with the transformer sentence encoder when its model is there', async () => {
    const kb = await createKnowledgeBase(config({ embedder: 'auto' }, { modelDir: TINY_MODEL }));
    try {
      expect(kb.embedder).not.toBeInstanceOf(HashedNgramEmbedder);
      expect(kb.index.manifest.embedder.modelId).toBe(kb.embedder.modelId);
      const hits = await kb.retriever.invoke('my card was stolen', { k: 3 });
      expect(hits).toHaveLength(3);
      expect(new Set(hits.map((h) => h.id)).size).toBe(3);
    } finally {
      await kb.dispose();
    }
  });
});

describe('shared transformer', () => {
  it('reuses the NLU\'s loaded encoder in the combined embedder and leaves it to its owner', async () => {
    const { TransformerEmbedder } = await import('../../../../server/nlu/transformer-embedder.ts');
    const shared = await TransformerEmbedder.load(TINY_MODEL);
    try {
      const kb = await createKnowledgeBase(config({ embedder: 'auto' }, { modelDir: path.join(work, 'none') }), { transformer: shared });
      expect(kb.embedder.modelId).toBe(`combined(${new HashedNgramEmbedder().modelId}*0.7+${shared.modelId}*0.3)`);
      await kb.dispose();
      expect((await shared.embedQuery('still usable')).length).toBe(shared.dimension);
    } finally {
      await shared.dispose();
    }
  });

  it('blends hashed n-grams, the retrieval encoder and the shared NLU encoder, and leaves the shared one open', async () => {
    const { TransformerEmbedder } = await import('../../../../server/nlu/transformer-embedder.ts');
    const shared = await TransformerEmbedder.load(TINY_MODEL);
    try {
      const kb = await createKnowledgeBase(config({ embedder: 'auto', retrievalModelDir: TINY_MODEL }, { modelDir: path.join(work, 'none') }), { transformer: shared });
      expect(kb.embedder.modelId).toMatch(/^combined\(hashed-ngram[^+]*\*0\.5\+transformer-fp32-[0-9a-f]{16}\*0\.35\+transformer-fp32-[0-9a-f]{16}\*0\.15\)$/);
      expect(await kb.retriever.invoke('my card was stolen', { k: 2 })).toHaveLength(2);
      await kb.dispose();
      expect((await shared.embedQuery('still usable')).length).toBe(shared.dimension);
    } finally {
      await shared.dispose();
    }
  });
});

describe('reranker', () => {
  it('hands the loaded cross-encoder on as `reranker`, ranks real candidates with it and leaves it to its owner', async () => {
    const { TransformerCrossEncoderReranker, rerankHits } = await import('../../../../server/rag/reranker.ts');
    const reranker = await TransformerCrossEncoderReranker.load(path.join(ROOT, 'models/reranker'));
    try {
      const kb = await createKnowledgeBase(config({ embedder: 'hashed' }), { reranker: Promise.resolve(reranker) });
      expect(kb.reranker).toBe(reranker);
      const hits = await kb.retriever.invoke('my card has not arrived yet', { k: 4 });
      const reranked = await kb.reranker!.rerank('my card has not arrived yet', hits);
      expect(reranked).toHaveLength(hits.length);
      expect((await rerankHits(reranker, 'my card has not arrived yet', hits)).map((h) => h.id).sort()).toEqual(hits.map((h) => h.id).sort());
      await kb.dispose();
      expect(await reranker.rerank('still usable', hits.slice(0, 1))).toHaveLength(1);
    } finally {
      await reranker.dispose();
    }
    const none = await createKnowledgeBase(config({ embedder: 'hashed' }));
    expect(none.reranker).toBeUndefined();
    await none.dispose();
  });

  it('serves the answer model only with its reranker and embedder, and warns that passages its classifiers never saw are under-rated', async () => {
    const { TransformerCrossEncoderReranker, SERVED_RERANKER_DTYPE } = await import('../../../../server/rag/reranker.ts');
    const { AnswerModel } = await import('../../../../server/rag/answer-model.ts');
    // The served variant (the answer model was fitted with its logits).
    const reranker = await TransformerCrossEncoderReranker.load(path.join(ROOT, 'models/reranker'), { dtype: SERVED_RERANKER_DTYPE });
    const answerModel = AnswerModel.load(path.join(ROOT, 'models/answer-model'))!;
    try {
      const warnings: Array<{ msg: string; count?: number }> = [];
      const logger = { info: () => {}, warn: (o: { count?: number }, msg?: string) => warnings.push({ msg: msg ?? '', count: o.count }) };
      // The served embedder (its embedding classifier reads that embedder's vectors). The fixture's six passages are
      // not the served knowledge base's: the classifiers were fitted on none of them.
      const kb = await createKnowledgeBase(config({ embedder: 'auto', retrievalModelDir: path.join(ROOT, 'models/retrieval') }), { reranker: Promise.resolve(reranker), answerModel, logger });
      expect(kb.embedder.modelId).toBe(answerModel.embeddingClassifier!.embedderModelId);
      expect(kb.answerModel).toBe(answerModel);
      expect(warnings).toEqual([{ msg: expect.stringMatching(/under-rated until it is refitted \(npm run train:answer-model\)/), count: kb.index.passages.length }]);
      await kb.dispose();
      // Another embedder: the classifier's weights mean nothing for its vectors, so the thresholds are served instead.
      warnings.length = 0;
      const hashed = await createKnowledgeBase(config({ embedder: 'hashed' }), { reranker: Promise.resolve(reranker), answerModel, logger });
      expect(hashed.answerModel).toBeUndefined();
      expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/fitted with another embedder; serving retrieval scores instead/)]);
      await hashed.dispose();
    } finally {
      await reranker.dispose();
    }
  });
});

describe('background start', () => {
  it('knows the intents at once and answers searches once loaded', async () => {
    const service = startKnowledgeBase(config({ embedder: 'hashed' }));
    expect(service.intents).toEqual(['card_arrival', 'card_delivery_estimate', 'exchange_rate', 'lost_or_stolen_card']);
    const hits = await service.retriever.invoke('weekend exchange rate', { k: 1 });
    expect(hits[0]!.id).toBe('fx-exchange-rate');
    await service.dispose();
  });

  it('answers searches with a not-ready error when the index cannot be built', async () => {
    const dir = path.join(work, 'kb-broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'broken.md'), '---\nid: [\n---\nbody\n');
    const service = startKnowledgeBase(loadConfig({}, { knowledge: { dir, indexDir: path.join(work, 'kb-broken-index'), embedder: 'hashed' } }));
    await expect(service.ready).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(service.retriever.invoke('card', { k: 1 })).rejects.toMatchObject({ code: 'model_not_ready', message: expect.stringMatching(/broken\.md:\d+: front matter is not valid YAML/) });
  });

  it('serves the previous index when a knowledge file becomes malformed', async () => {
    const dir = path.join(work, 'kb-copy');
    fs.cpSync(FIXTURE, dir, { recursive: true });
    const indexDir = path.join(work, 'kb-copy-index');
    const cfg = loadConfig({}, { knowledge: { dir, indexDir, embedder: 'hashed' } });
    await (await createKnowledgeBase(cfg)).dispose();
    fs.writeFileSync(path.join(dir, 'banking/broken.md'), '---\nid: [\n---\nbody\n');
    const warnings: string[] = [];
    const kb = await createKnowledgeBase(cfg, { logger: { info: () => {}, warn: (_o, msg) => warnings.push(msg ?? '') } });
    expect(kb.status).toBe('stale');
    expect(kb.index.passages).toHaveLength(6);
    expect(warnings.join()).toMatch(/serving the previous index/);
  });
});
