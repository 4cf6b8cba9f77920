/**
 * Turns applicants into model input vectors: one-hot for categories, transform (log for amounts) + standardisation
 * for numbers, optional level indicators, and ratio features. Fitted on training rows only (means and standard
 * deviations), serialised as `preprocessing.json` next to the weights, and used unchanged at serving time — the same
 * code path for training, batch and single applicants, so the encodings cannot drift apart.
 */
import type { Applicant, DerivedFeatureSpec, ModelSchema, NumericTransform } from './schema.ts';

/** A fitted encoder for one input feature. */
export type FittedFeature =
  | { name: string; kind: 'one-hot'; levels: string[]; offset: number }
  | {
      name: string;
      kind: 'numeric';
      transform: NumericTransform;
      mean: number;
      std: number;
      indicators?: number[];
      offset: number;
    };

/** A fitted ratio feature. */
export interface FittedDerived extends DerivedFeatureSpec {
  mean: number;
  std: number;
  offset: number;
}

/** Everything needed to encode an applicant, as stored in `preprocessing.json`. */
export interface Preprocessing {
  format: 'moneta-credit-preprocessing/1';
  /** Encoded column names, in order. */
  columns: string[];
  features: FittedFeature[];
  derived: FittedDerived[];
}

/** y = T(x) for the numeric transforms. */
export function applyTransform(t: NumericTransform, x: number): number {
  switch (t) {
    case 'identity':
      return x;
    case 'log':
      return Math.log(Math.max(x, 1e-9));
    case 'log1p':
      return Math.log1p(Math.max(x, 0));
    case 'signed-log1p':
      return Math.sign(x) * Math.log1p(Math.abs(x));
  }
}

/** x = T⁻¹(y), the inverse of `applyTransform` on its range. */
export function inverseTransform(t: NumericTransform, y: number): number {
  switch (t) {
    case 'identity':
      return y;
    case 'log':
      return Math.exp(y);
    case 'log1p':
      return Math.expm1(Math.max(y, 0));
    case 'signed-log1p':
      return Math.sign(y) * Math.expm1(Math.abs(y));
  }
}

/** dT/dx, for the attribution's chain rule. */
export function transformDerivative(t: NumericTransform, x: number): number {
  switch (t) {
    case 'identity':
      return 1;
    case 'log':
      return 1 / Math.max(x, 1e-9);
    case 'log1p':
      return x > 0 ? 1 / (1 + x) : 0;
    case 'signed-log1p':
      return 1 / (1 + Math.abs(x));
  }
}

/** The raw (unstandardised) ratio and its partial derivatives with respect to numerator and denominator. */
export function ratioWithGradient(d: DerivedFeatureSpec, num: number, den: number): { value: number; dNum: number; dDen: number } {
  const floored = Math.max(den, d.denominatorFloor);
  const raw = num / floored;
  const [lo, hi] = d.clip;
  if (raw <= lo || raw >= hi) return { value: Math.min(hi, Math.max(lo, raw)), dNum: 0, dDen: 0 };
  return { value: raw, dNum: 1 / floored, dDen: den > d.denominatorFloor ? -num / (floored * floored) : 0 };
}

function indicatorIndex(levels: readonly number[], x: number): number {
  const clamped = Math.min(levels[levels.length - 1]!, Math.max(levels[0]!, Math.round(x)));
  return levels.indexOf(clamped);
}

function meanStd(values: Float64Array): { mean: number; std: number } {
  let m = 0;
  for (const v of values) m += v;
  m /= values.length;
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  const std = Math.sqrt(s / values.length);
  // A constant column in a training fold must not divide by zero.
  return { mean: m, std: std > 1e-9 ? std : 1 };
}

/** Fits the encoders on training rows (only those rows: call it once per training fold). */
export function fitPreprocessing(schema: ModelSchema, rows: readonly Applicant[]): Preprocessing {
  const columns: string[] = [];
  const features: FittedFeature[] = [];
  for (const spec of schema.features) {
    const offset = columns.length;
    if (spec.type === 'categorical') {
      // All schema levels get a column (not just those seen in this fold), so every fold has the same layout.
      const levels = spec.options.map((o) => o.value);
      columns.push(...levels.map((l) => `${spec.name}=${l}`));
      features.push({ name: spec.name, kind: 'one-hot', levels, offset });
      continue;
    }
    const values = Float64Array.from(rows, (r) => applyTransform(spec.encoding.transform, r[spec.name] as number));
    const { mean, std } = meanStd(values);
    columns.push(spec.encoding.transform === 'identity' ? spec.name : `${spec.encoding.transform}(${spec.name})`);
    const indicators = spec.encoding.indicators;
    if (indicators) columns.push(...indicators.map((l) => `${spec.name}==${l}`));
    features.push({ name: spec.name, kind: 'numeric', transform: spec.encoding.transform, mean, std, offset, ...(indicators ? { indicators } : {}) });
  }
  const derived: FittedDerived[] = [];
  for (const d of schema.derived) {
    const values = Float64Array.from(rows, (r) => ratioWithGradient(d, r[d.numerator] as number, r[d.denominator] as number).value);
    const { mean, std } = meanStd(values);
    derived.push({ ...d, mean, std, offset: columns.length });
    columns.push(d.name);
  }
  return { format: 'moneta-credit-preprocessing/1', columns, features, derived };
}

/** Writes the encoding of one applicant into `out` at `at` (row-major matrices use at = row × width). */
export function encodeInto(pre: Preprocessing, applicant: Applicant, out: Float32Array, at = 0): void {
  for (const f of pre.features) {
    const v = applicant[f.name];
    if (f.kind === 'one-hot') {
      for (let j = 0; j < f.levels.length; j++) out[at + f.offset + j] = f.levels[j] === v ? 1 : 0;
      continue;
    }
    const x = v as number;
    out[at + f.offset] = (applyTransform(f.transform, x) - f.mean) / f.std;
    if (f.indicators) {
      const hit = indicatorIndex(f.indicators, x);
      for (let j = 0; j < f.indicators.length; j++) out[at + f.offset + 1 + j] = j === hit ? 1 : 0;
    }
  }
  for (const d of pre.derived) {
    const { value } = ratioWithGradient(d, applicant[d.numerator] as number, applicant[d.denominator] as number);
    out[at + d.offset] = (value - d.mean) / d.std;
  }
}

/** Encodes one applicant. */
export function encode(pre: Preprocessing, applicant: Applicant): Float32Array {
  const out = new Float32Array(pre.columns.length);
  encodeInto(pre, applicant, out);
  return out;
}

/** Encodes many applicants into a row-major matrix (rows × columns). */
export function encodeMatrix(pre: Preprocessing, applicants: readonly Applicant[]): Float32Array {
  const width = pre.columns.length;
  const out = new Float32Array(applicants.length * width);
  applicants.forEach((a, i) => encodeInto(pre, a, out, i * width));
  return out;
}
