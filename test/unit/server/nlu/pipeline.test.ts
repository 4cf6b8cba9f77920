/** The NLU pipeline: triggers, classification, entities, and inserted stages. */
import { describe, expect, it } from 'vitest';
import { RuleEntityExtractor } from '../../../../server/nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../../../../server/nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline, type NluStage } from '../../../../server/nlu/pipeline.ts';
import { parseTrigger } from '../../../../server/nlu/trigger-parser.ts';
import type { IntentClassifier } from '../../../../server/nlu/types.ts';
import { createMetrics } from '../../../../server/observability/metrics.ts';

describe('parseTrigger', () => {
  it.each([
    ['/portfolio_advice', 'portfolio_advice', []],
    ['/greet', 'greet', []],
    ['/reverted_card_payment?', 'reverted_card_payment?', []],
    ['/inform{"duration": 24, "purpose": "car"}', 'inform', [['duration', 24], ['purpose', 'car']]],
    ['/inform{not json', 'inform', []],
  ])('%s', (text, intent, entities) => {
    const parse = parseTrigger(text)!;
    expect(parse.intent).toEqual({ name: intent, confidence: 1 });
    expect(parse.entities.map((e) => [e.entity, e.value])).toEqual(entities);
  });

  it.each(['hello', '/ hello', 'a/b', '50/50 split?', '/123', ''])('ignores %j', (text) => {
    expect(parseTrigger(text)).toBeUndefined();
  });
});

describe('StagedNluPipeline', () => {
  const pipeline = new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] });

  it('classifies and extracts entities with spans', async () => {
    const parse = await pipeline.parse('can I get a loan of 5000 euros for 2 years?');
    expect(parse.intent.name).toBe('credit_risk_assessment');
    expect(parse.intent_ranking.length).toBeGreaterThanOrEqual(5);
    const amount = parse.entities.find((e) => e.entity === 'amount');
    expect(amount).toMatchObject({ value: 5000, currency: 'EUR' });
    expect(parse.text.slice(amount!.start, amount!.end)).toBe('5000 euros');
    expect(parse.entities.find((e) => e.entity === 'duration')).toMatchObject({ value: 24 });
  });

  it('handles triggers without calling the classifier, and batches the rest in one call', async () => {
    const calls: string[][] = [];
    const counting: IntentClassifier = {
      name: 'counting',
      labels: ['greet'],
      classify: async (texts) => {
        calls.push(texts);
        return texts.map(() => [{ name: 'greet', confidence: 0.9 }]);
      },
    };
    const p = new StagedNluPipeline({ classifier: counting });
    const results = await p.parseBatch(['hi', '/portfolio_advice', 'hello']);
    expect(calls).toEqual([['hi', 'hello']]);
    expect(results.map((r) => r.intent.name)).toEqual(['greet', 'portfolio_advice', 'greet']);
  });

  it('runs inserted stages in order after classification', async () => {
    const oos: NluStage = {
      name: 'weather-is-out-of-scope',
      process: (r) => (/weather/.test(r.text) ? { ...r, intent: { name: 'out_of_scope', confidence: 0.99 }, decidedBy: 'weather-is-out-of-scope' } : r),
    };
    const tag: NluStage = { name: 'tag', process: (r) => ({ ...r, seen: [...((r.seen as string[]) ?? []), 'tag'] }) };
    const metrics = createMetrics({ collectDefault: false });
    const p = new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), stages: [oos, tag], instrumentation: { metrics } });
    const parse = await p.parse('nice weather for a loan');
    expect(parse.intent).toEqual({ name: 'out_of_scope', confidence: 0.99 });
    expect(parse.decidedBy).toBe('weather-is-out-of-scope');
    expect(parse.seen).toEqual(['tag']);
    expect(await metrics.registry.getSingleMetricAsString('moneta_stage_duration_seconds')).toContain('moneta_stage_duration_seconds_count{stage="nlu"} 1');
  });
});
