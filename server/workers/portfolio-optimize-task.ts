/**
 * The optimiser as a worker task: everything POST /api/v1/portfolio/optimize does after the body arrives — decoding,
 * CSV/JSON parsing, the size caps, option validation and the optimisation itself — so none of it runs on the event loop.
 */
import type { OptimizeResult, PriceFrame } from '../../models/portfolio/index.ts';
import { BadRequestError, ValidationError } from '../errors.ts';
import { frameFrom, parseOptimizeOptions, runOptimize, toOptimizeOptions } from '../http/portfolio-router.ts';

/** Size caps for one optimisation (config.limits: MONETA_OPTIMIZE_MAX_ASSETS, MONETA_OPTIMIZE_MAX_ROWS). */
export interface OptimizeCaps {
  maxAssets: number;
  maxRows: number;
}

/** The request as the route received it: a CSV body (bytes + query options) or a parsed JSON body. */
export interface OptimizeTaskInput {
  body: { type: 'csv'; bytes: Uint8Array; charset?: string | undefined; query: Record<string, unknown> } | { type: 'json'; json: unknown };
  caps: OptimizeCaps;
}

function tooMany(field: string, what: string, count: number, limit: number, variable: string): ValidationError {
  return new ValidationError(`Too many ${what} for one optimisation: ${count}; the limit is ${limit} (${variable})`, [
    { field, message: `has ${count} ${what}; at most ${limit} are accepted` },
  ]);
}

/**
 * Checks the caps on the raw input before parsing, so an oversized table is refused without building it: CSV by its
 * header and line count, JSON tables by their array lengths. Parsed frames are checked again (`checkFrame`).
 */
function precheck(value: unknown, field: string, caps: OptimizeCaps, maxColumns: number): void {
  if (typeof value === 'string') {
    const firstBreak = value.indexOf('\n');
    const header = firstBreak < 0 ? value : value.slice(0, firstBreak);
    const columns = header.split(',').length - 1;
    if (columns > maxColumns) throw tooMany(field, 'assets', columns, maxColumns, 'MONETA_OPTIMIZE_MAX_ASSETS');
    let lines = 0;
    for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) {
      if (++lines > caps.maxRows + 1) break;
    }
    // Lines after the header, ignoring one trailing newline.
    const rows = value.endsWith('\n') ? lines - 1 : lines;
    if (rows > caps.maxRows) throw tooMany(field, 'rows', rows, caps.maxRows, 'MONETA_OPTIMIZE_MAX_ROWS');
    return;
  }
  if (value && typeof value === 'object') {
    const table = value as { columns?: unknown; rows?: unknown };
    if (Array.isArray(table.columns) && table.columns.length > maxColumns) throw tooMany(field, 'assets', table.columns.length, maxColumns, 'MONETA_OPTIMIZE_MAX_ASSETS');
    if (Array.isArray(table.rows) && table.rows.length > caps.maxRows) throw tooMany(field, 'rows', table.rows.length, caps.maxRows, 'MONETA_OPTIMIZE_MAX_ROWS');
  }
}

function checkFrame(frame: PriceFrame, field: string, caps: OptimizeCaps, maxColumns: number): PriceFrame {
  if (frame.columns.length > maxColumns) throw tooMany(field, 'assets', frame.columns.length, maxColumns, 'MONETA_OPTIMIZE_MAX_ASSETS');
  if (frame.dates.length > caps.maxRows) throw tooMany(field, 'rows', frame.dates.length, caps.maxRows, 'MONETA_OPTIMIZE_MAX_ROWS');
  return frame;
}

function parseFrame(value: unknown, field: string, caps: OptimizeCaps, maxColumns: number): PriceFrame {
  precheck(value, field, caps, maxColumns);
  return checkFrame(frameFrom(value, field), field, caps, maxColumns);
}

function decode(bytes: Uint8Array, charset: string | undefined): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8');
  } catch {
    throw new BadRequestError(`Unsupported charset "${String(charset).slice(0, 40)}"; send UTF-8 CSV.`);
  }
  return decoder.decode(bytes);
}

/** Runs one optimisation request (in a worker). Throws MonetaErrors for bad input, infeasible problems and caps. */
export function runOptimizeTask(input: OptimizeTaskInput): OptimizeResult {
  const { body, caps } = input;
  let prices: PriceFrame;
  let market: PriceFrame | undefined;
  let rawOptions: Record<string, unknown>;
  if (body.type === 'csv') {
    prices = parseFrame(decode(body.bytes, body.charset), 'prices', caps, caps.maxAssets);
    rawOptions = { ...body.query };
  } else {
    const json = body.json as Record<string, unknown> | undefined;
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      throw new ValidationError('Expected a JSON object with "prices" (CSV text or {dates, columns, rows})', [{ field: 'prices', message: 'is required' }]);
    }
    const { prices: p, marketPrices: m, ...rest } = json;
    if (p === undefined) throw new ValidationError('Missing prices', [{ field: 'prices', message: 'is required' }]);
    prices = parseFrame(p, 'prices', caps, caps.maxAssets);
    // The market series is one column (an index), but allow a few in case a file carries extra columns.
    market = m === undefined ? undefined : parseFrame(m, 'marketPrices', caps, caps.maxAssets);
    rawOptions = rest;
  }
  const opts = parseOptimizeOptions(rawOptions);
  return runOptimize(toOptimizeOptions(opts, prices, market));
}
