// Hand-derivable cases, optimality (KKT) properties, PyPortfolioOpt's inline-data asserted numbers and bad input.
import { describe, expect, it } from 'vitest';
import {
  CriticalLineAlgorithm,
  EfficientFrontier,
  greedyAllocation,
  optimizePortfolio,
  parsePriceCsv,
  PortfolioError,
  priceFrameFromJson,
  solveQp,
  solveQpDense,
  squareFromRows,
  constraint,
  type SquareMatrix,
} from '../../../../models/portfolio/index.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A random factor-model covariance (positive definite) and returns. */
function randomProblem(n: number, seed: number): { mu: Float64Array; cov: SquareMatrix } {
  const r = rng(seed);
  const k = 3;
  const B = Array.from({ length: n }, () => Array.from({ length: k }, () => r() - 0.4));
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += B[i]![f]! * B[j]![f]!;
      data[i * n + j] = 0.04 * s + (i === j ? 0.01 + 0.06 * r() : 0);
    }
  }
  return { mu: Float64Array.from({ length: n }, () => 0.02 + 0.2 * r()), cov: { n, data } };
}

const sum = (w: ArrayLike<number>): number => Array.from(w).reduce((a, b) => a + b, 0);

function expectPortfolioError(fn: () => unknown, code: string, pattern?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PortfolioError);
    expect((e as PortfolioError).code).toBe(code);
    if (pattern) expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PortfolioError');
}

describe('hand-derivable cases', () => {
  it('two-asset minimum variance has the closed form w1 = (σ2² − σ12)/(σ1² + σ2² − 2σ12)', () => {
    const [s1, s2, s12] = [0.04, 0.09, 0.006];
    const ef = new EfficientFrontier([0.05, 0.1], squareFromRows([[s1, s12], [s12, s2]]));
    const w = ef.minVolatility().weights;
    const w1 = (s2 - s12) / (s1 + s2 - 2 * s12);
    expect(w[0]).toBeCloseTo(w1, 14);
    expect(w[1]).toBeCloseTo(1 - w1, 14);
  });

  it('unconstrained efficient return equals the Lagrangian closed form (PyPortfolioOpt simple_ef_weights)', () => {
    const { mu, cov } = randomProblem(6, 7);
    const target = 0.12;
    const ef = new EfficientFrontier(mu, cov, { weightBounds: [-100, 100] });
    const w = ef.efficientReturn(target).weights;
    // KKT block system [Σ μ 1; μᵀ 0 0; 1ᵀ 0 0][w; λ1; λ2] = [0; target; 1]
    const n = 6;
    const m = n + 2;
    const K = new Float64Array(m * m);
    const rhs = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) K[i * m + j] = cov.data[i * n + j]!;
      K[i * m + n] = mu[i]!;
      K[i * m + n + 1] = 1;
      K[n * m + i] = mu[i]!;
      K[(n + 1) * m + i] = 1;
    }
    rhs[n] = target;
    rhs[n + 1] = 1;
    const sol = gaussian(K, rhs, m);
    for (let i = 0; i < n; i++) expect(w[i]).toBeCloseTo(sol[i]!, 10);
  });

  it('max Sharpe of uncorrelated assets is proportional to (μ − r_f)/σ² when unconstrained by bounds', () => {
    const mu = [0.08, 0.1, 0.12];
    const v = [0.04, 0.05, 0.09];
    const cov = squareFromRows(v.map((x, i) => v.map((_, j) => (i === j ? x : 0))));
    const w = new EfficientFrontier(mu, cov).maxSharpe({ riskFreeRate: 0.02 }).weights;
    const raw = mu.map((m, i) => (m - 0.02) / v[i]!);
    const s = sum(raw);
    raw.forEach((r, i) => expect(w[i]).toBeCloseTo(r / s, 12));
  });

  it('L2 regularisation with huge gamma gives equal weights (test_min_volatility_L2_reg_limit_case)', () => {
    const { mu, cov } = randomProblem(8, 3);
    const w = new EfficientFrontier(mu, cov, { gamma: 1e10 }).minVolatility().weights;
    for (const x of w) expect(x).toBeCloseTo(1 / 8, 7);
  });

  it('max quadratic utility with huge risk aversion approaches min volatility (test_max_quadratic_utility_limit)', () => {
    const { mu, cov } = randomProblem(8, 4);
    const a = new EfficientFrontier(mu, cov).maxQuadraticUtility({ riskAversion: 1e10 }).weights;
    const b = new EfficientFrontier(mu, cov).minVolatility().weights;
    a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 7));
  });
});

/** Plain Gaussian elimination with partial pivoting (an independent solver for the closed-form check). */
function gaussian(K: Float64Array, rhs: Float64Array, m: number): Float64Array {
  const a = Array.from({ length: m }, (_, i) => [...K.subarray(i * m, (i + 1) * m), rhs[i]!]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = c + 1; r < m; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= m; k++) a[r]![k] = a[r]![k]! - f * a[c]![k]!;
    }
  }
  const x = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = a[r]![m]!;
    for (let k = r + 1; k < m; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

describe('optimality and constraint properties', () => {
  it('the QP solution satisfies the KKT conditions (stationarity, feasibility, complementarity, dual sign)', () => {
    for (const n of [5, 30, 120]) {
      const { mu, cov } = randomProblem(n, n);
      const H = { n, data: Float64Array.from(cov.data, (v) => 2 * v) };
      const c = Float64Array.from(mu, (v) => -0.3 * v);
      const ineq = [] as ReturnType<typeof constraint.lower>[];
      for (let i = 0; i < n; i++) ineq.push(constraint.lower(i, 0), constraint.upper(i, 0.25));
      const res = solveQp({ H, c, equalities: [constraint.sum(1)], inequalities: ineq });
      const x = res.x;
      expect(sum(x)).toBeCloseTo(1, 12);
      const grad = Float64Array.from({ length: n }, (_, i) => {
        let s = c[i]!;
        for (let j = 0; j < n; j++) s += H.data[i * n + j]! * x[j]!;
        return s;
      });
      // ∇f = ν·1 + Σ λ_k a_k with λ ≥ 0 on active rows only.
      const nu = res.equalityMultipliers[0]!;
      for (let i = 0; i < n; i++) {
        const lamLower = res.inequalityMultipliers[2 * i]!;
        const lamUpper = res.inequalityMultipliers[2 * i + 1]!;
        expect(lamLower).toBeGreaterThanOrEqual(-1e-12);
        expect(lamUpper).toBeGreaterThanOrEqual(-1e-12);
        expect(grad[i]! - nu - lamLower + lamUpper).toBeCloseTo(0, 10);
        expect(lamLower * x[i]!).toBeCloseTo(0, 12);
        expect(lamUpper * (0.25 - x[i]!)).toBeCloseTo(0, 12);
        expect(x[i]).toBeGreaterThanOrEqual(-1e-15);
        expect(x[i]).toBeLessThanOrEqual(0.25 + 1e-15);
      }
    }
  });

  it('the working-set shortcut for large problems gives the same optimum as the full dual method', () => {
    const n = 150;
    const { mu, cov } = randomProblem(n, 11);
    const H = { n, data: Float64Array.from(cov.data, (v) => 2 * v) };
    const c = Float64Array.from(mu, (v) => -0.05 * v);
    const ineq = Array.from({ length: n }, (_, i) => constraint.lower(i, 0));
    const fast = solveQp({ H, c, equalities: [constraint.sum(1)], inequalities: ineq }).x;
    const full = solveQpDense({ H, c, equalities: [constraint.sum(1)], inequalities: ineq }).x;
    fast.forEach((v, i) => expect(v).toBeCloseTo(full[i]!, 12));
  });

  it('the working-set shortcut also agrees with general constraints (return target, caps, class limits, max-Sharpe rows)', () => {
    const n = 120;
    const { mu, cov } = randomProblem(n, 21);
    const H = { n, data: Float64Array.from(cov.data, (v) => 2 * v) };
    const ineq = [] as ReturnType<typeof constraint.lower>[];
    for (let i = 0; i < n; i++) ineq.push(constraint.lower(i, 0), constraint.upper(i, 0.05));
    const cls = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    ineq.push(constraint.dense(mu, 0.15), constraint.dense(Float64Array.from(cls, (v) => -v), -0.3), constraint.dense(cls, 0.1));
    const problem = { H, c: new Float64Array(n), equalities: [constraint.sum(1)], inequalities: ineq };
    const fast = solveQp(problem).x;
    const full = solveQpDense(problem).x;
    fast.forEach((v, i) => expect(v).toBeCloseTo(full[i]!, 10));
    // max-Sharpe homogenised rows (u·Σy − y_i ≥ 0) go through the same path
    const ef = new EfficientFrontier(mu, cov, { weightBounds: [0, 0.05] });
    const w = ef.maxSharpe().weights;
    expect(sum(w)).toBeCloseTo(1, 12);
    for (const x of w) expect(x).toBeLessThanOrEqual(0.05 + 1e-12);
  });

  it('every objective respects the weight bounds and sums to 1', () => {
    const { mu, cov } = randomProblem(10, 5);
    const ef = new EfficientFrontier(mu, cov, { weightBounds: [0.02, 0.3] });
    const mv = ef.minVolatility();
    const results = [
      mv,
      ef.maxSharpe(),
      ef.maxQuadraticUtility({ riskAversion: 2 }),
      ef.efficientReturn(mv.performance.expectedReturn + 0.01),
      ef.efficientRisk(mv.performance.volatility * 1.2),
    ];
    for (const { weights } of results) {
      expect(sum(weights)).toBeCloseTo(1, 12);
      for (const w of weights) {
        expect(w).toBeGreaterThanOrEqual(0.02 - 1e-12);
        expect(w).toBeLessThanOrEqual(0.3 + 1e-12);
      }
    }
  });

  it('asset-class limits hold', () => {
    const { mu, cov } = randomProblem(9, 6);
    const classOf = ['eq', 'eq', 'eq', 'eq', 'bond', 'bond', 'bond', 'cash', 'cash'];
    const ef = new EfficientFrontier(mu, cov, { assetClasses: { classOf, upper: { eq: 0.5 }, lower: { bond: 0.3, cash: 0.05 } } });
    for (const { weights } of [ef.maxSharpe(), ef.minVolatility(), ef.maxQuadraticUtility()]) {
      const by = (k: string) => sum(Array.from(weights).filter((_, i) => classOf[i] === k));
      expect(by('eq')).toBeLessThanOrEqual(0.5 + 1e-12);
      expect(by('bond')).toBeGreaterThanOrEqual(0.3 - 1e-12);
      expect(by('cash')).toBeGreaterThanOrEqual(0.05 - 1e-12);
    }
  });

  it('the sampled frontier is monotone: more return costs more volatility', () => {
    const { mu, cov } = randomProblem(12, 8);
    const pts = new EfficientFrontier(mu, cov).frontier(15);
    for (let k = 1; k < pts.length; k++) {
      expect(pts[k]!.performance.expectedReturn).toBeGreaterThan(pts[k - 1]!.performance.expectedReturn);
      expect(pts[k]!.performance.volatility).toBeGreaterThanOrEqual(pts[k - 1]!.performance.volatility - 1e-12);
    }
  });

  it('efficient risk hits the target volatility exactly (test_efficient_risk_many_values)', () => {
    const { mu, cov } = randomProblem(12, 9);
    const ef = new EfficientFrontier(mu, cov);
    const minVol = ef.minVolatility().performance.volatility;
    for (const f of [1.05, 1.3, 1.8]) {
      const res = ef.efficientRisk(minVol * f);
      expect(Math.abs(res.performance.volatility - minVol * f)).toBeLessThan(1e-12);
      // and it is on the frontier: min volatility for its return gives the same portfolio
      const back = ef.efficientReturn(res.performance.expectedReturn - 1e-13);
      back.weights.forEach((w, i) => expect(w).toBeCloseTo(res.weights[i]!, 6));
    }
  });

  it('max Sharpe beats every sampled frontier portfolio', () => {
    const { mu, cov } = randomProblem(10, 12);
    const ef = new EfficientFrontier(mu, cov);
    const best = ef.maxSharpe().performance.sharpe;
    for (const p of ef.frontier(25)) expect(p.performance.sharpe).toBeLessThanOrEqual(best + 1e-12);
  });
});

describe("PyPortfolioOpt's asserted numbers on inline data", () => {
  it('test_efficient_return_longshort_target: market-neutral efficient return', () => {
    const mu = [-0.15, -0.12, -0.1, -0.05, -0.01, 0.02, 0.03, 0.04, 0.05];
    const d = [0.2, 0.2, 0.4, 0.3, 0.1, 0.5, 0.2, 0.3, 0.1];
    const cov = squareFromRows(d.map((x, i) => d.map((_, j) => (i === j ? x : 0))));
    const ef = new EfficientFrontier(mu, cov, { weightBounds: [-1, 1] });
    const res = ef.efficientReturn(0.08, { marketNeutral: true });
    expect(sum(res.weights)).toBeCloseTo(0, 12);
    const p = res.performance;
    expect(Math.abs(p.expectedReturn - 0.08)).toBeLessThan(1e-6);
    expect(Math.abs(p.volatility - 0.16649041068958137)).toBeLessThan(1e-6);
    expect(Math.abs(p.sharpe - 0.3603811159542937)).toBeLessThan(1e-6);
  });

  it('test_cla_max_sharpe_equal_expected_returns_falls_back_to_min_var', () => {
    const cov = squareFromRows([
      [0.01, 0.01],
      [0.01, 0.02],
    ]);
    const bounds = { lower: [0, 0], upper: [1, 1] };
    const w = new CriticalLineAlgorithm([0.1, 0.1], cov, bounds).maxSharpe();
    const mv = new CriticalLineAlgorithm([0.1, 0.1], cov, bounds).minVolatility();
    expect(Array.from(w)).toEqual(Array.from(mv));
  });

  it('test_min_volatility_vs_max_sharpe (issue #75): min-vol volatility is below max-Sharpe volatility', () => {
    const mu = [0.043622, 0.120588, 0.072331, 0.056586];
    const cov = squareFromRows([
      [0.000859, -0.000941, 0.001494, -0.000062],
      [-0.000941, 0.0224, -0.002184, 0.005747],
      [0.001494, -0.002184, 0.011518, -0.000129],
      [-0.000062, 0.005747, -0.000129, 0.002287],
    ]);
    const ef = new EfficientFrontier(mu, cov);
    expect(ef.minVolatility({ riskFreeRate: 0 }).performance.volatility).toBeLessThan(ef.maxSharpe({ riskFreeRate: 0 }).performance.volatility);
  });

  it('test_cla_two_assets builds and solves', () => {
    const cla = new CriticalLineAlgorithm([0.02569294, 0.16203987], squareFromRows([[0.0012765, -0.00212724], [-0.00212724, 0.01616983]]), {
      lower: [0, 0],
      upper: [1, 1],
    });
    expect(sum(cla.maxSharpe())).toBeCloseTo(1, 12);
  });

  it('greedy allocation: long/short books add up to value × (1 + short ratio)', () => {
    const weights = { A: 0.5, B: 0.3, C: 0.4, D: -0.2 };
    const prices = { A: 10.5, B: 33.2, C: 7.7, D: 12.1 };
    const { shares, leftover } = greedyAllocation(weights, prices, 10000, { shortRatio: 0.3 });
    let long = 0;
    let short = 0;
    for (const [t, s] of Object.entries(shares)) {
      if (s > 0) long += s * prices[t as keyof typeof prices];
      else short -= s * prices[t as keyof typeof prices];
    }
    expect(long + short + leftover).toBeCloseTo(13000, 6);
    expect(shares.D).toBeLessThan(0);
  });
});

describe('bad input gives a clear PortfolioError, never NaN weights', () => {
  const csv = (rows: string[]) => parsePriceCsv(['date,A,B,C', ...rows].join('\n'));
  it('malformed CSV cells, non-positive prices, duplicate and unknown columns', () => {
    expectPortfolioError(() => parsePriceCsv('date,A\n2020-01-01,abc\n'), 'invalid_input', /line 2, column "A".*not a number/);
    expectPortfolioError(() => parsePriceCsv('date,A\n2020-01-01,0\n'), 'invalid_input', /non-positive price/);
    expectPortfolioError(() => parsePriceCsv('date,A,A\n2020-01-01,1,2\n'), 'invalid_input', /duplicate column/);
    expectPortfolioError(() => parsePriceCsv(''), 'invalid_input', /empty/);
    const p = csv(['2020-01-01,1,2,3', '2020-01-02,1.1,2.1,3.2', '2020-01-03,1.2,2.0,3.1']);
    expectPortfolioError(() => optimizePortfolio({ prices: p, columns: ['A', 'Z'] }), 'invalid_input', /unknown column "Z"/);
    expectPortfolioError(() => priceFrameFromJson({ dates: ['x'], columns: ['A'], rows: [['NaN?']] }), 'invalid_input', /not a number/);
  });
  it('too few rows and columns without data', () => {
    expectPortfolioError(() => optimizePortfolio({ prices: csv(['2020-01-01,1,2,3', '2020-01-02,1.1,2.1,3.2']) }), 'invalid_input', /too little data/);
    expectPortfolioError(
      () => optimizePortfolio({ prices: csv(['2020-01-01,1,2,', '2020-01-02,1.1,2.1,', '2020-01-03,1.2,2.2,', '2020-01-04,1.25,2.3,3']) }),
      'invalid_input',
      /"C"/,
    );
  });
  it('infeasible targets and bounds', () => {
    const { mu, cov } = randomProblem(6, 1);
    const ef = new EfficientFrontier(mu, cov);
    expectPortfolioError(() => ef.efficientReturn(10), 'infeasible', /maximum possible return/);
    expectPortfolioError(() => ef.efficientRisk(0.0001), 'infeasible', /minimum volatility/);
    expectPortfolioError(() => ef.maxSharpe({ riskFreeRate: 5 }), 'infeasible', /exceeding the risk-free rate/);
    expectPortfolioError(() => new EfficientFrontier(mu, cov, { weightBounds: [0.3, 1] }).minVolatility(), 'infeasible');
    expectPortfolioError(() => ef.maxQuadraticUtility({ riskAversion: 0 }), 'invalid_input');
  });
  it('singular covariance', () => {
    const cov = squareFromRows([
      [0.04, 0.04, 0],
      [0.04, 0.04, 0],
      [0, 0, 0.09],
    ]);
    expectPortfolioError(() => new EfficientFrontier([0.1, 0.1, 0.05], cov).minVolatility(), 'singular', /singular/);
  });
  it('NaN expected returns are rejected', () => {
    expectPortfolioError(() => new EfficientFrontier([0.1, NaN], squareFromRows([[1, 0], [0, 1]])), 'invalid_input', /NaN/);
  });
});
