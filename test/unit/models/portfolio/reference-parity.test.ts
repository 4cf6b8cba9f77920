// Parity with independent Python references (pandas / scikit-learn / scipy / cvxopt transcriptions of
// PyPortfolioOpt 1.5) on a synthetic price file with late listings, a gap and an empty day.
// Regenerate with: /usr/bin/python3 test/fixtures/portfolio/make-reference.py
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../../../../models/portfolio/frame.ts';
import { squareFromRows, symmetricEigen, type SquareMatrix } from '../../../../models/portfolio/linalg.ts';
import { capmReturn, emaHistoricalReturn, meanHistoricalReturn, returnsFromPrices } from '../../../../models/portfolio/returns.ts';
import { expCov, ledoitWolf, oracleApproximating, sampleCov, semicovariance } from '../../../../models/portfolio/risk-models.ts';
import { EfficientFrontier } from '../../../../models/portfolio/efficient-frontier.ts';
import { LINKAGE_METHODS } from '../../../../models/portfolio/linkage.ts';
import { hrpWeights } from '../../../../models/portfolio/hrp.ts';
import { fixNonPositiveSemidefinite, pairwiseCorrMatrix, pairwiseCovMatrix } from '../../../../models/portfolio/risk-models.ts';
import { optimizePortfolio } from '../../../../models/portfolio/optimize.ts';
import { BlackLittermanModel, marketImpliedPriorReturns, marketImpliedRiskAversion } from '../../../../models/portfolio/black-litterman.ts';
import { greedyAllocation } from '../../../../models/portfolio/discrete-allocation.ts';
import { latestPrices } from '../../../../models/portfolio/frame.ts';
import { CriticalLineAlgorithm } from '../../../../models/portfolio/cla.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../fixtures/portfolio/${name}`, import.meta.url));
const prices = parsePriceCsv(readFileSync(fixture('synthetic-prices.csv'), 'utf8'));
const market = parsePriceCsv(readFileSync(fixture('synthetic-market.csv'), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(fixture('reference.json'), 'utf8'));

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (Math.abs(actual[i]! - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`index ${i}: got ${actual[i]}, expected ${e} (tol ${tol})`);
    }
  }
}
const flat = (m: SquareMatrix): Float64Array => m.data;
const flatRef = (rows: number[][]): number[] => rows.flat();

describe('returns (pandas parity)', () => {
  it('drops all-missing rows and does not fill gaps', () => {
    expect(returnsFromPrices(prices).dates.length).toBe(ref.returns_rows);
  });
  it('mean historical return, geometric and arithmetic', () => {
    expectClose(meanHistoricalReturn(prices), ref.mu.mean, 1e-12);
    expectClose(meanHistoricalReturn(prices, { compounding: false }), ref.mu.mean_arith, 1e-12);
  });
  it('EMA return matches pandas ewm(span).mean() with NaNs', () => {
    expectClose(emaHistoricalReturn(prices), ref.mu.ema, 1e-12);
    expectClose(emaHistoricalReturn(prices, { span: 100, compounding: false }), ref.mu.ema_span100_arith, 1e-12);
  });
  it('CAPM return with the equal-weighted market and with given market prices', () => {
    expectClose(capmReturn(prices).mu, ref.mu.capm, 1e-12);
    expectClose(capmReturn(prices, { marketPrices: market }).mu, ref.mu.capm_market, 1e-12);
    expectClose(capmReturn(prices, { marketPrices: market, riskFreeRate: 0.01 }).mu, ref.mu.capm_market_rf, 1e-12);
  });
});

describe('risk models (pandas / scikit-learn parity)', () => {
  it('sample covariance is pairwise-complete, ddof 1', () => expectClose(flat(sampleCov(prices).matrix), flatRef(ref.cov.sample), 1e-12));
  it('semicovariance', () => {
    expectClose(flat(semicovariance(prices).matrix), flatRef(ref.cov.semicovariance), 1e-12);
    expectClose(flat(semicovariance(prices, { benchmark: 0 }).matrix), flatRef(ref.cov.semicovariance_b0), 1e-12);
  });
  it('exponential covariance', () => {
    expectClose(flat(expCov(prices).matrix), flatRef(ref.cov.exp), 1e-11);
    expectClose(flat(expCov(prices, { span: 60 }).matrix), flatRef(ref.cov.exp_span60), 1e-11);
  });
  it('Ledoit-Wolf constant variance = sklearn ledoit_wolf', () => {
    const r = ledoitWolf(prices);
    expect(r.delta).toBeCloseTo(ref.delta['ledoit-wolf'], 12);
    expectClose(flat(r.matrix), flatRef(ref.cov['ledoit-wolf']), 1e-11);
  });
  it('Ledoit-Wolf single factor', () => {
    const r = ledoitWolf(prices, { target: 'single_factor' });
    expect(r.delta).toBeCloseTo(ref.delta['ledoit-wolf-single-factor'], 12);
    expectClose(flat(r.matrix), flatRef(ref.cov['ledoit-wolf-single-factor']), 1e-11);
  });
  it('Ledoit-Wolf constant correlation', () => {
    const r = ledoitWolf(prices, { target: 'constant_correlation' });
    expect(r.delta).toBeCloseTo(ref.delta['ledoit-wolf-constant-correlation'], 12);
    expectClose(flat(r.matrix), flatRef(ref.cov['ledoit-wolf-constant-correlation']), 1e-11);
  });
  it('oracle approximating = sklearn oas', () => {
    const r = oracleApproximating(prices);
    expect(r.delta).toBeCloseTo(ref.delta['oracle-approximating'], 12);
    expectClose(flat(r.matrix), flatRef(ref.cov['oracle-approximating']), 1e-11);
  });
});

describe('efficient frontier objectives (cvxopt parity, weights and performance to 1e-6)', () => {
  const mu = Float64Array.from(ref.mu.mean as number[]);
  const S = squareFromRows(ref.cov.sample);
  const check = (res: { weights: Float64Array; performance: { expectedReturn: number; volatility: number; sharpe: number } }, key: string) => {
    expectClose(res.weights, ref.opt[key].w, 1e-6);
    const p = res.performance;
    expectClose([p.expectedReturn, p.volatility, p.sharpe], ref.opt[key].perf, 1e-6);
  };
  const sectors = {
    classOf: ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'x', 'c', 'c', 'x', 'x'],
    upper: { a: 0.3, b: 0.5 },
    lower: { b: 0.2, c: 0.1 },
  };
  it('min volatility (long only, L2, shorts, asset classes)', () => {
    check(new EfficientFrontier(mu, S).minVolatility(), 'min_volatility');
    check(new EfficientFrontier(mu, S, { gamma: 0.5 }).minVolatility(), 'min_volatility_gamma0.5');
    check(new EfficientFrontier(mu, S, { weightBounds: [-1, 1] }).minVolatility(), 'min_volatility_short');
    check(new EfficientFrontier(mu, S, { assetClasses: sectors }).minVolatility(), 'min_volatility_sectors');
  });
  it('max Sharpe (rf, L2, bounds, shorts, asset classes)', () => {
    check(new EfficientFrontier(mu, S).maxSharpe(), 'max_sharpe');
    check(new EfficientFrontier(mu, S).maxSharpe({ riskFreeRate: 0 }), 'max_sharpe_rf0');
    check(new EfficientFrontier(mu, S, { gamma: 0.1 }).maxSharpe(), 'max_sharpe_gamma0.1');
    check(new EfficientFrontier(mu, S, { weightBounds: [0.02, 0.3] }).maxSharpe(), 'max_sharpe_bounds');
    check(new EfficientFrontier(mu, S, { weightBounds: [-1, 1] }).maxSharpe(), 'max_sharpe_short');
    check(new EfficientFrontier(mu, S, { assetClasses: sectors }).maxSharpe(), 'max_sharpe_sectors');
  });
  it('max quadratic utility', () => {
    check(new EfficientFrontier(mu, S).maxQuadraticUtility({ riskAversion: 1 }), 'max_quadratic_utility');
    check(new EfficientFrontier(mu, S, { gamma: 0.2 }).maxQuadraticUtility({ riskAversion: 5 }), 'max_quadratic_utility_5_gamma0.2');
  });
  it('efficient return and efficient risk', () => {
    check(new EfficientFrontier(mu, S).efficientReturn(ref.opt.efficient_return.target), 'efficient_return');
    check(new EfficientFrontier(mu, S, { gamma: 0.3 }).efficientReturn(ref.opt.efficient_return.target), 'efficient_return_gamma0.3');
    check(new EfficientFrontier(mu, S).efficientRisk(ref.opt.efficient_risk.target), 'efficient_risk');
    check(new EfficientFrontier(mu, S, { gamma: 0.05 }).efficientRisk(ref.opt.efficient_risk.target), 'efficient_risk_gamma0.05');
  });
});

describe('HRP (scipy linkage parity for every method)', () => {
  const returns = returnsFromPrices(prices);
  for (const method of LINKAGE_METHODS) {
    it(`${method} linkage, quasi-diagonal order and weights`, () => {
      const res = hrpWeights(pairwiseCovMatrix(returns), { corr: pairwiseCorrMatrix(returns), linkage: method });
      expect(res.order).toEqual(ref.hrp[method].order);
      expectClose(res.linkage.flat(), (ref.hrp[method].linkage as number[][]).flat(), 1e-12);
      expectClose(res.weights, ref.hrp[method].w, 1e-12);
    });
  }
  it('optimizePortfolio(hrp) reports HRPOpt.portfolio_performance', () => {
    const out = optimizePortfolio({ prices, objective: 'hrp', linkage: 'average' });
    const p = out.performance;
    expectClose([p.expectedReturn, p.volatility, p.sharpe], ref.hrp.average.perf, 1e-10);
  });
});

describe('Black-Litterman (numpy formula parity)', () => {
  const S = squareFromRows(ref.cov.sample);
  const bl = ref.bl;
  it('market-implied prior and posterior returns / covariance', () => {
    const pi = marketImpliedPriorReturns(bl.mcaps, bl.delta, S, 0);
    expectClose(pi, bl.pi, 1e-12);
    const model = new BlackLittermanModel(S, { pi, P: bl.P, Q: bl.Q, tau: bl.tau });
    expectClose(model.blReturns(), bl.posterior, 1e-12);
    expectClose(model.blCov().data, (bl.posterior_cov as number[][]).flat(), 1e-12);
  });
  it("Idzorek's confidences", () => {
    const pi = marketImpliedPriorReturns(bl.mcaps, bl.delta, S, 0);
    const model = new BlackLittermanModel(S, { pi, P: bl.P, Q: bl.Q, tau: bl.tau, omega: 'idzorek', viewConfidences: bl.confidences });
    expectClose(model.blReturns(), bl.posterior_idzorek, 1e-12);
  });
  it('market-implied risk aversion', () => {
    expect(marketImpliedRiskAversion(market.values[0]!)).toBeCloseTo(bl.market_risk_aversion, 10);
  });
});

describe('greedy discrete allocation', () => {
  it('matches the PyPortfolioOpt algorithm on the max-Sharpe weights', () => {
    const a = ref.allocation;
    const latest = latestPrices(prices);
    const lp = Object.fromEntries(prices.columns.map((c, i) => [c, latest[i]!]));
    const out = greedyAllocation(a.weights, lp, a.total);
    expect(out.shares).toEqual(a.shares);
    expect(out.leftover).toBeCloseTo(a.leftover, 8);
  });
});

describe('critical line algorithm', () => {
  const mu = Float64Array.from(ref.mu.mean as number[]);
  const S = squareFromRows(ref.cov.sample);
  const n = mu.length;
  it('min volatility equals the QP optimum', () => {
    const cla = new CriticalLineAlgorithm(mu, S, { lower: new Float64Array(n), upper: new Float64Array(n).fill(1) });
    expectClose(cla.minVolatility(), ref.opt.min_volatility.w, 1e-8);
  });
  it('max Sharpe (r_f = 0 inside CLA) equals the QP optimum to golden-section accuracy', () => {
    const cla = new CriticalLineAlgorithm(mu, S, { lower: new Float64Array(n), upper: new Float64Array(n).fill(1) });
    expectClose(cla.maxSharpe(), ref.opt.max_sharpe_rf0.w, 1e-7);
  });
});

describe('fix_nonpositive_semidefinite (numpy eigh parity)', () => {
  it('clips negative eigenvalues of a non-PSD matrix (spectral)', () => {
    const bad = squareFromRows(ref.psd_fix.input);
    const fixed = fixNonPositiveSemidefinite(bad);
    expect(fixed.fixed).toBe(true);
    expectClose(fixed.matrix.data, (ref.psd_fix.fixed as number[][]).flat(), 1e-12);
    // The repaired matrix is PSD up to rounding (its smallest eigenvalue is ~0, as with numpy).
    for (const q of symmetricEigen(fixed.matrix).values) expect(q).toBeGreaterThan(-1e-12);
  });
});
