// The out-of-scope decision rule, table-driven, on hand-made rankings (the real model's behaviour is tested in
// transformer-intent-classifier.test.ts).
import { describe, expect, it } from 'vitest';
import { OutOfScopeStage, nearestSimilarity, outOfScopeReason, type OutOfScopeThresholds } from '../../../../server/nlu/out-of-scope-stage.ts';
import type { IntentPrediction, ParseResult } from '../../../../server/nlu/types.ts';

const t: OutOfScopeThresholds = { label: 'out_of_scope', minConfidence: 0.5, minMargin: 0.2, minNeighbourSimilarity: 0.6 };
const rank = (...pairs: Array<[string, number]>): IntentPrediction[] => pairs.map(([name, confidence]) => ({ name, confidence }));

describe('outOfScopeReason', () => {
  it.each([
    ['where is my card', rank(['card_arrival', 0.9], ['lost_or_stolen_card', 0.05]), 0.9, undefined],
    ['weather?', rank(['out_of_scope', 0.7], ['greet', 0.1]), 0.9, 'class'],
    ['hmm card', rank(['card_arrival', 0.4], ['card_linking', 0.1]), 0.9, 'confidence'],
    ['card thing', rank(['card_arrival', 0.55], ['card_linking', 0.4]), 0.9, 'margin'],
    ['far away text', rank(['card_arrival', 0.9], ['card_linking', 0.05]), 0.3, 'neighbour'],
    ['', rank(['greet', 0.99]), 0.9, 'no_text'],
    ['🙂🙂', rank(['greet', 0.99]), 0.9, 'no_text'],
    ['\u0000\u0007 ?!', rank(['greet', 0.99]), 0.9, 'no_text'],
    ['你好', rank(['greet', 0.99], ['goodbye', 0.0]), 0.9, undefined],
  ] as const)('%j → %s', (text, ranking, sim, expected) => {
    expect(outOfScopeReason(text, ranking, t, sim)).toBe(expected);
  });

  it('ignores thresholds that are not set', () => {
    const only: OutOfScopeThresholds = { label: 'out_of_scope' };
    expect(outOfScopeReason('x y', rank(['a', 0.01], ['b', 0.009]), only)).toBeUndefined();
  });
});

describe('OutOfScopeStage', () => {
  const result = (text: string, ranking: IntentPrediction[], extra: Partial<ParseResult> = {}): ParseResult => ({
    text,
    intent: ranking[0]!,
    intent_ranking: ranking,
    entities: [],
    ...extra,
  });

  it('puts out_of_scope on top with the reason, keeping the rest of the ranking', async () => {
    const stage = new OutOfScopeStage({ thresholds: { label: 'out_of_scope', minConfidence: 0.5 } });
    const r = await stage.process(result('blah', rank(['card_arrival', 0.3], ['out_of_scope', 0.2], ['greet', 0.1])));
    expect(r.intent).toEqual({ name: 'out_of_scope', confidence: 0.7 });
    expect(r.intent_ranking.map((p) => p.name)).toEqual(['out_of_scope', 'card_arrival', 'greet']);
    expect(r.out_of_scope).toEqual({ reason: 'confidence' });
  });

  it('passes confident in-scope results and intent triggers through unchanged', async () => {
    const stage = new OutOfScopeStage({ thresholds: { label: 'out_of_scope', minConfidence: 0.5 } });
    const ok = result('where is my card', rank(['card_arrival', 0.9], ['greet', 0.1]));
    expect(await stage.process(ok)).toBe(ok);
    const trigger = result('/portfolio_advice', rank(['portfolio_advice', 1]), { trigger: true });
    expect(await stage.process(trigger)).toBe(trigger);
  });

  it('uses the nearest training example when the folder provides vectors', async () => {
    const neighbours = { dimension: 2, vectors: new Float32Array([1, 0, 0, 1]) };
    expect(nearestSimilarity([Math.SQRT1_2, Math.SQRT1_2], neighbours)).toBeCloseTo(Math.SQRT1_2, 6);
    const embedder = { embedQuery: async (text: string) => (text === 'near' ? [1, 0] : [-1, 0]) };
    const stage = new OutOfScopeStage({ thresholds: { label: 'out_of_scope', minNeighbourSimilarity: 0.5 }, embedder, neighbours });
    expect((await stage.process(result('near', rank(['a', 0.9], ['b', 0.1])))).intent.name).toBe('a');
    const far = await stage.process(result('far', rank(['a', 0.9], ['b', 0.1])));
    expect(far.intent.name).toBe('out_of_scope');
    expect(far.out_of_scope).toMatchObject({ reason: 'neighbour', neighbourSimilarity: 0 });
  });
});
