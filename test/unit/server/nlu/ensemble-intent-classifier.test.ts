// The served ensemble (transformer + TF-IDF linear member) as the loader wires it from the real model folder: weight and
// out-of-scope thresholds from moneta.json, the member optional (absent files or MONETA_INTENT_ENSEMBLE=off →
// the transformer alone with its own thresholds), label sets checked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { EnsembleIntentClassifier } from '../../../../server/nlu/ensemble-intent-classifier.ts';
import { OutOfScopeStage } from '../../../../server/nlu/out-of-scope-stage.ts';
import { TfidfLinearModel } from '../../../../server/nlu/tfidf-linear-model.ts';
import { TransformerIntentClassifier } from '../../../../server/nlu/transformer-intent-classifier.ts';
import { loadTransformerNlu, type TransformerNlu } from '../../../../server/nlu/transformer-nlu.ts';

const modelDir = loadConfig({}).nlu.modelDir;
const meta = JSON.parse(fs.readFileSync(path.join(modelDir, 'moneta.json'), 'utf8'));
let served: TransformerNlu;

beforeAll(async () => {
  served = await loadTransformerNlu({ modelDir, dtype: 'fp32' });
});
afterAll(() => served.dispose());

describe('served intent ensemble', () => {
  it('is the default when the folder has the linear member, with the weight and thresholds from moneta.json', () => {
    expect(served.classifier).toBeInstanceOf(EnsembleIntentClassifier);
    expect((served.classifier as EnsembleIntentClassifier).transformerWeight).toBe(meta.ensemble.transformerWeight);
    expect(served.classifier.labels).toEqual(served.transformer.labels);
    const stage = served.stages[0] as OutOfScopeStage;
    expect(stage.thresholds).toMatchObject(meta.ensemble.outOfScope);
  });

  it('combines both members: its ranking differs from the transformer alone yet sums to 1', async () => {
    const text = 'can i borrow 3000 over a year';
    const [e] = await served.classifier.classify([text]);
    const [t] = await served.transformer.classify([text]);
    expect(e!.reduce((s, p) => s + p.confidence, 0)).toBeCloseTo(1, 4);
    expect(e![0]!.confidence).not.toBeCloseTo(t![0]!.confidence, 4);
  });

  it('MONETA_INTENT_ENSEMBLE=off serves the transformer alone with its own thresholds', async () => {
    const config = loadConfig({ MONETA_INTENT_ENSEMBLE: 'off' });
    const nlu = await loadTransformerNlu(config.nlu);
    expect(nlu.classifier).toBeInstanceOf(TransformerIntentClassifier);
    expect(nlu.linear).toBeUndefined();
    expect((nlu.stages[0] as OutOfScopeStage).thresholds).toMatchObject(meta.outOfScope);
    await nlu.dispose();
  });

  it('falls back to the transformer alone when the linear member files are absent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-intent-'));
    for (const f of fs.readdirSync(modelDir)) {
      if (!f.startsWith('tfidf-linear') && !f.startsWith('.')) fs.symlinkSync(path.join(modelDir, f), path.join(dir, f));
    }
    const nlu = await loadTransformerNlu({ modelDir: dir, dtype: 'fp32' });
    expect(nlu.classifier).toBeInstanceOf(TransformerIntentClassifier);
    expect((nlu.stages[0] as OutOfScopeStage).thresholds).toMatchObject(meta.outOfScope);
    const [r] = await nlu.classifier.classify(['where is my new card?']);
    expect(r![0]!.name).toBe('card_arrival');
    await nlu.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a linear member whose labels differ from the transformer config.id2label', async () => {
    const tiny = await TransformerIntentClassifier.load(path.resolve(import.meta.dirname, '../../../fixtures/tiny-intent-model'));
    const linear = TfidfLinearModel.load(path.join(modelDir, meta.ensemble.member));
    expect(() => new EnsembleIntentClassifier(tiny, linear, 0.5)).toThrow(/labels differ/);
    await tiny.dispose();
  });
});
