/**
 * The Critical Line Algorithm (Markowitz; Bailey & López de Prado 2013), a line-by-line port of
 * PyPortfolioOpt 1.5's cla.py — turning points, purges, and the golden-section search for the maximum
 * Sharpe ratio (Sharpe at r_f = 0, as in cla.py) — so its results match PyPortfolioOpt's, including the
 * golden-section tolerance. Long/short bounds per asset are supported; the budget is Σw = 1.
 */
import { PortfolioError } from './errors.ts';
import { inverse, type SquareMatrix } from './linalg.ts';

type Vec = Float64Array;

/** Critical Line Algorithm solver over n assets. */
export class CriticalLineAlgorithm {
  readonly n: number;
  readonly mean: Vec;
  readonly cov: SquareMatrix;
  readonly lB: Vec;
  readonly uB: Vec;
  /** Turning points (weights), lambdas, gammas and free sets, as in cla.py. */
  w: Vec[] = [];
  ls: Array<number | null> = [];
  g: Array<number | null> = [];
  f: number[][] = [];

  constructor(mean: ArrayLike<number>, cov: SquareMatrix, bounds: { lower: ArrayLike<number>; upper: ArrayLike<number> }) {
    this.n = mean.length;
    if (cov.n !== this.n) throw new PortfolioError('invalid_input', 'covariance matrix does not match expected returns');
    this.mean = Float64Array.from(mean);
    this.cov = cov;
    this.lB = Float64Array.from(bounds.lower);
    this.uB = Float64Array.from(bounds.upper);
    if (this.lB.some((v) => !Number.isFinite(v)) || this.uB.some((v) => !Number.isFinite(v))) {
      throw new PortfolioError('invalid_input', 'the critical line algorithm needs finite weight bounds', { field: 'bounds' });
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < this.n; i++) {
      lo += this.lB[i]!;
      hi += this.uB[i]!;
    }
    if (lo > 1 + 1e-12 || hi < 1 - 1e-12) throw new PortfolioError('infeasible', 'the weight bounds cannot sum to 1', { field: 'bounds' });
  }

  private static infnone(x: number | null | undefined): number {
    return x === null || x === undefined ? -Infinity : x;
  }

  private initAlgo(): { f: number[]; w: Vec } {
    // Sort by mean (ties broken by index, as numpy's structured sort on ("id", "mu") does).
    const b = [...this.mean.keys()].sort((x, y) => this.mean[x]! - this.mean[y]! || x - y);
    let i = b.length;
    const w = Float64Array.from(this.lB);
    const sum = (v: Vec): number => v.reduce((a, c) => a + c, 0);
    while (sum(w) < 1) {
      i -= 1;
      w[b[i]!] = this.uB[b[i]!]!;
    }
    w[b[i]!] = w[b[i]!]! + (1 - sum(w));
    return { f: [b[i]!], w };
  }

  private sub(rows: number[], cols: number[]): number[][] {
    const n = this.n;
    return rows.map((r) => cols.map((c) => this.cov.data[r * n + c]!));
  }

  private getB(f: number[]): number[] {
    const inF = new Set(f);
    return [...Array(this.n).keys()].filter((i) => !inF.has(i));
  }

  private getMatrices(f: number[]): { covarFInv: number[][]; covarFB: number[][] | null; meanF: number[]; wB: number[] | null } {
    const covarF = this.sub(f, f);
    const inv = inverse({ n: f.length, data: Float64Array.from(covarF.flat()) });
    if (!inv) throw new PortfolioError('singular', 'the covariance matrix is singular: the critical line algorithm cannot continue');
    const covarFInv = [...Array(f.length).keys()].map((i) => Array.from(inv.data.subarray(i * f.length, (i + 1) * f.length)));
    const b = this.getB(f);
    const covarFB = b.length ? this.sub(f, b) : null;
    const last = this.w[this.w.length - 1]!;
    const wB = b.length ? b.map((i) => last[i]!) : null;
    return { covarFInv, covarFB, meanF: f.map((i) => this.mean[i]!), wB };
  }

  private static mv(m: number[][], v: number[]): number[] {
    return m.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
  }

  private static sumv(v: number[]): number {
    return v.reduce((a, b) => a + b, 0);
  }

  private computeW(covarFInv: number[][], covarFB: number[][] | null, meanF: number[], wB: number[] | null): { wF: number[]; g: number } {
    const onesF = meanF.map(() => 1);
    const invOnes = CriticalLineAlgorithm.mv(covarFInv, onesF);
    const invMean = CriticalLineAlgorithm.mv(covarFInv, meanF);
    const g1 = CriticalLineAlgorithm.sumv(invMean); // 1ᵀ Σ_F⁻¹ μ_F
    const g2 = CriticalLineAlgorithm.sumv(invOnes); // 1ᵀ Σ_F⁻¹ 1
    const lam = this.ls[this.ls.length - 1]!;
    let g: number;
    let w1: number[];
    if (wB === null || covarFB === null) {
      g = (-lam * g1) / g2 + 1 / g2;
      w1 = onesF.map(() => 0);
    } else {
      const g3 = CriticalLineAlgorithm.sumv(wB);
      // (Σ_F⁻¹ Σ_FB) w_B computed as Σ_F⁻¹ (Σ_FB w_B): same value up to rounding, O(f·b) instead of O(f²·b).
      w1 = CriticalLineAlgorithm.mv(covarFInv, CriticalLineAlgorithm.mv(covarFB, wB));
      const g4 = CriticalLineAlgorithm.sumv(w1);
      g = (-lam * g1) / g2 + (1 - g3 + g4) / g2;
    }
    const wF = onesF.map((_, i) => -w1[i]! + g * invOnes[i]! + lam * invMean[i]!);
    return { wF, g };
  }

  private computeLambda(
    covarFInv: number[][],
    covarFB: number[][] | null,
    meanF: number[],
    wB: number[] | null,
    i: number,
    bi: number | [number, number],
  ): { lam: number | null; bi: number } {
    const onesF = meanF.map(() => 1);
    const c4 = CriticalLineAlgorithm.mv(covarFInv, onesF);
    const c2 = CriticalLineAlgorithm.mv(covarFInv, meanF);
    const c1 = CriticalLineAlgorithm.sumv(c4);
    const c3 = CriticalLineAlgorithm.sumv(c2);
    const c = -c1 * c2[i]! + c3 * c4[i]!;
    if (c === 0) return { lam: null, bi: Array.isArray(bi) ? bi[0] : bi };
    let b: number;
    if (Array.isArray(bi)) b = c > 0 ? bi[1] : bi[0];
    else b = bi;
    if (wB === null || covarFB === null) return { lam: (c4[i]! - c1 * b) / c, bi: b };
    const l1 = CriticalLineAlgorithm.sumv(wB);
    const l3 = CriticalLineAlgorithm.mv(covarFInv, CriticalLineAlgorithm.mv(covarFB, wB));
    const l2 = CriticalLineAlgorithm.sumv(l3);
    return { lam: ((1 - l1 + l2) * c4[i]! - c1 * (b + l3[i]!)) / c, bi: b };
  }

  private solve(): void {
    const init = this.initAlgo();
    const f = init.f;
    const w = init.w;
    this.w.push(Float64Array.from(w));
    this.ls.push(null);
    this.g.push(null);
    this.f.push([...f]);
    for (let guard = 0; guard < 10 * this.n + 100; guard++) {
      // 1) case a): bound one free weight
      let lIn: number | null = null;
      let iIn = -1;
      let biIn = 0;
      if (f.length > 1) {
        const { covarFInv, covarFB, meanF, wB } = this.getMatrices(f);
        f.forEach((i, j) => {
          const { lam, bi } = this.computeLambda(covarFInv, covarFB, meanF, wB, j, [this.lB[i]!, this.uB[i]!]);
          if (CriticalLineAlgorithm.infnone(lam) > CriticalLineAlgorithm.infnone(lIn)) {
            lIn = lam;
            iIn = i;
            biIn = bi;
          }
        });
      }
      // 2) case b): free one bounded weight
      let lOut: number | null = null;
      let iOut = -1;
      if (f.length < this.n) {
        const last = this.w[this.w.length - 1]!;
        for (const i of this.getB(f)) {
          const { covarFInv, covarFB, meanF, wB } = this.getMatrices([...f, i]);
          const { lam } = this.computeLambda(covarFInv, covarFB, meanF, wB, meanF.length - 1, last[i]!);
          const prev = this.ls[this.ls.length - 1];
          if ((prev === null || prev === undefined || (lam !== null && lam < prev)) && CriticalLineAlgorithm.infnone(lam) > CriticalLineAlgorithm.infnone(lOut)) {
            lOut = lam;
            iOut = i;
          }
        }
      }
      let mats;
      if ((lIn === null || lIn < 0) && (lOut === null || lOut < 0)) {
        // 3) minimum variance solution
        this.ls.push(0);
        mats = this.getMatrices(f);
        mats.meanF = mats.meanF.map(() => 0);
      } else {
        // 4) decide lambda
        if (CriticalLineAlgorithm.infnone(lIn) > CriticalLineAlgorithm.infnone(lOut)) {
          this.ls.push(lIn);
          f.splice(f.indexOf(iIn), 1);
          w[iIn] = biIn;
        } else {
          this.ls.push(lOut);
          f.push(iOut);
        }
        mats = this.getMatrices(f);
      }
      // 5) solution vector
      const { wF, g } = this.computeW(mats.covarFInv, mats.covarFB, mats.meanF, mats.wB);
      f.forEach((idx, k) => (w[idx] = wF[k]!));
      this.w.push(Float64Array.from(w));
      this.g.push(g);
      this.f.push([...f]);
      if (this.ls[this.ls.length - 1] === 0) break;
    }
    this.purgeNumErr(10e-10);
    this.purgeExcess();
  }

  private purgeNumErr(tol: number): void {
    let i = 0;
    for (;;) {
      if (i === this.w.length) break;
      const wi = this.w[i]!;
      let flag = Math.abs(wi.reduce((a, b) => a + b, 0) - 1) > tol;
      if (!flag) {
        for (let j = 0; j < wi.length; j++) {
          if (wi[j]! - this.lB[j]! < -tol || wi[j]! - this.uB[j]! > tol) {
            flag = true;
            break;
          }
        }
      }
      if (flag) this.removeTurningPoint(i);
      else i++;
    }
  }

  private removeTurningPoint(i: number): void {
    this.w.splice(i, 1);
    this.ls.splice(i, 1);
    this.g.splice(i, 1);
    this.f.splice(i, 1);
  }

  private dotMean(w: Vec): number {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += w[k]! * this.mean[k]!;
    return s;
  }

  private purgeExcess(): void {
    let i = 0;
    let repeat = false;
    for (;;) {
      if (!repeat) i++;
      if (i >= this.w.length - 1) break;
      const mu = this.dotMean(this.w[i]!);
      let j = i + 1;
      repeat = false;
      for (;;) {
        if (j === this.w.length) break;
        const mu2 = this.dotMean(this.w[j]!);
        if (mu < mu2) {
          this.removeTurningPoint(i);
          repeat = true;
          break;
        }
        j++;
      }
    }
  }

  private variance(w: Vec): number {
    const n = this.n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.cov.data[i * n + j]! * w[j]!;
      v += w[i]! * s;
    }
    return v;
  }

  private evalSr(a: number, w0: Vec, w1: Vec): number {
    const w = Float64Array.from(w0, (v, k) => a * v + (1 - a) * w1[k]!);
    return this.dotMean(w) / Math.sqrt(this.variance(w));
  }

  /** cla.py's golden-section search (maximisation), same constants and iteration count. */
  private goldenSection(w0: Vec, w1: Vec): { a: number; value: number } {
    const tol = 1.0e-9;
    const sign = -1;
    let a = 0;
    let b = 1;
    const numIter = Math.ceil(-2.078087 * Math.log(tol / Math.abs(b - a)));
    const r = 0.618033989;
    const c = 1.0 - r;
    let x1 = r * a + c * b;
    let x2 = c * a + r * b;
    let f1 = sign * this.evalSr(x1, w0, w1);
    let f2 = sign * this.evalSr(x2, w0, w1);
    for (let i = 0; i < numIter; i++) {
      if (f1 > f2) {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = c * a + r * b;
        f2 = sign * this.evalSr(x2, w0, w1);
      } else {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = r * a + c * b;
        f1 = sign * this.evalSr(x1, w0, w1);
      }
    }
    return f1 < f2 ? { a: x1, value: sign * f1 } : { a: x2, value: sign * f2 };
  }

  private ensureSolved(): void {
    if (this.w.length === 0) this.solve();
  }

  /** Maximum-Sharpe portfolio (r_f = 0 inside the search, as cla.py). */
  maxSharpe(): Float64Array {
    this.ensureSolved();
    if (this.w.length < 2) return this.minVolatility();
    let best = -Infinity;
    let bestW: Vec | undefined;
    for (let i = 0; i < this.w.length - 1; i++) {
      const w0 = this.w[i]!;
      const w1 = this.w[i + 1]!;
      const { a, value } = this.goldenSection(w0, w1);
      if (value > best) {
        best = value;
        bestW = Float64Array.from(w0, (v, k) => a * v + (1 - a) * w1[k]!);
      }
    }
    return bestW!;
  }

  /** Minimum-variance turning point. */
  minVolatility(): Float64Array {
    this.ensureSolved();
    let best = Infinity;
    let bestW = this.w[0]!;
    for (const w of this.w) {
      const v = this.variance(w);
      if (v < best) {
        best = v;
        bestW = w;
      }
    }
    return Float64Array.from(bestW);
  }

  /** The efficient frontier by interpolating between turning points (cla.py efficient_frontier). */
  efficientFrontier(points = 100): { mu: number[]; sigma: number[]; weights: Float64Array[] } {
    this.ensureSolved();
    const mu: number[] = [];
    const sigma: number[] = [];
    const weights: Float64Array[] = [];
    const per = Math.floor(points / this.w.length);
    const linspace = (k: number): number[] => (k <= 1 ? (k === 1 ? [0] : []) : [...Array(k).keys()].map((j) => j / (k - 1)));
    for (let i = 0; i < this.w.length - 1; i++) {
      const w0 = this.w[i]!;
      const w1 = this.w[i + 1]!;
      const a = i === this.w.length - 2 ? linspace(per) : linspace(per).slice(0, -1);
      for (const j of a) {
        const w = Float64Array.from(w1, (v, k) => v * j + (1 - j) * w0[k]!);
        weights.push(w);
        mu.push(this.dotMean(w));
        sigma.push(Math.sqrt(this.variance(w)));
      }
    }
    return { mu, sigma, weights };
  }
}
