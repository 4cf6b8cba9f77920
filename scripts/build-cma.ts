/**
 * `npm run build:cma`: derives the advisor's capital-market assumptions from the asset-price data set
 * (`<datasetsDir>/asset_prices/adj_close_monthly.csv`, read in place, never copied) and writes `models/portfolio/cma.json`.
 * Options: `--out <file>` (default: config portfolio.cmaPath), `--check` (rebuild in memory and fail if the committed
 * file's numbers differ, e.g. in CI or after a data update).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config/index.ts';
import { buildCma, DEFAULT_CMA_PARAMETERS } from '../models/portfolio/advisor/cma.ts';
import { parsePriceCsv } from '../models/portfolio/frame.ts';

const SOURCE = 'asset_prices/adj_close_monthly.csv';

function main(argv: string[]): number {
  const config = loadConfig(process.env);
  const outIdx = argv.indexOf('--out');
  const out = path.resolve(outIdx >= 0 && argv[outIdx + 1] ? argv[outIdx + 1]! : config.portfolio.cmaPath);
  const file = path.join(config.datasetsDir, SOURCE);
  if (!fs.existsSync(file)) {
    process.stderr.write(`error: ${file} not found; set MONETA_DATASETS_DIR to the folder holding asset_prices/\n`);
    return 1;
  }
  const bytes = fs.readFileSync(file);
  const prices = parsePriceCsv(bytes.toString('utf8'), SOURCE);
  const cma = buildCma(prices, {
    source: SOURCE,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    description:
      'Month-end adjusted closes (total-return series) of 21 US-listed asset-class ETFs, Yahoo Finance via yfinance, snapshot of jmlestevez-source/taa-dashboard@4e2c5c0 (see asset_prices/SOURCE.md).',
    command: 'npm run build:cma',
  }, DEFAULT_CMA_PARAMETERS);

  if (argv.includes('--check')) {
    const committed = JSON.parse(fs.readFileSync(out, 'utf8')) as { contentHash?: string };
    if (committed.contentHash !== cma.contentHash) {
      process.stderr.write(`error: ${out} is stale (content hash ${committed.contentHash} ≠ rebuilt ${cma.contentHash}); run npm run build:cma\n`);
      return 1;
    }
    process.stderr.write(`${out} is up to date (${cma.contentHash.slice(0, 8)})\n`);
    return 0;
  }

  fs.writeFileSync(out, `${JSON.stringify(cma, null, 1)}\n`);
  const d = cma.diagnostics;
  process.stderr.write(
    `CMA ${cma.version} from ${cma.provenance.window.start} to ${cma.provenance.window.end} (${cma.provenance.window.returns} monthly returns); ` +
      `Ledoit–Wolf δ=${d.ledoitWolfShrinkage.toFixed(4)}, James–Stein factor=${d.jamesSteinFactor.toFixed(4)}, history weight=${d.historyWeight.toFixed(4)}\n`,
  );
  for (const a of cma.assets) {
    process.stderr.write(
      `${a.ticker.padEnd(4)} ${a.inUniverse ? '*' : ' '} E[r]=${(100 * a.expectedReturn).toFixed(2).padStart(6)}%  vol=${(100 * a.volatility).toFixed(2).padStart(6)}%  ` +
        `prior=${(100 * a.equilibriumExcess).toFixed(2).padStart(5)}%  hist=${(100 * a.historicalExcess).toFixed(2).padStart(6)}%  JS=${(100 * a.shrunkHistoricalExcess).toFixed(2).padStart(6)}%\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ written: out, version: cma.version, contentHash: cma.contentHash })}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  if (process.env.MONETA_DEBUG === '1') process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
}
