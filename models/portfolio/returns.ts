/**
 * Returns and expected-return models, following PyPortfolioOpt 1.5's expected_returns module exactly:
 * simple returns without gap filling (pct_change(fill_method=None)), rows that are all-missing dropped,
 * each statistic on each asset's own available data, annualised by `frequency`.
 */
import { PortfolioError } from './errors.ts';
import type { PriceFrame } from './frame.ts';

/** Simple returns r_t = p_t / p_{t−1} − 1 (NaN if either price is missing); rows where every asset is NaN are dropped. */
export function returnsFromPrices(prices: PriceFrame, logReturns = false): PriceFrame {
  const nT = prices.dates.length;
  const cols = prices.values;
  const raw = cols.map((col) => {
    const r = new Float64Array(nT);
    r[0] = NaN;
    for (let t = 1; t < nT; t++) {
      const v = col[t]! / col[t - 1]! - 1;
      r[t] = logReturns ? Math.log(1 + v) : v;
    }
    return r;
  });
  const keep: number[] = [];
  for (let t = 0; t < nT; t++) if (raw.some((r) => !Number.isNaN(r[t]!))) keep.push(t);
  return {
    dates: keep.map((t) => prices.dates[t]!),
    columns: prices.columns,
    values: raw.map((r) => Float64Array.from(keep, (t) => r[t]!)),
  };
}

/** Non-NaN count of a series. */
export function countValid(x: Float64Array): number {
  let c = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) c++;
  return c;
}

/** Mean over non-NaN values (pandas skipna). */
export function nanMean(x: Float64Array): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      c++;
    }
  }
  return c === 0 ? NaN : s / c;
}

/** Geometric annualised return (1+r).prod()^(frequency/count) − 1 over non-NaN values. */
export function compoundedReturn(x: Float64Array, frequency: number): number {
  let p = 1;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isNaN(v)) {
      p *= 1 + v;
      c++;
    }
  }
  return c === 0 ? NaN : p ** (frequency / c) - 1;
}

/**
 * The last value of pandas `Series.ewm(span).mean()` with pandas defaults (adjust=True, ignore_na=False,
 * min_periods=0): a missing value still decays the weight of earlier observations. Ported from pandas'
 * window/aggregations.pyx `ewm`, including its "weighted != cur" guard for constant series.
 */
export function ewmMeanLast(x: Float64Array, span: number): number {
  const com = (span - 1) / 2;
  const alpha = 1 / (1 + com);
  const oldWtFactor = 1 - alpha;
  const newWt = 1;
  if (x.length === 0) return NaN;
  let weighted = x[0]!;
  let oldWt = 1;
  for (let i = 1; i < x.length; i++) {
    const cur = x[i]!;
    const isObs = !Number.isNaN(cur);
    if (!Number.isNaN(weighted)) {
      oldWt *= oldWtFactor;
      if (isObs) {
        if (weighted !== cur) {
          weighted = oldWt * weighted + newWt * cur;
          weighted /= oldWt + newWt;
        }
        oldWt += newWt;
      }
    } else if (isObs) {
      weighted = cur;
    }
  }
  return weighted;
}

/** Options shared by the return models. */
export interface ReturnModelOptions {
  /** Periods per year (252 for daily data). */
  frequency?: number;
  /** Geometric (true, default) or arithmetic mean. */
  compounding?: boolean;
  /** Use log returns (PyPortfolioOpt's log_returns). */
  logReturns?: boolean;
}

function requireData(returns: PriceFrame, minCount = 1): void {
  returns.values.forEach((col, i) => {
    if (countValid(col) < minCount) {
      throw new PortfolioError('invalid_input', `column "${returns.columns[i]}" has too little data (${countValid(col)} returns)`, {
        field: returns.columns[i]!,
      });
    }
  });
}

/** PyPortfolioOpt mean_historical_return on returns data. */
export function meanHistoricalReturnFromReturns(returns: PriceFrame, opts: ReturnModelOptions = {}): Float64Array {
  const frequency = opts.frequency ?? 252;
  requireData(returns);
  return Float64Array.from(returns.values, (col) =>
    opts.compounding === false ? nanMean(col) * frequency : compoundedReturn(col, frequency),
  );
}

/** Annualised mean historical return per asset (geometric by default). */
export function meanHistoricalReturn(prices: PriceFrame, opts: ReturnModelOptions = {}): Float64Array {
  return meanHistoricalReturnFromReturns(returnsFromPrices(prices, opts.logReturns), opts);
}

/** Annualised exponentially-weighted mean return (pandas ewm(span).mean() of the last row). */
export function emaHistoricalReturn(prices: PriceFrame, opts: ReturnModelOptions & { span?: number } = {}): Float64Array {
  const frequency = opts.frequency ?? 252;
  const span = opts.span ?? 500;
  if (!(span >= 1)) throw new PortfolioError('invalid_input', `span must be ≥ 1, got ${span}`, { field: 'span' });
  const returns = returnsFromPrices(prices, opts.logReturns);
  requireData(returns);
  return Float64Array.from(returns.values, (col) => {
    const e = ewmMeanLast(col, span);
    return opts.compounding === false ? e * frequency : (1 + e) ** frequency - 1;
  });
}

/** Normalises a date label so that price files with different date formats still align (ISO date when parseable). */
export function normaliseDate(d: string): string {
  const t = Date.parse(d);
  return Number.isNaN(t) ? d : new Date(t).toISOString().slice(0, 10);
}

/**
 * CAPM expected returns R_i = R_f + β_i (E[R_m] − R_f): β from the pairwise-complete sample covariance with the
 * market; the market is `marketPrices` (its first column, joined on date like pandas' left join) or, by
 * default, the equal-weighted mean of the assets' returns on each date.
 */
export function capmReturn(
  prices: PriceFrame,
  opts: ReturnModelOptions & { marketPrices?: PriceFrame; riskFreeRate?: number } = {},
): { mu: Float64Array; betas: Float64Array } {
  const frequency = opts.frequency ?? 252;
  const rf = opts.riskFreeRate ?? 0;
  const returns = returnsFromPrices(prices, opts.logReturns);
  requireData(returns, 2);
  const nT = returns.dates.length;
  let mkt: Float64Array;
  if (opts.marketPrices) {
    const mr = returnsFromPrices(opts.marketPrices, opts.logReturns);
    const byDate = new Map<string, number>();
    mr.dates.forEach((d, t) => byDate.set(normaliseDate(d), mr.values[0]![t]!));
    mkt = Float64Array.from(returns.dates, (d) => byDate.get(normaliseDate(d)) ?? NaN);
    if (countValid(mkt) < 2) {
      throw new PortfolioError('invalid_input', 'market prices do not overlap the asset prices (match dates)', { field: 'marketPrices' });
    }
  } else {
    mkt = new Float64Array(nT);
    for (let t = 0; t < nT; t++) {
      let s = 0;
      let c = 0;
      for (const col of returns.values) {
        const v = col[t]!;
        if (!Number.isNaN(v)) {
          s += v;
          c++;
        }
      }
      mkt[t] = c ? s / c : NaN;
    }
  }
  const varM = pairwiseCov(mkt, mkt);
  const betas = Float64Array.from(returns.values, (col) => pairwiseCov(col, mkt) / varM);
  const mktMean = opts.compounding === false ? nanMean(mkt) * frequency : compoundedReturn(mkt, frequency);
  return { mu: Float64Array.from(betas, (b) => rf + b * (mktMean - rf)), betas };
}

/**
 * Pairwise-complete sample covariance (ddof 1) of two series, by Welford's update exactly as pandas'
 * `nancorr(cov=True)`; NaN if fewer than 2 common observations.
 */
export function pairwiseCov(x: Float64Array, y: Float64Array): number {
  let nobs = 0;
  let meanx = 0;
  let meany = 0;
  let covxy = 0;
  for (let i = 0; i < x.length; i++) {
    const vx = x[i]!;
    const vy = y[i]!;
    if (Number.isNaN(vx) || Number.isNaN(vy)) continue;
    nobs++;
    const dx = vx - meanx;
    const dy = vy - meany;
    meanx += dx / nobs;
    meany += dy / nobs;
    covxy += (vx - meanx) * dy;
  }
  return nobs < 2 ? NaN : covxy / (nobs - 1);
}

/** Pairwise-complete Pearson correlation (pandas DataFrame.corr), Welford as in pandas' nancorr. */
export function pairwiseCorr(x: Float64Array, y: Float64Array): number {
  let nobs = 0;
  let meanx = 0;
  let meany = 0;
  let ssqdmx = 0;
  let ssqdmy = 0;
  let covxy = 0;
  for (let i = 0; i < x.length; i++) {
    const vx = x[i]!;
    const vy = y[i]!;
    if (Number.isNaN(vx) || Number.isNaN(vy)) continue;
    nobs++;
    const dx = vx - meanx;
    const dy = vy - meany;
    meanx += dx / nobs;
    meany += dy / nobs;
    ssqdmx += (vx - meanx) * dx;
    ssqdmy += (vy - meany) * dy;
    covxy += (vx - meanx) * dy;
  }
  const div = Math.sqrt(ssqdmx * ssqdmy);
  return nobs < 1 || div === 0 ? NaN : covxy / div;
}
