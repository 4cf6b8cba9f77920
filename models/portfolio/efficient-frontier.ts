/**
 * Mean–variance optimisation with PyPortfolioOpt 1.5's EfficientFrontier semantics: min volatility, max Sharpe
 * (Cornuejols–Tütüncü variable transformation), max quadratic utility, efficient risk, efficient return, with
 * weight bounds, L2 regularisation (γ‖w‖², PyPortfolioOpt's objective_functions.L2_reg) and asset-class
 * (sector) lower/upper bounds — each solved exactly with the Goldfarb–Idnani QP in ./qp.ts.
 */
import { PortfolioError } from './errors.ts';
import { dot, matVec, pinvSum, quadForm, type SquareMatrix } from './linalg.ts';
import { constraint, solveOnActiveSet, solveQp, type LinearConstraint, type QpResult } from './qp.ts';

/** Expected return, volatility and Sharpe ratio of a portfolio. */
export interface Performance {
  expectedReturn: number;
  volatility: number;
  sharpe: number;
}

/** A per-class weight constraint: the summed weight of `classes[i] === name` assets lies in [lower, upper]. */
export interface AssetClassConstraints {
  /** Asset index → class name (same order as the expected returns). */
  classOf: string[];
  lower?: Record<string, number>;
  upper?: Record<string, number>;
}

/** Options of an EfficientFrontier. */
export interface EfficientFrontierOptions {
  /** One (lower, upper) pair for all assets or one per asset; null means −1 / +1 as in PyPortfolioOpt. */
  weightBounds?: [number | null, number | null] | Array<[number | null, number | null]>;
  /** L2 regularisation strength γ (objective += γ‖w‖²). Default 0. */
  gamma?: number;
  /** Asset-class (sector) constraints. */
  assetClasses?: AssetClassConstraints;
}

/** Portfolio statistics for weights (PyPortfolioOpt base_optimizer.portfolio_performance). */
export function portfolioPerformance(
  weights: ArrayLike<number>,
  mu: ArrayLike<number> | undefined,
  cov: SquareMatrix,
  riskFreeRate = 0.02,
): Performance {
  const volatility = Math.sqrt(quadForm(cov, weights));
  const expectedReturn = mu ? dot(weights, mu) : NaN;
  return { expectedReturn, volatility, sharpe: (expectedReturn - riskFreeRate) / volatility };
}

/** Result of an optimisation: weights plus the optimiser's own performance figures. */
export interface OptimisationResult {
  weights: Float64Array;
  performance: Performance;
}

/**
 * An efficient frontier over n assets. Unlike PyPortfolioOpt's object (single use), every method here is
 * independent and re-usable, so an advisor can sample the frontier with one instance.
 */
export class EfficientFrontier {
  readonly n: number;
  readonly mu: Float64Array | undefined;
  readonly cov: SquareMatrix;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly gamma: number;
  readonly assetClasses: AssetClassConstraints | undefined;

  /**
   * @param mu expected returns (annualised), or undefined for volatility-only use.
   * @param cov covariance matrix (annualised, positive definite).
   */
  constructor(mu: ArrayLike<number> | undefined, cov: SquareMatrix, options: EfficientFrontierOptions = {}) {
    this.n = cov.n;
    if (mu && mu.length !== this.n) throw new PortfolioError('invalid_input', 'covariance matrix does not match expected returns');
    if (mu && Array.from(mu).some((v) => !Number.isFinite(v))) throw new PortfolioError('invalid_input', 'expected returns contain NaN');
    if (cov.data.some((v) => !Number.isFinite(v))) throw new PortfolioError('invalid_input', 'covariance matrix contains NaN');
    this.mu = mu ? Float64Array.from(mu) : undefined;
    this.cov = cov;
    this.gamma = options.gamma ?? 0;
    if (!(this.gamma >= 0)) throw new PortfolioError('invalid_input', 'gamma must be ≥ 0', { field: 'gamma' });
    const { lower, upper } = mapBounds(options.weightBounds ?? [0, 1], this.n);
    this.lower = lower;
    this.upper = upper;
    for (let i = 0; i < this.n; i++) {
      if (!(lower[i]! <= upper[i]!)) throw new PortfolioError('invalid_input', `weight bounds of asset ${i}: lower > upper`, { field: 'bounds' });
    }
    this.assetClasses = options.assetClasses;
    if (this.assetClasses && this.assetClasses.classOf.length !== this.n) {
      throw new PortfolioError('invalid_input', 'asset-class mapping must name a class for every asset', { field: 'assetClasses' });
    }
  }

  private requireMu(): Float64Array {
    if (!this.mu) throw new PortfolioError('invalid_input', 'this objective needs expected returns');
    return this.mu;
  }

  /** Bounds as unit rows plus asset-class rows, for the plain (untransformed) problem. */
  private weightConstraints(): LinearConstraint[] {
    const rows: LinearConstraint[] = [];
    for (let i = 0; i < this.n; i++) {
      if (Number.isFinite(this.lower[i]!)) rows.push(constraint.lower(i, this.lower[i]!));
      if (Number.isFinite(this.upper[i]!)) rows.push(constraint.upper(i, this.upper[i]!));
    }
    for (const { member, lower, upper } of this.classRows()) {
      if (lower !== undefined) rows.push(constraint.dense(member, lower));
      if (upper !== undefined) rows.push(constraint.dense(member.map((v) => -v), -upper));
    }
    return rows;
  }

  private classRows(): Array<{ member: Float64Array; lower?: number; upper?: number }> {
    const ac = this.assetClasses;
    if (!ac) return [];
    const names = new Set([...Object.keys(ac.upper ?? {}), ...Object.keys(ac.lower ?? {})]);
    const out: Array<{ member: Float64Array; lower?: number; upper?: number }> = [];
    for (const name of names) {
      const member = Float64Array.from(ac.classOf, (c) => (c === name ? 1 : 0));
      if (!member.some((v) => v === 1)) {
        throw new PortfolioError('invalid_input', `asset class "${name}" has no assets`, { field: 'assetClasses' });
      }
      const row: { member: Float64Array; lower?: number; upper?: number } = { member };
      if (ac.lower?.[name] !== undefined) row.lower = ac.lower[name];
      if (ac.upper?.[name] !== undefined) row.upper = ac.upper[name];
      out.push(row);
    }
    return out;
  }

  /** Hessian 2(s·Σ + γ·I) (objective s·wᵀΣw + γ‖w‖² written as ½wᵀHw). */
  private hessian(sigmaScale: number, gammaScale = 1): SquareMatrix {
    const n = this.n;
    const data = Float64Array.from(this.cov.data, (v) => 2 * sigmaScale * v);
    for (let i = 0; i < n; i++) data[i * n + i] = data[i * n + i]! + 2 * this.gamma * gammaScale;
    return { n, data };
  }

  private budget(marketNeutral: boolean): LinearConstraint[] {
    return [constraint.sum(marketNeutral ? 0 : 1)];
  }

  private solve(H: SquareMatrix, c: Float64Array, eq: LinearConstraint[], ineq: LinearConstraint[]): QpResult {
    try {
      return solveQp({ H, c, equalities: eq, inequalities: ineq });
    } catch (e) {
      if (e instanceof PortfolioError && e.code === 'singular') {
        throw new PortfolioError('singular', 'the covariance matrix is singular (not positive definite): use a shrinkage risk model, more data or gamma > 0', { cause: e });
      }
      throw e;
    }
  }

  private result(w: Float64Array, riskFreeRate: number): OptimisationResult {
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i]!)) throw new PortfolioError('not_converged', 'the optimiser produced non-finite weights');
      w[i] = w[i]! + 0; // normalise −0 to 0 (PyPortfolioOpt's `.round(16) + 0.0`)
    }
    return { weights: w, performance: portfolioPerformance(w, this.mu, this.cov, riskFreeRate) };
  }

  /** Minimum-volatility portfolio (min wᵀΣw + γ‖w‖²). */
  minVolatility(opts: { riskFreeRate?: number } = {}): OptimisationResult {
    const res = this.solve(this.hessian(1), new Float64Array(this.n), this.budget(false), this.weightConstraints());
    return this.result(res.x, opts.riskFreeRate ?? 0.02);
  }

  /** Maximum quadratic utility max μᵀw − (δ/2)wᵀΣw − γ‖w‖². */
  maxQuadraticUtility(opts: { riskAversion?: number; marketNeutral?: boolean; riskFreeRate?: number } = {}): OptimisationResult {
    const delta = opts.riskAversion ?? 1;
    if (!(delta > 0)) throw new PortfolioError('invalid_input', 'risk aversion must be greater than zero', { field: 'riskAversion' });
    const mu = this.requireMu();
    const [lower, upper] = this.neutralBounds(opts.marketNeutral ?? false);
    const rows = this.withBounds(lower, upper);
    const res = this.solve(this.hessian(delta / 2), Float64Array.from(mu, (v) => -v), this.budget(opts.marketNeutral ?? false), rows);
    return this.result(res.x, opts.riskFreeRate ?? 0.02);
  }

  /** Market neutrality needs shorting: PyPortfolioOpt amends bounds to (−1, 1) when no lower bound is negative. */
  private neutralBounds(marketNeutral: boolean): [Float64Array, Float64Array] {
    if (marketNeutral && !this.lower.some((v) => v < 0)) {
      return [new Float64Array(this.n).fill(-1), new Float64Array(this.n).fill(1)];
    }
    return [this.lower, this.upper];
  }

  private withBounds(lower: Float64Array, upper: Float64Array): LinearConstraint[] {
    if (lower === this.lower && upper === this.upper) return this.weightConstraints();
    const clone = new EfficientFrontier(this.mu, this.cov, {
      weightBounds: Array.from(lower, (l, i) => [l, upper[i]!] as [number, number]),
      gamma: this.gamma,
      ...(this.assetClasses ? { assetClasses: this.assetClasses } : {}),
    });
    return clone.weightConstraints();
  }

  /** The largest attainable expected return under the bounds (and asset-class limits, approximately via a tiny ridge). */
  maxReturn(): number {
    const mu = this.requireMu();
    if (!this.assetClasses) {
      // Greedy LP solution: everything at its lower bound, then fill the best assets up to their upper bounds.
      const w = Float64Array.from(this.lower);
      let left = 1 - w.reduce((a, b) => a + b, 0);
      const order = [...mu.keys()].sort((a, b) => mu[b]! - mu[a]!);
      for (const i of order) {
        if (left <= 0) break;
        const add = Math.min(this.upper[i]! - w[i]!, left);
        w[i] = w[i]! + add;
        left -= add;
      }
      if (left > 1e-12) throw new PortfolioError('infeasible', 'the weight bounds cannot sum to 1', { field: 'bounds' });
      return dot(w, mu);
    }
    const scale = Math.max(...Array.from(mu, Math.abs), 1e-12) * 1e-9;
    const H = { n: this.n, data: new Float64Array(this.n * this.n) };
    for (let i = 0; i < this.n; i++) H.data[i * this.n + i] = scale;
    const res = this.solve(H, Float64Array.from(mu, (v) => -v), this.budget(false), this.weightConstraints());
    return dot(res.x, mu);
  }

  /**
   * Tangency (maximum Sharpe) portfolio. Solved as PyPortfolioOpt does, by the variable transformation
   * y = k·w: min yᵀ(Σ+γI)y s.t. (μ − r_f)ᵀy = 1, Σy = k ≥ 0, lower·k ≤ y ≤ upper·k, class limits × k; then w = y/k.
   * (With γ > 0 this is the maximum Sharpe ratio under Σ + γI, exactly PyPortfolioOpt's behaviour.)
   */
  maxSharpe(opts: { riskFreeRate?: number } = {}): OptimisationResult {
    const rf = opts.riskFreeRate ?? 0.02;
    const mu = this.requireMu();
    if (!Number.isFinite(rf)) throw new PortfolioError('invalid_input', 'risk-free rate should be numeric', { field: 'riskFree' });
    if (Math.max(...mu) <= rf) {
      throw new PortfolioError('infeasible', 'at least one of the assets must have an expected return exceeding the risk-free rate', {
        field: 'riskFree',
      });
    }
    const n = this.n;
    const eq = [constraint.dense(Float64Array.from(mu, (v) => v - rf), 1)];
    const ineq: LinearConstraint[] = [constraint.sum(0)]; // k = Σy ≥ 0
    const allNonNeg = this.lower.every((l) => l >= 0);
    for (let i = 0; i < n; i++) {
      const l = this.lower[i]!;
      const u = this.upper[i]!;
      if (Number.isFinite(l)) ineq.push(l === 0 ? constraint.lower(i, 0) : constraint.unit(i, 1, -l, 0)); // y_i − l·Σy ≥ 0
      // u·Σy − y_i ≥ 0 is implied when every y_j ≥ 0 and u ≥ 1; skip it then (it is dense work).
      if (Number.isFinite(u) && !(allNonNeg && u >= 1)) ineq.push(constraint.unit(i, -1, u, 0));
    }
    for (const { member, lower, upper } of this.classRows()) {
      if (lower !== undefined) ineq.push(constraint.dense(Float64Array.from(member, (v) => v - lower), 0));
      if (upper !== undefined) ineq.push(constraint.dense(Float64Array.from(member, (v) => upper - v), 0));
    }
    const res = this.solve(this.hessian(1), new Float64Array(n), eq, ineq);
    const k = res.x.reduce((a, b) => a + b, 0);
    if (!(k > 0)) throw new PortfolioError('infeasible', 'no portfolio with positive excess return satisfies the constraints');
    return this.result(Float64Array.from(res.x, (v) => v / k), rf);
  }

  /**
   * Minimise volatility for a target return: min wᵀΣw + γ‖w‖² s.t. μᵀw ≥ target (an inequality, as in
   * PyPortfolioOpt, so a target below the minimum-volatility return gives the minimum-volatility portfolio).
   */
  efficientReturn(targetReturn: number, opts: { marketNeutral?: boolean; riskFreeRate?: number } = {}): OptimisationResult {
    const mu = this.requireMu();
    if (!Number.isFinite(targetReturn)) throw new PortfolioError('invalid_input', 'target return should be a number', { field: 'target' });
    const marketNeutral = opts.marketNeutral ?? false;
    if (!marketNeutral) {
      const maxRet = this.maxReturn();
      if (targetReturn > maxRet + 1e-12) {
        throw new PortfolioError('infeasible', `target return ${targetReturn} must be lower than the maximum possible return ${maxRet.toFixed(6)}`, {
          field: 'target',
        });
      }
    }
    const [lower, upper] = this.neutralBounds(marketNeutral);
    const ineq = [constraint.dense(mu, targetReturn), ...this.withBounds(lower, upper)];
    try {
      const res = this.solve(this.hessian(1), new Float64Array(this.n), this.budget(marketNeutral), ineq);
      return this.result(res.x, opts.riskFreeRate ?? 0.02);
    } catch (e) {
      if (e instanceof PortfolioError && e.code === 'infeasible') {
        throw new PortfolioError('infeasible', `no portfolio reaches the target return ${targetReturn} within the constraints`, {
          field: 'target',
          cause: e,
        });
      }
      throw e;
    }
  }

  /**
   * Maximise return for a target volatility: max μᵀw − γ‖w‖² s.t. wᵀΣw ≤ σ². Solved through the Lagrangian:
   * w(θ) = argmin wᵀΣw + θ(γ‖w‖² − μᵀw) is a QP whose volatility rises monotonically with θ ≥ 0, and the
   * constraint is active at the θ where vol(w(θ)) = σ, found by bracketing and Brent's method to machine
   * precision (θ = 0 is the minimum-volatility portfolio). If even the unconstrained-by-risk optimum is below σ
   * (possible with γ > 0), that optimum is returned, as cvxpy would.
   */
  efficientRisk(targetVolatility: number, opts: { marketNeutral?: boolean; riskFreeRate?: number } = {}): OptimisationResult {
    const mu = this.requireMu();
    const rf = opts.riskFreeRate ?? 0.02;
    if (!(targetVolatility >= 0) || !Number.isFinite(targetVolatility)) {
      throw new PortfolioError('invalid_input', 'target volatility should be a positive number', { field: 'target' });
    }
    const gmv = Math.sqrt(1 / pinvSum(this.cov));
    if (targetVolatility < gmv) {
      throw new PortfolioError('infeasible', `the minimum volatility is ${gmv.toFixed(3)}: please use a higher target volatility`, {
        field: 'target',
      });
    }
    const marketNeutral = opts.marketNeutral ?? false;
    const [lower, upper] = this.neutralBounds(marketNeutral);
    const rows = this.withBounds(lower, upper);
    const eq = this.budget(marketNeutral);
    const n = this.n;
    const solveAt = (theta: number): Float64Array => {
      const H = this.hessian(1, theta);
      return this.solve(H, Float64Array.from(mu, (v) => -theta * v), eq, rows).x;
    };
    const vol = (w: Float64Array): number => Math.sqrt(quadForm(this.cov, w));
    const res0 = this.solve(this.hessian(1, 0), new Float64Array(n), eq, rows);
    const w0 = res0.x;
    const v0 = vol(w0);
    if (v0 > targetVolatility * (1 + 1e-12)) {
      throw new PortfolioError('infeasible', `no portfolio within the constraints has volatility ≤ ${targetVolatility} (minimum ${v0.toFixed(6)})`, {
        field: 'target',
      });
    }
    if (this.gamma > 0) {
      // Risk-unconstrained optimum of μᵀw − γ‖w‖²: if it already satisfies the risk limit, it is the answer.
      const H = { n, data: new Float64Array(n * n) };
      for (let i = 0; i < n; i++) H.data[i * n + i] = 2 * this.gamma;
      const wf = this.solve(H, Float64Array.from(mu, (v) => -v), eq, rows).x;
      if (vol(wf) <= targetVolatility) return this.result(wf, rf);
    }
    if (this.gamma === 0) {
      // Parametric steps: with γ = 0 the Hessian does not depend on θ, so on a fixed active set the solution is
      // affine in θ, w(θ) = w₀ + θd, and vol(θ)² is a quadratic with an exact root. Jump to the root predicted by
      // the active set at the low end of the bracket (or else at the high end, or else bisect / expand), confirm
      // with a full QP, and shrink the bracket — a safeguarded homotopy that usually ends in a few QP solves.
      const H = this.hessian(1, 0);
      const zero = new Float64Array(n);
      const negMu = Float64Array.from(mu, (v) => -v);
      const qpAt = (t: number) => this.solve(H, Float64Array.from(mu, (v) => -t * v), eq, rows);
      const rootOn = (active: number[]): number => {
        const x0 = solveOnActiveSet({ H, c: zero, equalities: eq, inequalities: rows }, active);
        const x1 = solveOnActiveSet({ H, c: negMu, equalities: eq, inequalities: rows }, active);
        if (!x0 || !x1) return NaN;
        const dir = Float64Array.from(x1, (v, i) => v - x0[i]!);
        const Sd = matVec(this.cov, dir);
        const A = quadForm(this.cov, x0);
        const B = dot(x0, Sd);
        const C = dot(dir, Sd);
        const disc = B * B - C * (A - targetVolatility ** 2);
        return C > 0 && disc >= 0 ? (-B + Math.sqrt(disc)) / C : NaN;
      };
      let lo = 0;
      let fLo = v0 - targetVolatility;
      let hi = Infinity;
      let fHi = NaN;
      let loActive = res0.activeInequalities;
      let hiActive: number[] | undefined;
      let last = w0;
      for (let iter = 0; iter < 60 && (hi === Infinity || hi - lo > 1e-15 * hi); iter++) {
        let next = rootOn(loActive);
        if (!(next > lo && next < hi) && hiActive) next = rootOn(hiActive);
        if (!(next > lo && next < hi)) next = hi === Infinity ? (lo === 0 ? 1 : lo * 4) : 0.5 * (lo + hi);
        if (next > 1e12) return this.result(last, rf); // the risk limit never binds: maximum return
        const res = qpAt(next);
        last = res.x;
        const f = vol(res.x) - targetVolatility;
        if (Math.abs(f) <= 1e-13 * targetVolatility) return this.result(res.x, rf);
        if (f < 0) {
          lo = next;
          fLo = f;
          loActive = res.activeInequalities;
        } else {
          hi = next;
          fHi = f;
          hiActive = res.activeInequalities;
        }
      }
      if (hi === Infinity) return this.result(last, rf);
      const theta = brent((t) => vol(solveAt(t)) - targetVolatility, lo, hi, fLo, fHi);
      return this.result(solveAt(theta), rf);
    }
    let lo = 0;
    let fLo = v0 - targetVolatility;
    let hi = 1;
    let wHi = solveAt(hi);
    let fHi = vol(wHi) - targetVolatility;
    while (fHi < 0) {
      lo = hi;
      fLo = fHi;
      hi *= 4;
      if (hi > 1e12) return this.result(wHi, rf); // the risk limit never binds
      wHi = solveAt(hi);
      fHi = vol(wHi) - targetVolatility;
    }
    const theta = brent((t) => vol(solveAt(t)) - targetVolatility, lo, hi, fLo, fHi);
    return this.result(solveAt(theta), rf);
  }

  /**
   * Samples the efficient frontier: `points` portfolios from the minimum-volatility portfolio to the
   * maximum-return end, equally spaced in target return (efficientReturn at each).
   */
  frontier(points = 20, opts: { riskFreeRate?: number } = {}): OptimisationResult[] {
    this.requireMu();
    if (!(points >= 2)) throw new PortfolioError('invalid_input', 'frontier needs at least 2 points', { field: 'points' });
    const minVol = this.minVolatility(opts);
    const rMin = minVol.performance.expectedReturn;
    const rMax = this.maxReturn();
    const out: OptimisationResult[] = [minVol];
    for (let k = 1; k < points; k++) {
      const target = rMin + ((rMax - rMin) * k) / (points - 1);
      out.push(this.efficientReturn(k === points - 1 ? target - 1e-12 * Math.abs(target) : target, opts));
    }
    return out;
  }
}

/** PyPortfolioOpt _map_bounds_to_constraints: a pair for all assets or one pair per asset; None → ∓1. */
export function mapBounds(
  bounds: [number | null, number | null] | Array<[number | null, number | null]>,
  n: number,
): { lower: Float64Array; upper: Float64Array } {
  const perAsset = Array.isArray(bounds[0]);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  if (perAsset) {
    const list = bounds as Array<[number | null, number | null]>;
    if (list.length !== n) throw new PortfolioError('invalid_input', `expected ${n} weight-bound pairs, got ${list.length}`, { field: 'bounds' });
    list.forEach(([l, u], i) => {
      lower[i] = l ?? -Infinity;
      upper[i] = u ?? Infinity;
    });
  } else {
    const [l, u] = bounds as [number | null, number | null];
    lower.fill(l ?? -1);
    upper.fill(u ?? 1);
  }
  if ([...lower, ...upper].some((v) => Number.isNaN(v))) throw new PortfolioError('invalid_input', 'weight bounds must be numbers', { field: 'bounds' });
  return { lower, upper };
}

/** Brent's root finder on [a, b] with f(a)·f(b) ≤ 0, to machine precision. */
export function brent(f: (x: number) => number, a: number, b: number, fa = f(a), fb = f(b), maxIter = 200): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 0; iter < maxIter; iter++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 1e-300;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = d;
      }
    } else {
      d = m;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return b;
}

/** Factory form of `new EfficientFrontier(mu, cov, options)`, e.g. `efficientFrontier(mu, S).efficientRisk(0.12)`. */
export function efficientFrontier(mu: ArrayLike<number> | undefined, cov: SquareMatrix, options: EfficientFrontierOptions = {}): EfficientFrontier {
  return new EfficientFrontier(mu, cov, options);
}
