/**
 * Greedy discrete allocation (PyPortfolioOpt 1.5 DiscreteAllocation.greedy_portfolio): buy the floor of each
 * target position, then repeatedly buy one share of the affordable asset whose weight falls furthest short.
 * Long/short portfolios are split into a long book and a short book (short_ratio = Σ|negative weights|).
 */
import { PortfolioError } from './errors.ts';

/** Shares per asset (zero positions omitted) and the cash left over. */
export interface Allocation {
  shares: Record<string, number>;
  leftover: number;
}

/** numpy.argmax semantics: first maximum; a NaN counts as the maximum (first NaN wins). */
function argmax(v: number[]): number {
  let best = 0;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i]!)) return i;
    if (v[i]! > v[best]!) best = i;
  }
  return best;
}

/**
 * Greedy integer share allocation of `totalValue` at `latestPrices` (same keys as `weights`).
 * `reinvest` adds the short proceeds to the long book, as PyPortfolioOpt.
 */
export function greedyAllocation(
  weights: Record<string, number>,
  latestPrices: Record<string, number>,
  totalValue = 10000,
  options: { shortRatio?: number; reinvest?: boolean } = {},
): Allocation {
  const entries = Object.entries(weights);
  if (entries.some(([, w]) => !Number.isFinite(w))) throw new PortfolioError('invalid_input', 'weights should have no NaNs');
  for (const [t] of entries) {
    const p = latestPrices[t];
    if (p === undefined || !(p > 0)) throw new PortfolioError('invalid_input', `no valid latest price for "${t}"`, { field: t });
  }
  if (!(totalValue > 0)) throw new PortfolioError('invalid_input', 'total value must be greater than zero', { field: 'totalValue' });
  if (options.shortRatio !== undefined && options.shortRatio < 0) throw new PortfolioError('invalid_input', 'short ratio must be positive', { field: 'shortRatio' });
  // Stable sort, descending by weight (Python's list.sort(reverse=True) keeps ties in order).
  const sorted = entries.map((e, i) => [e, i] as const).sort((a, b) => b[0][1] - a[0][1] || a[1] - b[1]).map(([e]) => e);
  if (sorted.length && sorted[sorted.length - 1]![1] < 0) {
    const longs = Object.fromEntries(sorted.filter(([, w]) => w >= 0));
    const shorts = Object.fromEntries(sorted.filter(([, w]) => w < 0).map(([t, w]) => [t, -w]));
    const shortRatio = options.shortRatio ?? Object.values(shorts).reduce((a, b) => a + b, 0);
    const lt = Object.values(longs).reduce((a, b) => a + b, 0);
    const st = Object.values(shorts).reduce((a, b) => a + b, 0);
    const longW = Object.fromEntries(Object.entries(longs).map(([t, w]) => [t, w / lt]));
    const shortW = Object.fromEntries(Object.entries(shorts).map(([t, w]) => [t, w / st]));
    const shortVal = totalValue * shortRatio;
    const longVal = totalValue + (options.reinvest ? shortVal : 0);
    const la = Object.keys(longW).length ? greedyAllocation(longW, latestPrices, longVal) : { shares: {}, leftover: longVal };
    const sa = greedyAllocation(shortW, latestPrices, shortVal);
    const shares: Record<string, number> = { ...la.shares };
    for (const [t, s] of Object.entries(sa.shares)) shares[t] = -s;
    for (const t of Object.keys(shares)) if (shares[t] === 0) delete shares[t];
    return { shares, leftover: la.leftover + sa.leftover };
  }
  let available = totalValue;
  const bought: number[] = [];
  const prices: number[] = [];
  for (const [t, w] of sorted) {
    const price = latestPrices[t]!;
    const nShares = Math.trunc((w * totalValue) / price);
    available -= nShares * price;
    bought.push(nShares);
    prices.push(price);
  }
  const ideal = sorted.map(([, w]) => w);
  while (available > 0) {
    const cur = prices.map((p, i) => p * bought[i]!);
    const tot = cur.reduce((a, b) => a + b, 0);
    const deficit = ideal.map((w, i) => w - cur[i]! / tot);
    let idx = argmax(deficit);
    let price = prices[idx]!;
    let counter = 0;
    while (price > available) {
      deficit[idx] = 0;
      idx = argmax(deficit);
      if (deficit[idx]! < 0 || counter === 10) break;
      price = prices[idx]!;
      counter++;
    }
    if (deficit[idx]! <= 0 || counter === 10) break;
    bought[idx] = bought[idx]! + 1;
    available -= price;
  }
  const shares: Record<string, number> = {};
  sorted.forEach(([t], i) => {
    if (bought[i] !== 0) shares[t] = bought[i]!;
  });
  return { shares, leftover: available };
}
