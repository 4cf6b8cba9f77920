/**
 * Hierarchical Risk Parity (López de Prado 2016) exactly as PyPortfolioOpt 1.5's HRPOpt: correlation
 * distance √((1 − ρ)/2), scipy linkage, quasi-diagonal (pre-order) ordering, then recursive bisection with
 * inverse-variance cluster weights.
 */
import { PortfolioError } from './errors.ts';
import type { SquareMatrix } from './linalg.ts';
import { linkage, preOrder, type LinkageMethod, type LinkageRow } from './linkage.ts';
import { covToCorr } from './risk-models.ts';

/** HRP result: weights (in input order), the linkage matrix and the quasi-diagonal order. */
export interface HrpResult {
  weights: Float64Array;
  linkage: LinkageRow[];
  order: number[];
}

function clusterVar(cov: SquareMatrix, items: number[]): number {
  const n = cov.n;
  const w = items.map((i) => 1 / cov.data[i * n + i]!);
  const s = w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < w.length; k++) w[k] = w[k]! / s;
  let v = 0;
  for (let a = 0; a < items.length; a++) {
    let row = 0;
    for (let b = 0; b < items.length; b++) row += cov.data[items[a]! * n + items[b]!]! * w[b]!;
    v += w[a]! * row;
  }
  return v;
}

/**
 * HRP weights from a correlation matrix (clustering) and a covariance matrix (allocation).
 * PyPortfolioOpt uses `returns.corr()`/`returns.cov()` when given returns, or cov_to_corr(cov).round(6)
 * when given a covariance matrix — pass `roundCorrelation: true` for the latter.
 */
export function hrpWeights(
  cov: SquareMatrix,
  options: { corr?: SquareMatrix; linkage?: LinkageMethod; roundCorrelation?: boolean } = {},
): HrpResult {
  const n = cov.n;
  if (n < 1) throw new PortfolioError('invalid_input', 'HRP needs at least one asset');
  let corr = options.corr ?? covToCorr(cov);
  if (options.roundCorrelation) corr = { n, data: Float64Array.from(corr.data, (v) => roundHalfEven(v, 6)) };
  const dists = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (1 - corr.data[i * n + j]!) / 2;
      dists[k++] = Math.sqrt(Math.min(1, Math.max(0, v)));
    }
  }
  const Z = linkage(dists, n, options.linkage ?? 'single');
  const order = preOrder(Z, n);
  const w = new Float64Array(n).fill(1);
  let clusters: number[][] = [order];
  while (clusters.length > 0) {
    clusters = clusters.flatMap((c) => (c.length > 1 ? [c.slice(0, c.length >> 1), c.slice(c.length >> 1)] : []));
    for (let i = 0; i < clusters.length; i += 2) {
      const first = clusters[i]!;
      const second = clusters[i + 1]!;
      const v1 = clusterVar(cov, first);
      const v2 = clusterVar(cov, second);
      const alpha = 1 - v1 / (v1 + v2);
      for (const a of first) w[a] = w[a]! * alpha;
      for (const b of second) w[b] = w[b]! * (1 - alpha);
    }
  }
  return { weights: w, linkage: Z, order };
}

/** numpy.round semantics (round half to even at `digits` decimals). */
function roundHalfEven(v: number, digits: number): number {
  const f = 10 ** digits;
  const x = v * f;
  const r = Math.round(x);
  const rounded = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  return rounded / f;
}
