/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares): the
 * baseline every credit-scoring comparison reports (Lessmann et al. 2015 use it as the industry benchmark).
 * The problem is small (≤ ~100 encoded columns), so an exact Newton solve converges in a handful of iterations.
 */
import { sigmoid } from './calibration.ts';

/** Coefficients: `weights[j]` for encoded column j, and the intercept. */
export interface LogisticModel {
  weights: Float64Array;
  intercept: number;
}

/** Solves A x = b for a symmetric positive-definite A (row-major n×n) by Cholesky decomposition. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Fits minimise Σ w_i·logloss_i + (λ/2)‖β‖² (intercept unpenalised) on the rows of a row-major matrix `x`
 * (n rows × d columns). λ is on the scale of the summed loss, like scikit-learn's 1/C.
 */
export function fitLogisticRegression(
  x: Float32Array,
  y: ArrayLike<number>,
  d: number,
  rows: readonly number[],
  lambda: number,
  maxIter = 50,
): LogisticModel {
  const p = d + 1; // last coefficient is the intercept
  let beta = new Float64Array(p);
  for (let iter = 0; iter < maxIter; iter++) {
    const grad = new Float64Array(p);
    const hess = new Float64Array(p * p);
    for (const r of rows) {
      const off = r * d;
      let z = beta[d]!;
      for (let j = 0; j < d; j++) z += beta[j]! * x[off + j]!;
      const prob = sigmoid(z);
      const g = prob - y[r]!;
      const w = Math.max(prob * (1 - prob), 1e-10);
      for (let j = 0; j < p; j++) {
        const xj = j === d ? 1 : x[off + j]!;
        if (xj === 0) continue;
        grad[j] = grad[j]! + g * xj;
        for (let k = 0; k <= j; k++) {
          const xk = k === d ? 1 : x[off + k]!;
          if (xk !== 0) hess[j * p + k] = hess[j * p + k]! + w * xj * xk;
        }
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) hess[k * p + j] = hess[j * p + k]!;
    for (let j = 0; j < d; j++) {
      grad[j] = grad[j]! + lambda * beta[j]!;
      hess[j * p + j] = hess[j * p + j]! + lambda;
    }
    hess[d * p + d] = hess[d * p + d]! + 1e-8;
    const step = choleskySolve(hess, grad, p);
    let maxStep = 0;
    const next = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      next[j] = beta[j]! - step[j]!;
      maxStep = Math.max(maxStep, Math.abs(step[j]!));
    }
    beta = next;
    if (maxStep < 1e-8) break;
  }
  return { weights: beta.slice(0, d), intercept: beta[d]! };
}

/** The model's logit for row `r` of a row-major matrix. */
export function logisticLogit(model: LogisticModel, x: Float32Array, d: number, r: number): number {
  let z = model.intercept;
  const off = r * d;
  for (let j = 0; j < d; j++) z += model.weights[j]! * x[off + j]!;
  return z;
}
