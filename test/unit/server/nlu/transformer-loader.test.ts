// The transformer loader is not tied to Moneta's model: a tiny folder with other sizes (hidden 24, 1 layer, 3 labels,
// no moneta.json; built by test/fixtures/make-tiny-intent-model.py) loads through the same code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotReadyError } from '../../../../server/errors.ts';
import { TransformerEmbedder } from '../../../../server/nlu/transformer-embedder.ts';
import { TransformerIntentClassifier } from '../../../../server/nlu/transformer-intent-classifier.ts';
import { TransformerIntentModel } from '../../../../server/nlu/transformer-intent-model.ts';
import { loadTransformerNlu } from '../../../../server/nlu/transformer-nlu.ts';

const TINY = path.resolve(import.meta.dirname, '../../../fixtures/tiny-intent-model');
let classifier: TransformerIntentClassifier;

beforeAll(async () => {
  classifier = await TransformerIntentClassifier.load(TINY);
});
afterAll(() => classifier.dispose());

describe('transformer loader on a different-size model folder', () => {
  it('takes its labels from config.id2label, in id order', () => {
    const config = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8'));
    expect(classifier.labels).toEqual(Object.keys(config.id2label).map((k) => config.id2label[k]));
    expect(classifier.labels).toEqual(['music', 'restaurant', 'weather']);
  });

  it.each([
    ['will it rain today', 'weather'],
    ['play some music', 'music'],
    ['book a table for dinner', 'restaurant'],
  ])('classifies %j as %s with a full ranking that sums to 1', async (text, intent) => {
    const [ranking] = await classifier.classify([text]);
    expect(ranking![0]!.name).toBe(intent);
    expect(ranking).toHaveLength(3);
    expect(ranking!.reduce((s, p) => s + p.confidence, 0)).toBeCloseTo(1, 5);
  });

  it('gives the same answer for a text alone and inside a padded batch', async () => {
    const texts = ['will it rain today', 'next song please and also turn it up a lot', 'x'];
    const batch = await classifier.classify(texts);
    for (const [i, t] of texts.entries()) {
      const [single] = await classifier.classify([t]);
      single!.forEach((p, j) => expect(batch[i]![j]!.confidence).toBeCloseTo(p.confidence, 5));
    }
  });

  it('measures the embedding size from the model (24 here), unit length, with the ONNX hash in modelId', async () => {
    const embedder = await TransformerEmbedder.create(classifier.model);
    expect(embedder.dimension).toBe(24);
    expect(embedder.modelId).toContain(classifier.model.contentHash);
    const [a, b] = await embedder.embedDocuments(['will it rain today', 'is it cold outside']);
    expect(a).toHaveLength(24);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    const q = await embedder.embedQuery('will it rain today');
    q.forEach((x, i) => expect(x).toBeCloseTo(a![i]!, 5));
    expect(b).not.toEqual(a);
  });

  it('truncates inputs longer than model_max_length (16 tokens here) instead of failing', async () => {
    const [r] = await classifier.classify(['rain '.repeat(5000)]);
    expect(r![0]!.name).toBe('weather');
  });

  it('builds the NLU parts without out-of-scope stage when the folder has no moneta.json', async () => {
    const nlu = await loadTransformerNlu({ modelDir: TINY, dtype: 'fp32' });
    expect(nlu.stages).toEqual([]);
    expect(nlu.embedder?.dimension).toBe(24);
    await nlu.dispose();
  });

  it('fails fast with a fix-it message when the folder is incomplete', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-model-'));
    fs.copyFileSync(path.join(TINY, 'config.json'), path.join(dir, 'config.json'));
    const err = await TransformerIntentModel.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotReadyError);
    expect((err as Error).message).toMatch(/missing tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx/);
    expect((err as Error).message).toMatch(/npm run train:intent/);
    const q8 = await TransformerIntentModel.load(TINY, { dtype: 'q8' }).catch((e: unknown) => e);
    expect((q8 as Error).message).toMatch(/model_quantized\.onnx/);
  });
});
