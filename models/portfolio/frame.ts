/** Price tables: parse a CSV of daily prices (date column, then one column per asset; blank = missing) and validate it. */
import { parse } from 'csv-parse/sync';
import { PortfolioError } from './errors.ts';

/** A table of prices (or returns) by date, one Float64Array per column; NaN marks a missing value. */
export interface PriceFrame {
  readonly dates: string[];
  readonly columns: string[];
  /** values[c][t] is column c on dates[t]. */
  readonly values: Float64Array[];
}

/** A price table given as JSON rows (an alternative to CSV text for the HTTP API). */
export interface PriceTableJson {
  dates: string[];
  columns: string[];
  /** rows[t][c]; null / undefined / '' is a missing price. */
  rows: Array<Array<number | string | null | undefined>>;
}

function parseCell(raw: unknown, where: string): number {
  if (raw === null || raw === undefined) return NaN;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new PortfolioError('invalid_input', `${where}: not a finite number`);
    return raw;
  }
  const s = String(raw).trim();
  if (s === '' || /^(nan|na|null)$/i.test(s)) return NaN;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new PortfolioError('invalid_input', `${where}: "${s.slice(0, 40)}" is not a number`);
  return v;
}

/** Builds and validates a PriceFrame from a header and rows (first cell of each row is the date). */
function frameFromRecords(header: string[], records: unknown[][], source: string): PriceFrame {
  if (header.length < 2) throw new PortfolioError('invalid_input', `${source}: expected a date column and at least one asset column`);
  const columns = header.slice(1).map((c) => String(c).trim());
  const seen = new Set<string>();
  columns.forEach((c, i) => {
    if (c === '') throw new PortfolioError('invalid_input', `${source}: column ${i + 2} has an empty name`);
    if (seen.has(c)) throw new PortfolioError('invalid_input', `${source}: duplicate column "${c}"`, { field: c });
    seen.add(c);
  });
  const dates: string[] = [];
  const values = columns.map(() => new Float64Array(records.length));
  records.forEach((rec, t) => {
    const line = t + 2;
    if (rec.length !== header.length) {
      throw new PortfolioError('invalid_input', `${source} line ${line}: ${rec.length} cells, expected ${header.length}`);
    }
    dates.push(String(rec[0] ?? '').trim());
    for (let c = 0; c < columns.length; c++) {
      const v = parseCell(rec[c + 1], `${source} line ${line}, column "${columns[c]}"`);
      if (v <= 0) {
        throw new PortfolioError('invalid_input', `${source} line ${line}, column "${columns[c]}": non-positive price ${v}`, {
          field: columns[c]!,
        });
      }
      values[c]![t] = v;
    }
  });
  return { dates, columns, values };
}

/** Parses CSV text of prices. Throws PortfolioError('invalid_input') naming the line/column of any bad cell. */
export function parsePriceCsv(text: string, source = 'prices'): PriceFrame {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    throw new PortfolioError('invalid_input', `${source}: not valid CSV (${(e as Error).message})`, { cause: e });
  }
  if (rows.length === 0) throw new PortfolioError('invalid_input', `${source}: the file is empty`);
  return frameFromRecords(rows[0]!, rows.slice(1), source);
}

/** Validates a JSON price table ({ dates, columns, rows }). */
export function priceFrameFromJson(table: PriceTableJson, source = 'prices'): PriceFrame {
  if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows)) {
    throw new PortfolioError('invalid_input', `${source}: expected { dates, columns, rows }`);
  }
  const dates = Array.isArray(table.dates) ? table.dates : table.rows.map((_, i) => String(i));
  if (dates.length !== table.rows.length) throw new PortfolioError('invalid_input', `${source}: dates and rows differ in length`);
  const records = table.rows.map((row, t) => {
    if (!Array.isArray(row)) throw new PortfolioError('invalid_input', `${source}: row ${t} is not an array`);
    return [dates[t], ...row];
  });
  return frameFromRecords(['date', ...table.columns.map(String)], records, source);
}

/** Keeps only the named columns, in the given order; unknown names are an error naming them. */
export function selectColumns(frame: PriceFrame, names: string[]): PriceFrame {
  const idx = names.map((n) => {
    const i = frame.columns.indexOf(n);
    if (i < 0) throw new PortfolioError('invalid_input', `unknown column "${n}" (known: ${frame.columns.join(', ')})`, { field: n });
    return i;
  });
  return { dates: frame.dates, columns: names, values: idx.map((i) => frame.values[i]!) };
}

/** The latest available (forward-filled) price of each column — PyPortfolioOpt's get_latest_prices. */
export function latestPrices(frame: PriceFrame): Float64Array {
  return Float64Array.from(frame.values, (col) => {
    for (let t = col.length - 1; t >= 0; t--) if (!Number.isNaN(col[t]!)) return col[t]!;
    return NaN;
  });
}
