/**
 * Example funds by region (issue 12): the advisor's capital-market assumptions are per asset class (estimated on
 * US-listed ETF prices), so the fund named on each line only illustrates its asset class. A bank in the euro area or
 * the UK configures `MONETA_FUND_REGION` and its customers see well-known index ETFs listed where they can buy them
 * (UCITS funds on Xetra, or on the London Stock Exchange) instead of US tickers they usually cannot buy. The weights,
 * returns and risk do not change with the region. These are examples, never recommendations; a bank replaces them
 * with its own shelf.
 */
import type { PortfolioSuggestion } from '../../../models/portfolio/advisor/suggest.ts';

/** Regions with example funds. */
export const FUND_REGIONS = ['us', 'eu', 'uk'] as const;
/** Where the example funds are listed. */
export type FundRegion = (typeof FUND_REGIONS)[number];

/** One example fund: its exchange ticker and name. */
export interface ExampleFund {
  ticker: string;
  name: string;
}

/** How a region is named in "examples of <label>-listed funds", and where its tickers trade. */
export const REGION_LABELS: Readonly<Record<FundRegion, { label: string; exchange: string }>> = {
  us: { label: 'US', exchange: 'NYSE Arca / Nasdaq' },
  eu: { label: 'EU', exchange: 'Xetra (Frankfurt)' },
  uk: { label: 'UK', exchange: 'London Stock Exchange' },
};

/**
 * Example funds per asset class (ids as in models/portfolio/advisor/universe.ts). `us` is the universe the estimates
 * come from. `eu` and `uk` are UCITS index funds tracking the same or the nearest exposure (Europe-only for developed
 * markets outside the US; the region's own money market for cash, since a saver's cash is in their own currency).
 */
export const EXAMPLE_FUNDS: Readonly<Record<Exclude<FundRegion, 'us'>, Readonly<Record<string, ExampleFund>>>> = {
  eu: {
    us_total_market: { ticker: 'SXR8', name: 'iShares Core S&P 500 UCITS ETF' },
    us_small_cap: { ticker: 'ZPRR', name: 'SPDR Russell 2000 US Small Cap UCITS ETF' },
    intl_developed: { ticker: 'EUNK', name: 'iShares Core MSCI Europe UCITS ETF' },
    emerging_markets: { ticker: 'IS3N', name: 'iShares Core MSCI EM IMI UCITS ETF' },
    us_reits: { ticker: 'IQQ7', name: 'iShares US Property Yield UCITS ETF' },
    cash: { ticker: 'XEON', name: 'Xtrackers II EUR Overnight Rate Swap UCITS ETF' },
    treasury_short: { ticker: 'D5BE', name: 'Xtrackers II US Treasuries 1-3 UCITS ETF' },
    treasury_intermediate: { ticker: 'SXRM', name: 'iShares $ Treasury Bond 7-10yr UCITS ETF' },
    treasury_long: { ticker: 'IS04', name: 'iShares $ Treasury Bond 20+yr UCITS ETF' },
    tips: { ticker: 'IUST', name: 'iShares $ TIPS UCITS ETF' },
    ig_corporate: { ticker: 'IBCD', name: 'iShares $ Corp Bond UCITS ETF' },
    high_yield: { ticker: 'IHYU', name: 'iShares $ High Yield Corp Bond UCITS ETF' },
    gold: { ticker: '4GLD', name: 'Xetra-Gold' },
    commodities: { ticker: 'EXXY', name: 'iShares Diversified Commodity Swap UCITS ETF' },
  },
  uk: {
    us_total_market: { ticker: 'VUSA', name: 'Vanguard S&P 500 UCITS ETF' },
    us_small_cap: { ticker: 'R2US', name: 'SPDR Russell 2000 US Small Cap UCITS ETF' },
    intl_developed: { ticker: 'VEUR', name: 'Vanguard FTSE Developed Europe UCITS ETF' },
    emerging_markets: { ticker: 'EIMI', name: 'iShares Core MSCI EM IMI UCITS ETF' },
    us_reits: { ticker: 'IUSP', name: 'iShares US Property Yield UCITS ETF' },
    cash: { ticker: 'ERNS', name: 'iShares £ Ultrashort Bond UCITS ETF' },
    treasury_short: { ticker: 'IBTS', name: 'iShares $ Treasury Bond 1-3yr UCITS ETF' },
    treasury_intermediate: { ticker: 'IBTM', name: 'iShares $ Treasury Bond 7-10yr UCITS ETF' },
    treasury_long: { ticker: 'IDTL', name: 'iShares $ Treasury Bond 20+yr UCITS ETF' },
    tips: { ticker: 'ITPS', name: 'iShares $ TIPS UCITS ETF' },
    ig_corporate: { ticker: 'LQDE', name: 'iShares $ Corp Bond UCITS ETF' },
    high_yield: { ticker: 'IHYU', name: 'iShares $ High Yield Corp Bond UCITS ETF' },
    gold: { ticker: 'SGLN', name: 'iShares Physical Gold ETC' },
    commodities: { ticker: 'CMOD', name: 'Invesco Bloomberg Commodity UCITS ETF' },
  },
};

/** The sentence shown wherever tickers are shown (card and API: `universeNote`). */
export function universeNote(region: FundRegion): string {
  const { label } = REGION_LABELS[region];
  const source = region === 'us' ? 'the estimates come from their price history' : 'the estimates are for the asset class (from US-listed ETF prices), not for these funds';
  return `Funds are examples of ${label}-listed funds for each asset class, not a recommendation: ${source}. Your bank can tell you which funds it offers.`;
}

/** Extra fields of a suggestion with regional example funds. */
export interface RegionalFields {
  /** Where the allocation's example funds are listed. */
  fundRegion: FundRegion;
  universeNote: string;
}

/**
 * The suggestion with each line's ticker replaced by the region's example fund (the US ticker the estimates come
 * from stays on the line as `estimatedWith`, and rebalancing trades are renamed alike). Weights and figures are unchanged.
 */
export function withRegionalFunds<S extends PortfolioSuggestion>(s: S, region: FundRegion): S & RegionalFields {
  if (region === 'us') return { ...s, fundRegion: region, universeNote: universeNote(region) };
  const funds = EXAMPLE_FUNDS[region];
  const byUsTicker = new Map<string, ExampleFund>();
  const allocation = s.allocation.map((a) => {
    const fund = funds[a.assetClassId];
    if (!fund) return a;
    byUsTicker.set(a.ticker, fund);
    return { ...a, ticker: fund.ticker, fundName: fund.name, estimatedWith: a.ticker };
  });
  const rename = (ticker: string): string => byUsTicker.get(ticker)?.ticker ?? ticker;
  const maxPerAssetClass = Object.fromEntries(Object.entries(s.guardrails.maxPerAssetClass).map(([t, w]) => [rename(t), w]));
  const rebalancing = s.rebalancing && { ...s.rebalancing, trades: s.rebalancing.trades.map((t) => ({ ...t, ticker: rename(t.ticker) })) };
  return {
    ...s,
    allocation,
    guardrails: { ...s.guardrails, maxPerAssetClass },
    ...(rebalancing ? { rebalancing } : {}),
    fundRegion: region,
    universeNote: universeNote(region),
  };
}
