/**
 * Capital-market assumptions (CMA): expected returns and a covariance matrix for the asset-class ETFs, estimated
 * from monthly prices with a documented method (docs/portfolio-advisor.md), plus loading and validating the
 * committed `models/portfolio/cma.json`.
 *
 * Method, in short:
 * - window: the months in which every ETF has a price (2007-05 onward in the shipped data), a partial last month dropped;
 * - covariance: Ledoit–Wolf shrinkage of monthly simple returns towards the constant-correlation target (the
 *   optimiser library's `ledoitWolf`), annualised ×12. Constant correlation keeps each asset's own variance; the
 *   scikit-learn constant-variance target would pull T-bills' 0.5% volatility towards the ~13% average;
 * - expected returns: a Black–Litterman posterior. Prior: market-implied excess returns π = δΣw_mkt (He & Litterman
 *   1999) with approximate global market weights. Views: the historical mean excess returns over T-bills, James–Stein-
 *   shrunk towards their grand mean (cash excluded: its excess is 0 by definition), on every asset, with uncertainty Ω = Σ/Y (their sampling covariance over Y years). With P = I and prior
 *   covariance τΣ the posterior is exactly the blend μ = π + h(μ_JS − π), h = τY/(1 + τY); expected return =
 *   risk-free rate + that excess return.
 */
import { createHash } from 'node:crypto';
import { BlackLittermanModel, marketImpliedPriorReturns } from '../black-litterman.ts';
import { PortfolioError } from '../errors.ts';
import type { PriceFrame } from '../frame.ts';
import { matVec, solveDense, type SquareMatrix } from '../linalg.ts';
import { compoundedReturn, nanMean, returnsFromPrices } from '../returns.ts';
import { ledoitWolf, type ShrinkageTarget } from '../risk-models.ts';
import { ADVISOR_UNIVERSE, OTHER_TICKERS } from './universe.ts';

/** Parameters of the CMA build (all recorded in the output). */
export interface CmaParameters {
  /** Ticker used as cash / the risk-free asset for excess returns. */
  cashTicker: string;
  /** Long-run annual risk-free (cash) rate added back to excess returns. */
  riskFreeRate: number;
  /** Risk aversion δ of the equilibrium prior. */
  riskAversion: number;
  /** Black–Litterman τ: the uncertainty of the prior relative to Σ. */
  tau: number;
  /** Ledoit–Wolf shrinkage target. */
  shrinkageTarget: ShrinkageTarget;
  /** Market weights (percent or fractions; normalised) of the tickers in the equilibrium portfolio. */
  marketWeights: Record<string, number>;
}

/**
 * The defaults, with sources:
 * - riskFreeRate 3.0%: the FOMC's median longer-run federal funds rate in its 2025 Summary of Economic Projections;
 *   the build also records the trailing-12-month and window-average T-bill returns for comparison;
 * - riskAversion 2.5: He & Litterman (1999), "The intuition behind Black–Litterman model portfolios";
 * - tau 0.025: He & Litterman (1999) (Idzorek 2005 uses 0.025–0.05);
 * - constant-correlation target: Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix".
 */
export const DEFAULT_CMA_PARAMETERS: CmaParameters = {
  cashTicker: 'BIL',
  riskFreeRate: 0.03,
  riskAversion: 2.5,
  tau: 0.025,
  shrinkageTarget: 'constant_correlation',
  marketWeights: Object.fromEntries(ADVISOR_UNIVERSE.map((a) => [a.ticker, a.marketWeight])),
};

/** Per-asset assumptions and the numbers they were derived from (all annualised, decimals). */
export interface AssetAssumption {
  ticker: string;
  name: string;
  /** Advisor universe id, when the ticker is in the advisor universe. */
  assetClassId?: string;
  inUniverse: boolean;
  /** Normalised weight in the equilibrium (market) portfolio. */
  marketWeight: number;
  /** The assumption used by the advisor: risk-free rate + posterior excess return. */
  expectedReturn: number;
  /** √Σ_ii of the shrunk covariance. */
  volatility: number;
  /** Market-implied (equilibrium) excess return π_i. */
  equilibriumExcess: number;
  /** Historical arithmetic mean excess return over cash (×12). */
  historicalExcess: number;
  /** After James–Stein shrinkage. */
  shrunkHistoricalExcess: number;
  /** Posterior excess return (equilibrium blended with shrunk history). */
  posteriorExcess: number;
  /** Historical compound annual growth rate of the total return, for reference. */
  historicalCagr: number;
}

/** The committed CMA file (`models/portfolio/cma.json`). */
export interface CmaFile {
  name: string;
  /** `<last month of data>.<method revision>` */
  version: string;
  builtAt: string;
  /** sha256 of the numbers the advisor uses (tickers, expected returns, covariance), for the model version. */
  contentHash: string;
  provenance: {
    source: string;
    sha256: string;
    description: string;
    window: { start: string; end: string; returns: number; years: number; frequency: 'monthly' };
    droppedPartialMonth: string | null;
    command: string;
  };
  method: { covariance: string; expectedReturns: string; annualisation: string };
  parameters: CmaParameters;
  diagnostics: {
    ledoitWolfShrinkage: number;
    jamesSteinFactor: number;
    /** h = τY/(1 + τY): the weight of (shrunk) history in the expected returns. */
    historyWeight: number;
    marketExpectedReturn: number;
    marketVolatility: number;
    marketSharpe: number;
    /** Cash (T-bill ETF) total return over the last 12 months of the window. */
    cashReturnTrailing12m: number;
    /** Cash arithmetic mean return over the window (×12). */
    cashReturnWindowMean: number;
  };
  tickers: string[];
  assets: AssetAssumption[];
  /** Annualised covariance, rows and columns in `tickers` order. */
  covariance: number[][];
}

/** James–Stein (Efron–Morris, positive part) shrinkage of mean estimates towards their grand mean. */
export interface JamesSteinResult {
  means: Float64Array;
  /** Fraction of each deviation from the grand mean kept (1 = no shrinkage, 0 = all means equal). */
  factor: number;
  target: number;
}

/**
 * Shrinks `means` (per-period sample means from `periods` observations with per-period covariance `cov`) towards
 * their grand mean: μ_JS = m̄ + c(μ̂ − m̄), c = max(0, 1 − (N − 3)/(T·dᵀΣ⁻¹d)), d = μ̂ − m̄ (Efron & Morris 1973;
 * N − 3 because the target is estimated). Needs N ≥ 4 assets and a non-singular covariance.
 */
export function jamesSteinMeans(means: ArrayLike<number>, cov: SquareMatrix, periods: number): JamesSteinResult {
  const n = means.length;
  if (n !== cov.n) throw new PortfolioError('invalid_input', 'James–Stein: means and covariance differ in size');
  if (n < 4) throw new PortfolioError('invalid_input', 'James–Stein shrinkage needs at least 4 assets');
  if (!(periods > 0)) throw new PortfolioError('invalid_input', 'James–Stein: the number of periods must be positive');
  let target = 0;
  for (let i = 0; i < n; i++) target += means[i]!;
  target /= n;
  const d = Float64Array.from({ length: n }, (_, i) => means[i]! - target);
  const x = solveDense(cov.data, d, n);
  if (!x) throw new PortfolioError('singular', 'James–Stein: the covariance matrix is singular');
  let q = 0;
  for (let i = 0; i < n; i++) q += d[i]! * x[i]!;
  q *= periods;
  const factor = q > 0 ? Math.max(0, 1 - (n - 3) / q) : 0;
  return { means: Float64Array.from(d, (v) => target + factor * v), factor, target };
}

/** True when `date` (YYYY-MM-DD) is the last weekday of its month (a month-end row of a complete month). */
export function isLastWeekdayOfMonth(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return false;
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  while (last.getUTCDay() === 0 || last.getUTCDay() === 6) last.setUTCDate(last.getUTCDate() - 1);
  return last.getUTCDate() === d.getUTCDate();
}

/** Keeps the rows where every column has a price, from the first such row; drops a partial last month. */
export function commonWindow(prices: PriceFrame): { frame: PriceFrame; droppedPartialMonth: string | null } {
  const nT = prices.dates.length;
  let start = -1;
  for (let t = 0; t < nT; t++) {
    if (prices.values.every((col) => !Number.isNaN(col[t]!))) {
      start = t;
      break;
    }
  }
  if (start < 0) throw new PortfolioError('invalid_input', 'no month in which every asset has a price');
  let end = nT - 1;
  let dropped: string | null = null;
  // Holidays can make a complete month end before its last weekday; only the final row is ever dropped, so at worst
  // one complete month is lost, never a partial one used.
  if (!isLastWeekdayOfMonth(prices.dates[end]!)) {
    dropped = prices.dates[end]!;
    end -= 1;
  }
  for (let t = start; t <= end; t++) {
    const missing = prices.columns.filter((_, c) => Number.isNaN(prices.values[c]![t]!));
    if (missing.length) throw new PortfolioError('invalid_input', `${prices.dates[t]}: missing price for ${missing.join(', ')} inside the common window`);
  }
  if (end - start < 36) throw new PortfolioError('invalid_input', `too little common history: ${end - start} monthly returns (need at least 36)`);
  return {
    frame: { dates: prices.dates.slice(start, end + 1), columns: prices.columns, values: prices.values.map((c) => c.slice(start, end + 1)) },
    droppedPartialMonth: dropped,
  };
}

/** What the build step knows about the source file (the library never reads files itself). */
export interface CmaSource {
  /** Path relative to the data sets directory, e.g. `asset_prices/adj_close_monthly.csv`. */
  source: string;
  sha256: string;
  description: string;
  command: string;
}

const round = (x: number, digits = 10): number => Number(x.toPrecision(digits));
const nameOf = (ticker: string): string =>
  ADVISOR_UNIVERSE.find((a) => a.ticker === ticker)?.name ?? OTHER_TICKERS.find((o) => o.ticker === ticker)?.name ?? ticker;

/** Derives the CMA from month-end prices (all 21 ETFs). Deterministic: the same prices give the same numbers. */
export function buildCma(monthly: PriceFrame, source: CmaSource, params: CmaParameters = DEFAULT_CMA_PARAMETERS, now = new Date()): CmaFile {
  const cashIdx = monthly.columns.indexOf(params.cashTicker);
  if (cashIdx < 0) throw new PortfolioError('invalid_input', `cash ticker ${params.cashTicker} is not in the prices`, { field: params.cashTicker });
  for (const t of Object.keys(params.marketWeights)) {
    if (!monthly.columns.includes(t)) throw new PortfolioError('invalid_input', `market-weight ticker ${t} is not in the prices`, { field: t });
  }
  const { frame, droppedPartialMonth } = commonWindow(monthly);
  const returns = returnsFromPrices(frame);
  const T = returns.dates.length;
  const years = T / 12;
  const n = frame.columns.length;

  // Covariance: the optimiser library's Ledoit–Wolf on monthly prices, annualised with frequency 12.
  const lw = ledoitWolf(frame, { frequency: 12, target: params.shrinkageTarget });
  const cov = lw.matrix;

  // Historical excess returns over cash, per month.
  const cash = returns.values[cashIdx]!;
  const monthlyExcess = Float64Array.from(returns.values, (col) => nanMean(Float64Array.from(col, (r, t) => r - cash[t]!)));
  // James–Stein over the non-cash assets, with the covariance of their excess returns (cash's excess is 0 by
  // definition and has no variance, so it is not estimated): Σx_ij = Σ_ij − Σ_ic − Σ_cj + Σ_cc, per month.
  const risky = frame.columns.map((_, i) => i).filter((i) => i !== cashIdx);
  const m = risky.length;
  const c = cashIdx;
  const exCov = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const i = risky[a]!;
      const j = risky[b]!;
      exCov[a * m + b] = (cov.data[i * n + j]! - cov.data[i * n + c]! - cov.data[c * n + j]! + cov.data[c * n + c]!) / 12;
    }
  }
  const jsRisky = jamesSteinMeans(Float64Array.from(risky, (i) => monthlyExcess[i]!), { n: m, data: exCov }, T);
  const js = { factor: jsRisky.factor, means: new Float64Array(n) };
  risky.forEach((i, a) => (js.means[i] = jsRisky.means[a]!));

  // Equilibrium prior (the optimiser library's market_implied_prior_returns, in excess of the risk-free rate).
  const wMkt = Float64Array.from(frame.columns, (t) => params.marketWeights[t] ?? 0);
  const wSum = wMkt.reduce((a, b) => a + b, 0);
  if (!(wSum > 0)) throw new PortfolioError('invalid_input', 'market weights must have a positive sum');
  const pi = marketImpliedPriorReturns(wMkt, params.riskAversion, cov, 0);
  const wNorm = Float64Array.from(wMkt, (v) => v / wSum);

  // Black–Litterman posterior (the library's model) with views on every asset: P = I, Q = annualised shrunk history,
  // Ω = Σ/Y. Then τΣ(τΣ + Σ/Y)⁻¹ = h·I, so the posterior is the blend π + h(Q − π) with h = τY/(1 + τY).
  const h = (params.tau * years) / (1 + params.tau * years);
  const omega = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cov.data[i * n + j]! / years));
  const bl = new BlackLittermanModel(cov, { pi, Q: Array.from(js.means, (m) => 12 * m), omega, tau: params.tau, riskAversion: params.riskAversion });
  const posterior = bl.blReturns();
  const expected = Float64Array.from(posterior, (v) => params.riskFreeRate + v);

  const marketVar = wNorm.reduce((s, wi, i) => s + wi * matVec(cov, wNorm)[i]!, 0);
  const marketExcess = wNorm.reduce((s, wi, i) => s + wi * pi[i]!, 0);
  const last12 = frame.values[cashIdx]!;
  const cashTrailing = last12[last12.length - 1]! / last12[last12.length - 13]! - 1;

  const assets: AssetAssumption[] = frame.columns.map((ticker, i) => {
    const spec = ADVISOR_UNIVERSE.find((a) => a.ticker === ticker);
    return {
      ticker,
      name: nameOf(ticker),
      ...(spec ? { assetClassId: spec.id } : {}),
      inUniverse: !!spec,
      marketWeight: round(wNorm[i]!),
      expectedReturn: round(expected[i]!),
      volatility: round(Math.sqrt(cov.data[i * n + i]!)),
      equilibriumExcess: round(pi[i]!),
      historicalExcess: round(12 * monthlyExcess[i]!),
      shrunkHistoricalExcess: round(12 * js.means[i]!),
      posteriorExcess: round(posterior[i]!),
      historicalCagr: round(compoundedReturn(returns.values[i]!, 12)),
    };
  });
  const covariance = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => round(cov.data[i * n + j]!, 12)));
  const tickers = [...frame.columns];
  const marketVol = Math.sqrt(marketVar);
  return {
    name: 'moneta-cma',
    version: `${frame.dates.at(-1)!.slice(0, 7)}.1`,
    builtAt: now.toISOString(),
    contentHash: cmaContentHash(tickers, assets.map((a) => a.expectedReturn), covariance),
    provenance: {
      source: source.source,
      sha256: source.sha256,
      description: source.description,
      window: { start: frame.dates[0]!, end: frame.dates.at(-1)!, returns: T, years: round(years, 6), frequency: 'monthly' },
      droppedPartialMonth,
      command: source.command,
    },
    method: {
      covariance: `Ledoit–Wolf shrinkage (target: ${params.shrinkageTarget.replace('_', ' ')}) of the sample covariance of monthly simple returns over the common window, via the optimiser library's ledoitWolf; shrinkage intensity ${round(lw.delta, 4)}.`,
      expectedReturns:
        'Black–Litterman posterior: prior = market-implied excess returns π = δΣw_mkt; views = James–Stein-shrunk historical mean excess returns over cash on every asset with Ω = Σ/Y; ' +
        'posterior excess = π + h(view − π), h = τY/(1+τY); expected return = risk-free rate + posterior excess.',
      annualisation: 'Monthly means and covariances × 12 (arithmetic).',
    },
    parameters: params,
    diagnostics: {
      ledoitWolfShrinkage: round(lw.delta),
      jamesSteinFactor: round(js.factor),
      historyWeight: round(h),
      marketExpectedReturn: round(params.riskFreeRate + marketExcess),
      marketVolatility: round(marketVol),
      marketSharpe: round(marketExcess / marketVol),
      cashReturnTrailing12m: round(cashTrailing),
      cashReturnWindowMean: round(12 * nanMean(cash)),
    },
    tickers,
    assets,
    covariance,
  };
}

/** sha256 (hex) of the numbers the advisor uses, independent of formatting and build date. */
export function cmaContentHash(tickers: readonly string[], expectedReturns: readonly number[], covariance: readonly number[][]): string {
  return createHash('sha256').update(JSON.stringify({ tickers, expectedReturns, covariance })).digest('hex');
}

/** A loaded, checked CMA ready for optimisation. */
export interface CapitalMarketAssumptions {
  file: CmaFile;
  /** `name@version+hash8`, e.g. `moneta-cma@2025-08.1+1a2b3c4d`. */
  modelVersion: string;
  tickers: string[];
  expectedReturns: Float64Array;
  covariance: SquareMatrix;
  /** Sub-vector / sub-matrix for the given tickers, in that order. */
  subset(tickers: readonly string[]): { expectedReturns: Float64Array; covariance: SquareMatrix };
}

/** Validates a parsed cma.json: shapes, finiteness, symmetry, content hash. Throws PortfolioError naming the problem. */
export function loadCma(raw: unknown): CapitalMarketAssumptions {
  const bad = (msg: string): never => {
    throw new PortfolioError('invalid_input', `cma.json: ${msg}; rebuild it with \`npm run build:cma\``);
  };
  if (!raw || typeof raw !== 'object') bad('not a JSON object');
  const file = raw as CmaFile;
  if (!Array.isArray(file.tickers) || !Array.isArray(file.assets) || !Array.isArray(file.covariance)) bad('missing tickers, assets or covariance');
  const n = file.tickers.length;
  if (n === 0 || file.assets.length !== n || file.covariance.length !== n) bad('tickers, assets and covariance differ in size');
  const data = new Float64Array(n * n);
  file.covariance.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) bad(`covariance row ${i} has the wrong length`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`covariance[${i}][${j}] is not a finite number`);
      data[i * n + j] = v;
    });
  });
  for (let i = 0; i < n; i++) {
    if (!(data[i * n + i]! > 0)) bad(`variance of ${file.tickers[i]} is not positive`);
    for (let j = 0; j < i; j++) if (Math.abs(data[i * n + j]! - data[j * n + i]!) > 1e-12) bad('covariance is not symmetric');
  }
  const mu = Float64Array.from(file.assets, (a, i) => {
    if (a.ticker !== file.tickers[i]) bad(`assets[${i}] is ${a.ticker}, expected ${file.tickers[i]}`);
    if (typeof a.expectedReturn !== 'number' || !Number.isFinite(a.expectedReturn)) bad(`expected return of ${a.ticker} is not a number`);
    return a.expectedReturn;
  });
  const hash = cmaContentHash(file.tickers, Array.from(mu), file.covariance);
  if (hash !== file.contentHash) bad('content hash does not match its numbers (edited by hand?)');
  const covariance: SquareMatrix = { n, data };
  return {
    file,
    modelVersion: `${file.name}@${file.version}+${file.contentHash.slice(0, 8)}`,
    tickers: [...file.tickers],
    expectedReturns: mu,
    covariance,
    subset(tickers) {
      const idx = tickers.map((t) => {
        const i = file.tickers.indexOf(t);
        if (i < 0) bad(`ticker ${t} is missing`);
        return i;
      });
      const m = idx.length;
      const sub = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sub[a * m + b] = data[idx[a]! * n + idx[b]!]!;
      return { expectedReturns: Float64Array.from(idx, (i) => mu[i]!), covariance: { n: m, data: sub } };
    },
  };
}
