/**
 * Portfolio suggestion: a risk score (1–10) picks a point on the efficient frontier of the advisor universe, under
 * guardrails (minimum bonds and cash, maximum stocks per score, a cap per asset class, L2 diversification), and the
 * result is explained in plain language with an outcome range and, given holdings, rebalancing advice.
 *
 * Framework-free: takes loaded capital-market assumptions, returns plain data (the API and chat payload).
 */
import fs from 'node:fs';
import { EfficientFrontier, portfolioPerformance, type OptimisationResult } from '../efficient-frontier.ts';
import { PortfolioError } from '../errors.ts';
import type { SquareMatrix } from '../linalg.ts';
import { loadCma, type CapitalMarketAssumptions } from './cma.ts';
import { outcomeRange, rebalancingAdvice, type Holding, type OutcomeRange, type RebalanceAdvice } from './outcomes.ts';
import type { RiskProfile } from './risk-profile.ts';
import { ADVISOR_UNIVERSE, findAssetClass, GROUP_NAMES, type AssetClassSpec, type AssetGroup } from './universe.ts';

/** Name and version of the suggestion method (bump when guardrails or the score mapping change). */
export const ADVISOR_MODEL = 'moneta-advisor/1';

/** Amount used for the outcome range when none is given (documented in docs/portfolio-advisor.md). */
export const DEFAULT_AMOUNT = 10_000;
/** Horizon used for the outcome range when neither the request nor the answers give one. */
export const DEFAULT_HORIZON_YEARS = 10;

/** Short educational disclaimer carried by every suggestion. */
export const DISCLAIMER =
  'Educational information from a statistical model, not financial advice or a recommendation to buy any product. ' +
  'Past performance does not guarantee future results: the estimates come from historical data (2007–2025) and can be wrong, and you could get back less than you invest. ' +
  'The ETF tickers only illustrate each asset class. Consider your whole situation, taxes and costs, or speak to a qualified adviser, before investing.';

/** Guardrails and the score → risk mapping. */
export interface Guardrails {
  /** Minimum share of bonds and cash (the `defensive` group) for scores 1..10. */
  minDefensive: readonly number[];
  /** Maximum share of stocks and REITs (the `equity` group) for scores 1..10. */
  maxEquity: readonly number[];
  /** Maximum share of each other group. */
  maxGroup: Partial<Record<AssetGroup, number>>;
  /** L2 regularisation γ (objective −μᵀw + γ‖w‖², PyPortfolioOpt's L2_reg): spreads weights across classes. */
  gamma: number;
  /** At least this many asset classes must hold ≥ `holdingThreshold`; γ is doubled (up to 4 times) until they do. */
  minHoldings: number;
  holdingThreshold: number;
  /** Weights below this are removed (the problem is re-solved without them), so no position is too small to buy. */
  minWeight: number;
}

/**
 * The default guardrails. Scores 1..10 step the minimum of bonds and cash down from 80% to 0% and the maximum of
 * stocks up from 15% to 100%, similar in range to the stock shares of Betterment (0–100%) and Wealthfront (about
 * 10–90%). High yield (equity-like in crises) and gold + commodities are capped at 10% each.
 */
export const DEFAULT_GUARDRAILS: Guardrails = {
  minDefensive: [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0],
  maxEquity: [0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1],
  maxGroup: { credit: 0.1, real_assets: 0.1 },
  gamma: 0.05,
  minHoldings: 6,
  holdingThreshold: 0.02,
  minWeight: 0.01,
};

/** A point for the frontier chart. */
export interface FrontierPoint {
  volatility: number;
  expectedReturn: number;
}

/** One line of the allocation (CONTRACTS §6 fields first). */
export interface AllocationLine {
  assetClass: string;
  ticker: string;
  weight: number;
  assetClassId: string;
  group: AssetGroup;
}

/** The optimised portfolio for one risk score (independent of amount, horizon and holdings). */
export interface ScorePortfolio {
  riskScore: number;
  allocation: AllocationLine[];
  expectedReturn: number;
  volatility: number;
  sharpeRatio: number;
  /** Share of each guardrail group. */
  groups: Record<AssetGroup, number>;
  targetVolatility: number;
  /** The γ finally used (≥ the default when the holdings guardrail needed more spread). */
  gamma: number;
  minDefensive: number;
  maxEquity: number;
}

/** What a suggestion needs beyond the score. */
export interface SuggestOptions {
  riskScore: number;
  /** Amount to invest (> 0); DEFAULT_AMOUNT when absent. */
  amount?: number;
  currency?: string;
  /** Investment horizon in years (1–60); the risk profile's horizon answer or DEFAULT_HORIZON_YEARS when absent. */
  horizonYears?: number;
  /** Current holdings by ticker, asset-class id or name, for rebalancing advice. */
  holdings?: Holding[];
  /** The scored questionnaire, when the score came from answers. */
  riskProfile?: RiskProfile;
}

/** The suggestion: CONTRACTS §6 fields plus extras for the widget and for explanations. */
export interface PortfolioSuggestion {
  riskScore: number;
  allocation: AllocationLine[];
  expectedReturn: number;
  volatility: number;
  outcomes: OutcomeRange;
  rationale: string;
  disclaimer: string;
  model: string;
  modelVersion: string;
  riskLabel: string;
  sharpeRatio: number;
  groups: Record<AssetGroup, number>;
  amount: number;
  amountAssumed: boolean;
  currency?: string;
  horizonYears: number;
  horizonAssumed: boolean;
  frontier: FrontierPoint[];
  chosen: FrontierPoint;
  guardrails: { minDefensive: number; maxEquity: number; maxPerAssetClass: Record<string, number>; targetVolatility: number };
  assumptions: { riskFreeRate: number; dataWindow: { start: string; end: string } };
  riskProfile?: { capacity: number; tolerance: number; limitedBy: RiskProfile['limitedBy']; explanation: string };
  rebalancing?: RebalanceAdvice;
}

/** Plain-language name of a risk score. */
export function riskLabel(score: number): string {
  if (score <= 2) return 'very cautious';
  if (score <= 4) return 'cautious';
  if (score <= 6) return 'balanced';
  if (score <= 8) return 'growth';
  return 'adventurous';
}

const GROUPS: readonly AssetGroup[] = ['equity', 'defensive', 'credit', 'real_assets'];
const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * Suggests portfolios from capital-market assumptions. The ten score portfolios and the frontier are computed once
 * (they depend only on the CMA and the guardrails), so a suggestion costs an outcome range and some text.
 */
export class PortfolioAdvisor {
  readonly modelVersion: string;
  readonly universe: readonly AssetClassSpec[];
  /** Volatility of the least volatile allowed portfolio: score 0 on the risk scale. */
  readonly minVolatility: number;
  /** Volatility of the global equity market portfolio (market weights of the equity classes): score 10. */
  readonly maxVolatility: number;
  private readonly mu: Float64Array;
  private readonly cov: SquareMatrix;
  private readonly classOf: AssetGroup[];
  private readonly upper: number[];
  private readonly byScore = new Map<number, ScorePortfolio>();
  private frontierCache: FrontierPoint[] | undefined;

  constructor(
    readonly cma: CapitalMarketAssumptions,
    readonly guardrails: Guardrails = DEFAULT_GUARDRAILS,
    universe: readonly AssetClassSpec[] = ADVISOR_UNIVERSE,
  ) {
    if (guardrails.minDefensive.length !== 10 || guardrails.maxEquity.length !== 10) {
      throw new PortfolioError('invalid_input', 'guardrails need one minimum-defensive and one maximum-equity share per score 1..10');
    }
    this.universe = universe;
    const sub = cma.subset(universe.map((a) => a.ticker));
    this.mu = sub.expectedReturns;
    this.cov = sub.covariance;
    this.classOf = universe.map((a) => a.group);
    this.upper = universe.map((a) => a.maxWeight);
    this.modelVersion = cma.modelVersion;
    const base = this.frontierFor({ gamma: 0 });
    this.minVolatility = base.minVolatility().performance.volatility;
    const eq = universe.map((a) => (a.group === 'equity' ? a.marketWeight : 0));
    const eqSum = eq.reduce((a, b) => a + b, 0);
    this.maxVolatility = portfolioPerformance(eq.map((w) => w / eqSum), this.mu, this.cov).volatility;
  }

  /** The volatility a score aims for: σ_min + (score/10)·(σ_equity − σ_min). */
  targetVolatility(score: number): number {
    return this.minVolatility + (score / 10) * (this.maxVolatility - this.minVolatility);
  }

  private frontierFor(opts: { gamma: number; score?: number; excluded?: ReadonlySet<number> }): EfficientFrontier {
    const g = this.guardrails;
    const lower: Partial<Record<AssetGroup, number>> = {};
    const upper: Partial<Record<AssetGroup, number>> = { ...g.maxGroup };
    if (opts.score !== undefined) {
      lower.defensive = g.minDefensive[opts.score - 1]!;
      upper.equity = g.maxEquity[opts.score - 1]!;
    }
    return new EfficientFrontier(this.mu, this.cov, {
      weightBounds: this.upper.map((u, i) => [0, opts.excluded?.has(i) ? 0 : u] as [number, number]),
      gamma: opts.gamma,
      assetClasses: { classOf: this.classOf, lower: lower as Record<string, number>, upper: upper as Record<string, number> },
    });
  }

  /** Efficient-risk portfolio for the score's target, or the least volatile allowed one if the target is out of reach. */
  private solve(score: number, gamma: number, excluded: ReadonlySet<number>): OptimisationResult {
    const ef = this.frontierFor({ gamma, score, excluded });
    try {
      return ef.efficientRisk(this.targetVolatility(score), { riskFreeRate: this.cma.file.parameters.riskFreeRate });
    } catch (e) {
      if (e instanceof PortfolioError && e.code === 'infeasible') return ef.minVolatility();
      throw e;
    }
  }

  /** The portfolio for a risk score (1–10, integer), computed once and cached. */
  portfolioFor(score: number): ScorePortfolio {
    if (!Number.isInteger(score) || score < 1 || score > 10) {
      throw new PortfolioError('invalid_input', 'risk score must be a whole number from 1 to 10', { field: 'riskScore' });
    }
    const cached = this.byScore.get(score);
    if (cached) return cached;
    const g = this.guardrails;
    let gamma = g.gamma;
    let weights!: Float64Array;
    for (let attempt = 0; attempt <= 4; attempt++) {
      // Remove positions too small to matter and re-solve without them, until none is left.
      const excluded = new Set<number>();
      weights = this.solve(score, gamma, excluded).weights;
      for (let round = 0; round < 6; round++) {
        const tiny = [...weights.keys()].filter((i) => weights[i]! > 0 && weights[i]! < g.minWeight && !excluded.has(i));
        if (tiny.length === 0) break;
        for (const i of tiny) excluded.add(i);
        weights = this.solve(score, gamma, excluded).weights;
      }
      const holdings = weights.filter((w) => w >= g.holdingThreshold).length;
      if (holdings >= g.minHoldings || attempt === 4) break;
      gamma *= 2;
    }
    const w = this.tidy(weights);
    const perf = portfolioPerformance(w, this.mu, this.cov, this.cma.file.parameters.riskFreeRate);
    const groups = Object.fromEntries(GROUPS.map((grp) => [grp, round4(w.reduce((s, x, i) => s + (this.classOf[i] === grp ? x : 0), 0))])) as Record<AssetGroup, number>;
    const allocation = this.universe
      .map((a, i) => ({ assetClass: a.name, ticker: a.ticker, weight: w[i]!, assetClassId: a.id, group: a.group }))
      .filter((line) => line.weight > 0)
      .sort((a, b) => b.weight - a.weight);
    const result: ScorePortfolio = {
      riskScore: score,
      allocation,
      expectedReturn: perf.expectedReturn,
      volatility: perf.volatility,
      sharpeRatio: perf.sharpe,
      groups,
      targetVolatility: this.targetVolatility(score),
      gamma,
      minDefensive: g.minDefensive[score - 1]!,
      maxEquity: g.maxEquity[score - 1]!,
    };
    this.byScore.set(score, result);
    return result;
  }

  /**
   * Rounds weights to 4 decimals (basis points) and puts the rounding residue on the largest weight that has room
   * under its cap, so the weights sum to 1 and every bound still holds.
   */
  private tidy(weights: Float64Array): number[] {
    const w = Array.from(weights, (x) => (x < 1e-9 ? 0 : round4(x)));
    const residue = round4(1 - w.reduce((a, b) => a + b, 0));
    if (residue !== 0) {
      const order = [...w.keys()].filter((i) => w[i]! > 0).sort((a, b) => w[b]! - w[a]!);
      const target = order.find((i) => w[i]! + residue <= this.upper[i]! + 1e-12 && w[i]! + residue >= 0) ?? order[0]!;
      w[target] = round4(w[target]! + residue);
    }
    return w;
  }

  /** Samples of the efficient frontier under the per-class caps (no score limits, no L2), for the chart. */
  frontier(points = 24): FrontierPoint[] {
    if (!this.frontierCache) {
      const ef = this.frontierFor({ gamma: 0 });
      this.frontierCache = ef.frontier(points, { riskFreeRate: this.cma.file.parameters.riskFreeRate }).map((r) => ({
        volatility: r.performance.volatility,
        expectedReturn: r.performance.expectedReturn,
      }));
    }
    return this.frontierCache;
  }

  /** Computes every score portfolio and the frontier now (at start-up) instead of on first use. */
  warm(): this {
    for (let s = 1; s <= 10; s++) this.portfolioFor(s);
    this.frontier();
    return this;
  }

  /** The full suggestion for a score, amount, horizon and optional holdings / risk profile. */
  suggest(options: SuggestOptions): PortfolioSuggestion {
    const p = this.portfolioFor(options.riskScore);
    if (options.amount !== undefined && !(options.amount > 0 && Number.isFinite(options.amount))) {
      throw new PortfolioError('invalid_input', 'amount must be a positive number', { field: 'amount' });
    }
    if (options.horizonYears !== undefined && !(options.horizonYears >= 1 && options.horizonYears <= 60)) {
      throw new PortfolioError('invalid_input', 'horizonYears must be between 1 and 60', { field: 'horizonYears' });
    }
    const amount = options.amount ?? DEFAULT_AMOUNT;
    const horizonYears = options.horizonYears ?? DEFAULT_HORIZON_YEARS;
    const outcomes = outcomeRange(amount, p.expectedReturn, p.volatility, horizonYears);
    const rounded = { p5: Math.round(outcomes.p5), p50: Math.round(outcomes.p50), p95: Math.round(outcomes.p95) };
    const rebalancing = options.holdings ? this.rebalance(options.holdings, p) : undefined;
    const params = this.cma.file.parameters;
    const window = this.cma.file.provenance.window;
    const suggestion: PortfolioSuggestion = {
      riskScore: p.riskScore,
      allocation: p.allocation.map((a) => ({ ...a })),
      expectedReturn: p.expectedReturn,
      volatility: p.volatility,
      outcomes: rounded,
      rationale: '',
      disclaimer: DISCLAIMER,
      model: ADVISOR_MODEL,
      modelVersion: this.modelVersion,
      riskLabel: riskLabel(p.riskScore),
      sharpeRatio: p.sharpeRatio,
      groups: { ...p.groups },
      amount,
      amountAssumed: options.amount === undefined,
      ...(options.currency ? { currency: options.currency } : {}),
      horizonYears,
      horizonAssumed: options.horizonYears === undefined,
      frontier: this.frontier().map((f) => ({ ...f })),
      chosen: { volatility: p.volatility, expectedReturn: p.expectedReturn },
      guardrails: {
        minDefensive: p.minDefensive,
        maxEquity: p.maxEquity,
        maxPerAssetClass: Object.fromEntries(this.universe.map((a) => [a.ticker, a.maxWeight])),
        targetVolatility: p.targetVolatility,
      },
      assumptions: { riskFreeRate: params.riskFreeRate, dataWindow: { start: window.start, end: window.end } },
      ...(options.riskProfile
        ? {
            riskProfile: {
              capacity: options.riskProfile.capacity,
              tolerance: options.riskProfile.tolerance,
              limitedBy: options.riskProfile.limitedBy,
              explanation: options.riskProfile.explanation,
            },
          }
        : {}),
      ...(rebalancing ? { rebalancing } : {}),
    };
    suggestion.rationale = buildRationale(suggestion);
    return suggestion;
  }

  /** Rebalancing advice: holdings named by ticker, asset-class id or name are matched to the allocation's tickers. */
  private rebalance(holdings: Holding[], p: ScorePortfolio): RebalanceAdvice {
    const mapped = holdings.map((h) => ({ ticker: findAssetClass(h.ticker)?.ticker ?? h.ticker, value: h.value }));
    return rebalancingAdvice(mapped, p.allocation.map((a) => ({ ticker: a.ticker, weight: a.weight })));
  }
}

/** Formats money without currency symbols unless a currency code is known ("10,000" / "USD 10,000"). */
export function formatMoney(value: number, currency?: string): string {
  const n = Math.round(value).toLocaleString('en-US');
  return currency ? `${currency} ${n}` : n;
}

/** "a, b and c" */
function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The mix in words: "about 45% in stocks and REITs, 44% in bonds and cash, …" (groups over 0.5%). */
export function describeMix(groups: Record<AssetGroup, number>): string {
  const parts = GROUPS.filter((g) => groups[g] >= 0.005).map((g) => `${Math.round(100 * groups[g])}% in ${GROUP_NAMES[g]}`);
  return listWords(parts);
}

/** A name for the middle of a sentence: "High-yield bonds" → "high-yield bonds", but "US stocks" stays. */
export function inSentence(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? `${name.charAt(0).toLowerCase()}${name.slice(1)}` : name;
}

/** The plain-language rationale: why this mix for this score, what the numbers mean, and that they are estimates. */
export function buildRationale(s: PortfolioSuggestion): string {
  const top = s.allocation.slice(0, 3).map((a) => `${inSentence(a.assetClass)} (${Math.round(100 * a.weight)}%)`);
  const why =
    s.riskScore <= 3
      ? 'Most of it is in bonds and cash, which have fallen much less than stocks in bad years, with a small share of stocks for some growth.'
      : s.riskScore <= 6
        ? 'It balances stocks, for long-term growth, with bonds and cash, which have cushioned the falls in stocks.'
        : 'Most of it is in stocks, which have grown the most over long periods but can fall sharply in a single year; the rest spreads the risk.';
  const lo = s.expectedReturn - s.volatility;
  const hi = s.expectedReturn + s.volatility;
  const money = (v: number) => formatMoney(v, s.currency);
  const amountText = s.amountAssumed ? `an example ${money(s.amount)}` : money(s.amount);
  const horizonText = `${s.horizonYears} year${s.horizonYears === 1 ? '' : 's'}`;
  const profile = s.riskProfile ? `${s.riskProfile.explanation} ` : '';
  const guard = `At this score we keep at least ${pct(s.guardrails.minDefensive, 0)} in bonds and cash and at most ${pct(s.guardrails.maxEquity, 0)} in stocks, and no single asset class above ${pct(Math.max(...Object.values(s.guardrails.maxPerAssetClass)), 0)}.`;
  const lines = [
    `**Why this mix.** ${profile}${s.riskProfile ? 'That score' : `A risk score of ${s.riskScore} out of 10`} (${s.riskLabel}) points to about ${describeMix(s.groups)}. ${why} ` +
      `The largest parts are ${listWords(top)}. Among the mixes our guardrails allow, it aims for the highest estimated return at about ${pct(s.guardrails.targetVolatility)} volatility. ${guard}`,
    `**What the numbers mean.** The expected return of ${pct(s.expectedReturn)} a year is a long-run average estimate, not a promise. ` +
      `The volatility of ${pct(s.volatility)} says how much single years have varied: in roughly two years out of three the return could land between ${pct(lo)} and ${pct(hi)}, and worse years happen. ` +
      `Over ${horizonText}, ${amountText} might grow to about ${money(s.outcomes.p50)} in a middle case; in a poor case (1 in 20) it could be about ${money(s.outcomes.p5)} or less, in a good case (1 in 20) about ${money(s.outcomes.p95)} or more.`,
    `**These are estimates.** They come from the price history of the example funds from ${s.assumptions.dataWindow.start.slice(0, 7)} to ${s.assumptions.dataWindow.end.slice(0, 7)}, blended with a market-equilibrium view, and from a model that assumes calmer markets than real ones; they are before inflation, fees and taxes.`,
  ];
  if (s.rebalancing) lines.push(`**Your current holdings.** ${s.rebalancing.summary}`);
  return lines.join('\n\n');
}

/** Loads and validates the CMA file (JSON) at `file`. Throws PortfolioError naming the problem. */
export function loadCmaFile(file: string): CapitalMarketAssumptions {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PortfolioError('invalid_input', `capital-market assumptions not found at ${file}; run \`npm run build:cma\``, { cause: e });
  }
  try {
    return loadCma(JSON.parse(text));
  } catch (e) {
    if (e instanceof PortfolioError) throw e;
    throw new PortfolioError('invalid_input', `${file} is not valid JSON; run \`npm run build:cma\``, { cause: e });
  }
}
