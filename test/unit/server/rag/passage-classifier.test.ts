// The answer model's passage classifier (server/rag/passage-classifier.ts) against scikit-learn, its fit against the
// knowledge base it serves, and the sibling passages it exists to tell apart.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { parsePassages, readKnowledgeFiles } from '../../../../server/rag/ingest.ts';
import { EmbeddingPassageClassifier } from '../../../../server/rag/embedding-passage-classifier.ts';
import { PassageClassifier } from '../../../../server/rag/passage-classifier.ts';

const config = loadConfig({});
const dir = config.knowledge.answerModelDir;
const classifier = PassageClassifier.load(dir)!;
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'passage-classifier-reference.json'), 'utf8')) as {
  texts: Array<{ text: string; served_proba: number[] }>;
};

describe('passage classifier (models/answer-model/passage-classifier.*)', () => {
  it('is fitted on exactly the passages of the knowledge base (else rerun npm run train:answer-model)', () => {
    const ids = parsePassages(readKnowledgeFiles(config.knowledge.dir)).map((p) => p.id);
    expect([...classifier.passages].sort()).toEqual([...ids].sort());
    expect(classifier.missing(ids)).toEqual([]);
  });

  it.each(ref.texts.map((r) => [r.text.slice(0, 40), r] as const))('%j: the probabilities scikit-learn computed for the served weights', (_t, r) => {
    const belief = classifier.classify(r.text);
    classifier.passages.forEach((id, i) => expect(Math.abs(belief.probability(id) - r.served_proba[i]!)).toBeLessThan(1e-6));
    expect(belief.top).toBeCloseTo(Math.max(...r.served_proba), 6);
  });

  it.each([
    ['how can I get a real card I can hold instead of the one in the app', 'cs-order-physical-card', 'cs-getting-virtual-card'],
    ['what do you charge to change my dollars into euros', 'cs-exchange-charge-fees', 'cs-card-payment-fee-charged'],
    ['my new card came in the post, how do I switch it on', 'cs-activate-card', 'cs-card-not-working-checklist'],
  ])('%j: prefers %s to its sibling %s', (text, right, sibling) => {
    const belief = classifier.classify(text);
    expect(belief.probability(right)).toBeGreaterThan(belief.probability(sibling));
    expect(belief.rank(right)).toBeLessThan(belief.rank(sibling));
  });

  it('gives an unknown passage probability 0 and no rank', () => {
    const belief = classifier.classify('where is my card');
    expect(belief.probability('no-such-passage')).toBe(0);
    expect(belief.rank('no-such-passage')).toBe(Infinity);
  });
});

describe('embedding passage classifier (models/answer-model/passage-classifier-embedding.*)', () => {
  const embedding = EmbeddingPassageClassifier.load(dir)!;

  it('knows the same passages as the TF-IDF classifier, and computes what scikit-learn computed for its float32 weights', () => {
    expect([...embedding.passages].sort()).toEqual([...classifier.passages].sort());
    const { rows, probabilities } = embedding.reference;
    expect(rows.length).toBeGreaterThanOrEqual(5);
    rows.forEach((row, r) => {
      const p = embedding.probabilities(row);
      p.forEach((x, i) => expect(Math.abs(x - probabilities[r]![i]!)).toBeLessThan(1e-6));
    });
  });

  it('rejects a vector of another embedder (wrong dimension) with a clear error', () => {
    expect(() => embedding.classify([0.1, 0.2])).toThrow(/expects \d+/);
  });
});
