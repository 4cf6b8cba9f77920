/**
 * Platt scaling: p = σ(a·z + b) on a model's logit z, fitted by Newton's method on held-out predictions with Platt's
 * smoothed targets (Platt 1999; Lin, Lin & Weng 2007). Chosen over isotonic regression because it is smooth, so the
 * Integrated Gradients explanation can differentiate through it, and it needs few points (German: ~160 per fold).
 */

/** A fitted Platt calibration. */
export interface PlattCalibration {
  method: 'platt';
  a: number;
  b: number;
}

/** The logistic function, numerically safe for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Applies a Platt calibration to a logit. */
export function applyPlatt(cal: PlattCalibration, logit: number): number {
  return sigmoid(cal.a * logit + cal.b);
}

/** Fits Platt scaling to logits and 0/1 labels (1 = default). */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, maxIter = 100): PlattCalibration {
  const n = logits.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] === 1 ? 1 : 0;
  const neg = n - pos;
  // Platt's targets: (N+ + 1)/(N+ + 2) and 1/(N− + 2) instead of 1 and 0, which avoids overconfident fits.
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  const loss = (aa: number, bb: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const t = labels[i] === 1 ? hi : lo;
      const f = aa * logits[i]! + bb;
      // log(1 + e^f) − t·f, stable for either sign of f.
      s += (f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f))) - t * f;
    }
    return s;
  };
  let current = loss(a, b);
  for (let iter = 0; iter < maxIter; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const t = labels[i] === 1 ? hi : lo;
      const z = logits[i]!;
      const p = sigmoid(a * z + b);
      const d = p - t;
      const w = p * (1 - p);
      ga += d * z;
      gb += d;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-18) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Backtracking line search keeps Newton's method monotone.
    let step = 1;
    let next = loss(a - step * da, b - step * db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    a -= step * da;
    b -= step * db;
    if (Math.abs(current - next) < 1e-10 * Math.max(1, Math.abs(current))) {
      current = next;
      break;
    }
    current = next;
  }
  return { method: 'platt', a, b };
}
