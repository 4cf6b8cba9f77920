/**
 * POST /api/v1/portfolio/optimize (CONTRACTS §6): the portfolio optimiser on user data, with the same options
 * as `moneta portfolio optimize`. Body: JSON `{ prices, ...options }` where `prices` is CSV text or
 * `{ dates, columns, rows }`; or, for large files, the CSV itself with `Content-Type: text/csv` and the options
 * in the query string (`?objective=min-volatility&bounds=0,0.3`). 400 on bad input or over the size caps, 422 when
 * infeasible, 503 over the time budget. The work itself runs in the worker pool (server/workers/).
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { InfeasibleError, MonetaError, ValidationError } from '../errors.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { OptimizeCaps, OptimizeTaskInput } from '../workers/portfolio-optimize-task.ts';
import {
  isPortfolioError,
  LINKAGE_METHODS,
  OBJECTIVES,
  optimizePortfolio,
  parsePriceCsv,
  priceFrameFromJson,
  RETURN_MODELS,
  RISK_MODELS,
  type OptimizeOptions,
  type OptimizeResult,
  type PriceFrame,
} from '../../models/portfolio/index.ts';

/** Maps the library's PortfolioError onto Moneta's error tree (400 / 422 / 500); other errors pass through. */
export function toMonetaError(error: unknown): unknown {
  if (!isPortfolioError(error)) return error;
  const details = error.field ? [{ field: error.field, message: error.message }] : undefined;
  switch (error.code) {
    case 'infeasible':
      return new InfeasibleError(error.message, { cause: error, ...(details ? { details } : {}) });
    case 'invalid_input':
    case 'singular':
      return new MonetaError('validation_failed', error.message, { cause: error, ...(details ? { details } : {}) });
    default:
      return new MonetaError('internal', error.message, { cause: error });
  }
}

const num = z.coerce.number().refine(Number.isFinite, 'must be a number');
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const table = z.object({
  dates: z.array(z.string()).optional(),
  columns: z.array(z.string()).min(1),
  rows: z.array(z.array(z.union([z.number(), z.string(), z.null()]))),
});
const boundValue = z.union([num, z.null(), z.literal('none').transform(() => null), z.literal('None').transform(() => null)]);

/** Options shared by the CLI and the HTTP API (CONTRACTS §6 flag names, camelCased), coerced from strings. */
export const optimizeOptionsSchema = z
  .object({
    returns: z.enum(RETURN_MODELS).optional(),
    compounding: bool.optional(),
    span: num.optional(),
    risk: z.enum(RISK_MODELS).optional(),
    riskSpan: num.optional(),
    benchmark: num.optional(),
    objective: z.enum(OBJECTIVES).optional(),
    target: num.optional(),
    riskFree: num.optional(),
    capmRiskFree: num.optional(),
    riskAversion: num.optional(),
    gamma: num.optional(),
    bounds: z
      .union([
        z.string().transform((s, ctx) => {
          const parts = s.split(',').map((p) => p.trim());
          const parsed = parts.map((p) => (/^(none|null|)$/i.test(p) ? null : Number(p)));
          if (parts.length !== 2 || parsed.some((v) => v !== null && !Number.isFinite(v))) {
            ctx.addIssue({ code: 'custom', message: 'bounds must be "lower,upper", e.g. 0,1' });
            return z.NEVER;
          }
          return parsed as [number | null, number | null];
        }),
        z.tuple([boundValue, boundValue]),
      ])
      .optional(),
    frequency: num.optional(),
    linkage: z.enum(LINKAGE_METHODS).optional(),
    totalValue: num.optional(),
    shortRatio: num.optional(),
    reinvest: bool.optional(),
    columns: z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))]).optional(),
    assetClasses: z
      .object({
        classOf: z.record(z.string(), z.string()),
        lower: z.record(z.string(), z.number()).optional(),
        upper: z.record(z.string(), z.number()).optional(),
      })
      .optional(),
  })
  .strict();

/** Parsed, typed options without the price tables. */
export type OptimizeRequestOptions = z.output<typeof optimizeOptionsSchema>;

/** Validates raw options (strings or JSON values), naming every bad field. */
export function parseOptimizeOptions(raw: unknown): OptimizeRequestOptions {
  const parsed = optimizeOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({
      field: i.path.join('.') || (i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys?.join(',') ?? 'body' : 'body'),
      message: i.message,
    }));
    throw new ValidationError('Invalid portfolio options', details);
  }
  return parsed.data;
}

/** Turns parsed options plus price tables into library options (undefined fields dropped). */
export function toOptimizeOptions(o: OptimizeRequestOptions, prices: PriceFrame, marketPrices?: PriceFrame): OptimizeOptions {
  const out: Record<string, unknown> = { prices };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  if (marketPrices) out.marketPrices = marketPrices;
  return out as unknown as OptimizeOptions;
}

/** Parses a price table given as CSV text or `{ dates, columns, rows }`, mapping library errors to MonetaErrors. */
export function frameFrom(value: unknown, field: string): PriceFrame {
  try {
    if (typeof value === 'string') return parsePriceCsv(value, field);
    const t = table.safeParse(value);
    if (!t.success) throw new ValidationError(`${field} must be CSV text or { dates, columns, rows }`, [{ field, message: 'bad format' }]);
    return priceFrameFromJson(t.data as Parameters<typeof priceFrameFromJson>[0], field);
  } catch (e) {
    throw toMonetaError(e);
  }
}

/** Runs the optimiser, mapping library errors to MonetaErrors. */
export function runOptimize(options: OptimizeOptions): OptimizeResult {
  try {
    return optimizePortfolio(options);
  } catch (e) {
    throw toMonetaError(e);
  }
}

/** Dependencies of the portfolio router. */
export interface PortfolioRouterDeps {
  /** The app's worker pool: parsing and optimising run there, within its time budget, never on the event loop. */
  pool: WorkerPool;
  /** Size caps per optimisation (assets = price columns, rows = dates). */
  caps: OptimizeCaps;
  /** Largest CSV body accepted with Content-Type text/csv (bytes); larger bodies get 413 while streaming. */
  maxCsvBytes: number;
}

/** Creates the router serving POST /api/v1/portfolio/optimize. */
export function createPortfolioRouter(deps: PortfolioRouterDeps): Router {
  const router = express.Router();
  // Raw bytes, not text: decoding and CSV parsing of a file of up to maxCsvBytes happen in the worker.
  const csvBody = express.raw({ type: ['text/csv', 'text/plain'], limit: deps.maxCsvBytes });
  router.post('/api/v1/portfolio/optimize', csvBody, async (req, res) => {
    let input: OptimizeTaskInput;
    const transferList: ArrayBuffer[] = [];
    if (Buffer.isBuffer(req.body)) {
      // A private copy whose buffer can be moved to the worker (body-parser's Buffer may share a pooled slab).
      const bytes = new Uint8Array(req.body);
      transferList.push(bytes.buffer);
      const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.get('content-type') ?? '')?.[2];
      input = { body: { type: 'csv', bytes, charset, query: { ...(req.query as Record<string, unknown>) } }, caps: deps.caps };
    } else {
      input = { body: { type: 'json', json: req.body }, caps: deps.caps };
    }
    res.json(await deps.pool.run('portfolio.optimize', input, { transferList }));
  });
  return router;
}
