/**
 * Black–Litterman posterior returns and covariance, as PyPortfolioOpt 1.5's black_litterman module:
 * market-implied prior Π = δΣw_mkt + r_f, market-implied risk aversion δ = (E[R_m] − r_f)/σ²_m, absolute or
 * relative views through (P, Q), Ω by He–Litterman (diag(τPΣPᵀ)) or Idzorek's confidences, and the posterior
 * E[R] = Π + τΣPᵀ(PτΣPᵀ + Ω)⁻¹(Q − PΠ), Σ_post = Σ + τΣ − τΣPᵀ(PτΣPᵀ + Ω)⁻¹PτΣ.
 */
import { PortfolioError } from './errors.ts';
import { solveDense, type SquareMatrix } from './linalg.ts';
import { nanMean } from './returns.ts';

/** Π = δ Σ w_mkt + r_f with w_mkt = caps / Σcaps. */
export function marketImpliedPriorReturns(marketCaps: ArrayLike<number>, riskAversion: number, cov: SquareMatrix, riskFreeRate = 0.02): Float64Array {
  const n = cov.n;
  if (marketCaps.length !== n) throw new PortfolioError('invalid_input', 'market caps must have one entry per asset', { field: 'marketCaps' });
  let total = 0;
  for (let i = 0; i < n; i++) total += marketCaps[i]!;
  if (!(total > 0)) throw new PortfolioError('invalid_input', 'market caps must sum to a positive number', { field: 'marketCaps' });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov.data[i * n + j]! * (marketCaps[j]! / total);
    out[i] = riskAversion * s + riskFreeRate;
  }
  return out;
}

/** δ = (mean·f − r_f) / (var·f) of the market's simple returns (sample variance, ddof 1). */
export function marketImpliedRiskAversion(marketPrices: ArrayLike<number>, frequency = 252, riskFreeRate = 0.02): number {
  const rets: number[] = [];
  for (let t = 1; t < marketPrices.length; t++) {
    const r = marketPrices[t]! / marketPrices[t - 1]! - 1;
    if (Number.isFinite(r)) rets.push(r);
  }
  if (rets.length < 2) throw new PortfolioError('invalid_input', 'market prices: need at least 3 prices', { field: 'marketPrices' });
  const m = nanMean(Float64Array.from(rets));
  let v = 0;
  for (const r of rets) v += (r - m) ** 2;
  v /= rets.length - 1;
  return (m * frequency - riskFreeRate) / (v * frequency);
}

/** Black–Litterman inputs. Either `absoluteViews` (asset index → view) or `P` (K×N rows) with `Q` (K). */
export interface BlackLittermanOptions {
  /** Prior returns Π (N); defaults to zeros (PyPortfolioOpt warns "no prior"). */
  pi?: ArrayLike<number>;
  absoluteViews?: Map<number, number>;
  P?: number[][];
  Q?: number[];
  /** Ω as a K×K matrix, 'default' (He–Litterman) or 'idzorek' (needs viewConfidences). */
  omega?: number[][] | 'default' | 'idzorek';
  viewConfidences?: number[];
  tau?: number;
  riskAversion?: number;
}

/** A Black–Litterman model over a covariance matrix. */
export class BlackLittermanModel {
  readonly n: number;
  readonly cov: SquareMatrix;
  readonly pi: Float64Array;
  readonly P: number[][];
  readonly Q: number[];
  readonly omega: number[][];
  readonly tau: number;
  readonly riskAversion: number;

  constructor(cov: SquareMatrix, opts: BlackLittermanOptions) {
    this.n = cov.n;
    this.cov = cov;
    const n = this.n;
    if (opts.absoluteViews) {
      this.Q = [];
      this.P = [];
      for (const [idx, q] of opts.absoluteViews) {
        if (!(idx >= 0 && idx < n)) throw new PortfolioError('invalid_input', 'providing a view on an asset not in the universe', { field: 'views' });
        const row = new Array<number>(n).fill(0);
        row[idx] = 1;
        this.P.push(row);
        this.Q.push(q);
      }
    } else {
      if (!opts.Q) throw new PortfolioError('invalid_input', 'Q (views) must be given', { field: 'Q' });
      this.Q = [...opts.Q];
      this.P = opts.P ? opts.P.map((r) => [...r]) : this.Q.length === n ? [...Array(n).keys()].map((i) => [...Array(n).keys()].map((j) => (i === j ? 1 : 0))) : [];
      if (!opts.P && this.Q.length !== n) throw new PortfolioError('invalid_input', 'P must be given unless there is a view on every asset', { field: 'P' });
    }
    const K = this.Q.length;
    if (this.P.length !== K || this.P.some((r) => r.length !== n)) throw new PortfolioError('invalid_input', 'P must have dimensions K×N', { field: 'P' });
    this.riskAversion = opts.riskAversion ?? 1;
    if (!(this.riskAversion > 0)) throw new PortfolioError('invalid_input', 'risk aversion should be a positive number', { field: 'riskAversion' });
    this.tau = opts.tau ?? 0.05;
    if (!(this.tau > 0 && this.tau <= 1)) throw new PortfolioError('invalid_input', 'tau should be between 0 and 1', { field: 'tau' });
    this.pi = opts.pi ? Float64Array.from(opts.pi) : new Float64Array(n);
    if (this.pi.length !== n) throw new PortfolioError('invalid_input', 'pi must have one entry per asset', { field: 'pi' });
    const om = opts.omega ?? 'default';
    if (om === 'default') {
      this.omega = this.P.map((row, k) => this.P.map((_, l) => (k === l ? this.tau * this.viewVariance(row) : 0)));
    } else if (om === 'idzorek') {
      const conf = opts.viewConfidences;
      if (!conf || conf.length !== K) {
        throw new PortfolioError('invalid_input', "Idzorek's method needs one confidence (0–1) per view", { field: 'viewConfidences' });
      }
      this.omega = this.P.map((row, k) => {
        const c = conf[k]!;
        if (!(c >= 0 && c <= 1)) throw new PortfolioError('invalid_input', 'view confidences must be between 0 and 1', { field: 'viewConfidences' });
        // Closed form of Walters (2014), formulas (41), (44); zero confidence → very large uncertainty.
        const diag = c === 0 ? 1e6 : this.tau * ((1 - c) / c) * this.viewVariance(row);
        return this.P.map((_, l) => (k === l ? diag : 0));
      });
    } else {
      if (om.length !== K || om.some((r) => r.length !== K)) throw new PortfolioError('invalid_input', 'omega must have dimensions K×K', { field: 'omega' });
      this.omega = om.map((r) => [...r]);
    }
  }

  /** p Σ pᵀ for a view row. */
  private viewVariance(p: number[]): number {
    const n = this.n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (p[i] === 0) continue;
      for (let j = 0; j < n; j++) v += p[i]! * this.cov.data[i * n + j]! * p[j]!;
    }
    return v;
  }

  /** τΣPᵀ (N×K) and A = PτΣPᵀ + Ω (K×K). */
  private parts(): { tsp: number[][]; A: Float64Array } {
    const n = this.n;
    const K = this.Q.length;
    const tsp = [...Array(n).keys()].map((i) =>
      this.P.map((row) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += this.cov.data[i * n + j]! * row[j]!;
        return this.tau * s;
      }),
    );
    const A = new Float64Array(K * K);
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < K; l++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += this.P[k]![i]! * tsp[i]![l]!;
        A[k * K + l] = s + this.omega[k]![l]!;
      }
    }
    return { tsp, A };
  }

  /** Posterior expected returns. */
  blReturns(): Float64Array {
    const n = this.n;
    const K = this.Q.length;
    const { tsp, A } = this.parts();
    const b = Float64Array.from(this.Q, (q, k) => q - this.P[k]!.reduce((s, p, i) => s + p * this.pi[i]!, 0));
    const x = K ? solveDense(A, b, K) : new Float64Array(0);
    if (!x) throw new PortfolioError('singular', 'Black-Litterman: the views matrix PτΣPᵀ + Ω is singular');
    return Float64Array.from({ length: n }, (_, i) => this.pi[i]! + tsp[i]!.reduce((s, v, k) => s + v * x[k]!, 0));
  }

  /** Posterior covariance Σ + τΣ − τΣPᵀ A⁻¹ PτΣ (He & Litterman 2002). */
  blCov(): SquareMatrix {
    const n = this.n;
    const K = this.Q.length;
    const { tsp, A } = this.parts();
    const out = new Float64Array(n * n);
    // Solve A X = tspᵀ column by column (X is K×N).
    const X: Float64Array[] = [];
    for (let j = 0; j < n; j++) {
      const col = K ? solveDense(A, Float64Array.from(tsp[j]!), K) : new Float64Array(0);
      if (!col) throw new PortfolioError('singular', 'Black-Litterman: the views matrix PτΣPᵀ + Ω is singular');
      X.push(col);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let m = 0;
        for (let k = 0; k < K; k++) m += tsp[i]![k]! * X[j]![k]!;
        out[i * n + j] = this.cov.data[i * n + j]! + this.tau * this.cov.data[i * n + j]! - m;
      }
    }
    return { n, data: out };
  }

  /** Weights implied by the posterior returns: w ∝ (δΣ)⁻¹E[R], normalised to sum to 1. */
  blWeights(riskAversion = this.riskAversion): Float64Array {
    const n = this.n;
    const A = Float64Array.from(this.cov.data, (v) => riskAversion * v);
    const raw = solveDense(A, this.blReturns(), n);
    if (!raw) throw new PortfolioError('singular', 'Black-Litterman: the covariance matrix is singular');
    const s = raw.reduce((a, b) => a + b, 0);
    return Float64Array.from(raw, (v) => v / s);
  }
}
