/** `moneta portfolio optimize` (CONTRACTS §6): the optimiser on a CSV of daily prices, JSON to stdout. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../errors.ts';
import { parsePriceCsv, type PriceFrame } from '../../models/portfolio/index.ts';
import { parseOptimizeOptions, runOptimize, toMonetaError, toOptimizeOptions } from '../http/portfolio-router.ts';
import type { CliContext } from './main.ts';

function readCsv(path: string, flag: string): PriceFrame {
  if (!fs.existsSync(path)) throw new ValidationError(`${flag} ${path} does not exist`, [{ field: flag, message: 'file not found' }]);
  try {
    return parsePriceCsv(fs.readFileSync(path, 'utf8'), path);
  } catch (e) {
    throw toMonetaError(e);
  }
}

/** Raw commander option values (strings unless noted). */
interface RawCliOptions {
  prices: string;
  marketPrices?: string;
  assetClasses?: string;
  [key: string]: string | undefined;
}

/** Registers `portfolio optimize`. */
export function registerPortfolioCommand(program: Command, ctx: CliContext): void {
  const portfolio = program.command('portfolio').description('Portfolio optimiser (PyPortfolioOpt 1.5 conventions)');
  portfolio
    .command('optimize')
    .description('Optimise a portfolio on a CSV of daily prices (first column a date, one column per asset); prints JSON')
    .requiredOption('--prices <csv>', 'CSV of prices; a blank cell is a missing price')
    .option('--returns <model>', 'expected returns: mean|ema|capm (default mean)')
    .option('--compounding <bool>', 'geometric mean (true, default) or arithmetic (false)')
    .option('--span <n>', 'EMA span for --returns ema (default 500)')
    .option('--market-prices <csv>', 'market prices for --returns capm (default: equal-weighted market)')
    .option('--capm-risk-free <rate>', 'risk-free rate inside CAPM (PyPortfolioOpt capm_return default 0)')
    .option(
      '--risk <model>',
      'risk model: sample|semicovariance|exp|ledoit-wolf|ledoit-wolf-single-factor|ledoit-wolf-constant-correlation|oracle-approximating (default sample)',
    )
    .option('--risk-span <n>', 'span for --risk exp (default 180)')
    .option('--benchmark <r>', 'per-period benchmark for --risk semicovariance (default 0.000079)')
    .option(
      '--objective <name>',
      'min-volatility|max-sharpe|efficient-risk|efficient-return|max-quadratic-utility|hrp|cla-max-sharpe|cla-min-volatility (default max-sharpe)',
    )
    .option('--target <x>', 'target volatility (efficient-risk) or return (efficient-return)')
    .option('--risk-free <rate>', 'annual risk-free rate for Sharpe ratios (default 0.02)')
    .option('--risk-aversion <d>', 'risk aversion for max-quadratic-utility (default 1)')
    .option('--gamma <g>', 'L2 regularisation gamma (default 0)')
    .option('--bounds <lo,hi>', 'weight bounds for every asset (default 0,1; "none" = ∓1)')
    .option('--frequency <n>', 'periods per year (default 252)')
    .option('--linkage <method>', 'HRP linkage: single|complete|average|weighted|centroid|median|ward (default single)')
    .option('--total-value <amount>', 'also allocate this amount into whole shares at the latest prices')
    .option('--short-ratio <x>', 'short book as a fraction of --total-value (default: sum of negative weights)')
    .option('--reinvest <bool>', 'reinvest short proceeds in the long book (default false)')
    .option('--columns <a,b,c>', 'use only these columns')
    .option('--asset-classes <json|path>', 'asset-class limits: {"classOf":{col:class},"lower":{class:x},"upper":{class:x}}')
    .action((raw: RawCliOptions) => {
      const { prices: pricesPath, marketPrices: marketPath, assetClasses, ...rest } = raw;
      const prices = readCsv(pricesPath, '--prices');
      const market = marketPath ? readCsv(marketPath, '--market-prices') : undefined;
      const options: Record<string, unknown> = { ...rest };
      if (assetClasses !== undefined) {
        const text = fs.existsSync(assetClasses) ? fs.readFileSync(assetClasses, 'utf8') : assetClasses;
        try {
          options.assetClasses = JSON.parse(text);
        } catch {
          throw new ValidationError('--asset-classes must be JSON or a path to a JSON file', [{ field: 'assetClasses', message: 'not JSON' }]);
        }
      }
      const parsed = parseOptimizeOptions(options);
      ctx.printJson(runOptimize(toOptimizeOptions(parsed, prices, market)));
    });
}
