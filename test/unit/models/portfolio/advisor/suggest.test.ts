/** Portfolio suggestions on the committed CMA: guardrails for every score, monotone risk/return, outcomes, rebalancing. */
import { beforeAll, describe, expect, it } from 'vitest';
import { outcomeRange } from '../../../../../models/portfolio/advisor/outcomes.ts';
import { scoreRiskProfile } from '../../../../../models/portfolio/advisor/risk-profile.ts';
import {
  DEFAULT_AMOUNT,
  DEFAULT_GUARDRAILS,
  DEFAULT_HORIZON_YEARS,
  PortfolioAdvisor,
  loadCmaFile,
  type ScorePortfolio,
} from '../../../../../models/portfolio/advisor/suggest.ts';
import { ADVISOR_UNIVERSE } from '../../../../../models/portfolio/advisor/universe.ts';
import { loadConfig } from '../../../../../server/config/index.ts';

const SCORES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
let advisor: PortfolioAdvisor;
let portfolios: ScorePortfolio[];

beforeAll(() => {
  advisor = new PortfolioAdvisor(loadCmaFile(loadConfig({}).portfolio.cmaPath)).warm();
  portfolios = SCORES.map((s) => advisor.portfolioFor(s));
});

describe('guardrails hold for every score', () => {
  it.each(SCORES)('score %i', (score) => {
    const p = portfolios[score - 1]!;
    const g = DEFAULT_GUARDRAILS;
    const sum = p.allocation.reduce((a, b) => a + b.weight, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
    for (const line of p.allocation) {
      const spec = ADVISOR_UNIVERSE.find((a) => a.ticker === line.ticker)!;
      expect(line.weight).toBeGreaterThanOrEqual(g.minWeight);
      expect(line.weight).toBeLessThanOrEqual(spec.maxWeight + 1e-9);
      expect(Number((line.weight * 10_000).toFixed(6)) % 1).toBe(0); // basis points
    }
    const share = (group: string) => p.allocation.filter((a) => a.group === group).reduce((s, a) => s + a.weight, 0);
    expect(share('defensive')).toBeGreaterThanOrEqual(g.minDefensive[score - 1]! - 1e-4);
    expect(share('equity')).toBeLessThanOrEqual(g.maxEquity[score - 1]! + 1e-4);
    expect(share('credit')).toBeLessThanOrEqual(g.maxGroup.credit! + 1e-4);
    expect(share('real_assets')).toBeLessThanOrEqual(g.maxGroup.real_assets! + 1e-4);
    expect(p.allocation.filter((a) => a.weight >= g.holdingThreshold).length).toBeGreaterThanOrEqual(g.minHoldings);
  });
});

describe('risk and return rise with the score', () => {
  it('volatility, expected return and the stock share increase from 1 to 10', () => {
    for (let i = 1; i < portfolios.length; i++) {
      const [a, b] = [portfolios[i - 1]!, portfolios[i]!];
      expect(b.volatility).toBeGreaterThan(a.volatility);
      expect(b.expectedReturn).toBeGreaterThan(a.expectedReturn);
      expect(b.groups.equity).toBeGreaterThan(a.groups.equity);
    }
    // The ends are what the scale promises: mostly bonds and cash at 1, mostly stocks at 10.
    expect(portfolios[0]!.groups.defensive).toBeGreaterThanOrEqual(0.8 - 1e-4);
    expect(portfolios[0]!.volatility).toBeLessThan(0.05);
    expect(portfolios[9]!.groups.equity).toBeGreaterThan(0.8);
    expect(portfolios[9]!.volatility).toBeLessThanOrEqual(advisor.maxVolatility + 1e-9);
  });

  it('reports the allocation\'s own return and volatility under the CMA', () => {
    const cma = advisor.cma;
    for (const p of portfolios) {
      const tickers = p.allocation.map((a) => a.ticker);
      const { expectedReturns, covariance } = cma.subset(tickers);
      const w = p.allocation.map((a) => a.weight);
      const ret = w.reduce((s, wi, i) => s + wi * expectedReturns[i]!, 0);
      let v = 0;
      for (let i = 0; i < w.length; i++) for (let j = 0; j < w.length; j++) v += w[i]! * w[j]! * covariance.data[i * w.length + j]!;
      expect(p.expectedReturn).toBeCloseTo(ret, 12);
      expect(p.volatility).toBeCloseTo(Math.sqrt(v), 12);
    }
  });

  it('never beats the efficient frontier, and stays close to it', () => {
    const frontier = advisor.frontier();
    expect(frontier.length).toBeGreaterThan(10);
    for (let i = 1; i < frontier.length; i++) {
      expect(frontier[i]!.volatility).toBeGreaterThan(frontier[i - 1]!.volatility);
      expect(frontier[i]!.expectedReturn).toBeGreaterThan(frontier[i - 1]!.expectedReturn);
    }
    for (const p of portfolios) {
      const k = frontier.findIndex((f) => f.volatility >= p.volatility);
      expect(k).toBeGreaterThan(0);
      const [a, b] = [frontier[k - 1]!, frontier[k]!];
      // Linear interpolation under-states a concave frontier, so this bound is conservative.
      const bound = a.expectedReturn + ((p.volatility - a.volatility) / (b.volatility - a.volatility)) * (b.expectedReturn - a.expectedReturn);
      expect(p.expectedReturn).toBeLessThanOrEqual(bound + 1e-9);
      expect(p.expectedReturn).toBeGreaterThan(bound - 0.01); // guardrails cost well under a point of return
    }
  });

  it('rejects scores outside 1..10', () => {
    for (const bad of [0, 11, 2.5, Number.NaN]) expect(() => advisor.portfolioFor(bad)).toThrow(/1 to 10/);
  });
});

describe('suggest', () => {
  it('returns the contract fields with outcomes for the amount and horizon', () => {
    const s = advisor.suggest({ riskScore: 6, amount: 20_000, horizonYears: 15 });
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['riskScore', 'allocation', 'expectedReturn', 'volatility', 'outcomes', 'rationale', 'disclaimer']));
    const exact = outcomeRange(20_000, s.expectedReturn, s.volatility, 15);
    expect(s.outcomes).toEqual({ p5: Math.round(exact.p5), p50: Math.round(exact.p50), p95: Math.round(exact.p95) });
    expect(s.outcomes.p5).toBeLessThan(s.outcomes.p50);
    expect(s.outcomes.p50).toBeLessThan(s.outcomes.p95);
    expect(s.amountAssumed).toBe(false);
    expect(s.modelVersion).toBe(advisor.cma.modelVersion);
    expect(s.chosen).toEqual({ volatility: s.volatility, expectedReturn: s.expectedReturn });
    expect(s.rationale).toContain('risk score of 6 out of 10');
    expect(s.rationale).toContain((100 * s.expectedReturn).toFixed(1));
    expect(s.rationale).toContain(s.outcomes.p50.toLocaleString('en-US'));
    expect(s.disclaimer).toMatch(/not financial advice/);
    expect(s.disclaimer).toMatch(/Past performance/);
  });

  it('uses the documented defaults and says so', () => {
    const s = advisor.suggest({ riskScore: 3 });
    expect(s.amount).toBe(DEFAULT_AMOUNT);
    expect(s.horizonYears).toBe(DEFAULT_HORIZON_YEARS);
    expect(s.amountAssumed).toBe(true);
    expect(s.rationale).toContain(`an example ${DEFAULT_AMOUNT.toLocaleString('en-US')}`);
  });

  it('widens the range with the horizon and with risk', () => {
    const spread = (score: number, years: number) => {
      const o = advisor.suggest({ riskScore: score, amount: 1000, horizonYears: years }).outcomes;
      return o.p95 / o.p5;
    };
    expect(spread(5, 20)).toBeGreaterThan(spread(5, 5));
    expect(spread(9, 10)).toBeGreaterThan(spread(2, 10));
  });

  it('carries the risk profile when the score came from answers', () => {
    const profile = scoreRiskProfile({
      goal: 'retirement', horizon_years: 25, income_stability: 'stable', liquidity_needs: 'unlikely',
      emergency_fund: 'yes', experience: 'funds', drawdown_reaction: 'hold', loss_tolerance: '20',
    });
    const s = advisor.suggest({ riskScore: profile.riskScore, riskProfile: profile });
    expect(s.riskProfile).toMatchObject({ capacity: profile.capacity, tolerance: profile.tolerance });
    expect(s.rationale).toContain(profile.explanation);
  });

  it('rejects a non-positive amount or an impossible horizon', () => {
    expect(() => advisor.suggest({ riskScore: 5, amount: 0 })).toThrow(/amount/);
    expect(() => advisor.suggest({ riskScore: 5, horizonYears: 0.5 })).toThrow(/horizonYears/);
  });
});

describe('rebalancing against the suggestion', () => {
  it('needs nothing when holdings match the target, named by ticker or asset class', () => {
    const s = advisor.suggest({ riskScore: 5 });
    const holdings = s.allocation.map((a, i) => ({ ticker: i % 2 ? a.ticker : a.assetClassId, value: a.weight * 50_000 }));
    const r = advisor.suggest({ riskScore: 5, holdings }).rebalancing!;
    expect(r.needed).toBe(false);
    expect(r.maxDrift).toBeLessThan(1e-9);
  });

  it('trades back to target when a holding drifts past 3 points, selling what is not in the plan', () => {
    const target = advisor.portfolioFor(4).allocation;
    const holdings = [...target.map((a) => ({ ticker: a.ticker, value: a.weight * 90_000 })), { ticker: 'TSLA', value: 10_000 }];
    const r = advisor.suggest({ riskScore: 4, holdings }).rebalancing!;
    expect(r.needed).toBe(true);
    expect(r.trades.find((t) => t.ticker === 'TSLA')).toMatchObject({ action: 'sell', amount: 10_000 });
    const net = r.trades.reduce((s, t) => s + (t.action === 'buy' ? t.amount : -t.amount), 0);
    expect(Math.abs(net)).toBeLessThan(0.05);
    // After the trades every position is at its target.
    for (const a of target) {
      const t = r.trades.find((x) => x.ticker === a.ticker);
      const after = a.weight * 90_000 + (t ? (t.action === 'buy' ? t.amount : -t.amount) : 0);
      expect(after / 100_000).toBeCloseTo(a.weight, 3);
    }
  });
});
