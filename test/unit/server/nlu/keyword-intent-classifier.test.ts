/** Table-driven tests of the interim keyword classifier, including negative and out-of-scope rows. */
import { describe, expect, it } from 'vitest';
import { KeywordIntentClassifier } from '../../../../server/nlu/keyword-intent-classifier.ts';

const classifier = new KeywordIntentClassifier();
const top = (text: string) => classifier.classifyOne(text)[0]!;

describe('KeywordIntentClassifier', () => {
  it.each([
    ['hello', 'greet'],
    ['Good morning!', 'greet'],
    ['bye', 'goodbye'],
    ['thanks a lot', 'thank_you'],
    ['are you a bot?', 'bot_challenge'],
    ['Am I talking to a real person?', 'bot_challenge'],
    ['what can you do?', 'capabilities'],
    ['yes', 'affirm'],
    ['nope', 'deny'],
    ['I want to talk to a human', 'human_handoff'],
    ['can I get a loan?', 'credit_risk_assessment'],
    ['check my credit risk', 'credit_risk_assessment'],
    ['how should I invest 10k?', 'portfolio_advice'],
    ['suggest a portfolio', 'portfolio_advice'],
    ['what is compound interest', 'financial_education'],
    ['my card still hasn’t arrived', 'card_arrival'],
    ['I lost my card', 'lost_or_stolen_card'],
    ['how do I activate my new card', 'activate_my_card'],
    ["what's the weather tomorrow", 'out_of_scope'],
    ['give me a pizza recipe', 'out_of_scope'],
  ])('%s → %s', (text, intent) => {
    const prediction = top(text);
    expect(prediction.name).toBe(intent);
    expect(prediction.confidence).toBeGreaterThanOrEqual(0.4);
  });

  it.each(['no, I said the other thing about my account', 'yes but also something', 'hi-fi speakers'])(
    'does not read "%s" as a bare affirm/deny/greet with confidence',
    (text) => {
      const prediction = top(text);
      expect(['affirm', 'deny', 'greet'].includes(prediction.name) && prediction.confidence >= 0.4).toBe(false);
    },
  );

  it('returns out_of_scope with low confidence when nothing matches (so the dialogue asks to rephrase)', () => {
    const prediction = top('qwzx plorb');
    expect(prediction).toEqual({ name: 'out_of_scope', confidence: 0.3 });
  });

  it('returns a full ranking over all labels, best first, summing to 1', async () => {
    for (const text of ['hello', 'qwzx', 'hi, are you a bot?']) {
      const [ranking] = await classifier.classify([text]);
      expect(ranking!.map((p) => p.name).sort()).toEqual([...classifier.labels].sort());
      const sum = ranking!.reduce((s, p) => s + p.confidence, 0);
      expect(sum).toBeCloseTo(1, 9);
      for (let i = 1; i < ranking!.length; i += 1) expect(ranking![i - 1]!.confidence).toBeGreaterThanOrEqual(ranking![i]!.confidence);
    }
  });

  it('shares probability when two intents match equally', () => {
    const [a, b] = classifier.classifyOne('hi, are you a bot?');
    expect(a!.name).toBe('bot_challenge');
    expect(b!.name).toBe('greet');
    expect(a!.confidence).toBeLessThan(0.6);
  });
});
