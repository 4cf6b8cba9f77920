/**
 * The Critical Line Algorithm (Markowitz; Bailey & López de Prado 2013), a line-by-line port of
 * PyPortfolioOpt 1.5's cla.py — turning points, purges, and the golden-section search for the maximum
 * Sharpe ratio (Sharpe at r_f = 0, as in cla.py) — so its results match PyPortfolioOpt's, including the
 * golden-section tolerance. Long/short bounds per asset are supported; the budget is Σw = 1.
 */
import { PortfolioError } from './errors.ts';
import { inverse, type SquareMatrix } from './linalg.ts';

type Vec = Float64Array;

/** A cached Σ·v: the v it was computed for, the product, and incremental updates since the last full product. */
interface CovProduct {
  weights: Float64Array;
  product: Float64Array;
  updates: number;
}

/** Means and covariances of two turning points (the ends of a golden-section segment). */
interface Segment {
  m0: number;
  m1: number;
  v00: number;
  v01: number;
  v11: number;
}

/** Index-independent terms of cla.py's computeLambda for one free set. */
interface LambdaTerms {
  c1: number;
  c2: Float64Array;
  c3: number;
  c4: Float64Array;
  bounded: { l1: number; l2: number; l3: Float64Array } | null;
}

/** cla.py's getMatrices for one free set F, flat: Σ_F⁻¹ (f×f, row-major), μ_F, and Σ_FB·w_B with Σ w_B. */
interface FreeSetMatrices {
  nf: number;
  inv: Float64Array;
  meanF: Float64Array;
  bounded: { y: Float64Array; sumWB: number } | null;
}

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

  private getB(f: number[]): number[] {
    const inF = new Uint8Array(this.n);
    for (const i of f) inF[i] = 1;
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) if (!inF[i]) out.push(i);
    return out;
  }

  /** Σ_F⁻¹ for the free set `f` (rows and columns in f's order), kept from one turning point to the next. */
  private invCache: { f: number[]; inv: Float64Array; updates: number } | undefined;

  /**
   * Σ_F⁻¹, updated in O(f²) when F gained one asset at the end (bordered inverse) or lost one (the inverse's Schur
   * downdate), which is how F changes between turning points; cla.py re-inverts in O(f³) every time. A full inversion
   * every 32 updates keeps rounding from accumulating.
   */
  private inverseFor(f: number[]): Float64Array {
    const cache = this.invCache;
    let inv: Float64Array | undefined;
    let updates = 0;
    if (cache && cache.updates < 32) {
      const prev = cache.f;
      if (prev.length === f.length && prev.every((v, k) => v === f[k])) return cache.inv;
      if (f.length === prev.length + 1 && prev.every((v, k) => v === f[k])) inv = this.borderedInverse(prev, cache.inv, f[f.length - 1]!);
      else if (f.length === prev.length - 1) {
        let r = 0;
        while (r < f.length && prev[r] === f[r]) r++;
        if (prev.every((v, k) => k === r || v === f[k < r ? k : k - 1])) inv = CriticalLineAlgorithm.removeFromInverse(cache.inv, prev.length, r);
      }
      updates = cache.updates + 1;
    }
    if (!inv) {
      const nf = f.length;
      const data = new Float64Array(nf * nf);
      for (let a = 0; a < nf; a++) for (let b = 0; b < nf; b++) data[a * nf + b] = this.cov.data[f[a]! * this.n + f[b]!]!;
      const full = inverse({ n: nf, data });
      if (!full) throw new PortfolioError('singular', 'the covariance matrix is singular: the critical line algorithm cannot continue');
      inv = full.data;
      updates = 0;
    }
    this.invCache = { f: [...f], inv, updates };
    return inv;
  }

  /** [Σ_F, s; sᵀ, σ]⁻¹ from A = Σ_F⁻¹, s = Σ_F,i, σ = Σ_ii; undefined when the Schur complement vanishes (singular). */
  private borderedInverse(f: number[], A: Float64Array, i: number): Float64Array | undefined {
    const n = this.n;
    const m = f.length;
    const s = Float64Array.from(f, (r) => this.cov.data[r * n + i]!);
    const u = CriticalLineAlgorithm.mvFlat(A, m, s);
    let sU = 0;
    for (let a = 0; a < m; a++) sU += s[a]! * u[a]!;
    const sigma = this.cov.data[i * n + i]!;
    const k = sigma - sU;
    if (!(k > 1e-12 * Math.abs(sigma))) return undefined;
    const m1 = m + 1;
    const out = new Float64Array(m1 * m1);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) out[a * m1 + b] = A[a * m + b]! + (u[a]! * u[b]!) / k;
      out[a * m1 + m] = -u[a]! / k;
      out[m * m1 + a] = -u[a]! / k;
    }
    out[m * m1 + m] = 1 / k;
    return out;
  }

  /** The inverse of a matrix with row and column r removed, from the inverse B of the full m×m matrix. */
  private static removeFromInverse(B: Float64Array, m: number, r: number): Float64Array | undefined {
    const brr = B[r * m + r]!;
    if (!(Math.abs(brr) > 0)) return undefined;
    const m1 = m - 1;
    const out = new Float64Array(m1 * m1);
    for (let a = 0, oa = 0; a < m; a++) {
      if (a === r) continue;
      const bar = B[a * m + r]! / brr;
      for (let b = 0, ob = 0; b < m; b++) {
        if (b === r) continue;
        out[oa * m1 + ob] = B[a * m + b]! - bar * B[r * m + b]!;
        ob++;
      }
      oa++;
    }
    return out;
  }

  /** What cla.py's getMatrices yields, flat: Σ_F⁻¹, μ_F, and Σ_FB·w_B with Σ w_B (null when B is empty). */
  private getMatrices(f: number[]): FreeSetMatrices {
    const n = this.n;
    const inv = this.inverseFor(f);
    const b = this.getB(f);
    const last = this.w[this.w.length - 1]!;
    let bounded: FreeSetMatrices['bounded'] = null;
    if (b.length) {
      // Σ_FB w_B directly (cla.py forms Σ_FB then multiplies; same sums in the same order).
      const y = new Float64Array(f.length);
      for (let a = 0; a < f.length; a++) {
        let acc = 0;
        const row = f[a]! * n;
        for (const j of b) acc += this.cov.data[row + j]! * last[j]!;
        y[a] = acc;
      }
      let sumWB = 0;
      for (const j of b) sumWB += last[j]!;
      bounded = { y, sumWB };
    }
    return { nf: f.length, inv, meanF: Float64Array.from(f, (i) => this.mean[i]!), bounded };
  }

  private static mvFlat(m: Float64Array, nf: number, v: ArrayLike<number>): Float64Array {
    const out = new Float64Array(nf);
    for (let a = 0; a < nf; a++) {
      let acc = 0;
      for (let b = 0; b < nf; b++) acc += m[a * nf + b]! * v[b]!;
      out[a] = acc;
    }
    return out;
  }

  private static sumv(v: ArrayLike<number>): number {
    let acc = 0;
    for (let k = 0; k < v.length; k++) acc += v[k]!;
    return acc;
  }

  private computeW(m: FreeSetMatrices, meanF: Float64Array): { wF: Float64Array; g: number } {
    const onesF = new Float64Array(m.nf).fill(1);
    const invOnes = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, onesF);
    const invMean = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, meanF);
    const g1 = CriticalLineAlgorithm.sumv(invMean); // 1ᵀ Σ_F⁻¹ μ_F
    const g2 = CriticalLineAlgorithm.sumv(invOnes); // 1ᵀ Σ_F⁻¹ 1
    const lam = this.ls[this.ls.length - 1]!;
    let g: number;
    let w1: Float64Array;
    if (m.bounded === null) {
      g = (-lam * g1) / g2 + 1 / g2;
      w1 = new Float64Array(m.nf);
    } else {
      const g3 = m.bounded.sumWB;
      // (Σ_F⁻¹ Σ_FB) w_B computed as Σ_F⁻¹ (Σ_FB w_B): same value up to rounding, O(f·b) instead of O(f²·b).
      w1 = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, m.bounded.y);
      const g4 = CriticalLineAlgorithm.sumv(w1);
      g = (-lam * g1) / g2 + (1 - g3 + g4) / g2;
    }
    const wF = Float64Array.from(onesF, (_, i) => -w1[i]! + g * invOnes[i]! + lam * invMean[i]!);
    return { wF, g };
  }

  /** The parts of cla.py's computeLambda that do not depend on the asset index (Σ_F⁻¹1, Σ_F⁻¹μ_F, Σ_F⁻¹Σ_FB w_B, sums). */
  private lambdaTerms(m: FreeSetMatrices): LambdaTerms {
    const c4 = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, new Float64Array(m.nf).fill(1));
    const c2 = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, m.meanF);
    const c1 = CriticalLineAlgorithm.sumv(c4);
    const c3 = CriticalLineAlgorithm.sumv(c2);
    if (m.bounded === null) return { c1, c2, c3, c4, bounded: null };
    const l3 = CriticalLineAlgorithm.mvFlat(m.inv, m.nf, m.bounded.y);
    return { c1, c2, c3, c4, bounded: { l1: m.bounded.sumWB, l2: CriticalLineAlgorithm.sumv(l3), l3 } };
  }

  /** cla.py's computeLambda for free asset `i` (position in F), given the index-free terms. */
  private static lambdaAt(t: LambdaTerms, i: number, bi: number | [number, number]): { lam: number | null; bi: number } {
    const c = -t.c1 * t.c2[i]! + t.c3 * t.c4[i]!;
    if (c === 0) return { lam: null, bi: Array.isArray(bi) ? bi[0] : bi };
    let b: number;
    if (Array.isArray(bi)) b = c > 0 ? bi[1] : bi[0];
    else b = bi;
    if (t.bounded === null) return { lam: (t.c4[i]! - t.c1 * b) / c, bi: b };
    const { l1, l2, l3 } = t.bounded;
    return { lam: ((1 - l1 + l2) * t.c4[i]! - t.c1 * (b + l3[i]!)) / c, bi: b };
  }

  /**
   * cla.py's case b): for each bounded asset i, the lambda at which freeing it (F' = F ∪ {i}, i last) would start, i.e.
   * computeLambda(Σ_F'⁻¹, Σ_F'B', μ_F', w_B', last, w_i). Instead of inverting Σ_F' per candidate, it uses the bordered
   * (Schur complement) inverse: with A = Σ_F⁻¹, s = Σ_F,i, u = A s and k = Σ_ii − sᵀu,
   *   Σ_F'⁻¹ [x_F; x_i] = [A x_F + u (uᵀx_F − x_i)/k; (x_i − uᵀx_F)/k],
   * and Σ_F'B' w_B' = z − Σ_·,i w_i with z = Σ_·,B w_B (all of B). Only sums and the last component are needed, so each
   * candidate costs O(f²) (for k) instead of O(f³ + f·n). Equal to the direct computation up to rounding (checked
   * against the cla.py references in test/unit/models/portfolio).
   */
  /** Σ_·,B w_B between turning points (see covTimes). */
  private zState: CovProduct | undefined;

  /**
   * Σ·v for a v that changes in a few entries per turning point: updates the cached product by the changed columns
   * (O(n) each) instead of recomputing it (O(n²)); recomputed in full every 64 updates so rounding cannot accumulate.
   */
  private covTimes(state: CovProduct, v: Float64Array): Float64Array {
    const n = this.n;
    const S = this.cov.data;
    const changed: number[] = [];
    for (let j = 0; j < n; j++) if (v[j] !== state.weights[j]) changed.push(j);
    if (changed.length === 0) return state.product;
    if (state.updates >= 64 || changed.length > n / 4) {
      for (let r = 0; r < n; r++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += S[r * n + j]! * v[j]!;
        state.product[r] = acc;
      }
      state.updates = 0;
    } else {
      for (const j of changed) {
        const delta = v[j]! - state.weights[j]!;
        const row = j * n;
        for (let r = 0; r < n; r++) state.product[r] = state.product[r]! + S[row + r]! * delta;
      }
      state.updates++;
    }
    state.weights.set(v);
    return state.product;
  }

  private freeLambdas(f: number[], A: Float64Array, last: Vec): Array<{ i: number; lam: number | null }> {
    const n = this.n;
    const S = this.cov.data;
    const nf = f.length;
    const bounded = this.getB(f);
    // z = Σ_·,B w_B over all rows, as w_B·Σ (Σ symmetric), kept up to date from the weights that changed.
    const contribution = new Float64Array(n);
    for (const j of bounded) contribution[j] = last[j]!;
    const z = this.covTimes(this.zState ??= { weights: new Float64Array(n), product: new Float64Array(n), updates: 0 }, contribution);
    const muF = Float64Array.from(f, (r) => this.mean[r]!);
    const zF = Float64Array.from(f, (r) => z[r]!);
    const a1 = CriticalLineAlgorithm.mvFlat(A, nf, new Float64Array(nf).fill(1)); // A·1
    const aMu = CriticalLineAlgorithm.mvFlat(A, nf, muF); // A·μ_F
    const aZ = CriticalLineAlgorithm.mvFlat(A, nf, zF); // A·z_F
    const sumA1 = CriticalLineAlgorithm.sumv(a1);
    const sumAMu = CriticalLineAlgorithm.sumv(aMu);
    const sumAZ = CriticalLineAlgorithm.sumv(aZ);
    const sumB = bounded.reduce((acc, j) => acc + last[j]!, 0);
    const s = new Float64Array(nf);
    const out: Array<{ i: number; lam: number | null }> = [];
    for (const i of bounded) {
      for (let a = 0; a < nf; a++) s[a] = S[f[a]! * n + i]!;
      // u = A s; k = Σ_ii − sᵀu.
      let sAs = 0;
      let s1 = 0; // sᵀA1 = uᵀ1
      let sMu = 0; // sᵀAμ_F = uᵀμ_F
      let sZ = 0; // sᵀAz_F = uᵀz_F
      for (let a = 0; a < nf; a++) {
        let ua = 0;
        for (let b = 0; b < nf; b++) ua += A[a * nf + b]! * s[b]!;
        sAs += s[a]! * ua;
        s1 += s[a]! * a1[a]!;
        sMu += s[a]! * aMu[a]!;
        sZ += s[a]! * aZ[a]!;
      }
      const k = S[i * n + i]! - sAs;
      const wi = last[i]!;
      // Freeing i would make Σ_F' singular (cla.py's inversion fails there): not a candidate.
      if (!(k > 1e-12 * Math.abs(S[i * n + i]!))) {
        out.push({ i, lam: null });
        continue;
      }
      // M⁻¹x for x = [x_F; x_i]: sum = 1ᵀA x_F + (uᵀx_F − x_i)(uᵀ1 − 1)/k; last = (x_i − uᵀx_F)/k.
      // c4 = M⁻¹1 (x_F = 1, x_i = 1), c2 = M⁻¹μ (x_F = μ_F, x_i = μ_i). Inlined: this loop runs n times per turning point.
      const c4Sum = sumA1 + ((s1 - 1) * (s1 - 1)) / k;
      const c4Last = (1 - s1) / k;
      const c2Sum = sumAMu + ((sMu - this.mean[i]!) * (s1 - 1)) / k;
      const c2Last = (this.mean[i]! - sMu) / k;
      const c = -c4Sum * c2Last + c2Sum * c4Last;
      if (c === 0) {
        out.push({ i, lam: null });
        continue;
      }
      if (bounded.length === 1) {
        out.push({ i, lam: (c4Last - c4Sum * wi) / c });
        continue;
      }
      // l3 = M⁻¹x for x = Σ_F'B' w_B' = [z_F − s w_i; z_i − Σ_ii w_i].
      const uX = sZ - wi * sAs;
      const xi = z[i]! - S[i * n + i]! * wi;
      const l3Sum = sumAZ - wi * s1 + ((uX - xi) * (s1 - 1)) / k;
      const l3Last = (xi - uX) / k;
      const l1 = sumB - wi;
      out.push({ i, lam: ((1 - l1 + l3Sum) * c4Last - c4Sum * (wi + l3Last)) / c });
    }
    return out;
  }

  private solve(): void {
    const init = this.initAlgo();
    const f = init.f;
    const w = init.w;
    this.w.push(Float64Array.from(w));
    this.ls.push(null);
    this.g.push(null);
    this.f.push([...f]);
    let justBounded = -1;
    for (let guard = 0; guard < 10 * this.n + 100; guard++) {
      // 1) case a): bound one free weight. cla.py recomputes Σ_F⁻¹1, Σ_F⁻¹μ_F and Σ_F⁻¹Σ_FB·w_B for every free asset;
      // they do not depend on which one, so they are computed once here (same arithmetic, same values).
      let lIn: number | null = null;
      let iIn = -1;
      let biIn = 0;
      const current = this.getMatrices(f);
      if (f.length > 1) {
        const terms = this.lambdaTerms(current);
        f.forEach((i, j) => {
          const { lam, bi } = CriticalLineAlgorithm.lambdaAt(terms, j, [this.lB[i]!, this.uB[i]!]);
          if (CriticalLineAlgorithm.infnone(lam) > CriticalLineAlgorithm.infnone(lIn)) {
            lIn = lam;
            iIn = i;
            biIn = bi;
          }
        });
      }
      // 2) case b): free one bounded weight. cla.py inverts Σ over F ∪ {i} for every bounded i (O(n·f³) per turning
      // point, which made 200 assets take minutes); the bordered inverse follows from Σ_F⁻¹ in O(f²) (see freeLambdas).
      let lOut: number | null = null;
      let iOut = -1;
      if (f.length < this.n) {
        const last = this.w[this.w.length - 1]!;
        const prev = this.ls[this.ls.length - 1];
        for (const { i, lam } of this.freeLambdas(f, current.inv, last)) {
          // cla.py's `lam < prev`. The asset bounded at the previous turning point comes back with lam == prev in exact
          // arithmetic; a 1-ulp rounding difference (the bordered inverse rounds differently from a fresh inversion)
          // must not free it again, which would cycle between two turning points. Other assets may tie (simultaneous
          // events), as in cla.py.
          const below = lam !== null && (i === justBounded ? lam < prev! - 1e-12 * Math.max(1, Math.abs(prev!)) : lam < prev!);
          if ((prev === null || prev === undefined || below) && CriticalLineAlgorithm.infnone(lam) > CriticalLineAlgorithm.infnone(lOut)) {
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
        mats = { ...mats, meanF: new Float64Array(mats.nf) };
      } else {
        // 4) decide lambda
        if (CriticalLineAlgorithm.infnone(lIn) > CriticalLineAlgorithm.infnone(lOut)) {
          this.ls.push(lIn);
          f.splice(f.indexOf(iIn), 1);
          w[iIn] = biIn;
          justBounded = iIn;
        } else {
          this.ls.push(lOut);
          f.push(iOut);
          justBounded = -1;
        }
        mats = this.getMatrices(f);
      }
      // 5) solution vector
      const { wF, g } = this.computeW(mats, mats.meanF);
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

  /**
   * cla.py's purge_excess: drop every inner turning point (not the first or the last) whose expected return is below
   * that of some later one. cla.py rescans the tail for each point and recomputes each mean there (O(T²·n) for T
   * turning points, ~1,000 at 200 assets). The tail's maximum never changes as points are dropped (a point is dropped
   * only for a larger one after it, which stays or is dropped for a larger one still), so one backward pass over
   * precomputed means keeps exactly the same points.
   */
  private purgeExcess(): void {
    const count = this.w.length;
    if (count < 3) return;
    const mu = this.w.map((w) => this.dotMean(w));
    const keep = new Array<boolean>(count).fill(true);
    let tailMax = mu[count - 1]!;
    for (let i = count - 2; i >= 1; i--) {
      if (mu[i]! < tailMax) keep[i] = false;
      tailMax = Math.max(tailMax, mu[i]!);
    }
    for (let i = count - 2; i >= 1; i--) if (!keep[i]) this.removeTurningPoint(i);
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

  /**
   * Sharpe ratio (r_f = 0) of a·w0 + (1 − a)·w1. cla.py forms the blend and its variance (O(n²)) at every golden-section
   * step; mean and variance are quadratic in a, so the segment's three moments are computed once (`segment`) and each
   * step is O(1). Same value up to rounding.
   */
  private evalSr(a: number, seg: Segment): number {
    const b = 1 - a;
    const mean = a * seg.m0 + b * seg.m1;
    const variance = a * a * seg.v00 + 2 * a * b * seg.v01 + b * b * seg.v11;
    return mean / Math.sqrt(variance);
  }

  /** The moments of the segment between two turning points that `evalSr` needs (Σw via consecutive updates). */
  private segment(w0: Vec, w1: Vec): Segment {
    const n = this.n;
    const state = (this.segmentState ??= { weights: new Float64Array(n), product: new Float64Array(n), updates: 0 });
    const s0 = Float64Array.from(this.covTimes(state, w0));
    const s1 = this.covTimes(state, w1);
    let v00 = 0;
    let v01 = 0;
    let v11 = 0;
    for (let i = 0; i < n; i++) {
      v00 += w0[i]! * s0[i]!;
      v01 += w1[i]! * s0[i]!;
      v11 += w1[i]! * s1[i]!;
    }
    return { m0: this.dotMean(w0), m1: this.dotMean(w1), v00, v01, v11 };
  }

  /** Σw for the golden-section segments (consecutive turning points differ in a few weights). */
  private segmentState: CovProduct | undefined;

  /** cla.py's golden-section search (maximisation), same constants and iteration count. */
  private goldenSection(w0: Vec, w1: Vec): { a: number; value: number } {
    const seg = this.segment(w0, w1);
    const tol = 1.0e-9;
    const sign = -1;
    let a = 0;
    let b = 1;
    const numIter = Math.ceil(-2.078087 * Math.log(tol / Math.abs(b - a)));
    const r = 0.618033989;
    const c = 1.0 - r;
    let x1 = r * a + c * b;
    let x2 = c * a + r * b;
    let f1 = sign * this.evalSr(x1, seg);
    let f2 = sign * this.evalSr(x2, seg);
    for (let i = 0; i < numIter; i++) {
      if (f1 > f2) {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = c * a + r * b;
        f2 = sign * this.evalSr(x2, seg);
      } else {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = r * a + c * b;
        f1 = sign * this.evalSr(x1, seg);
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
    // wᵀΣw per turning point with Σw updated from the previous point's (consecutive points differ in a few weights).
    const state: CovProduct = { weights: new Float64Array(this.n), product: new Float64Array(this.n), updates: 0 };
    for (const w of this.w) {
      const sw = this.covTimes(state, w);
      let v = 0;
      for (let i = 0; i < this.n; i++) v += w[i]! * sw[i]!;
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
