/**
 * Integrated Gradients (Sundararajan, Taly & Yan 2017) for a calibrated credit model: how much each input moved the
 * probability of default away from a reference applicant's. Each input follows its own straight line between the
 * reference and the applicant: numbers on their transformed scale (log for amounts, so a path from 0 to NT$ 20,000
 * does not race through the steep part of the log near zero), mapped back to raw units for the ratio features;
 * categories blend linearly between the two one-hot vectors. The attributions of the raw inputs then add up to
 * PD(applicant) − PD(reference) (completeness), up to the midpoint rule's error, which the result reports.
 */
import { sigmoid, type PlattCalibration } from './calibration.ts';
import { ensembleLogitWithGradient, type EnsembleNetwork } from './dense-network.ts';
import { applyTransform, encode, inverseTransform, ratioWithGradient, transformDerivative, type Preprocessing } from './preprocessing.ts';
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

  // Numeric features without indicators follow a straight line on their transformed scale (s = T(x)); the raw value
  // along the path is T⁻¹(s), which the ratio features use. Everything else follows a straight line in encoded units.
  const numericPath = new Map<string, { transform: Parameters<typeof applyTransform>[0]; from: number; to: number }>();
  for (const f of pre.features) {
    if (f.kind === 'numeric' && !f.indicators) {
      numericPath.set(f.name, { transform: f.transform, from: applyTransform(f.transform, reference[f.name] as number), to: applyTransform(f.transform, applicant[f.name] as number) });
    }
  }
  for (const d of pre.derived) {
    if (!numericPath.has(d.numerator) || !numericPath.has(d.denominator)) {
      throw new Error(`derived feature ${d.name} must be built from plain numeric features`);
    }
  }
  /** Transformed value, raw value and d(raw)/dt of a numeric feature at path position t. */
  const at = (name: string, t: number): { s: number; raw: number; dRaw: number } => {
    const p = numericPath.get(name)!;
    const s = p.from + t * (p.to - p.from);
    const raw = inverseTransform(p.transform, s);
    const slope = transformDerivative(p.transform, raw);
    return { s, raw, dRaw: slope > 0 ? (p.to - p.from) / slope : 0 };
  };

  for (let step = 0; step < steps; step++) {
    const t = (step + 0.5) / steps;
    // Build the path point.
    for (const f of pre.features) {
      if (f.kind === 'numeric' && !f.indicators) {
        point[f.offset] = (at(f.name, t).s - f.mean) / f.std;
        continue;
      }
      const len = f.kind === 'one-hot' ? f.levels.length : 1 + (f.indicators?.length ?? 0);
      for (let j = 0; j < len; j++) point[f.offset + j] = refEnc[f.offset + j]! + t * (xEnc[f.offset + j]! - refEnc[f.offset + j]!);
    }
    for (const d of pre.derived) {
      const r = ratioWithGradient(d, at(d.numerator, t).raw, at(d.denominator, t).raw);
      point[d.offset] = (r.value - d.mean) / d.std;
    }
    probabilityWithGradient(net, cal, point, grad);
    // Chain rule back to the path parameter of each input feature.
    for (const f of pre.features) {
      let contribution = 0;
      if (f.kind === 'numeric' && !f.indicators) {
        const p = numericPath.get(f.name)!;
        contribution = (grad[f.offset]! / f.std) * (p.to - p.from);
      } else {
        const len = f.kind === 'one-hot' ? f.levels.length : 1 + (f.indicators?.length ?? 0);
        for (let j = 0; j < len; j++) contribution += grad[f.offset + j]! * (xEnc[f.offset + j]! - refEnc[f.offset + j]!);
      }
      totals.set(f.name, totals.get(f.name)! + contribution);
    }
    for (const d of pre.derived) {
      const num = at(d.numerator, t);
      const den = at(d.denominator, t);
      const r = ratioWithGradient(d, num.raw, den.raw);
      const g = grad[d.offset]! / d.std;
      totals.set(d.numerator, totals.get(d.numerator)! + g * r.dNum * num.dRaw);
      totals.set(d.denominator, totals.get(d.denominator)! + g * r.dDen * den.dRaw);
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
