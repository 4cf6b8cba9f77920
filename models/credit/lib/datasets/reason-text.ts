/** Shared wording for reason texts: a feature's phrase about the applicant plus the direction of its effect. */
import type { Applicant, ModelSchema, NumericFeatureSpec } from '../schema.ts';

/** Formats a number for a sentence: thousands separators, at most one decimal. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** "Your checking account is overdrawn" + ", which raises the estimated risk." */
export function withEffect(phrase: string, effect: 'increases_risk' | 'decreases_risk'): string {
  const sentence = phrase.charAt(0).toUpperCase() + phrase.slice(1);
  return `${sentence}, which ${effect === 'increases_risk' ? 'raises' : 'lowers'} the estimated risk.`;
}

/** Fills {value}, {reference} and {unit} in a numeric feature's phrase. */
export function numericPhrase(spec: NumericFeatureSpec, value: number, reference: number, format = formatNumber): string {
  const template = value >= reference ? spec.phrases.higher : spec.phrases.lower;
  return template
    .replaceAll('{value}', format(value))
    .replaceAll('{reference}', format(reference))
    .replaceAll('{unit}', spec.unit ?? '');
}

/** The default wording for a single-feature reason group: the option's phrase or the numeric comparison. */
export function singleFeatureReason(
  schema: ModelSchema,
  feature: string,
  applicant: Applicant,
  reference: Applicant,
  effect: 'increases_risk' | 'decreases_risk',
  format?: (name: string, value: number) => string,
): string {
  const spec = schema.features.find((f) => f.name === feature);
  if (!spec) return withEffect(feature.replace(/_/g, ' '), effect);
  if (spec.type === 'categorical') {
    const option = spec.options.find((o) => o.value === applicant[feature]);
    return withEffect(option?.phrase ?? `${spec.label}: ${String(applicant[feature])}`, effect);
  }
  const fmt = format ? (x: number) => format(feature, x) : formatNumber;
  return withEffect(numericPhrase(spec, applicant[feature] as number, reference[feature] as number, fmt), effect);
}
