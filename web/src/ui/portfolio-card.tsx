/**
 * The portfolio result card (issue 12), phone first: the headline, the mix in at most five asset groups (donut and
 * legend side by side, funds behind a drill-down that doubles as the chart's table), the outcome range as a fan chart
 * over the years with money in its currency, the efficient frontier with axis titles, what to do next, a short
 * disclaimer, and the reasoning and model details behind "How this was calculated".
 */
import { useRef } from 'preact/hooks';
import type { PortfolioPayload } from '../../../server/contracts/chat-protocol.ts';
import { DonutChart, FanChart, FrontierChart, PALETTE_SIZE, pct, type FanPoint, type FrontierPoint } from './charts.tsx';
import { versionLabel } from './credit-card.tsx';
import { MarkdownView } from './markdown-view.tsx';
import { NextSteps, readNextSteps } from './next-steps.tsx';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

interface Holding {
  assetClass: string;
  ticker: string;
  weight: number;
}
interface Group {
  name: string;
  weight: number;
  holdings: Holding[];
}

const asHolding = (a: unknown): Holding | undefined =>
  isObj(a) && isNum(a.weight) && a.weight > 0
    ? { assetClass: isStr(a.assetClass) ? a.assetClass : '?', ticker: isStr(a.ticker) ? a.ticker : '', weight: a.weight }
    : undefined;

/** The server's asset groups, or (an older server) one group per asset class. */
function readGroups(p: PortfolioPayload): Group[] {
  if (Array.isArray(p.displayGroups)) {
    const groups = p.displayGroups
      .filter((g): g is Record<string, unknown> => isObj(g) && isStr(g.name) && isNum(g.weight) && g.weight > 0)
      .map((g) => ({
        name: g.name as string,
        weight: g.weight as number,
        holdings: (Array.isArray(g.holdings) ? g.holdings : []).map(asHolding).filter((h): h is Holding => !!h),
      }));
    if (groups.length > 0) return groups.sort((a, b) => b.weight - a.weight);
  }
  return (Array.isArray(p.allocation) ? p.allocation : [])
    .map(asHolding)
    .filter((h): h is Holding => !!h)
    .sort((a, b) => b.weight - a.weight)
    .map((h) => ({ name: h.assetClass, weight: h.weight, holdings: [h] }));
}

const asFrontierPoint = (v: unknown): FrontierPoint | undefined =>
  isObj(v) && isNum(v.volatility) && isNum(v.expectedReturn) ? { volatility: v.volatility, expectedReturn: v.expectedReturn } : undefined;

/** Money formatter for the payload's currency (plain numbers without one). */
function moneyFormat(currency: string | undefined, compact = false): (v: number) => string {
  const f = new Intl.NumberFormat('en-GB', {
    maximumFractionDigits: compact ? 1 : 0,
    ...(compact ? { notation: 'compact' as const } : {}),
    ...(currency ? { style: 'currency' as const, currency } : {}),
  });
  return (v) => f.format(v);
}

/** The card. Tolerates partial payloads: whatever is missing is simply not shown. */
export function PortfolioCard(props: { p: PortfolioPayload }) {
  const { p } = props;
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const groups = readGroups(p);
  const amount = isNum(p.amount) ? p.amount : undefined;
  const horizon = isNum(p.horizonYears) ? p.horizonYears : undefined;
  const currency = isStr(p.currency) && /^[A-Z]{3}$/.test(p.currency) ? p.currency : undefined;
  const money = moneyFormat(currency);
  const compact = moneyFormat(currency, true);
  const outcomes = isObj(p.outcomes) && isNum(p.outcomes.p5) && isNum(p.outcomes.p50) && isNum(p.outcomes.p95) ? p.outcomes : undefined;
  // With an amount the outcomes are values in money; without one they are the value of 1 invested (a growth factor).
  const fmtOutcome = (v: number) => (amount !== undefined ? money(v) : `${v >= 1 ? '+' : ''}${pct(v - 1, 0)}`);
  let path: FanPoint[] = (Array.isArray(p.outcomePath) ? p.outcomePath : []).filter(
    (o): o is FanPoint => isObj(o) && isNum(o.year) && isNum(o.p5) && isNum(o.p50) && isNum(o.p95),
  );
  if (path.length < 2 && outcomes && amount !== undefined && horizon !== undefined) {
    path = [{ year: 0, p5: amount, p50: amount, p95: amount }, { year: horizon, ...outcomes }];
  }
  const frontier = Array.isArray(p.frontier) ? p.frontier.map(asFrontierPoint).filter((x): x is FrontierPoint => !!x) : [];
  const chosen =
    asFrontierPoint(p.chosen) ??
    (isNum(p.volatility) && isNum(p.expectedReturn) && frontier.length > 0 ? { volatility: p.volatility, expectedReturn: p.expectedReturn } : undefined);
  const groupText = groups.map((g) => `${pct(g.weight, 0)} ${g.name}`).join(', ');
  const details = Array.isArray(p.details) ? p.details.filter(isStr) : [];
  const headline =
    isStr(p.headline) && p.headline
      ? p.headline
      : `Suggested portfolio${isNum(p.riskScore) ? `, risk score ${p.riskScore} of 10${isStr(p.riskLabel) && p.riskLabel ? ` (${p.riskLabel})` : ''}` : ''}`;
  const showFunds = groups.some((g) => g.holdings.length > 1 || g.holdings[0]?.assetClass !== g.name || g.holdings[0]?.ticker);
  return (
    <section class="card portfolio-card" aria-label="Suggested portfolio">
      <h3 class="headline">{headline}</h3>
      {groups.length > 0 ? (
        <div class="allocation">
          <DonutChart size={112} weights={groups.map((g) => g.weight)} label={`Allocation donut: ${groupText}`} />
          <ul class="legend" aria-label="Allocation">
            {groups.map((g, i) => (
              <li key={`${g.name}-${i}`}>
                <span class={`swatch moneta-sw${i % PALETTE_SIZE}`} aria-hidden="true" />
                <span class="legend-name">{g.name}</span>
                <span class="legend-weight">{pct(g.weight, 0)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {showFunds ? (
        <details class="drill">
          <summary>See the funds in each group</summary>
          <table class="funds">
            <caption class="sr-only">Funds in each asset group, with their share</caption>
            <thead>
              <tr><th scope="col">Fund</th><th scope="col">Example</th><th scope="col">Share</th></tr>
            </thead>
            {groups.map((g) => (
              <tbody key={g.name}>
                <tr class="group-row"><th scope="rowgroup" colSpan={3}>{g.name} · {pct(g.weight, 0)}</th></tr>
                {g.holdings.map((h) => (
                  <tr key={`${h.ticker}-${h.assetClass}`}>
                    <td>{h.assetClass}</td>
                    <td>{h.ticker}</td>
                    <td class="num">{pct(h.weight, 0)}</td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
          {isStr(p.universeNote) ? <p class="universe-note">{p.universeNote}</p> : null}
        </details>
      ) : null}
      <dl class="stats">
        {isNum(p.expectedReturn) ? (
          <div><dt>Expected return</dt><dd>{pct(p.expectedReturn)} a year</dd></div>
        ) : null}
        {isNum(p.volatility) ? (
          <div><dt>Volatility</dt><dd>{pct(p.volatility)} a year</dd></div>
        ) : null}
      </dl>
      {outcomes ? (
        <div class="outcomes">
          <p class="outcomes-title">
            Range of outcomes{horizon !== undefined ? ` after ${horizon} years` : ''}
            {amount !== undefined ? ` for ${p.amountAssumed === true ? 'an example ' : ''}${money(amount)}` : ''}
          </p>
          {amount !== undefined && path.length >= 2 ? (
            <FanChart
              points={path}
              format={compact}
              label={`Fan chart of the range of outcomes over ${horizon ?? path[path.length - 1]!.year} years: poor case ${money(outcomes.p5)}, typical ${money(outcomes.p50)}, good case ${money(outcomes.p95)}`}
            />
          ) : null}
          <dl class="outcome-range">
            <div class="o-low"><dt>Poor (5%)</dt><dd>{fmtOutcome(outcomes.p5)}</dd></div>
            <div class="o-mid"><dt>Typical (median)</dt><dd>{fmtOutcome(outcomes.p50)}</dd></div>
            <div class="o-high"><dt>Good (95%)</dt><dd>{fmtOutcome(outcomes.p95)}</dd></div>
          </dl>
        </div>
      ) : null}
      {frontier.length > 1 ? (
        <FrontierChart
          frontier={frontier}
          {...(chosen ? { chosen } : {})}
          label={`Efficient frontier chart${chosen ? `; suggested portfolio at ${pct(chosen.volatility)} volatility and ${pct(chosen.expectedReturn)} expected return` : ''}`}
        />
      ) : null}
      <NextSteps steps={readNextSteps(p.nextSteps)} details={detailsRef} />
      {isStr(p.shortDisclaimer) ? (
        <p class="short-disclaimer">{p.shortDisclaimer}</p>
      ) : isStr(p.disclaimer) ? (
        <p class="disclaimer">{p.disclaimer}</p>
      ) : null}
      <details class="how" ref={detailsRef}>
        <summary>How this was calculated</summary>
        {details.map((d, i) => <p key={i} class="detail">{d}</p>)}
        {isStr(p.rationale) && p.rationale ? <div class="rationale"><MarkdownView text={p.rationale} /></div> : null}
        {isStr(p.model) ? (
          <p class="meta">
            Model: {p.model} {isStr(p.modelVersion) ? versionLabel(p.modelVersion) : ''}
          </p>
        ) : null}
        {isStr(p.disclaimer) && isStr(p.shortDisclaimer) ? <p class="disclaimer">{p.disclaimer}</p> : null}
      </details>
    </section>
  );
}
