// The committed model folder reproduces, in transformers.js, exactly what torch computed at training time
// (models/intent/reference.json): the same token ids (tokenizer.json written by hand), the same probabilities and
// sentence vectors (ONNX export), including truncated, accented, CJK, emoji and control-character inputs.
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { configureOfflineTransformers } from '../../../../server/nlu/transformers-runtime.ts';
import { TransformerIntentModel } from '../../../../server/nlu/transformer-intent-model.ts';

const dir = loadConfig({}).nlu.modelDir;
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as {
  texts: Array<{ text: string; ids: number[]; logits: number[]; embedding: number[] }>;
};
let model: TransformerIntentModel;
beforeAll(async () => {
  model = await TransformerIntentModel.load(dir);
});
afterAll(() => model.dispose());

describe('models/intent reference parity (torch vs transformers.js)', () => {
  it('tokenizes every reference text to the same ids as the training tokenizer', async () => {
    configureOfflineTransformers(dir);
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    for (const r of ref.texts) {
      const ids = Array.from(tok(r.text, { truncation: true }).input_ids.data as BigInt64Array, Number);
      expect(ids, JSON.stringify(r.text.slice(0, 30))).toEqual(r.ids);
    }
  });

  it('reproduces torch probabilities and embeddings to 1e-4 in one padded batch', async () => {
    const out = await model.encode(ref.texts.map((r) => r.text));
    ref.texts.forEach((r, i) => {
      const m = Math.max(...r.logits);
      const e = r.logits.map((x) => Math.exp(x - m));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((x, j) => expect(Math.abs(x / s - out[i]!.probabilities[j]!)).toBeLessThan(1e-4));
      r.embedding.forEach((x, j) => expect(Math.abs(x - out[i]!.embedding![j]!)).toBeLessThan(1e-4));
    });
  });
});
