/**
 * Scoring-rule and ranking metrics for probability-of-default models: ROC AUC, Kolmogorov–Smirnov, Brier score,
 * log loss, a calibration table and the cost-optimal cut-off for a cost matrix. Labels are 1 = default (bad).
 */

/** ROC AUC by the Mann–Whitney U statistic with average ranks for ties (equals the trapezoidal ROC area). */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) {
      pos++;
      rankSum += ranks[i]!;
    }
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Kolmogorov–Smirnov statistic: the largest gap between the score distributions of bads and goods. */
export function ksStatistic(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] === 1 ? 1 : 0;
  const neg = n - pos;
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (let i = 0; i < n; ) {
    // Move past all rows with the same score before measuring, so ties never split.
    let j = i;
    while (j < n && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!] === 1) tp++;
      else fp++;
      j++;
    }
    best = Math.max(best, Math.abs(tp / pos - fp / neg));
    i = j;
  }
  return best;
}

/** Mean squared error between predicted probabilities and outcomes. */
export function brierScore(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (probs[i]! - labels[i]!) ** 2;
  return s / labels.length;
}

/** Mean negative log-likelihood (natural log), probabilities clipped to [1e-15, 1 − 1e-15] as scikit-learn. */
export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]!));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}

/** One row of a calibration (reliability) table. */
export interface CalibrationBin {
  /** Bin bounds on the predicted probability. */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table over equal-count bins (deciles by default) of the predicted probability. */
export function calibrationTable(labels: ArrayLike<number>, probs: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]!);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0;
    let sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += probs[order[k]!]!;
      sy += labels[order[k]!]!;
    }
    out.push({
      from: probs[order[lo]!]!,
      to: probs[order[hi - 1]!]!,
      count: hi - lo,
      meanPredicted: sp / (hi - lo),
      observedRate: sy / (hi - lo),
    });
  }
  return out;
}

/** Costs of the two errors: accepting an applicant who defaults, rejecting one who repays. */
export interface CostMatrix {
  badAccepted: number;
  goodRejected: number;
}

/** The cut-off that minimises total cost on the given predictions (reject when probability ≥ threshold). */
export interface ThresholdChoice {
  threshold: number;
  /** Average cost per applicant at this threshold. */
  costPerApplicant: number;
  approvalRate: number;
  /** Bayes-optimal cut-off for perfectly calibrated probabilities: goodRejected / (goodRejected + badAccepted). */
  bayesThreshold: number;
  /** Average cost per applicant at the Bayes cut-off. */
  bayesCostPerApplicant: number;
}

/** Average cost per applicant when rejecting every probability ≥ threshold. */
export function costAt(labels: ArrayLike<number>, probs: ArrayLike<number>, threshold: number, costs: CostMatrix): number {
  let cost = 0;
  for (let i = 0; i < labels.length; i++) {
    const reject = probs[i]! >= threshold;
    if (!reject && labels[i] === 1) cost += costs.badAccepted;
    if (reject && labels[i] === 0) cost += costs.goodRejected;
  }
  return cost / labels.length;
}

/**
 * Searches every distinct predicted probability as a cut-off and returns the cheapest (the midpoint between
 * neighbouring scores, so the choice generalises to unseen scores). Also reports the Bayes cut-off c_FP/(c_FP+c_FN).
 */
export function costOptimalThreshold(labels: ArrayLike<number>, probs: ArrayLike<number>, costs: CostMatrix): ThresholdChoice {
  const sorted = [...new Set(Array.from(probs))].sort((a, b) => a - b);
  const candidates = [0, ...sorted.slice(1).map((p, i) => (p + sorted[i]!) / 2), 1.000001];
  let best = { threshold: 0.5, cost: Number.POSITIVE_INFINITY };
  for (const t of candidates) {
    const c = costAt(labels, probs, t, costs);
    if (c < best.cost - 1e-12) best = { threshold: t, cost: c };
  }
  let approved = 0;
  for (let i = 0; i < probs.length; i++) approved += probs[i]! < best.threshold ? 1 : 0;
  const bayes = costs.goodRejected / (costs.goodRejected + costs.badAccepted);
  return {
    threshold: best.threshold,
    costPerApplicant: best.cost,
    approvalRate: approved / probs.length,
    bayesThreshold: bayes,
    bayesCostPerApplicant: costAt(labels, probs, bayes, costs),
  };
}

/** Mean and sample standard deviation. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}
