/**
 * One entry point for "optimise a portfolio on a table of prices" with CONTRACTS §6's options and output
 * shape, shared by `moneta portfolio optimize` and POST /api/v1/portfolio/optimize. Conventions and defaults
 * follow PyPortfolioOpt 1.5 (see docs/portfolio-optimizer.md).
 */
import { CriticalLineAlgorithm } from './cla.ts';
import { greedyAllocation, type Allocation } from './discrete-allocation.ts';
import { EfficientFrontier, mapBounds, portfolioPerformance, type Performance } from './efficient-frontier.ts';
import { PortfolioError } from './errors.ts';
import { latestPrices, selectColumns, type PriceFrame } from './frame.ts';
import { hrpWeights } from './hrp.ts';
import type { SquareMatrix } from './linalg.ts';
import { LINKAGE_METHODS, type LinkageMethod } from './linkage.ts';
import { capmReturn, countValid, emaHistoricalReturn, meanHistoricalReturn, nanMean, returnsFromPrices } from './returns.ts';
import { expCov, ledoitWolf, oracleApproximating, pairwiseCorrMatrix, pairwiseCovMatrix, sampleCov, semicovariance } from './risk-models.ts';

/** Library name and version stamped on every result. */
export const OPTIMIZER_MODEL = { name: 'moneta-portfolio-optimizer', version: '1.0.0', reference: 'PyPortfolioOpt 1.5' } as const;

/** Expected-return models (CLI `--returns`). */
export const RETURN_MODELS = ['mean', 'ema', 'capm'] as const;
/** Risk models (CLI `--risk`). */
export const RISK_MODELS = [
  'sample',
  'semicovariance',
  'exp',
  'ledoit-wolf',
  'ledoit-wolf-single-factor',
  'ledoit-wolf-constant-correlation',
  'oracle-approximating',
] as const;
/** Objectives (CLI `--objective`). */
export const OBJECTIVES = [
  'min-volatility',
  'max-sharpe',
  'efficient-risk',
  'efficient-return',
  'max-quadratic-utility',
  'hrp',
  'cla-max-sharpe',
  'cla-min-volatility',
] as const;
/** One of RETURN_MODELS. */
export type ReturnModel = (typeof RETURN_MODELS)[number];
/** One of RISK_MODELS. */
export type RiskModel = (typeof RISK_MODELS)[number];
/** One of OBJECTIVES. */
export type Objective = (typeof OBJECTIVES)[number];

/** Options of `optimizePortfolio` (the CLI flags of CONTRACTS §6, camelCased). */
export interface OptimizeOptions {
  prices: PriceFrame;
  /** Restrict to these columns (unknown names are an error). */
  columns?: string[];
  returns?: ReturnModel;
  compounding?: boolean;
  span?: number;
  marketPrices?: PriceFrame;
  /** Risk-free rate used inside CAPM (PyPortfolioOpt capm_return default 0). */
  capmRiskFree?: number;
  risk?: RiskModel;
  riskSpan?: number;
  benchmark?: number;
  objective?: Objective;
  target?: number;
  riskFree?: number;
  riskAversion?: number;
  gamma?: number;
  bounds?: [number | null, number | null];
  frequency?: number;
  linkage?: LinkageMethod;
  totalValue?: number;
  /** Short book as a fraction of totalValue for long/short allocations (default Σ|negative weights|). */
  shortRatio?: number;
  /** Reinvest short proceeds in the long book (PyPortfolioOpt greedy_portfolio(reinvest=True)). */
  reinvest?: boolean;
  /** Asset-class constraints: column → class, and per-class lower/upper weight sums. */
  assetClasses?: { classOf: Record<string, string>; lower?: Record<string, number>; upper?: Record<string, number> };
}

/** CONTRACTS §6 output (plus metadata). */
export interface OptimizeResult {
  weights: Record<string, number>;
  performance: Performance;
  expectedReturns: Record<string, number>;
  allocation?: Allocation;
  objective: Objective;
  returnModel: ReturnModel;
  riskModel: RiskModel;
  model: typeof OPTIMIZER_MODEL;
  warnings: string[];
  disclaimer: string;
}

const DISCLAIMER =
  'Estimates from historical prices; past performance does not guarantee future results. This is not investment advice.';

function check(cond: boolean, field: string, message: string): void {
  if (!cond) throw new PortfolioError('invalid_input', message, { field });
}

function expectedReturnsFor(prices: PriceFrame, o: OptimizeOptions, frequency: number): Float64Array {
  const model = o.returns ?? 'mean';
  const compounding = o.compounding ?? true;
  if (model === 'mean') return meanHistoricalReturn(prices, { frequency, compounding });
  if (model === 'ema') return emaHistoricalReturn(prices, { frequency, compounding, span: o.span ?? 500 });
  return capmReturn(prices, {
    frequency,
    compounding,
    ...(o.marketPrices ? { marketPrices: o.marketPrices } : {}),
    riskFreeRate: o.capmRiskFree ?? 0,
  }).mu;
}

function covarianceFor(prices: PriceFrame, o: OptimizeOptions, frequency: number, warnings: string[]): SquareMatrix {
  const model = o.risk ?? 'sample';
  let res: { matrix: SquareMatrix; fixed: boolean };
  switch (model) {
    case 'sample':
      res = sampleCov(prices, { frequency });
      break;
    case 'semicovariance':
      res = semicovariance(prices, { frequency, benchmark: o.benchmark ?? 0.000079 });
      break;
    case 'exp':
      res = expCov(prices, { frequency, span: o.riskSpan ?? 180 });
      break;
    case 'ledoit-wolf':
      res = ledoitWolf(prices, { frequency });
      break;
    case 'ledoit-wolf-single-factor':
      res = ledoitWolf(prices, { frequency, target: 'single_factor' });
      break;
    case 'ledoit-wolf-constant-correlation':
      res = ledoitWolf(prices, { frequency, target: 'constant_correlation' });
      break;
    case 'oracle-approximating':
      res = oracleApproximating(prices, { frequency });
      break;
  }
  if (res.fixed) warnings.push('The covariance matrix was not positive semidefinite; negative eigenvalues were set to zero.');
  return res.matrix;
}

/** Validates the option values (names and ranges), naming the offending option. */
export function validateOptions(o: OptimizeOptions): void {
  check(o.returns === undefined || RETURN_MODELS.includes(o.returns), 'returns', `returns must be one of ${RETURN_MODELS.join('|')}`);
  check(o.risk === undefined || RISK_MODELS.includes(o.risk), 'risk', `risk must be one of ${RISK_MODELS.join('|')}`);
  check(o.objective === undefined || OBJECTIVES.includes(o.objective), 'objective', `objective must be one of ${OBJECTIVES.join('|')}`);
  check(o.linkage === undefined || LINKAGE_METHODS.includes(o.linkage), 'linkage', `linkage must be one of ${LINKAGE_METHODS.join('|')}`);
  const finite = (v: number | undefined, f: string) => check(v === undefined || Number.isFinite(v), f, `${f} must be a number`);
  finite(o.target, 'target');
  finite(o.riskFree, 'riskFree');
  finite(o.benchmark, 'benchmark');
  finite(o.capmRiskFree, 'capmRiskFree');
  check(o.span === undefined || o.span >= 1, 'span', 'span must be ≥ 1');
  check(o.riskSpan === undefined || o.riskSpan >= 1, 'riskSpan', 'risk span must be ≥ 1');
  check(o.riskAversion === undefined || o.riskAversion > 0, 'riskAversion', 'risk aversion must be greater than zero');
  check(o.gamma === undefined || o.gamma >= 0, 'gamma', 'gamma must be ≥ 0');
  check(o.frequency === undefined || (Number.isFinite(o.frequency) && o.frequency > 0), 'frequency', 'frequency must be > 0');
  check(o.totalValue === undefined || (Number.isFinite(o.totalValue) && o.totalValue > 0), 'totalValue', 'total value must be > 0');
  if (o.objective === 'efficient-risk' || o.objective === 'efficient-return') {
    check(o.target !== undefined, 'target', `--target is required for ${o.objective}`);
  }
}

/** Runs the optimiser described by `options` (see OptimizeOptions); throws PortfolioError on bad input. */
export function optimizePortfolio(options: OptimizeOptions): OptimizeResult {
  validateOptions(options);
  const warnings: string[] = [];
  const prices = options.columns?.length ? selectColumns(options.prices, options.columns) : options.prices;
  const columns = prices.columns;
  const n = columns.length;
  check(n >= 1, 'prices', 'no asset columns');
  const frequency = options.frequency ?? 252;
  const objective = options.objective ?? 'max-sharpe';
  const rf = options.riskFree ?? 0.02;
  const returns = returnsFromPrices(prices);
  check(returns.dates.length >= 2, 'prices', `too little data: ${prices.dates.length} price rows give ${returns.dates.length} returns (need ≥ 2)`);
  returns.values.forEach((col, i) =>
    check(countValid(col) >= 2, columns[i]!, `too little data for "${columns[i]}": ${countValid(col)} returns (need ≥ 2)`),
  );
  const bounds = options.bounds ?? [0, 1];
  const mu = expectedReturnsFor(prices, options, frequency);
  mu.forEach((v, i) => check(Number.isFinite(v), columns[i]!, `expected return of "${columns[i]}" is not a number (check its prices)`));

  let weights: Float64Array;
  let performance: Performance;
  let reportedMu: Float64Array = mu;
  if (objective === 'hrp') {
    // PyPortfolioOpt HRPOpt: with returns, corr/cov from returns (daily); with a covariance model, cov_to_corr(S).round(6).
    const useReturns = (options.risk ?? 'sample') === 'sample';
    const cov = useReturns ? pairwiseCovMatrix(returns) : covarianceFor(prices, options, frequency, warnings);
    const hrp = hrpWeights(cov, {
      linkage: options.linkage ?? 'single',
      ...(useReturns ? { corr: pairwiseCorrMatrix(returns) } : { roundCorrelation: true }),
    });
    weights = hrp.weights;
    // HRPOpt.portfolio_performance: μ = arithmetic mean × frequency; Σ = the given matrix or returns.cov() × frequency.
    reportedMu = Float64Array.from(returns.values, (c) => nanMean(c) * frequency);
    const perfCov = useReturns ? { n, data: Float64Array.from(cov.data, (v) => v * frequency) } : cov;
    performance = portfolioPerformance(weights, reportedMu, perfCov, rf);
  } else {
    const cov = covarianceFor(prices, options, frequency, warnings);
    if (objective === 'cla-max-sharpe' || objective === 'cla-min-volatility') {
      const { lower, upper } = mapBounds(bounds, n);
      const cla = new CriticalLineAlgorithm(mu, cov, { lower, upper });
      weights = objective === 'cla-max-sharpe' ? cla.maxSharpe() : cla.minVolatility();
      performance = portfolioPerformance(weights, mu, cov, rf);
    } else {
      const classOf = options.assetClasses
        ? columns.map((c) => {
            const k = options.assetClasses!.classOf[c];
            if (k === undefined) throw new PortfolioError('invalid_input', `asset class missing for column "${c}"`, { field: 'assetClasses' });
            return k;
          })
        : undefined;
      const ef = new EfficientFrontier(mu, cov, {
        weightBounds: bounds,
        gamma: options.gamma ?? 0,
        ...(classOf ? { assetClasses: { classOf, ...(options.assetClasses!.lower ? { lower: options.assetClasses!.lower } : {}), ...(options.assetClasses!.upper ? { upper: options.assetClasses!.upper } : {}) } } : {}),
      });
      const common = { riskFreeRate: rf };
      const res =
        objective === 'min-volatility'
          ? ef.minVolatility(common)
          : objective === 'max-sharpe'
            ? ef.maxSharpe(common)
            : objective === 'max-quadratic-utility'
              ? ef.maxQuadraticUtility({ ...common, riskAversion: options.riskAversion ?? 1 })
              : objective === 'efficient-risk'
                ? ef.efficientRisk(options.target!, common)
                : ef.efficientReturn(options.target!, common);
      weights = res.weights;
      performance = res.performance;
    }
  }
  if (weights.some((w) => !Number.isFinite(w))) throw new PortfolioError('not_converged', 'the optimiser produced non-finite weights');
  const wDict = Object.fromEntries(columns.map((c, i) => [c, weights[i]! + 0]));
  const out: OptimizeResult = {
    weights: wDict,
    performance,
    expectedReturns: Object.fromEntries(columns.map((c, i) => [c, reportedMu[i]!])),
    objective,
    returnModel: options.returns ?? 'mean',
    riskModel: options.risk ?? 'sample',
    model: OPTIMIZER_MODEL,
    warnings,
    disclaimer: DISCLAIMER,
  };
  if (options.totalValue !== undefined) {
    const latest = latestPrices(prices);
    out.allocation = greedyAllocation(wDict, Object.fromEntries(columns.map((c, i) => [c, latest[i]!])), options.totalValue, {
      ...(options.shortRatio !== undefined ? { shortRatio: options.shortRatio } : {}),
      reinvest: options.reinvest ?? false,
    });
  }
  return out;
}
