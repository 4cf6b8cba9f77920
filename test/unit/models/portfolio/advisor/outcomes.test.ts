/** Outcome ranges and rebalancing advice: numbers checked against closed forms. */
import { describe, expect, it } from 'vitest';
import { outcomeRange, rebalancingAdvice } from '../../../../../models/portfolio/advisor/outcomes.ts';

describe('outcomeRange', () => {
  it('is the amount itself with no risk and no return', () => {
    expect(outcomeRange(10_000, 0, 0, 10)).toEqual({ p5: 10_000, p50: 10_000, p95: 10_000 });
  });

  it('compounds the return when there is no volatility', () => {
    const r = outcomeRange(1000, 0.05, 0, 10);
    expect(r.p50).toBeCloseTo(1000 * 1.05 ** 10, 6);
  });

  it('matches the log-normal closed form', () => {
    const mu = 0.07;
    const sigma = 0.15;
    const s2 = Math.log(1 + sigma ** 2 / (1 + mu) ** 2);
    const m = Math.log(1 + mu) - s2 / 2;
    const r = outcomeRange(20_000, mu, sigma, 15);
    expect(r.p50).toBeCloseTo(20_000 * Math.exp(m * 15), 6);
    expect(r.p5).toBeCloseTo(20_000 * Math.exp(m * 15 - 1.6448536269514722 * Math.sqrt(s2 * 15)), 6);
    expect(r.p5).toBeLessThan(r.p50);
    expect(r.p95).toBeGreaterThan(r.p50);
    // The mean of a log-normal with these moments is the compounded arithmetic mean.
    expect(Math.exp(m + s2 / 2)).toBeCloseTo(1 + mu, 12);
  });

  it('rejects impossible inputs', () => {
    expect(() => outcomeRange(-1, 0.05, 0.1, 5)).toThrow(RangeError);
    expect(() => outcomeRange(100, -1.5, 0.1, 5)).toThrow(RangeError);
  });
});

describe('rebalancingAdvice', () => {
  const target = [
    { ticker: 'VTI', weight: 0.6 },
    { ticker: 'AGG', weight: 0.4 },
  ];

  it('does nothing inside the 3-point band', () => {
    const a = rebalancingAdvice([{ ticker: 'VTI', value: 6200 }, { ticker: 'AGG', value: 3800 }], target);
    expect(a.needed).toBe(false);
    expect(a.trades).toEqual([]);
    expect(a.maxDrift).toBeCloseTo(0.02, 10);
  });

  it('trades back to target outside the band, and sells what is not in the plan', () => {
    const a = rebalancingAdvice([{ ticker: 'vti', value: 7000 }, { ticker: 'AGG', value: 2000 }, { ticker: 'TSLA', value: 1000 }], target);
    expect(a.needed).toBe(true);
    const byTicker = Object.fromEntries(a.trades.map((t) => [t.ticker, t]));
    expect(byTicker.VTI).toMatchObject({ action: 'sell', amount: 1000 });
    expect(byTicker.AGG).toMatchObject({ action: 'buy', amount: 2000 });
    expect(byTicker.TSLA).toMatchObject({ action: 'sell', amount: 1000 });
    const net = a.trades.reduce((s, t) => s + (t.action === 'buy' ? t.amount : -t.amount), 0);
    expect(Math.abs(net)).toBeLessThan(0.02);
  });
});
