/**
 * The `credit_risk` form (CONTRACTS §1): the german model's questionnaire, built from its schema — questions in the
 * schema's conversational order, quick replies with plain-language labels for categories, numbers read with units
 * ("2,500 euros", "two years", "18 months") by the shared entity parsers, a "why we ask" and correction aliases for
 * each. Amounts are asked in euros and converted to the model's Deutsche Mark at the fixed rate (see DM_PER_EURO).
 */
import { DM_PER_EURO } from '../../../models/credit/lib/datasets/german-credit.ts';
import type { CategoricalFeatureSpec, ModelSchema, NumericFeatureSpec } from '../../../models/credit/lib/schema.ts';
import type { FormSlot, FormSpec, SlotParse } from '../../dialogue/forms.ts';
import { choiceSlot, matchChoice, numberSlot, type ChoiceOption } from '../../dialogue/slots.ts';
import { parseAmount, parseCount } from '../../nlu/entities/index.ts';

/** Form name, as sent in `form_question.form`. */
export const CREDIT_FORM_NAME = 'credit_risk';

/** The amount slot's value: what the customer said and its value in the model's Deutsche Mark. */
export interface AmountAnswer {
  value: number;
  currency: 'EUR' | 'DEM';
  dm: number;
}

const ok = <T>(value: T): SlotParse<T> => ({ ok: true, value });
const fail = (error: string): SlotParse<never> => ({ ok: false, error });
const euros = (x: number): string => `${Math.round(x).toLocaleString('en-US')} €`;
const dmText = (x: number): string => `${Math.round(x).toLocaleString('en-US')} DM`;

/**
 * Reads a loan amount: euros by default ("2,500", "2.5k", "€2,500", "two thousand five hundred euros"), Deutsche Mark
 * when the answer says DM; other currencies are refused rather than silently converted at a guessed rate.
 */
export function parseLoanAmount(answer: string, spec: Pick<NumericFeatureSpec, 'min' | 'max'>): SlotParse<AmountAnswer> {
  const amount = parseAmount(answer);
  const range = `from about ${euros(Math.ceil(spec.min / DM_PER_EURO))} to ${euros(Math.floor(spec.max / DM_PER_EURO))} (${dmText(spec.min)} to ${dmText(spec.max)}, the range of the historical loans)`;
  if (!amount) return fail(`I need an amount in euros, like "2,500 euros" — ${range}.`);
  const currency = amount.currency ?? 'EUR';
  if (currency !== 'EUR' && currency !== 'DEM') {
    return fail('Please give the amount in euros (or in Deutsche Mark, the currency of the historical data).');
  }
  const dm = currency === 'DEM' ? amount.value : amount.value * DM_PER_EURO;
  if (!(dm >= spec.min && dm <= spec.max)) return fail(`The model covers loans ${range}. Please give an amount in that range.`);
  return ok({ value: amount.value, currency, dm: Math.round(dm * 100) / 100 });
}

function amountSlot(spec: NumericFeatureSpec): FormSlot<AmountAnswer> {
  return {
    name: spec.name,
    question: `${spec.question} (in euros)`,
    why: `${spec.why} The model was trained on amounts in Deutsche Mark, so I convert euros at the fixed rate of ${DM_PER_EURO} DM per euro.`,
    input: { type: 'number', min: Math.ceil(spec.min / DM_PER_EURO), max: Math.floor(spec.max / DM_PER_EURO), unit: 'EUR' },
    parse: (answer) => parseLoanAmount(answer, spec),
    // "Would I get a loan of 5,000 euros?" answers this question in advance.
    prefill: { entities: ['amount'], bareNumber: 'money' },
    aliases: [...(spec.aliases ?? [])],
    format: (v) => (v.currency === 'DEM' ? dmText(v.value) : `${euros(v.value)} (${dmText(v.dm)})`),
  };
}

function categorySlot(spec: CategoricalFeatureSpec): FormSlot {
  return choiceSlot({
    name: spec.name,
    question: spec.question,
    why: spec.why,
    aliases: spec.aliases ?? [],
    options: spec.options.map((o) => ({ title: o.label, payload: o.value, ...(o.synonyms ? { synonyms: o.synonyms } : {}) })),
  }) as FormSlot;
}

/** A 1–4 level question with buttons; also takes the number typed ("3") or words for the ends ("small", "large"). */
function levelSlot(spec: NumericFeatureSpec, titles: string[], synonyms: string[][], countFallback: boolean): FormSlot<number> {
  const options: ChoiceOption[] = titles.map((title, i) => ({ title, payload: String(i + 1), synonyms: synonyms[i] ?? [] }));
  return {
    name: spec.name,
    question: spec.question,
    why: spec.why,
    input: { type: 'choice', options: options.map(({ title, payload }) => ({ title, payload })) },
    parse: (answer) => {
      const match = matchChoice(answer, options);
      if (match) return ok(Number(match.payload));
      if (countFallback) {
        // "5 credits" → the data's top level, which means four or more.
        const n = parseCount(answer);
        if (n !== undefined && n >= spec.max) return ok(spec.max);
        if (n !== undefined && n >= spec.min) return ok(n);
        if (n !== undefined) return fail(`Counting this loan, that is at least ${spec.min}: please choose ${titles.join(', ')}.`);
      }
      return fail(`Please choose one of: ${titles.join(', ')}.`);
    },
    aliases: [...(spec.aliases ?? [])],
    format: (v) => titles[v - 1] ?? String(v),
  };
}

/** Builds the `credit_risk` form from the german model's schema. */
export function buildCreditForm(schema: ModelSchema): FormSpec {
  const slots: FormSlot[] = schema.features.map((spec): FormSlot => {
    if (spec.type === 'categorical') return categorySlot(spec);
    switch (spec.name) {
      case 'credit_amount':
        return amountSlot(spec) as FormSlot;
      case 'duration_months':
        return numberSlot({ name: spec.name, question: spec.question, why: spec.why, aliases: spec.aliases ?? [], min: spec.min, max: spec.max, unit: 'months', kind: 'duration' }) as FormSlot;
      case 'age':
        return numberSlot({ name: spec.name, question: spec.question, why: spec.why, aliases: spec.aliases ?? [], min: spec.min, max: spec.max, unit: 'years', kind: 'age' }) as FormSlot;
      case 'installment_rate':
        return levelSlot(
          spec,
          ['1 – a small share', '2', '3', '4 – a large share'],
          [['small', 'a small share', 'little', 'low', 'one'], ['two', 'moderate'], ['three', 'substantial'], ['large', 'a large share', 'a lot', 'high', 'four', 'most']],
          false,
        ) as FormSlot;
      case 'existing_credits':
        return levelSlot(spec, ['1 (just this one)', '2', '3', '4 or more'], [['one', 'just this one', 'only this one', 'this one'], ['two'], ['three'], ['four', 'four or more', 'more than three', 'many']], true) as FormSlot;
      default:
        return numberSlot({ name: spec.name, question: spec.question, why: spec.why, aliases: spec.aliases ?? [], min: spec.min, max: spec.max, ...(spec.unit ? { unit: spec.unit } : {}) }) as FormSlot;
    }
  });
  return {
    name: CREDIT_FORM_NAME,
    triggerIntents: ['credit_risk_assessment'],
    intro:
      // Customer's terms (issue 12): the Deutsche Mark conversion is explained by the amount question's "why?" and under
      // "How this was calculated", not in the opening.
      `I can estimate how likely a loan like yours is to run into repayment trouble, with the main reasons. I'll ask ${slots.length} short questions. ` +
      'You can ask "why?" at any question, correct an answer ("actually, make the duration 24 months") or say "cancel". It is an estimate from historical loans, not a credit decision.',
    slots,
  };
}

/** Turns the filled form into the german model's features (amount in DM, levels as numbers). */
export function featuresFromForm(slots: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const features: Record<string, unknown> = { ...slots };
  const amount = slots.credit_amount as AmountAnswer | undefined;
  if (amount && typeof amount === 'object') features.credit_amount = amount.dm;
  for (const name of ['installment_rate', 'existing_credits']) {
    if (typeof slots[name] === 'string') features[name] = Number(slots[name]);
  }
  return features;
}

/** The assumption to state with an estimate whose amount was given in euros. */
export function amountAssumption(slots: Readonly<Record<string, unknown>>): string[] {
  const amount = slots.credit_amount as AmountAnswer | undefined;
  if (!amount || amount.currency !== 'EUR') return [];
  return [
    `Your loan amount of ${euros(amount.value)} was converted to ${dmText(amount.dm)} at the fixed rate of ${DM_PER_EURO} DM per euro, without adjusting for inflation since the historical loans were made.`,
  ];
}
