import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../../server/config/index.ts';
import { ANSWER_FEATURES, AnswerModel, answerFeatures, clarifiesCalibrated } from '../../../../server/rag/answer-model.ts';

const model = AnswerModel.load(path.join(PROJECT_ROOT, 'models', 'answer-model'));

describe('answer model (models/answer-model)', () => {
  it('is committed, and the server walks its trees exactly as scikit-learn does', () => {
    expect(model).toBeDefined();
    const { rows, probabilities } = model!.reference;
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const ours = model!.probabilities(rows);
    ours.forEach((p, i) => expect(p).toBeCloseTo(probabilities[i]!, 9));
  });

  it('believes a passage more when the NLU predicts an intent it declares than when the NLU calls the message out of scope', () => {
    const hits = [
      { id: 'a', score: 0.55, dense: 0.6, coverage: 0.5, bm25: 8, rrf: 0.05, ranks: { dense: 1, bm25: 1 }, rerank: 1 },
      { id: 'b', score: 0.5, dense: 0.5, coverage: 0.4, bm25: 6, rrf: 0.04, ranks: { dense: 2, bm25: 2 }, rerank: 0 },
    ];
    const intentsOf = (id: string) => (id === 'a' ? ['card_arrival'] : ['card_linking']);
    const knowledge = new Set(['card_arrival', 'card_linking', 'financial_education']);
    const sure = answerFeatures('my card has not arrived yet', { intent: { name: 'card_arrival', confidence: 0.95 }, intent_ranking: [{ name: 'card_arrival', confidence: 0.95 }] }, hits, intentsOf, knowledge);
    const oos = answerFeatures('my card has not arrived yet', { intent: { name: 'out_of_scope', confidence: 0.9 }, intent_ranking: [{ name: 'out_of_scope', confidence: 0.9 }] }, hits, intentsOf, knowledge);
    expect(sure[0]).toHaveLength(ANSWER_FEATURES.length);
    const [pSure] = model!.probabilities(sure);
    const [pOos] = model!.probabilities(oos);
    expect(pSure!).toBeGreaterThan(pOos!);
  });

  it('clarifies only below the answer threshold, with two likely passages', () => {
    const t = { minScore: 0.7, clarifySum: 0.8, clarifyMinSecond: 0.1 };
    expect(clarifiesCalibrated([{ score: 0.5 }, { score: 0.35 }], t)).toBe(true);
    expect(clarifiesCalibrated([{ score: 0.75 }, { score: 0.35 }], t)).toBe(false);
    expect(clarifiesCalibrated([{ score: 0.5 }, { score: 0.05 }], t)).toBe(false);
    expect(clarifiesCalibrated([{ score: 0.4 }, { score: 0.3 }], t)).toBe(false);
  });
});
