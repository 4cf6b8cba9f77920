/**
 * Integrated Gradients (Sundararajan, Taly & Yan 2017) for a calibrated credit model: how much each input moved the
 * probability of default away from a reference applicant's. The path runs in the applicant's own terms — numbers
 * move linearly from the reference value to the applicant's (through the log transform and the ratio features),
 * categories blend linearly between the two one-hot vectors — so the attributions of the raw inputs add up to
 * PD(applicant) − PD(reference) (completeness), up to the error of the midpoint rule, which the result reports.
 */
import { sigmoid, type PlattCalibration } from './calibration.ts';
import { ensembleLogitWithGradient, type EnsembleNetwork } from './dense-network.ts';
import { encode, ratioWithGradient, transformDerivative, applyTransform, type Preprocessing } from './preprocessing.ts';
import type { Applicant } from './schema.ts';

/** Attribution of each input feature (probability points), plus the quantities completeness relates. */
export interface Attribution {
  /** Feature name → contribution to PD(applicant) − PD(reference). */
  byFeature: Record<string, number>;
  probability: number;
  referenceProbability: number;
  /** (PD − PD_ref) − Σ contributions: the integration error (should be ~0). */
  completenessGap: number;
  steps: number;
}

/** The calibrated probability of default and its gradient with respect to the encoded input. */
function probabilityWithGradient(net: EnsembleNetwork, cal: PlattCalibration, x: Float32Array, grad: Float64Array): number {
  const logit = ensembleLogitWithGradient(net, x, grad);
  const p = sigmoid(cal.a * logit + cal.b);
  const scale = p * (1 - p) * cal.a;
  for (let i = 0; i < net.inputs; i++) grad[i] = grad[i]! * scale;
  return p;
}

/**
 * Computes Integrated Gradients attributions with `steps` midpoint-rule evaluations along the path from `reference`
 * to `applicant`.
 */
export function integratedGradients(
  pre: Preprocessing,
  net: EnsembleNetwork,
  cal: PlattCalibration,
  applicant: Applicant,
  reference: Applicant,
  steps = 128,
): Attribution {
  const width = pre.columns.length;
  const xEnc = encode(pre, applicant);
  const refEnc = encode(pre, reference);
  const point = new Float32Array(width);
  const grad = new Float64Array(width);
  const totals = new Map<string, number>(pre.features.map((f) => [f.name, 0]));

  // Numeric features without indicators follow a straight line in raw units; everything else in encoded units.
  const rawPath = new Map<string, { from: number; to: number }>();
  for (const f of pre.features) {
    if (f.kind === 'numeric' && !f.indicators) rawPath.set(f.name, { from: reference[f.name] as number, to: applicant[f.name] as number });
  }
  for (const d of pre.derived) {
    if (!rawPath.has(d.numerator) || !rawPath.has(d.denominator)) {
      throw new Error(`derived feature ${d.name} must be built from plain numeric features`);
    }
  }
  const rawAt = (name: string, t: number): number => {
    const p = rawPath.get(name)!;
    return p.from + t * (p.to - p.from);
  };

  for (let s = 0; s < steps; s++) {
    const t = (s + 0.5) / steps;
    // Build the path point.
    for (const f of pre.features) {
      if (f.kind === 'numeric' && !f.indicators) {
        point[f.offset] = (applyTransform(f.transform, rawAt(f.name, t)) - f.mean) / f.std;
        continue;
      }
      const len = f.kind === 'one-hot' ? f.levels.length : 1 + (f.indicators?.length ?? 0);
      for (let j = 0; j < len; j++) point[f.offset + j] = refEnc[f.offset + j]! + t * (xEnc[f.offset + j]! - refEnc[f.offset + j]!);
    }
    for (const d of pre.derived) {
      const r = ratioWithGradient(d, rawAt(d.numerator, t), rawAt(d.denominator, t));
      point[d.offset] = (r.value - d.mean) / d.std;
    }
    probabilityWithGradient(net, cal, point, grad);
    // Chain rule back to the path parameter of each input feature.
    for (const f of pre.features) {
      let contribution = 0;
      if (f.kind === 'numeric' && !f.indicators) {
        const p = rawPath.get(f.name)!;
        contribution = grad[f.offset]! * (transformDerivative(f.transform, rawAt(f.name, t)) / f.std) * (p.to - p.from);
      } else {
        const len = f.kind === 'one-hot' ? f.levels.length : 1 + (f.indicators?.length ?? 0);
        for (let j = 0; j < len; j++) contribution += grad[f.offset + j]! * (xEnc[f.offset + j]! - refEnc[f.offset + j]!);
      }
      totals.set(f.name, totals.get(f.name)! + contribution);
    }
    for (const d of pre.derived) {
      const num = rawPath.get(d.numerator)!;
      const den = rawPath.get(d.denominator)!;
      const r = ratioWithGradient(d, rawAt(d.numerator, t), rawAt(d.denominator, t));
      const g = grad[d.offset]! / d.std;
      totals.set(d.numerator, totals.get(d.numerator)! + g * r.dNum * (num.to - num.from));
      totals.set(d.denominator, totals.get(d.denominator)! + g * r.dDen * (den.to - den.from));
    }
  }

  const byFeature: Record<string, number> = {};
  let sum = 0;
  for (const [name, total] of totals) {
    byFeature[name] = total / steps;
    sum += total / steps;
  }
  const probability = probabilityWithGradient(net, cal, xEnc, grad);
  const referenceProbability = probabilityWithGradient(net, cal, refEnc, grad);
  return { byFeature, probability, referenceProbability, completenessGap: probability - referenceProbability - sum, steps };
}
