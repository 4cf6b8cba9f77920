/**
 * The self-description every credit model ships with (`schema.json`): its input features as questionnaire items
 * (question, type, allowed values or range, unit, encoding, "why we ask"), derived features, reason groups and the
 * attributes deliberately left out. Also validates an applicant's features against it, naming every bad field.
 */

/** One allowed value of a categorical feature. */
export interface ChoiceOption {
  /** Canonical value used by the API and the chat (e.g. "below_0"). */
  value: string;
  /** Plain-language label for buttons and documentation. */
  label: string;
  /** The data set's own code for this value (e.g. UCI "A11"), also accepted as input. */
  code?: string;
  /** Other ways customers say it (chat matching). */
  synonyms?: string[];
  /** Describes an applicant with this value, for reason texts ("your checking account is overdrawn"). */
  phrase: string;
}

/** Monotone transform applied before standardisation; log variants compress long-tailed amounts. */
export type NumericTransform = 'identity' | 'log' | 'log1p' | 'signed-log1p';

interface FeatureBase {
  /** API / chat slot name (snake_case). */
  name: string;
  /** Short label ("Checking account"). */
  label: string;
  /** The question as asked in the chat questionnaire. */
  question: string;
  /** Answer to "why do you ask?". */
  why: string;
  /** Words that name this feature in a chat correction ("make the duration 24 months"). */
  aliases?: string[];
  /** The original column in the data set's file format (documentation). */
  source: string;
}

/** A categorical input, one-hot encoded. */
export interface CategoricalFeatureSpec extends FeatureBase {
  type: 'categorical';
  options: ChoiceOption[];
  encoding: { kind: 'one-hot' };
}

/** A numeric input: transformed, then standardised with training-fold statistics; optionally also level indicators. */
export interface NumericFeatureSpec extends FeatureBase {
  type: 'number';
  /** Allowed range (the training data's support, rounded outward): values outside are rejected. */
  min: number;
  max: number;
  integer: boolean;
  unit?: string;
  encoding: {
    kind: 'standardised';
    transform: NumericTransform;
    /**
     * Extra one-hot indicators of round(clamp(value, first, last)) over these levels. Used for the Taiwan repayment
     * status, whose −2/−1/0 codes are categories rather than amounts of delay.
     */
    indicators?: number[];
  };
  /** Reason phrases comparing the applicant's value with the reference applicant's ({value}, {reference}, {unit}). */
  phrases: { higher: string; lower: string };
}

export type FeatureSpec = CategoricalFeatureSpec | NumericFeatureSpec;

/** A model input computed from two numeric features: clip(numerator / max(denominator, floor), lo, hi). */
export interface DerivedFeatureSpec {
  name: string;
  kind: 'ratio';
  numerator: string;
  denominator: string;
  denominatorFloor: number;
  clip: [number, number];
  description: string;
}

/** Features explained together as one reason (e.g. six months of repayment status). */
export interface ReasonGroupSpec {
  name: string;
  label: string;
  features: string[];
}

/** The whole self-description of a model's inputs. */
export interface ModelSchema {
  model: string;
  description: string;
  /** Currency of the model's amounts and how chat answers in euros map to it. */
  currency?: { code: string; name: string; eurToModel?: number; note: string };
  features: FeatureSpec[];
  derived: DerivedFeatureSpec[];
  groups: ReasonGroupSpec[];
  /** Attributes present in the data but deliberately not used as inputs, with the reason. */
  excluded: Array<{ name: string; source: string; reason: string }>;
}

/** A validated applicant: categorical features hold an option `value`, numeric features a number. */
export type Applicant = Record<string, string | number>;

/** A problem with one input field. */
export interface FeatureIssue {
  field: string;
  message: string;
}

/** Validation outcome: the canonical applicant, or every problem found. */
export type ValidationResult = { ok: true; applicant: Applicant } | { ok: false; issues: FeatureIssue[] };

/** Finds the option a categorical input names: by value, data-set code or label (case-insensitive). */
export function findOption(spec: CategoricalFeatureSpec, input: string): ChoiceOption | undefined {
  const key = input.trim().toLowerCase();
  return spec.options.find(
    (o) => o.value.toLowerCase() === key || o.code?.toLowerCase() === key || o.label.toLowerCase() === key,
  );
}

function describeRange(spec: NumericFeatureSpec): string {
  return `${spec.integer ? 'a whole number' : 'a number'} from ${spec.min} to ${spec.max}${spec.unit ? ` ${spec.unit}` : ''}`;
}

/**
 * Checks an input object against the schema: every feature present, of the right type, an allowed value or within
 * range; unknown fields are reported too (a typo should not silently drop an input). Collects all problems.
 */
export function validateApplicant(schema: ModelSchema, input: unknown): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, issues: [{ field: 'features', message: 'must be an object mapping feature names to values' }] };
  }
  const record = input as Record<string, unknown>;
  const issues: FeatureIssue[] = [];
  const applicant: Applicant = {};
  for (const spec of schema.features) {
    const value = record[spec.name];
    if (value === undefined || value === null || value === '') {
      issues.push({ field: spec.name, message: 'is required' });
      continue;
    }
    if (spec.type === 'categorical') {
      const option = typeof value === 'string' || typeof value === 'number' ? findOption(spec, String(value)) : undefined;
      if (!option) {
        issues.push({ field: spec.name, message: `must be one of: ${spec.options.map((o) => o.value).join(', ')}` });
      } else {
        applicant[spec.name] = option.value;
      }
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ field: spec.name, message: `must be ${describeRange(spec)}` });
      continue;
    }
    if ((spec.integer && !Number.isInteger(value)) || value < spec.min || value > spec.max) {
      issues.push({ field: spec.name, message: `must be ${describeRange(spec)} (got ${value})` });
      continue;
    }
    applicant[spec.name] = value;
  }
  const known = new Set(schema.features.map((f) => f.name));
  for (const key of Object.keys(record)) {
    if (known.has(key)) continue;
    const excluded = schema.excluded.find((e) => e.name === key);
    issues.push({
      field: key,
      message: excluded ? `is not used by this model (${excluded.reason})` : 'is not a feature of this model',
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, applicant };
}

/** The feature spec by name (throws on an unknown name: a programming error). */
export function featureByName(schema: ModelSchema, name: string): FeatureSpec {
  const spec = schema.features.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown feature ${name} in model ${schema.model}`);
  return spec;
}
