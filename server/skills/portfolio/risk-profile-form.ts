/**
 * The `risk_profile` form (CONTRACTS §1): the eight risk-profile questions declared from RISK_QUESTIONS (the data the
 * scoring uses, so chat and API can never disagree) plus an optional "How much would you like to invest?".
 */
import { RISK_QUESTIONS, type RiskQuestion } from '../../../models/portfolio/advisor/risk-profile.ts';
import type { FormSlot, FormSpec, SlotParse } from '../../dialogue/forms.ts';
import { choiceSlot, numberSlot } from '../../dialogue/slots.ts';
import { parseAmount, parseDuration, parseNumber } from '../../nlu/entities/index.ts';

/** Form name, as sent in `form_question.form`. */
export const RISK_PROFILE_FORM_NAME = 'risk_profile';

/** The amount slot's value: the sum and its currency when stated, or null when the customer skipped it. */
export type AmountAnswer = { value: number; currency?: string } | null;

const MAX_AMOUNT = 1e12;
/** "skip", "not sure", "I'd rather not say"… leave the amount out (the suggestion then uses an example amount). */
const SKIP = /^\s*(?:skip(?: it| this)?|pass|no(?:ne)?|not sure|no idea|i (?:don'?t|do not) know|dunno|(?:i'?d )?rather not(?: say)?|prefer not to say|not telling|n\/?a|-)\s*[.!]*\s*$/i;

const ok = <T>(value: T): SlotParse<T> => ({ ok: true, value });
const fail = (error: string): SlotParse<never> => ({ ok: false, error });

/** Reads an amount answer ("20,000", "€20k", "twenty thousand dollars") or a skip. */
export function parseAmountAnswer(answer: string): SlotParse<AmountAnswer> {
  if (SKIP.test(answer)) return ok(null);
  const amount = parseAmount(answer);
  if (!amount) return fail('I need an amount, like 20,000 (or say "skip").');
  if (!(amount.value > 0)) return fail('The amount needs to be more than zero (or say "skip").');
  if (amount.value > MAX_AMOUNT) return fail('That amount is too large for me to work with; please give a smaller one (or say "skip").');
  return ok(amount.currency ? { value: amount.value, currency: amount.currency } : { value: amount.value });
}

/**
 * Reads a horizon in years: "10", "10 years", "a decade", "18 months" (→ 1.5). Two different numbers ("5 to 10 years")
 * are ambiguous; under a year is outside what the questionnaire covers.
 */
export function parseHorizonYears(answer: string, min: number, max: number): SlotParse<number> {
  const range = `a number of years from ${min} to ${max}`;
  const duration = parseDuration(answer);
  const numbers = answer.match(/\d+(?:[.,]\d+)?/g) ?? [];
  if (new Set(numbers).size > 1) return fail(`Please give just one number: ${range}.`);
  let years: number | undefined;
  if (duration) years = duration.months / 12;
  else years = parseNumber(answer);
  if (years === undefined || !Number.isFinite(years)) return fail(`I need ${range}.`);
  years = Math.round(years * 10) / 10;
  if (years < min) return fail(`Please give ${range}. If you need the money within a year, a savings account is usually a better place for it than investments.`);
  if (years > max) return fail(`Please give ${range}.`);
  return ok(years);
}

function slotFor(q: RiskQuestion): FormSlot {
  if (q.type === 'number') {
    return numberSlot({
      name: q.id,
      question: q.question,
      why: q.why,
      aliases: q.aliases,
      min: q.min,
      max: q.max,
      unit: q.unit,
      parse: (answer) => parseHorizonYears(answer, q.min, q.max),
      format: (v) => `${v} ${v === 1 ? 'year' : 'years'}`,
      // "I have 20,000 to invest for 15 years" answers this before it is asked (a duration, never a bare number).
      prefill: { entities: ['duration'] },
    }) as FormSlot;
  }
  return choiceSlot({
    name: q.id,
    question: q.question,
    why: q.why,
    aliases: q.aliases,
    options: q.options.map((o) => ({ title: o.title, payload: o.value, ...(o.synonyms ? { synonyms: o.synonyms } : {}) })),
  }) as FormSlot;
}

/**
 * The optional last question. A number input for rich clients; typed answers may also carry a currency ("€20k") or
 * be "skip". Aliases deliberately avoid "invest", which appears in ordinary answers.
 */
const amountSlot: FormSlot<AmountAnswer> = {
  name: 'amount',
  question: 'Last one: how much would you like to invest? (You can say "skip".)',
  why: 'With an amount I can show what it might be worth at the end of your horizon in money rather than percentages. It does not change the mix I suggest.',
  input: { type: 'number', min: 1 },
  parse: (answer) => parseAmountAnswer(answer),
  aliases: ['amount', 'investment amount', 'sum'],
  // Taken from the message that starts the form ("I have 20,000 to invest"): an amount, or a lone bare number ≥ 100.
  prefill: { entities: ['amount'], bareNumber: 'money' },
  format: (v) => (v ? `${Math.round(v.value).toLocaleString('en-US')}${v.currency ? ` ${v.currency}` : ''}` : 'not given'),
};

/** The risk-profile questionnaire, started by the `portfolio_advice` intent. */
export const RISK_PROFILE_FORM: FormSpec = {
  name: RISK_PROFILE_FORM_NAME,
  triggerIntents: ['portfolio_advice'],
  intro:
    "Happy to help you think about an investment mix. I'll ask 9 short questions about your goal, time horizon and how you feel about risk, " +
    'then suggest a diversified portfolio and explain it. You can ask "why?" at any question, correct an answer ("change my horizon to 15 years") or say "cancel".',
  slots: [...RISK_QUESTIONS.map(slotFor), amountSlot as FormSlot],
};
