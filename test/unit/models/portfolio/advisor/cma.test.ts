/** Capital-market assumptions: the estimators against closed forms, and the committed cma.json against a rebuild from the data set. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildCma,
  commonWindow,
  isLastWeekdayOfMonth,
  jamesSteinMeans,
  loadCma,
  type CmaFile,
} from '../../../../../models/portfolio/advisor/cma.ts';
import { ADVISOR_UNIVERSE } from '../../../../../models/portfolio/advisor/universe.ts';
import { parsePriceCsv } from '../../../../../models/portfolio/frame.ts';
import { squareFromRows } from '../../../../../models/portfolio/linalg.ts';
import { loadConfig } from '../../../../../server/config/index.ts';

const config = loadConfig({});
const committed = JSON.parse(fs.readFileSync(config.portfolio.cmaPath, 'utf8')) as CmaFile;
const monthlyCsv = path.join(config.datasetsDir, 'asset_prices', 'adj_close_monthly.csv');

describe('jamesSteinMeans', () => {
  it('matches the Efron–Morris formula on an identity covariance', () => {
    const means = [0.01, 0.02, 0.03, 0.1, -0.02];
    const T = 4;
    const r = jamesSteinMeans(means, squareFromRows([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]), T);
    const mbar = means.reduce((a, b) => a + b) / means.length;
    const ss = means.reduce((s, m) => s + (m - mbar) ** 2, 0);
    const c = Math.max(0, 1 - (means.length - 3) / (T * ss));
    expect(r.target).toBeCloseTo(mbar, 15);
    expect(r.factor).toBeCloseTo(c, 12);
    r.means.forEach((m, i) => expect(m).toBeCloseTo(mbar + c * (means[i]! - mbar), 15));
  });

  it('shrinks all the way to the grand mean when the spread is noise, and keeps the mean', () => {
    const means = [0.011, 0.01, 0.009, 0.0105];
    const cov = squareFromRows([[0.01, 0, 0, 0], [0, 0.01, 0, 0], [0, 0, 0.01, 0], [0, 0, 0, 0.01]]);
    const r = jamesSteinMeans(means, cov, 12);
    expect(r.factor).toBe(0);
    r.means.forEach((m) => expect(m).toBeCloseTo(r.target, 15));
    // With a lot of data the same spread is signal: almost no shrinkage.
    expect(jamesSteinMeans(means, cov, 1e7).factor).toBeGreaterThan(0.99);
  });

  it('rejects too few assets', () => {
    expect(() => jamesSteinMeans([0.1, 0.2, 0.3], squareFromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), 10)).toThrow(/at least 4/);
  });
});

describe('month-end handling', () => {
  it('recognises complete month ends and partial last months', () => {
    expect(isLastWeekdayOfMonth('2025-08-29')).toBe(true); // Friday; 30–31 are a weekend
    expect(isLastWeekdayOfMonth('2025-09-26')).toBe(false); // the data set's partial last month
    expect(isLastWeekdayOfMonth('2024-12-31')).toBe(true);
  });

  it('starts the window when every asset has a price', () => {
    const csv = ['Date,A,B', ...Array.from({ length: 40 }, (_, t) => {
      const d = new Date(Date.UTC(2020, t + 1, 0));
      while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() - 1);
      return `${d.toISOString().slice(0, 10)},${100 + t},${t < 2 ? '' : 50 + t}`;
    })].join('\n');
    const { frame, droppedPartialMonth } = commonWindow(parsePriceCsv(csv));
    expect(frame.dates.length).toBe(38);
    expect(droppedPartialMonth).toBeNull();
  });
});

describe('committed cma.json', () => {
  const cma = loadCma(committed);

  it('loads, and names its provenance, window, method and parameters', () => {
    expect(cma.modelVersion).toMatch(/^moneta-cma@\d{4}-\d{2}\.\d+\+[0-9a-f]{8}$/);
    expect(committed.provenance.source).toBe('asset_prices/adj_close_monthly.csv');
    expect(committed.provenance.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(committed.provenance.window.start).toBe('2007-05-31');
    expect(committed.parameters.riskAversion).toBeGreaterThan(0);
    expect(cma.tickers).toHaveLength(21);
    for (const a of ADVISOR_UNIVERSE) expect(cma.tickers).toContain(a.ticker);
  });

  it('has sane, ordered assumptions: cash < bonds < stocks, vols from the data', () => {
    const er = (t: string) => committed.assets.find((a) => a.ticker === t)!.expectedReturn;
    const vol = (t: string) => committed.assets.find((a) => a.ticker === t)!.volatility;
    expect(er('BIL')).toBeCloseTo(committed.parameters.riskFreeRate, 3);
    expect(er('SHY')).toBeGreaterThan(er('BIL'));
    expect(er('IEF')).toBeGreaterThan(er('SHY'));
    expect(er('VTI')).toBeGreaterThan(er('LQD'));
    expect(er('EEM')).toBeGreaterThan(er('IEF'));
    expect(vol('BIL')).toBeLessThan(0.01);
    expect(vol('VTI')).toBeGreaterThan(0.12);
    expect(vol('VTI')).toBeLessThan(0.22);
    for (const a of committed.assets) {
      expect(a.expectedReturn).toBeGreaterThan(0);
      expect(a.expectedReturn).toBeLessThan(0.15);
      // The posterior lies between the equilibrium prior and the shrunk history.
      const lo = Math.min(a.equilibriumExcess, a.shrunkHistoricalExcess);
      const hi = Math.max(a.equilibriumExcess, a.shrunkHistoricalExcess);
      expect(a.posteriorExcess).toBeGreaterThanOrEqual(lo - 1e-9);
      expect(a.posteriorExcess).toBeLessThanOrEqual(hi + 1e-9);
    }
  });

  it('has the Black–Litterman posterior equal to the documented blend π + h(view − π), h = τY/(1 + τY)', () => {
    const { tau } = committed.parameters;
    const years = committed.provenance.window.years;
    const h = (tau * years) / (1 + tau * years);
    expect(committed.diagnostics.historyWeight).toBeCloseTo(h, 9);
    for (const a of committed.assets) {
      expect(a.posteriorExcess).toBeCloseTo(a.equilibriumExcess + h * (a.shrunkHistoricalExcess - a.equilibriumExcess), 8);
      expect(a.expectedReturn).toBeCloseTo(committed.parameters.riskFreeRate + a.posteriorExcess, 8);
    }
    // The prior is δΣw: the market portfolio's own excess return is δ·σ²_m.
    const w = committed.assets.map((a) => a.marketWeight);
    const excess = committed.assets.reduce((s, a, i) => s + w[i]! * a.equilibriumExcess, 0);
    expect(excess).toBeCloseTo(committed.parameters.riskAversion * committed.diagnostics.marketVolatility ** 2, 8);
  });

  it('rejects a hand-edited file', () => {
    const edited = structuredClone(committed);
    edited.assets[0]!.expectedReturn += 0.01;
    expect(() => loadCma(edited)).toThrow(/content hash/);
  });

  it.skipIf(!fs.existsSync(monthlyCsv))('is reproduced exactly by rebuilding from the data set', () => {
    const bytes = fs.readFileSync(monthlyCsv);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(committed.provenance.sha256);
    const rebuilt = buildCma(parsePriceCsv(bytes.toString('utf8')), committed.provenance, committed.parameters);
    expect(rebuilt.contentHash).toBe(committed.contentHash);
    expect(rebuilt.diagnostics).toEqual(committed.diagnostics);
  });
});
