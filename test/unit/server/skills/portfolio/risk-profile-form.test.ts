/** The risk_profile form: declared from RISK_QUESTIONS, with horizon and amount parsers that read how people answer. */
import { describe, expect, it } from 'vitest';
import { RISK_QUESTIONS } from '../../../../../models/portfolio/advisor/risk-profile.ts';
import { detectCorrection } from '../../../../../server/dialogue/form-runner.ts';
import { RISK_PROFILE_FORM, parseAmountAnswer, parseHorizonYears } from '../../../../../server/skills/portfolio/risk-profile-form.ts';

const slot = (name: string) => RISK_PROFILE_FORM.slots.find((s) => s.name === name)!;
const parse = (name: string, text: string) => slot(name).parse(text, { entities: [], filled: {} });

describe('RISK_PROFILE_FORM', () => {
  it('asks every risk question, in order, then the optional amount', () => {
    expect(RISK_PROFILE_FORM.name).toBe('risk_profile');
    expect(RISK_PROFILE_FORM.triggerIntents).toEqual(['portfolio_advice']);
    expect(RISK_PROFILE_FORM.slots.map((s) => s.name)).toEqual([...RISK_QUESTIONS.map((q) => q.id), 'amount']);
    for (const q of RISK_QUESTIONS) {
      const s = slot(q.id);
      expect(s.question).toBe(q.question);
      expect(s.why).toBe(q.why);
      if (q.type === 'choice') expect(s.input).toEqual({ type: 'choice', options: q.options.map((o) => ({ title: o.title, payload: o.value })) });
      else expect(s.input).toMatchObject({ type: 'number', min: q.min, max: q.max, unit: q.unit });
    }
  });

  it.each([
    ['goal', 'I want to retire comfortably', 'retirement'],
    ['goal', 'saving for a house deposit', 'home'],
    ['income_stability', "I'm self-employed", 'variable'],
    ['liquidity_needs', 'maybe', 'possible'],
    ['emergency_fund', 'nope', 'no'],
    ['experience', 'never invested', 'none'],
    ['drawdown_reaction', 'buy the dip', 'buy_more'],
    ['drawdown_reaction', 'sell_all', 'sell_all'],
    ['loss_tolerance', '10%', '10'],
    ['loss_tolerance', 'half', '40'],
  ])('%s: "%s" → %s', (name, text, value) => {
    expect(parse(name, text)).toEqual({ ok: true, value });
  });

  it('rejects an answer that fits no option, listing the options', () => {
    const r = parse('drawdown_reaction', 'call my mum');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/Sell everything, Sell some, Do nothing or Buy more/);
  });

  it('finds corrections by the questions\' aliases, without misreading ordinary answers', () => {
    expect(detectCorrection('actually, change my horizon to 15 years', RISK_PROFILE_FORM)?.slot.name).toBe('horizon_years');
    expect(detectCorrection('sorry, my emergency fund is none', RISK_PROFILE_FORM)?.slot.name).toBe('emergency_fund');
    expect(detectCorrection('actually I want a regular income', RISK_PROFILE_FORM)).toBeUndefined();
    // "when" is no horizon alias: this corrects the reaction to a fall, not the horizon.
    expect(detectCorrection("actually I'd sell some when it drops", RISK_PROFILE_FORM)?.slot.name).toBe('drawdown_reaction');
  });
});

describe('parseHorizonYears', () => {
  it.each([
    ['10', 10],
    ['25 years', 25],
    ['a decade', 10],
    ['18 months', 1.5],
    ['about twenty years', 20],
  ])('"%s" → %d', (text, years) => {
    expect(parseHorizonYears(text, 1, 60)).toEqual({ ok: true, value: years });
  });

  it('rejects ranges, unreadable answers and horizons outside 1–60 years', () => {
    expect(parseHorizonYears('5 to 10 years', 1, 60)).toMatchObject({ ok: false, error: expect.stringMatching(/just one number/) });
    expect(parseHorizonYears('soon', 1, 60)).toMatchObject({ ok: false });
    expect(parseHorizonYears('6 months', 1, 60)).toMatchObject({ ok: false, error: expect.stringMatching(/savings account/) });
    expect(parseHorizonYears('80 years', 1, 60)).toMatchObject({ ok: false });
  });
});

describe('parseAmountAnswer', () => {
  it('reads amounts with or without a currency, and "skip"', () => {
    expect(parseAmountAnswer('20,000')).toEqual({ ok: true, value: { value: 20_000 } });
    expect(parseAmountAnswer('€20k')).toEqual({ ok: true, value: { value: 20_000, currency: 'EUR' } });
    expect(parseAmountAnswer('about 5000 dollars')).toEqual({ ok: true, value: { value: 5000, currency: 'USD' } });
    for (const skip of ['skip', "I'd rather not say", 'not sure']) expect(parseAmountAnswer(skip)).toEqual({ ok: true, value: null });
  });

  it('rejects non-amounts, zero and absurd sums', () => {
    expect(parseAmountAnswer('a lot')).toMatchObject({ ok: false });
    expect(parseAmountAnswer('0')).toMatchObject({ ok: false });
    expect(parseAmountAnswer('5000000000000000')).toMatchObject({ ok: false });
  });
});
