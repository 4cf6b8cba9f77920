/**
 * Risk models (annualised covariance matrices), following PyPortfolioOpt 1.5's risk_models module exactly:
 * pairwise-complete sample covariance, semicovariance, exponentially-weighted covariance, Ledoit–Wolf
 * shrinkage (constant variance = scikit-learn's `ledoit_wolf`, single factor, constant correlation) and
 * Oracle Approximating Shrinkage (scikit-learn's `oas`), each passed through fix_nonpositive_semidefinite.
 */
import { PortfolioError } from './errors.ts';
import type { PriceFrame } from './frame.ts';
import { cholesky, symmetricEigen, type SquareMatrix } from './linalg.ts';
import { ewmMeanLast, nanMean, pairwiseCorr, pairwiseCov, returnsFromPrices } from './returns.ts';

/** Options shared by the risk models. */
export interface RiskModelOptions {
  /** Periods per year (252 for daily data). */
  frequency?: number;
  logReturns?: boolean;
  /** How to repair a matrix that is not positive semidefinite: 'spectral' (default) or 'diag'. */
  fixMethod?: 'spectral' | 'diag';
}

/** Result of the PSD repair: the matrix and whether it had to be changed. */
export interface FixedMatrix {
  matrix: SquareMatrix;
  fixed: boolean;
}

/** numpy-style PSD test: Cholesky of (M + 1e-16·I) succeeds. */
export function isPositiveSemidefinite(m: SquareMatrix): boolean {
  const data = Float64Array.from(m.data);
  for (let i = 0; i < m.n; i++) data[i * m.n + i] = data[i * m.n + i]! + 1e-16;
  return cholesky({ n: m.n, data }, 0) !== undefined;
}

/**
 * PyPortfolioOpt fix_nonpositive_semidefinite: if M is not PSD, clip negative eigenvalues to 0 ('spectral')
 * or add 1.1·|λ_min| to the diagonal ('diag').
 */
export function fixNonPositiveSemidefinite(m: SquareMatrix, method: 'spectral' | 'diag' = 'spectral'): FixedMatrix {
  if (m.data.some((v) => !Number.isFinite(v))) {
    throw new PortfolioError('invalid_input', 'the covariance matrix has missing values (an asset pair has fewer than 2 common returns)');
  }
  if (isPositiveSemidefinite(m)) return { matrix: m, fixed: false };
  const { values, vectors } = symmetricEigen(m);
  const n = m.n;
  const out = new Float64Array(n * n);
  if (method === 'diag') {
    const minEig = values[0]!;
    out.set(m.data);
    for (let i = 0; i < n; i++) out[i * n + i] = out[i * n + i]! - 1.1 * minEig;
  } else {
    const q = values.map((v) => (v > 0 ? v : 0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors.data[i * n + k]! * q[k]! * vectors.data[j * n + k]!;
        out[i * n + j] = s;
      }
    }
  }
  return { matrix: { n, data: out }, fixed: true };
}

function scaled(raw: Float64Array, n: number, frequency: number): SquareMatrix {
  return { n, data: Float64Array.from(raw, (v) => v * frequency) };
}

/** Pairwise-complete sample covariance of returns (ddof 1), not annualised. */
export function pairwiseCovMatrix(returns: PriceFrame): SquareMatrix {
  const n = returns.columns.length;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = pairwiseCov(returns.values[i]!, returns.values[j]!);
      data[i * n + j] = v;
      data[j * n + i] = v;
    }
  }
  return { n, data };
}

/** Pairwise-complete Pearson correlation matrix of returns. */
export function pairwiseCorrMatrix(returns: PriceFrame): SquareMatrix {
  const n = returns.columns.length;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = pairwiseCorr(returns.values[i]!, returns.values[j]!);
      data[i * n + j] = v;
      data[j * n + i] = v;
    }
  }
  return { n, data };
}

function checkCovFinite(cov: SquareMatrix, columns: string[]): void {
  const n = cov.n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(cov.data[i * n + j]!)) {
        const pair = i === j ? `"${columns[i]}"` : `"${columns[i]}" and "${columns[j]}"`;
        throw new PortfolioError('invalid_input', `too little data: ${pair} need at least 2 common returns for a covariance`, {
          field: columns[i]!,
        });
      }
    }
  }
}

/** Annualised pairwise-complete sample covariance from returns. */
export function sampleCovFromReturns(returns: PriceFrame, opts: RiskModelOptions = {}): FixedMatrix {
  const cov = pairwiseCovMatrix(returns);
  checkCovFinite(cov, returns.columns);
  return fixNonPositiveSemidefinite(scaled(cov.data, cov.n, opts.frequency ?? 252), opts.fixMethod);
}

/** Annualised sample covariance (PyPortfolioOpt sample_cov). */
export function sampleCov(prices: PriceFrame, opts: RiskModelOptions = {}): FixedMatrix {
  return sampleCovFromReturns(returnsFromPrices(prices, opts.logReturns), opts);
}

/** Semicovariance E[min(r_i − B, 0)·min(r_j − B, 0)] × frequency; missing returns count as 0 (numpy fmin). */
export function semicovariance(prices: PriceFrame, opts: RiskModelOptions & { benchmark?: number } = {}): FixedMatrix {
  const benchmark = opts.benchmark ?? 0.000079;
  const returns = returnsFromPrices(prices, opts.logReturns);
  const T = returns.dates.length;
  if (T < 2) throw new PortfolioError('invalid_input', 'too little data: need at least 2 returns');
  const n = returns.columns.length;
  const drops = returns.values.map((col) =>
    Float64Array.from(col, (v) => (Number.isNaN(v) ? 0 : Math.min(v - benchmark, 0))),
  );
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const a = drops[i]!;
      const b = drops[j]!;
      for (let t = 0; t < T; t++) s += a[t]! * b[t]!;
      data[i * n + j] = data[j * n + i] = (s / T) * (opts.frequency ?? 252);
    }
  }
  return fixNonPositiveSemidefinite({ n, data }, opts.fixMethod);
}

/** Exponentially-weighted covariance: ewm(span) of (X − mean X)(Y − mean Y), last value, × frequency. */
export function expCov(prices: PriceFrame, opts: RiskModelOptions & { span?: number } = {}): FixedMatrix {
  const span = opts.span ?? 180;
  if (!(span >= 1)) throw new PortfolioError('invalid_input', `risk span must be ≥ 1, got ${span}`, { field: 'riskSpan' });
  const returns = returnsFromPrices(prices, opts.logReturns);
  const n = returns.columns.length;
  const T = returns.dates.length;
  const dev = returns.values.map((col) => {
    const m = nanMean(col);
    return Float64Array.from(col, (v) => v - m);
  });
  const data = new Float64Array(n * n);
  const cov = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const a = dev[i]!;
      const b = dev[j]!;
      for (let t = 0; t < T; t++) cov[t] = a[t]! * b[t]!;
      data[i * n + j] = data[j * n + i] = ewmMeanLast(cov, span) * (opts.frequency ?? 252);
    }
  }
  checkCovFinite({ n, data }, returns.columns);
  return fixNonPositiveSemidefinite({ n, data }, opts.fixMethod);
}

/** Shrinkage targets for Ledoit–Wolf. */
export type ShrinkageTarget = 'constant_variance' | 'single_factor' | 'constant_correlation';

/** A shrunk covariance and its shrinkage intensity δ. */
export interface ShrunkCovariance extends FixedMatrix {
  delta: number;
}

/** Returns (rows = dates) with NaN → 0, as numpy.nan_to_num, row-major T×n. */
function zeroFilled(returns: PriceFrame): { X: Float64Array; t: number; n: number } {
  const t = returns.dates.length;
  const n = returns.columns.length;
  const X = new Float64Array(t * n);
  for (let j = 0; j < n; j++) {
    const col = returns.values[j]!;
    for (let r = 0; r < t; r++) X[r * n + j] = Number.isNaN(col[r]!) ? 0 : col[r]!;
  }
  return { X, t, n };
}

/** Column-demeaned copy of a row-major T×n matrix. */
function demean(X: Float64Array, t: number, n: number): Float64Array {
  const Xm = Float64Array.from(X);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let r = 0; r < t; r++) s += X[r * n + j]!;
    const m = s / t;
    for (let r = 0; r < t; r++) Xm[r * n + j] = X[r * n + j]! - m;
  }
  return Xm;
}

/** AᵀB / div for row-major T×n A, B. */
function crossProd(A: Float64Array, B: Float64Array, t: number, n: number, div: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < t; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const a = A[o + i]!;
      if (a === 0) continue;
      const oi = i * n;
      for (let j = 0; j < n; j++) out[oi + j] = out[oi + j]! + a * B[o + j]!;
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = out[k]! / div;
  return out;
}

/** scikit-learn `ledoit_wolf(X)` (assume_centered=False): shrink the biased sample covariance towards μ·I. */
function sklearnLedoitWolf(X: Float64Array, t: number, n: number): { cov: Float64Array; shrinkage: number } {
  const Xc = demean(X, t, n);
  const emp = crossProd(Xc, Xc, t, n, t);
  if (n === 1) return { cov: emp, shrinkage: 0 };
  const X2 = Float64Array.from(Xc, (v) => v * v);
  const empTrace = new Float64Array(n);
  for (let r = 0; r < t; r++) for (let j = 0; j < n; j++) empTrace[j] = empTrace[j]! + X2[r * n + j]!;
  let mu = 0;
  for (let j = 0; j < n; j++) {
    empTrace[j] = empTrace[j]! / t;
    mu += empTrace[j]!;
  }
  mu /= n;
  const x2x2 = crossProd(X2, X2, t, n, 1);
  const xx = crossProd(Xc, Xc, t, n, 1);
  let beta_ = 0;
  let delta_ = 0;
  for (let k = 0; k < n * n; k++) {
    beta_ += x2x2[k]!;
    delta_ += xx[k]! * xx[k]!;
  }
  delta_ /= t * t;
  beta_ = (1 / (n * t)) * (beta_ / t - delta_);
  let traceSum = 0;
  for (let j = 0; j < n; j++) traceSum += empTrace[j]!;
  let delta = delta_ - 2 * mu * traceSum + n * mu * mu;
  delta /= n;
  const beta = Math.min(beta_, delta);
  const shrinkage = beta === 0 ? 0 : beta / delta;
  let muCov = 0;
  for (let j = 0; j < n; j++) muCov += emp[j * n + j]!;
  muCov /= n;
  const cov = Float64Array.from(emp, (v) => (1 - shrinkage) * v);
  for (let j = 0; j < n; j++) cov[j * n + j] = cov[j * n + j]! + shrinkage * muCov;
  return { cov, shrinkage };
}

/** scikit-learn `oas(X)`: Oracle Approximating Shrinkage towards μ·I. */
function sklearnOas(X: Float64Array, t: number, n: number): { cov: Float64Array; shrinkage: number } {
  const Xc = demean(X, t, n);
  const emp = crossProd(Xc, Xc, t, n, t);
  let mu = 0;
  for (let j = 0; j < n; j++) mu += emp[j * n + j]!;
  mu /= n;
  let alpha = 0;
  for (let k = 0; k < n * n; k++) alpha += emp[k]! * emp[k]!;
  alpha /= n * n;
  const num = alpha + mu * mu;
  const den = (t + 1) * (alpha - (mu * mu) / n);
  const shrinkage = den === 0 ? 1 : Math.min(num / den, 1);
  const cov = Float64Array.from(emp, (v) => (1 - shrinkage) * v);
  for (let j = 0; j < n; j++) cov[j * n + j] = cov[j * n + j]! + shrinkage * mu;
  return { cov, shrinkage };
}

/** Ledoit & Wolf (2001) single-index (market = mean of de-meaned returns) target, PyPortfolioOpt's port. */
function ledoitWolfSingleFactor(X: Float64Array, t: number, n: number): { cov: Float64Array; shrinkage: number } {
  const Xm = demean(X, t, n);
  const xmkt = new Float64Array(t);
  for (let r = 0; r < t; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Xm[r * n + j]!;
    xmkt[r] = s / n;
  }
  // Biased covariance of [Xm, xmkt] (np.cov(...)·(t−1)/t, both already ~zero mean but np.cov re-centres).
  const aug = new Float64Array(t * (n + 1));
  for (let r = 0; r < t; r++) {
    for (let j = 0; j < n; j++) aug[r * (n + 1) + j] = Xm[r * n + j]!;
    aug[r * (n + 1) + n] = xmkt[r]!;
  }
  const augC = demean(aug, t, n + 1);
  const full = crossProd(augC, augC, t, n + 1, t - 1);
  for (let k = 0; k < full.length; k++) full[k] = (full[k]! * (t - 1)) / t;
  const N1 = n + 1;
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) betas[i] = full[i * N1 + n]!;
  const varmkt = full[n * N1 + n]!;
  const sample = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sample[i * n + j] = full[i * N1 + j]!;
  const F = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = i === j ? sample[i * n + i]! : (betas[i]! * betas[j]!) / varmkt;
  let c = 0;
  for (let k = 0; k < n * n; k++) c += (sample[k]! - F[k]!) ** 2;
  const y = Float64Array.from(Xm, (v) => v * v);
  const yty = crossProd(y, y, t, n, 1);
  let p = 0;
  for (let k = 0; k < n * n; k++) p += yty[k]!;
  p /= t;
  let sampleSq = 0;
  for (let k = 0; k < n * n; k++) sampleSq += sample[k]! ** 2;
  p -= sampleSq;
  let y2 = 0;
  for (let k = 0; k < y.length; k++) y2 += y[k]! ** 2;
  let diagSq = 0;
  for (let i = 0; i < n; i++) diagSq += sample[i * n + i]! ** 2;
  const rdiag = y2 / t - diagSq;
  const zmat = new Float64Array(t * n);
  for (let r = 0; r < t; r++) for (let j = 0; j < n; j++) zmat[r * n + j] = Xm[r * n + j]! * xmkt[r]!;
  const ytz = crossProd(y, zmat, t, n, t);
  const ztz = crossProd(zmat, zmat, t, n, t);
  let roff1a = 0;
  let roff1b = 0;
  let roff3a = 0;
  let roff3b = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v1 = ytz[i * n + j]! - betas[i]! * sample[i * n + j]!;
      roff1a += v1 * betas[j]!;
      if (i === j) roff1b += v1 * betas[i]!;
      const v3 = ztz[i * n + j]! - varmkt * sample[i * n + j]!;
      roff3a += v3 * betas[i]! * betas[j]!;
      if (i === j) roff3b += v3 * betas[i]! ** 2;
    }
  }
  const roff1 = roff1a / varmkt - roff1b / varmkt;
  const roff3 = roff3a / varmkt ** 2 - roff3b / varmkt ** 2;
  const r = rdiag + (2 * roff1 - roff3);
  const k = (p - r) / c;
  const delta = Math.max(0, Math.min(1, k / t));
  const cov = new Float64Array(n * n);
  for (let q = 0; q < n * n; q++) cov[q] = delta * F[q]! + (1 - delta) * sample[q]!;
  return { cov, shrinkage: delta };
}

/** Ledoit & Wolf (2003) constant-correlation target, PyPortfolioOpt's port (S is the pairwise sample covariance). */
function ledoitWolfConstantCorrelation(
  X: Float64Array,
  t: number,
  n: number,
  S: Float64Array,
): { cov: Float64Array; shrinkage: number } {
  const v = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = S[i * n + i]!;
    sd[i] = Math.sqrt(v[i]!);
  }
  let corrSum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) corrSum += S[i * n + j]! / (sd[i]! * sd[j]!);
  const rBar = (corrSum - n) / (n * (n - 1));
  const F = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = i === j ? v[i]! : rBar * (sd[i]! * sd[j]!);
  const Xm = demean(X, t, n);
  const y = Float64Array.from(Xm, (q) => q * q);
  const yty = crossProd(y, y, t, n, 1);
  const xtx = crossProd(Xm, Xm, t, n, 1);
  const piMat = new Float64Array(n * n);
  let piHat = 0;
  for (let k = 0; k < n * n; k++) {
    piMat[k] = yty[k]! / t - (2 * xtx[k]! * S[k]!) / t + S[k]! ** 2;
    piHat += piMat[k]!;
  }
  const x3 = Float64Array.from(Xm, (q) => q * q * q);
  const term1 = crossProd(x3, Xm, t, n, t);
  let thetaSum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const help = xtx[i * n + j]! / t;
      const helpDiag = xtx[i * n + i]! / t;
      const theta = term1[i * n + j]! - helpDiag * S[i * n + j]! - help * v[i]! + v[i]! * S[i * n + j]!;
      thetaSum += (sd[j]! / sd[i]!) * theta;
    }
  }
  let piDiag = 0;
  for (let i = 0; i < n; i++) piDiag += piMat[i * n + i]!;
  const rhoHat = piDiag + rBar * thetaSum;
  let gammaHat = 0;
  for (let k = 0; k < n * n; k++) gammaHat += (S[k]! - F[k]!) ** 2;
  const kappa = (piHat - rhoHat) / gammaHat;
  const delta = Math.max(0, Math.min(1, kappa / t));
  const cov = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) cov[k] = delta * F[k]! + (1 - delta) * S[k]!;
  return { cov, shrinkage: delta };
}

/** Ledoit–Wolf shrinkage covariance (annualised) for the chosen target, PyPortfolioOpt CovarianceShrinkage.ledoit_wolf. */
export function ledoitWolf(prices: PriceFrame, opts: RiskModelOptions & { target?: ShrinkageTarget } = {}): ShrunkCovariance {
  const returns = returnsFromPrices(prices, opts.logReturns);
  if (returns.dates.length < 2) throw new PortfolioError('invalid_input', 'too little data: need at least 2 returns');
  const { X, t, n } = zeroFilled(returns);
  const target = opts.target ?? 'constant_variance';
  let res: { cov: Float64Array; shrinkage: number };
  if (target === 'constant_variance') res = sklearnLedoitWolf(X, t, n);
  else if (target === 'single_factor') res = ledoitWolfSingleFactor(X, t, n);
  else {
    const S = pairwiseCovMatrix(returns);
    checkCovFinite(S, returns.columns);
    res = ledoitWolfConstantCorrelation(X, t, n, S.data);
  }
  const fixed = fixNonPositiveSemidefinite(scaled(res.cov, n, opts.frequency ?? 252), 'spectral');
  return { ...fixed, delta: res.shrinkage };
}

/** Oracle Approximating Shrinkage covariance (annualised), PyPortfolioOpt CovarianceShrinkage.oracle_approximating. */
export function oracleApproximating(prices: PriceFrame, opts: RiskModelOptions = {}): ShrunkCovariance {
  const returns = returnsFromPrices(prices, opts.logReturns);
  if (returns.dates.length < 2) throw new PortfolioError('invalid_input', 'too little data: need at least 2 returns');
  const { X, t, n } = zeroFilled(returns);
  const res = sklearnOas(X, t, n);
  const fixed = fixNonPositiveSemidefinite(scaled(res.cov, n, opts.frequency ?? 252), 'spectral');
  return { ...fixed, delta: res.shrinkage };
}

/** Correlation matrix from a covariance matrix (PyPortfolioOpt cov_to_corr). */
export function covToCorr(cov: SquareMatrix): SquareMatrix {
  const n = cov.n;
  const inv = Float64Array.from({ length: n }, (_, i) => 1 / Math.sqrt(cov.data[i * n + i]!));
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = inv[i]! * cov.data[i * n + j]! * inv[j]!;
  return { n, data };
}
