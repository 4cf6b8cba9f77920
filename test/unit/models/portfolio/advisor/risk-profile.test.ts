/** Risk-profile scoring: the answers a customer gives move the score the way a financial planner would expect. */
import { describe, expect, it } from 'vitest';
import {
  RISK_QUESTIONS,
  horizonCapacity,
  scoreRiskProfile,
  validateRiskAnswers,
  type RiskAnswers,
} from '../../../../../models/portfolio/advisor/risk-profile.ts';

const base: RiskAnswers = {
  goal: 'retirement',
  horizon_years: 25,
  income_stability: 'stable',
  liquidity_needs: 'unlikely',
  emergency_fund: 'yes',
  experience: 'funds',
  drawdown_reaction: 'hold',
  loss_tolerance: '20',
};

describe('risk profile questionnaire', () => {
  it('asks between 6 and 10 questions, each with a reason', () => {
    expect(RISK_QUESTIONS.length).toBeGreaterThanOrEqual(6);
    expect(RISK_QUESTIONS.length).toBeLessThanOrEqual(10);
    for (const q of RISK_QUESTIONS) expect(q.why.length).toBeGreaterThan(30);
  });

  it('gives a long-horizon, calm investor a growth-level score', () => {
    const p = scoreRiskProfile({ ...base, drawdown_reaction: 'buy_more', loss_tolerance: '40', experience: 'stocks' });
    expect(p.riskScore).toBeGreaterThanOrEqual(9);
  });

  it('keeps money needed within a year conservative however brave the answers', () => {
    const p = scoreRiskProfile({ ...base, horizon_years: 1, drawdown_reaction: 'buy_more', loss_tolerance: '40' });
    expect(p.riskScore).toBeLessThanOrEqual(2);
    expect(p.limitedBy).toBe('capacity');
    expect(p.explanation).toMatch(/within 1 year/);
  });

  it('uses tolerance when a long horizon meets a nervous investor', () => {
    const p = scoreRiskProfile({ ...base, drawdown_reaction: 'sell_all', loss_tolerance: '5', experience: 'none' });
    expect(p.limitedBy).toBe('tolerance');
    expect(p.riskScore).toBeLessThanOrEqual(2);
  });

  it('caps capacity for a keep-it-safe goal', () => {
    expect(scoreRiskProfile({ ...base, goal: 'preserve' }).capacity).toBeLessThanOrEqual(3);
  });

  it('lowers capacity for unstable income, likely withdrawals and no emergency fund', () => {
    const strong = scoreRiskProfile({ ...base, horizon_years: 8 }).capacity;
    const weak = scoreRiskProfile({ ...base, horizon_years: 8, income_stability: 'unstable', liquidity_needs: 'likely', emergency_fund: 'no' }).capacity;
    expect(weak).toBeLessThan(strong - 3);
  });

  it('is monotonic in the horizon', () => {
    const scores = [1, 2, 3, 5, 7, 12, 20, 40].map((h) => horizonCapacity(h));
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
  });

  it('validates API answers and names every bad field', () => {
    const result = validateRiskAnswers({ ...base, horizon_years: 0, goal: 'lottery', experience: undefined });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.field).sort()).toEqual(['experience', 'goal', 'horizon_years']);
    expect(validateRiskAnswers({ ...base, horizon_years: '12' })).toMatchObject({ ok: true, answers: { horizon_years: 12 } });
    expect(validateRiskAnswers('nope').ok).toBe(false);
  });
});
