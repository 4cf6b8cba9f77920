// The ensemble's linear member in TypeScript against scikit-learn: analyzers on hand-checked strings (outputs copied
// from scikit-learn 1.2.1's build_analyzer()), and the committed model's feature rows and probabilities against the
// reference file written by models/intent/training/linear.py on awkward fixture texts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { combineProbabilities } from '../../../../server/nlu/ensemble-intent-classifier.ts';
import { charWbNgrams, TfidfLinearModel, wordNgrams } from '../../../../server/nlu/tfidf-linear-model.ts';

const modelDir = loadConfig({}).nlu.modelDir;
const modelFile = path.join(modelDir, 'tfidf-linear.json');

describe('scikit-learn analyzers', () => {
  it.each([
    ['ab  c', [' a', 'ab', 'b ', ' ab', 'ab ', ' ab ', ' c', 'c ', ' c ']],
    ["i'm  ok_2 x", [' i', "i'", "'m", 'm ', " i'", "i'm", "'m ", " i'm", "i'm ", ' o', 'ok', 'k_', '_2', '2 ', ' ok', 'ok_', 'k_2', '_2 ', ' ok_', 'ok_2', 'k_2 ', ' x', 'x ', ' x ']],
    // U+00A0 and U+001C split words in Python's str.split(); U+FEFF does not (it does in JS's \s)
    ['café\u00a0bar\u001cbaz\ufeffq', [' c', 'ca', 'af', 'fé', 'é ', ' ca', 'caf', 'afé', 'fé ', ' caf', 'café', 'afé ', ' b', 'ba', 'ar', 'r ', ' ba', 'bar', 'ar ', ' bar', 'bar ', ' b', 'ba', 'az', 'z\ufeff', '\ufeffq', 'q ', ' ba', 'baz', 'az\ufeff', 'z\ufeffq', '\ufeffq ', ' baz', 'baz\ufeff', 'az\ufeffq', 'z\ufeffq ']],
  ])('char_wb 2-4 of %j', (text, expected) => {
    expect(charWbNgrams(text, [2, 4])).toEqual(expected);
  });

  it.each([
    ['ab  c', ['ab']],
    ["i'm  ok_2 x", ['ok_2']],
    ['café\u00a0bar\u001cbaz\ufeffq', ['café', 'bar', 'baz', 'café bar', 'bar baz']],
  ])('word 1-2 of %j', (text, expected) => {
    expect(wordNgrams(text, [1, 2])).toEqual(expected);
  });
});

describe('TfidfLinearModel (committed model vs scikit-learn)', () => {
  const model = TfidfLinearModel.load(modelFile);
  const ref = JSON.parse(fs.readFileSync(path.join(modelDir, 'tfidf-linear-reference.json'), 'utf8')) as {
    texts: Array<{ text: string; cols: number[]; values: number[]; sklearn_proba: number[]; served_proba: number[] }>;
  };

  it('takes its labels from its own file, the same set as the transformer config.id2label', () => {
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
    expect([...model.labels].sort()).toEqual((Object.values(config.id2label) as string[]).sort());
  });

  it.each(ref.texts.map((r) => [r.text.slice(0, 40), r] as const))('%j: same features and probabilities', (_t, r) => {
    const row = model.features(r.text);
    const expected = new Map(r.cols.map((c, i) => [c, r.values[i]!]));
    expect([...row.keys()].sort((a, b) => a - b)).toEqual([...expected.keys()].sort((a, b) => a - b));
    for (const [c, v] of expected) expect(row.get(c)).toBeCloseTo(v, 9);
    const [p] = model.probabilities([r.text]);
    // exactly the served (int8) weights' probabilities …
    p!.forEach((x, i) => expect(Math.abs(x - r.served_proba[i]!)).toBeLessThan(1e-6));
    // … and close to scikit-learn's float64 model (quantisation error)
    const diff = Math.max(...Array.from(p!, (x, i) => Math.abs(x - r.sklearn_proba[i]!)));
    expect(diff).toBeLessThan(0.03);
  });

  it('scores a message in well under a millisecond', () => {
    const texts = ref.texts.map((r) => r.text);
    model.probabilities(texts);
    const t0 = performance.now();
    for (let k = 0; k < 20; k++) model.probabilities(texts);
    expect((performance.now() - t0) / (20 * texts.length)).toBeLessThan(1);
  });
});

describe('combineProbabilities (weighted geometric mean)', () => {
  const t = [0.7, 0.2, 0.1];
  const l = [0.2, 0.5, 0.3];
  it('w = 1 gives the transformer, w = 0 the linear member', () => {
    combineProbabilities(t, l, 1).forEach((x, i) => expect(x).toBeCloseTo(t[i]!, 6));
    combineProbabilities(t, l, 0).forEach((x, i) => expect(x).toBeCloseTo(l[i]!, 6));
  });
  it('is normalised and follows p ∝ t^w l^(1-w)', () => {
    const p = combineProbabilities(t, l, 0.5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const raw = t.map((x, i) => Math.sqrt(x * l[i]!));
    const z = raw.reduce((a, b) => a + b, 0);
    p.forEach((x, i) => expect(x).toBeCloseTo(raw[i]! / z, 6));
  });
});
