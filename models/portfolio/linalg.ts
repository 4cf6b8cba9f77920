/** Small dense linear-algebra helpers on row-major Float64Array matrices (hot paths), with ml-matrix for eigen-decompositions. */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** A square symmetric matrix stored row-major: element (i, j) is `data[i * n + j]`. */
export interface SquareMatrix {
  readonly n: number;
  readonly data: Float64Array;
}

/** Builds a SquareMatrix from nested arrays (validated square). */
export function squareFromRows(rows: ReadonlyArray<ArrayLike<number>>): SquareMatrix {
  const n = rows.length;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== n) throw new RangeError(`row ${i} has ${r.length} entries, expected ${n}`);
    for (let j = 0; j < n; j++) data[i * n + j] = r[j]!;
  }
  return { n, data };
}

/** Nested-array copy of a SquareMatrix (for JSON output and tests). */
export function squareToRows(m: SquareMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.n; i++) out.push(Array.from(m.data.subarray(i * m.n, (i + 1) * m.n)));
  return out;
}

/** xᵀ y. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** A x for a row-major square A. */
export function matVec(a: SquareMatrix, x: ArrayLike<number>): Float64Array {
  const { n, data } = a;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += data[o + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** xᵀ A x. */
export function quadForm(a: SquareMatrix, x: ArrayLike<number>): number {
  return dot(x, matVec(a, x));
}

/**
 * Cholesky factor L (row-major lower triangular, A = L Lᵀ) or `undefined` when A is not
 * numerically positive definite (a pivot ≤ `relTol` × the largest diagonal entry).
 */
export function cholesky(a: SquareMatrix, relTol = 1e-14): Float64Array | undefined {
  const { n, data } = a;
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(data[i * n + i]!));
  const floor = relTol * (maxDiag || 1);
  for (let j = 0; j < n; j++) {
    let s = data[j * n + j]!;
    const oj = j * n;
    for (let k = 0; k < j; k++) s -= l[oj + k]! * l[oj + k]!;
    if (!(s > floor)) return undefined;
    const d = Math.sqrt(s);
    l[oj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let t = data[oi + j]!;
      for (let k = 0; k < j; k++) t -= l[oi + k]! * l[oj + k]!;
      l[oi + j] = t / d;
    }
  }
  return l;
}

/**
 * Solves the dense system M x = b (M is m×m row-major, overwritten copies are used) by Gaussian
 * elimination with partial pivoting. Returns `undefined` if M is numerically singular.
 */
export function solveDense(mIn: Float64Array, bIn: Float64Array, m: number): Float64Array | undefined {
  const a = Float64Array.from(mIn);
  const b = Float64Array.from(bIn);
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tiny = 1e-14 * (scale || 1);
  for (let k = 0; k < m; k++) {
    let p = k;
    let best = Math.abs(a[k * m + k]!);
    for (let i = k + 1; i < m; i++) {
      const v = Math.abs(a[i * m + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > tiny)) return undefined;
    if (p !== k) {
      for (let j = 0; j < m; j++) {
        const t = a[k * m + j]!;
        a[k * m + j] = a[p * m + j]!;
        a[p * m + j] = t;
      }
      const t = b[k]!;
      b[k] = b[p]!;
      b[p] = t;
    }
    const piv = a[k * m + k]!;
    for (let i = k + 1; i < m; i++) {
      const f = a[i * m + k]! / piv;
      if (f === 0) continue;
      for (let j = k; j < m; j++) a[i * m + j] = a[i * m + j]! - f * a[k * m + j]!;
      b[i] = b[i]! - f * b[k]!;
    }
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < m; j++) s -= a[i * m + j]! * x[j]!;
    x[i] = s / a[i * m + i]!;
  }
  return x;
}

/** Inverse of a square matrix by Gauss–Jordan elimination with partial pivoting (numpy.linalg.inv equivalent); `undefined` if singular. */
export function inverse(a: SquareMatrix): SquareMatrix | undefined {
  const { n } = a;
  const m = Float64Array.from(a.data);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]!));
  const tiny = 1e-14 * (scale || 1);
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(m[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(m[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > tiny)) return undefined;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        let t = m[k * n + j]!;
        m[k * n + j] = m[p * n + j]!;
        m[p * n + j] = t;
        t = inv[k * n + j]!;
        inv[k * n + j] = inv[p * n + j]!;
        inv[p * n + j] = t;
      }
    }
    const piv = m[k * n + k]!;
    for (let j = 0; j < n; j++) {
      m[k * n + j] = m[k * n + j]! / piv;
      inv[k * n + j] = inv[k * n + j]! / piv;
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = m[i * n + k]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        m[i * n + j] = m[i * n + j]! - f * m[k * n + j]!;
        inv[i * n + j] = inv[i * n + j]! - f * inv[k * n + j]!;
      }
    }
  }
  return { n, data: inv };
}

/** Eigen-decomposition of a symmetric matrix: ascending eigenvalues and the eigenvectors as columns (row-major). */
export function symmetricEigen(a: SquareMatrix): { values: Float64Array; vectors: SquareMatrix } {
  const evd = new EigenvalueDecomposition(new Matrix(squareToRows(a)), { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const vecs = evd.eigenvectorMatrix;
  const order = vals.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const n = a.n;
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach(([v, idx], k) => {
    values[k] = v;
    for (let i = 0; i < n; i++) vectors[i * n + k] = vecs.get(i, idx);
  });
  return { values, vectors: { n, data: vectors } };
}

/** Sum of all entries of the Moore–Penrose pseudo-inverse of a symmetric matrix (numpy.linalg.pinv rcond=1e-15). */
export function pinvSum(a: SquareMatrix): number {
  const { values, vectors } = symmetricEigen(a);
  const n = a.n;
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  let total = 0;
  for (let k = 0; k < n; k++) {
    const q = values[k]!;
    if (Math.abs(q) <= 1e-15 * maxAbs) continue;
    let s = 0;
    for (let i = 0; i < n; i++) s += vectors.data[i * n + k]!;
    total += (s * s) / q;
  }
  return total;
}
