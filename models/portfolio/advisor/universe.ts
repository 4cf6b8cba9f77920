/**
 * The advisor's asset-class universe: 14 non-redundant asset classes, each with an example US-listed ETF from the
 * `asset_prices` data set, its guardrail group and its approximate share of the global market portfolio.
 */

/** Guardrail groups: the suggestion limits each group's total weight per risk score (see suggest.ts). */
export type AssetGroup = 'equity' | 'defensive' | 'credit' | 'real_assets';

/** One asset class the advisor can hold. */
export interface AssetClassSpec {
  /** Stable id (snake_case), used in the API and in holdings. */
  id: string;
  /** Plain-language name shown to customers. */
  name: string;
  /** Example ETF whose price history the capital-market assumptions are estimated from. Not a recommendation. */
  ticker: string;
  group: AssetGroup;
  /**
   * Approximate weight in the global investable market portfolio (in percent; normalised when used). Used only for
   * the Black–Litterman equilibrium prior. Rounded figures in the spirit of Doeswijk, Lam & Swinkels (2019),
   * "Historical returns of the market portfolio" (Review of Asset Pricing Studies): roughly 55% equities
   * (US ≈ 60% of world equity), 40% bonds and cash, a few percent real assets; non-US bonds, absent from the data
   * set, are folded into their nearest US counterparts.
   */
  marketWeight: number;
  /**
   * Guardrail: the most the suggestion may hold (a fraction). Core building blocks (total US and international
   * developed stocks, T-bills, short and intermediate Treasuries) up to 35%; narrower or more volatile "satellite"
   * classes less (small caps, emerging markets, long Treasuries 15%; REITs, high yield 10%; gold, commodities 5%), so
   * that no class whose estimated return leans on one strong historical period can dominate.
   */
  maxWeight: number;
}

/** The universe, in display order (equity, defensive, credit, real assets). */
export const ADVISOR_UNIVERSE: readonly AssetClassSpec[] = [
  { id: 'us_total_market', name: 'US stocks (total market)', ticker: 'VTI', group: 'equity', marketWeight: 31, maxWeight: 0.35 },
  { id: 'us_small_cap', name: 'US small-cap stocks', ticker: 'IWM', group: 'equity', marketWeight: 3, maxWeight: 0.15 },
  { id: 'intl_developed', name: 'International developed-market stocks', ticker: 'EFA', group: 'equity', marketWeight: 14, maxWeight: 0.35 },
  { id: 'emerging_markets', name: 'Emerging-market stocks', ticker: 'EEM', group: 'equity', marketWeight: 5, maxWeight: 0.15 },
  { id: 'us_reits', name: 'US real estate (REITs)', ticker: 'VNQ', group: 'equity', marketWeight: 3, maxWeight: 0.1 },
  { id: 'cash', name: 'Cash (US Treasury bills)', ticker: 'BIL', group: 'defensive', marketWeight: 5, maxWeight: 0.35 },
  { id: 'treasury_short', name: 'Short-term US Treasuries (1–3 years)', ticker: 'SHY', group: 'defensive', marketWeight: 7, maxWeight: 0.35 },
  { id: 'treasury_intermediate', name: 'Intermediate US Treasuries (7–10 years)', ticker: 'IEF', group: 'defensive', marketWeight: 8, maxWeight: 0.35 },
  { id: 'treasury_long', name: 'Long-term US Treasuries (20+ years)', ticker: 'TLT', group: 'defensive', marketWeight: 5, maxWeight: 0.15 },
  { id: 'tips', name: 'Inflation-protected US Treasuries (TIPS)', ticker: 'TIP', group: 'defensive', marketWeight: 2, maxWeight: 0.2 },
  { id: 'ig_corporate', name: 'Investment-grade corporate bonds', ticker: 'LQD', group: 'defensive', marketWeight: 10, maxWeight: 0.25 },
  { id: 'high_yield', name: 'High-yield corporate bonds', ticker: 'HYG', group: 'credit', marketWeight: 3, maxWeight: 0.1 },
  { id: 'gold', name: 'Gold', ticker: 'GLD', group: 'real_assets', marketWeight: 3, maxWeight: 0.05 },
  { id: 'commodities', name: 'Broad commodities', ticker: 'DBC', group: 'real_assets', marketWeight: 1, maxWeight: 0.05 },
];

/**
 * The data set's other tickers: covered by the capital-market assumptions (for analysts) but left out of the advisor
 * universe because each largely duplicates a universe member (correlation ≥ 0.85 with it over 2007–2025).
 */
export const OTHER_TICKERS: ReadonlyArray<{ ticker: string; name: string; overlapsWith: string }> = [
  { ticker: 'SPY', name: 'US large-cap stocks (S&P 500)', overlapsWith: 'VTI' },
  { ticker: 'QQQ', name: 'US large-cap growth stocks (Nasdaq-100)', overlapsWith: 'VTI' },
  { ticker: 'MDY', name: 'US mid-cap stocks (S&P MidCap 400)', overlapsWith: 'VTI' },
  { ticker: 'IEV', name: 'European stocks (S&P Europe 350)', overlapsWith: 'EFA' },
  { ticker: 'EWJ', name: 'Japanese stocks (MSCI Japan)', overlapsWith: 'EFA' },
  { ticker: 'AGG', name: 'US aggregate investment-grade bonds', overlapsWith: 'IEF' },
  { ticker: 'IYR', name: 'US real estate (Dow Jones US Real Estate)', overlapsWith: 'VNQ' },
];

/** Plain-language group names. */
export const GROUP_NAMES: Record<AssetGroup, string> = {
  equity: 'stocks and REITs',
  defensive: 'bonds and cash',
  credit: 'high-yield bonds',
  real_assets: 'gold and commodities',
};

/** Finds a universe member by id, ticker or name (case-insensitive); undefined when unknown. */
export function findAssetClass(key: string): AssetClassSpec | undefined {
  const k = key.trim().toLowerCase();
  return ADVISOR_UNIVERSE.find((a) => a.id === k || a.ticker.toLowerCase() === k || a.name.toLowerCase() === k);
}
