/**
 * The portfolio suggestion in the customer's terms (issue 12): a headline, the allocation in at most five asset groups
 * (each with its funds for drill-down), the outcome range year by year for a fan chart, next steps, and the technical
 * details for "How this was calculated". Sent as extra fields of the `portfolio` card (CONTRACTS §1: extra fields only)
 * and used for the concise chat text.
 */
import { outcomeRange } from '../../../models/portfolio/advisor/outcomes.ts';
import { formatMoney, inSentence, type PortfolioSuggestion } from '../../../models/portfolio/advisor/suggest.ts';
import type { QuickReply } from '../../contracts/chat-protocol.ts';
import { quickReply } from '../../response/render.ts';
import { REGION_LABELS, universeNote, type RegionalFields } from './fund-region.ts';

/** One asset group of the allocation, with its funds (the drill-down). */
export interface DisplayGroup {
  id: string;
  name: string;
  weight: number;
  holdings: Array<{ assetClass: string; ticker: string; weight: number }>;
}

/** The outcome range after `year` years (money, in the suggestion's currency). */
export interface OutcomePoint {
  year: number;
  p5: number;
  p50: number;
  p95: number;
}

/** Extra fields of the `portfolio` payload that the widget renders. */
export interface CustomerPortfolioView {
  headline: string;
  displayGroups: DisplayGroup[];
  outcomePath: OutcomePoint[];
  nextSteps: QuickReply[];
  details: string[];
  shortDisclaimer: string;
  /** Where the example funds come from, said wherever tickers are shown. */
  universeNote: string;
  currency: string;
}

/** The customer-facing asset groups (at most five), in display order; asset-class ids as in models/portfolio/advisor/universe.ts. */
const DISPLAY_GROUPS: ReadonlyArray<{ id: string; name: string; members: readonly string[] }> = [
  { id: 'stocks', name: 'Stocks', members: ['us_total_market', 'us_small_cap', 'intl_developed', 'emerging_markets'] },
  { id: 'bonds', name: 'Bonds', members: ['treasury_short', 'treasury_intermediate', 'treasury_long', 'tips', 'ig_corporate', 'high_yield'] },
  { id: 'cash', name: 'Cash', members: ['cash'] },
  { id: 'real_estate', name: 'Real estate', members: ['us_reits'] },
  { id: 'commodities', name: 'Gold and commodities', members: ['gold', 'commodities'] },
];

/** Short disclaimer always shown with the result (the full one is in `disclaimer`). */
export const SHORT_PORTFOLIO_DISCLAIMER = 'Educational information, not financial advice. You could get back less than you invest.';

const pct = (x: number, digits = 0): string => `${(100 * x).toFixed(digits)}%`;

/** Groups the allocation (unknown asset classes go to their own group, so nothing is lost). */
export function displayGroups(allocation: PortfolioSuggestion['allocation']): DisplayGroup[] {
  const groups = DISPLAY_GROUPS.map((g) => ({ id: g.id, name: g.name, weight: 0, holdings: [] as DisplayGroup['holdings'] }));
  for (const a of allocation) {
    if (!(a.weight > 0)) continue;
    const id = (a as { assetClassId?: string }).assetClassId ?? '';
    let group = groups[DISPLAY_GROUPS.findIndex((g) => g.members.includes(id))];
    if (!group) {
      group = { id, name: a.assetClass, weight: 0, holdings: [] };
      groups.push(group);
    }
    group.weight += a.weight;
    group.holdings.push({ assetClass: a.assetClass, ticker: a.ticker, weight: a.weight });
  }
  return groups
    .filter((g) => g.weight > 0)
    .map((g) => ({ ...g, weight: Math.round(g.weight * 10_000) / 10_000, holdings: g.holdings.sort((x, y) => y.weight - x.weight) }))
    .sort((a, b) => b.weight - a.weight);
}

/** The range year by year (at most ~12 points, always ending at the horizon). */
export function outcomePath(s: Pick<PortfolioSuggestion, 'amount' | 'expectedReturn' | 'volatility' | 'horizonYears'>): OutcomePoint[] {
  const last = Math.max(1, Math.round(s.horizonYears));
  const step = Math.max(1, Math.ceil(last / 12));
  const years = [0];
  for (let y = step; y < last; y += step) years.push(y);
  years.push(last);
  return years.map((year) => {
    const r = outcomeRange(s.amount, s.expectedReturn, s.volatility, year === last ? s.horizonYears : year);
    return { year: year === last ? s.horizonYears : year, p5: Math.round(r.p5), p50: Math.round(r.p50), p95: Math.round(r.p95) };
  });
}

/**
 * Builds the customer view of a suggestion.
 * @param answers the filled risk-profile questionnaire (for "Change amount or horizon", keeping the other answers)
 */
export function customerPortfolioView(s: PortfolioSuggestion, answers: Readonly<Record<string, unknown>> = {}): CustomerPortfolioView {
  const currency = s.currency ?? 'EUR';
  const groups = displayGroups(s.allocation);
  const mix = groups.slice(0, 2).map((g) => `${pct(g.weight)} ${g.name.toLowerCase()}`).join(', ');
  const kept = Object.fromEntries(Object.entries(answers).filter(([k, v]) => k !== 'amount' && k !== 'horizon_years' && typeof v === 'string'));
  const window = s.assumptions.dataWindow;
  return {
    headline: `${s.riskLabel.charAt(0).toUpperCase()}${s.riskLabel.slice(1)} mix, risk score ${s.riskScore} of 10: about ${mix}`,
    displayGroups: groups,
    outcomePath: outcomePath(s),
    nextSteps: [
      quickReply('Change amount or horizon', `/portfolio_advice${Object.keys(kept).length ? JSON.stringify(kept) : ''}`),
      quickReply("See how it's calculated", 'How is the portfolio suggestion calculated?'),
      quickReply('Talk to a person', '/human_handoff'),
      quickReply('Start again', '/portfolio_advice'),
    ],
    details: [
      `Expected return about ${pct(s.expectedReturn, 1)} a year, volatility about ${pct(s.volatility, 1)} a year (Sharpe ratio ${s.sharpeRatio.toFixed(2)}).`,
      `Method: the point on the efficient frontier of the fund universe that fits your risk score, from capital-market assumptions estimated on ${window.start.slice(0, 4)}–${window.end.slice(0, 4)} prices (Ledoit–Wolf covariance, Black–Litterman returns), with limits per asset class.`,
      `The range of outcomes assumes yearly returns that vary around the expected return with that volatility; 5 in 100 outcomes would be below the poor case and 5 in 100 above the good case.`,
      `Model: ${s.model}, version ${s.modelVersion}.`,
    ],
    shortDisclaimer: SHORT_PORTFOLIO_DISCLAIMER,
    universeNote: (s as Partial<RegionalFields>).universeNote ?? universeNote('us'),
    currency,
  };
}

/** The three largest lines' funds, labelled as examples of the region's listed funds. */
function fundsLine(s: PortfolioSuggestion): string {
  const region = (s as Partial<RegionalFields>).fundRegion ?? 'us';
  const top = [...s.allocation].filter((a) => a.weight > 0).sort((a, b) => b.weight - a.weight).slice(0, 3);
  return `Examples of ${REGION_LABELS[region].label}-listed funds (not a recommendation): ${top.map((a) => `${a.ticker} for ${inSentence(a.assetClass)}`).join(', ')}.`;
}

/** The concise chat text: headline, the range in money, the largest lines' example funds (labelled by region), next step, model version and short disclaimer. */
export function customerPortfolioText(view: CustomerPortfolioView, s: PortfolioSuggestion): string {
  const money = (v: number) => formatMoney(v, view.currency);
  const amount = s.amountAssumed ? `an example ${money(s.amount)}` : money(s.amount);
  return [
    `${view.headline}.`,
    `Over ${s.horizonYears} year${s.horizonYears === 1 ? '' : 's'}, ${amount} might grow to about ${money(s.outcomes.p50)} in a middle case (poor case ${money(s.outcomes.p5)}, good case ${money(s.outcomes.p95)}).`,
    fundsLine(s),
    'Next: change the amount or horizon, see how it is calculated, or talk to a person.',
    `Model ${s.model} ${s.modelVersion}. ${view.shortDisclaimer}`,
  ].join('\n');
}
