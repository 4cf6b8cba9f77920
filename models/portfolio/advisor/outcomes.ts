/**
 * Ranges of outcomes and rebalancing advice for a suggested portfolio: what the money might be worth after the
 * horizon (5th, 50th and 95th percentiles) and which holdings have drifted past their band.
 */

/** Percentiles of the portfolio value at the horizon. */
export interface OutcomeRange {
  p5: number;
  p50: number;
  p95: number;
}

// z-score of the 95th percentile of the standard normal distribution.
const Z95 = 1.6448536269514722;

/**
 * Value percentiles after `years`, assuming annual log-returns are normal and independent with the portfolio's
 * arithmetic mean `expectedReturn` and volatility (a log-normal model; the moments of the arithmetic return are
 * matched exactly: σ_log² = ln(1 + σ²/(1+μ)²), μ_log = ln(1+μ) − σ_log²/2). Real markets have fatter tails, so
 * the 5th percentile is an estimate, not a floor — callers must say so.
 */
export function outcomeRange(amount: number, expectedReturn: number, volatility: number, years: number): OutcomeRange {
  if (!(amount >= 0) || !(years >= 0) || !(volatility >= 0) || !(expectedReturn > -1)) {
    throw new RangeError('outcomeRange needs amount ≥ 0, years ≥ 0, volatility ≥ 0 and expectedReturn > -100%');
  }
  const logVar = Math.log(1 + (volatility * volatility) / ((1 + expectedReturn) * (1 + expectedReturn)));
  const logMean = Math.log(1 + expectedReturn) - logVar / 2;
  const centre = logMean * years;
  const spread = Math.sqrt(logVar * years);
  const at = (z: number) => amount * Math.exp(centre + z * spread);
  return { p5: at(-Z95), p50: at(0), p95: at(Z95) };
}

/** A current holding: a ticker (or asset class name) and its market value. */
export interface Holding {
  ticker: string;
  value: number;
}

export interface RebalanceTrade {
  ticker: string;
  action: 'buy' | 'sell';
  amount: number;
  currentWeight: number;
  targetWeight: number;
}

export interface RebalanceAdvice {
  /** True when any position is outside its drift band. */
  needed: boolean;
  /** Band in weight units (0.03 = 3 percentage points). */
  band: number;
  maxDrift: number;
  totalValue: number;
  trades: RebalanceTrade[];
  summary: string;
}

/**
 * Compares current holdings with target weights. A position outside `band` (absolute drift, 3 percentage points
 * by default, as Betterment's drift threshold) triggers a rebalance back to target; holdings not in the target are
 * sold. Trades are rounded to cents and net to zero up to rounding.
 */
export function rebalancingAdvice(holdings: Holding[], target: Array<{ ticker: string; weight: number }>, band = 0.03): RebalanceAdvice {
  const byTicker = new Map<string, number>();
  for (const h of holdings) {
    if (!(h.value >= 0) || !Number.isFinite(h.value)) throw new RangeError(`holding ${h.ticker} must have a non-negative value`);
    const key = h.ticker.trim().toUpperCase();
    byTicker.set(key, (byTicker.get(key) ?? 0) + h.value);
  }
  const totalValue = [...byTicker.values()].reduce((a, b) => a + b, 0);
  const targets = new Map(target.map((t) => [t.ticker.toUpperCase(), t.weight]));
  const tickers = new Set([...byTicker.keys(), ...targets.keys()]);
  const rows = [...tickers].map((ticker) => {
    const currentWeight = totalValue > 0 ? (byTicker.get(ticker) ?? 0) / totalValue : 0;
    const targetWeight = targets.get(ticker) ?? 0;
    return { ticker, currentWeight, targetWeight, drift: currentWeight - targetWeight };
  });
  const maxDrift = rows.reduce((m, r) => Math.max(m, Math.abs(r.drift)), 0);
  const needed = totalValue > 0 && maxDrift > band;
  const trades: RebalanceTrade[] = needed
    ? rows
        .filter((r) => Math.abs(r.drift) * totalValue >= 0.01)
        .map((r) => ({
          ticker: r.ticker,
          action: r.drift > 0 ? ('sell' as const) : ('buy' as const),
          amount: Math.round(Math.abs(r.drift) * totalValue * 100) / 100,
          currentWeight: r.currentWeight,
          targetWeight: r.targetWeight,
        }))
        .sort((a, b) => b.amount - a.amount)
    : [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}`;
  const summary = totalValue <= 0
    ? 'Your current holdings have no value, so there is nothing to rebalance yet.'
    : needed
      ? `Your largest position is ${pct(maxDrift)} percentage points away from its target, beyond the ${pct(band)}-point band, so rebalancing back to the target is suggested.`
      : `Every position is within ${pct(band)} percentage points of its target (largest drift ${pct(maxDrift)}), so no rebalancing is needed now.`;
  return { needed, band, maxDrift, totalValue, trades, summary };
}
