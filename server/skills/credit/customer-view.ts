/**
 * The credit estimate in the customer's terms (issue 12): a headline ("Low risk: about 8 in 100 similar loans ran into
 * trouble"), reasons phrased like adverse-action notices in the configured currency, next steps, and the technical
 * details (model, version, method, thresholds, the Deutsche Mark conversion and the data's era) kept for "How this was
 * calculated". Used for the chat's concise text and as extra fields of the `credit_assessment` card (CONTRACTS §1:
 * extra fields only; the API's own fields stay as they are).
 */
import { DM_PER_EURO, GERMAN_SCHEMA } from '../../../models/credit/lib/datasets/german-credit.ts';
import type { ModelSchema } from '../../../models/credit/lib/schema.ts';
import type { QuickReply } from '../../contracts/chat-protocol.ts';
import { quickReply } from '../../response/render.ts';
import type { CreditAssessmentResult } from './credit-service.ts';

/** One reason as a customer reads it; `effect` says which heading it sits under. */
export interface CustomerReason {
  feature: string;
  effect: 'increases_risk' | 'decreases_risk';
  text: string;
}

/** What the chat shows of an assessment (extra fields of the `credit_assessment` payload). */
export interface CustomerCreditView {
  headline: string;
  /** At most four, those that raised the estimate first. */
  customerReasons: CustomerReason[];
  /** Heading for the reasons that raised the estimate (adverse-action wording). */
  raisedHeading: string;
  /** Heading for the reasons that lowered it. */
  loweredHeading: string;
  /** "What you can do next": the same buttons the text version carries as quick replies. */
  nextSteps: QuickReply[];
  /** The technical details, one sentence each, for "How this was calculated". */
  details: string[];
  /** One sentence that always shows under the result (the full disclaimer is in `disclaimer`). */
  shortDisclaimer: string;
  /** ISO currency code the amounts are shown in. */
  currency: string;
}

/** Headings in the style of adverse-action notices (the principal reasons, pointing the way a lay reader expects). */
export const RAISED_HEADING = 'The main factors that kept your estimate from being lower';
export const LOWERED_HEADING = 'Factors in your favour';

/** The short disclaimer shown with every estimate (the long one sits behind "How this was calculated"). */
export const SHORT_DISCLAIMER = 'This is an estimate from historical data, not a credit decision.';

/** Slots kept when the customer adjusts the loan (everything but the loan's own amount and duration). */
const LOAN_SLOTS = new Set(['credit_amount', 'duration_months']);

/** Customer wording of the options whose data-set labels carry Deutsche Mark amounts. */
const EURO_LABELS: Record<string, Record<string, string>> = {
  checking_account: {
    below_0: 'overdrawn',
    '0_to_200': 'under about €100',
    '200_or_more': 'about €100 or more, or salary paid in',
    none: 'no checking account',
  },
  savings: {
    below_100: 'under about €50',
    '100_to_500': 'about €50 to €250',
    '500_to_1000': 'about €250 to €500',
    '1000_or_more': 'over about €500',
    none_or_unknown: 'no savings account, or not stated',
  },
};

const lowerFirst = (s: string): string => (/^I\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));

/** Formats an amount in `currency` for a sentence ("€5,000"). */
export function formatCurrency(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${Math.round(value).toLocaleString('en-US')} ${currency}`;
  }
}

/** A feature's value in words, amounts in `currency` (the german model's DM converted at the fixed euro rate). */
function valueText(schema: ModelSchema, feature: string, value: unknown, currency: string): string | undefined {
  const spec = schema.features.find((f) => f.name === feature);
  if (!spec) return undefined;
  if (spec.type === 'categorical') {
    const euro = EURO_LABELS[feature]?.[String(value)];
    if (euro) return euro;
    const option = spec.options.find((o) => o.value === value);
    return option ? lowerFirst(option.label) : String(value);
  }
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  if (feature === 'credit_amount') return formatCurrency(n / DM_PER_EURO, currency);
  if (feature === 'installment_rate') return `level ${n} of 4`;
  if (feature === 'age') return `${n} years`;
  if (feature === 'existing_credits') return `${n}`;
  return `${n}${spec.unit && spec.unit !== 'DM' ? ` ${spec.unit}` : ''}`;
}

function reasonText(
  schema: ModelSchema,
  feature: string,
  applicant: Record<string, unknown>,
  reference: Record<string, unknown>,
  currency: string,
  fallback: string,
): string {
  const spec = schema.features.find((f) => f.name === feature);
  const yours = valueText(schema, feature, applicant[feature], currency);
  const typical = valueText(schema, feature, reference[feature], currency);
  if (!spec || yours === undefined || typical === undefined) return fallback;
  // The heading says which way it pushed; the comparison says against what (the model's reference: the most common
  // answer, or the median), which is what makes e.g. a healthy balance raising the estimate readable.
  return spec.type === 'categorical' ? `${spec.label}: ${yours} (most common in the data: ${typical})` : `${spec.label}: ${yours} (typical: ${typical})`;
}

/** "Low risk: about 8 in 100 similar loans ran into trouble" (fewer than 1 in 100 for tiny estimates). */
export function creditHeadline(probabilityOfDefault: number, band: string): string {
  const n = Math.round(probabilityOfDefault * 100);
  const share = n < 1 ? 'fewer than 1 in 100' : `about ${n} in 100`;
  return `${band.charAt(0).toUpperCase()}${band.slice(1)} risk: ${share} similar loans ran into trouble`;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * Builds the customer view of an assessment of the german model.
 * @param slots the filled questionnaire (to offer "Adjust the loan" with every other answer kept)
 * @param currency ISO code amounts are shown in (the questionnaire's amounts are euros)
 */
export function customerCreditView(
  result: CreditAssessmentResult,
  applicant: Record<string, unknown>,
  options: { slots?: Readonly<Record<string, unknown>>; currency?: string; schema?: ModelSchema; thresholdRule?: string } = {},
): CustomerCreditView {
  const schema = options.schema ?? GERMAN_SCHEMA;
  const currency = options.currency ?? 'EUR';
  const reference = result.explanation.reference as Record<string, unknown>;
  const ordered = [...result.reasons].sort((a, b) => Number(b.effect === 'increases_risk') - Number(a.effect === 'increases_risk'));
  const customerReasons = ordered.slice(0, 4).map((r) => ({
    feature: r.feature,
    effect: r.effect,
    text: reasonText(schema, r.feature, applicant, reference, currency, r.text),
  }));
  const kept = Object.fromEntries(
    Object.entries(options.slots ?? {}).filter(([k, v]) => !LOAN_SLOTS.has(k) && (typeof v === 'string' || typeof v === 'number')),
  );
  const [low, medium] = result.bands;
  const bandsText =
    low && medium ? `low below ${pct(low.to)}, medium ${pct(medium.from)} to ${pct(medium.to)}, high from ${pct(result.threshold)}` : `high from ${pct(result.threshold)}`;
  const details = [
    `Estimated chance that a loan like this is not repaid as agreed: ${pct(result.probabilityOfDefault)}. Bands: ${bandsText}.`,
    `The high band starts at ${pct(result.threshold)}${options.thresholdRule ? `, ${options.thresholdRule}` : ''}.`,
    `Model: ${result.model}, version ${result.modelVersion}: a calibrated neural-network ensemble (${schema.description})`,
    `Method: the reasons come from integrated gradients, comparing your answers with the most common answers in the data (estimate ${pct(result.explanation.referenceProbability)}).`,
    'The historical loans date from the 1970s and were in Deutsche Mark; your euro amounts were converted at the fixed rate of ' +
      `${DM_PER_EURO} DM per euro, without adjusting for inflation.`,
  ];
  return {
    headline: creditHeadline(result.probabilityOfDefault, result.riskBand),
    customerReasons,
    raisedHeading: RAISED_HEADING,
    loweredHeading: LOWERED_HEADING,
    nextSteps: [
      quickReply('Adjust the loan', `/credit_risk_assessment${Object.keys(kept).length ? JSON.stringify(kept) : ''}`),
      quickReply("See how it's calculated", 'How is the credit risk estimate calculated?'),
      quickReply('Talk to a person', '/human_handoff'),
      quickReply('Start again', '/credit_risk_assessment'),
    ],
    details,
    shortDisclaimer: SHORT_DISCLAIMER,
    currency,
  };
}

/** The concise chat text: headline, at most four reasons under their headings, next step, model version, disclaimer. */
export function customerCreditText(view: CustomerCreditView, model: string, modelVersion: string): string {
  const lines = [`${view.headline}.`];
  const raised = view.customerReasons.filter((r) => r.effect === 'increases_risk');
  const lowered = view.customerReasons.filter((r) => r.effect === 'decreases_risk');
  if (raised.length) lines.push(`${view.raisedHeading}:`, ...raised.map((r) => `• ${r.text}`));
  if (lowered.length) lines.push(`${view.loweredHeading}:`, ...lowered.map((r) => `• ${r.text}`));
  lines.push('Next: adjust the loan, see how it is calculated, or talk to a person.');
  lines.push(`Model ${model} ${modelVersion}. ${view.shortDisclaimer}`);
  return lines.join('\n');
}
