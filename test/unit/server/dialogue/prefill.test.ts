/** Prefilling form slots from the starting message: which entity goes to which slot, ambiguity, the slots' own checks. */
import { describe, expect, it } from 'vitest';
import type { FormSpec } from '../../../../server/dialogue/forms.ts';
import { prefillAcknowledgement, prefillFromMessage } from '../../../../server/dialogue/prefill.ts';
import { choiceSlot, numberSlot } from '../../../../server/dialogue/slots.ts';
import { extractEntities } from '../../../../server/nlu/entities/index.ts';

/** A loan form using every number kind once, plus slots that must never be prefilled from entities. */
const FORM: FormSpec = {
  name: 'test_loan',
  triggerIntents: ['credit_risk_assessment'],
  intro: 'Intro.',
  slots: [
    choiceSlot({ name: 'purpose', question: 'What for?', why: '.', options: [{ title: 'Car', payload: 'car' }, { title: 'Other', payload: 'other' }] }),
    numberSlot({ name: 'amount', kind: 'amount', min: 100, max: 100_000, unit: 'EUR', question: 'How much?', why: '.' }),
    numberSlot({ name: 'duration', kind: 'duration', min: 4, max: 72, unit: 'months', aliases: ['duration', 'term'], question: 'How long?', why: '.' }),
    numberSlot({ name: 'age', kind: 'age', min: 18, max: 80, unit: 'years', question: 'Age?', why: '.' }),
    numberSlot({ name: 'deposit_share', kind: 'percentage', min: 0, max: 50, unit: '%', aliases: ['deposit'], question: 'Deposit?', why: '.' }),
    numberSlot({ name: 'dependants', kind: 'count', min: 0, max: 10, aliases: ['dependants', 'children', 'kids'], question: 'Dependants?', why: '.' }),
    numberSlot({ name: 'installment_level', min: 1, max: 4, integer: true, question: 'Level 1–4?', why: '.' }),
  ],
};

function run(text: string, spec: FormSpec = FORM, filled: Record<string, unknown> = {}) {
  const result = prefillFromMessage(spec, text, extractEntities(text), filled);
  const values = Object.fromEntries(result.filled.map((f) => [f.slot.name, f.value]));
  return { values, rejected: result.rejected.map((r) => r.slot.name), ack: prefillAcknowledgement(result) };
}

describe('prefillFromMessage', () => {
  it.each([
    // Prefilled: each value goes to the slot of its kind; the acknowledgement echoes the message's order.
    ["I'd like to borrow 5,000 euros for 2 years", { amount: 5000, duration: 24 }, 'Got it: amount 5,000 EUR, duration 24 months.'],
    ['for 18 months I need €3k', { amount: 3000, duration: 18 }, 'Got it: duration 18 months, amount 3,000 EUR.'],
    ["I'm 34, borrowing 12,000 with a 10% deposit, and I have 2 kids", { age: 34, amount: 12_000, deposit_share: 10, dependants: 2 }, 'Got it: age 34 years, amount 12,000 EUR, deposit 10 %, dependants 2.'],
    // A lone bare number that reads like money is an amount; the same sum said twice is not ambiguous.
    ['I want to borrow 20,000', { amount: 20_000 }, 'Got it: amount 20,000 EUR.'],
    ['borrow 5,000 euros, so 5000 in total', { amount: 5000 }, 'Got it: amount 5,000 EUR.'],
    // Partially prefilled: what is missing or ambiguous is simply asked later.
    ['a loan over 3 years please', { duration: 36 }, 'Got it: duration 36 months.'],
    // Ambiguity: never a guess.
    ['a loan of 5000 for 24', { amount: 5000 }, 'Got it: amount 5,000 EUR.'], // "24" has no unit: not a duration
    ['a loan of 3000 or 5000', {}, undefined], // two bare sums
    ['can I borrow 24?', {}, undefined], // a bare number below 100 is not read as money (nor as a duration)
    ['I need the money in 2030', {}, undefined], // a year, not a sum
    ['I want to borrow 2025 euros by 2030', { amount: 2025 }, 'Got it: amount 2,025 EUR.'], // a sum and a year
    ['2,000 or 3,000 euros?', {}, undefined], // two sums
    ['for 2 years, or maybe 3 years', {}, undefined], // two durations
    ['I have 3 cars', {}, undefined], // a count only before the slot's own words
    ['a loan of 2000 at level 3', { amount: 2000 }, 'Got it: amount 2,000 EUR.'], // plain number slots take nothing
    // No entities at all.
    ['can I get a loan?', {}, undefined],
  ])('%j → %j', (text, values, ack) => {
    const got = run(text);
    expect(got.values).toEqual(values);
    expect(got.rejected).toEqual([]);
    expect(got.ack).toBe(ack);
  });

  it.each([
    // Out of range: not stored, but mentioned with the slot's own range (or its parser's explanation).
    ['borrow 5,000 euros over 500 months', { amount: 5000 }, ['duration'], 'Got it: amount 5,000 EUR. I noted 500 months, but the duration must be between 4 and 72 months.'],
    ['I need 500,000 euros', {}, ['amount'], 'I noted 500,000 euros, but the amount must be between 100 and 100,000 EUR.'],
    ['over 1.3 years', {}, ['duration'], 'I noted 1.3 years, but please give a whole number between 4 and 72 months.'],
  ])('%j → keeps %j, mentions %j', (text, values, rejected, ack) => {
    const got = run(text);
    expect(got.values).toEqual(values);
    expect(got.rejected).toEqual(rejected);
    expect(got.ack).toBe(ack);
  });

  it('gives an entity that two slots could take to neither, unless one of them opts out', () => {
    const durationSlots = (opt: boolean): FormSpec => ({
      ...FORM,
      slots: [
        numberSlot({ name: 'job_tenure', kind: 'duration', question: 'How long in your job?', why: '.', ...(opt ? { prefill: false as const } : {}) }),
        numberSlot({ name: 'duration', kind: 'duration', min: 4, max: 72, question: 'How long?', why: '.' }),
      ],
    });
    expect(run('a loan for 2 years', durationSlots(false)).values).toEqual({});
    expect(run('a loan for 2 years', durationSlots(true)).values).toEqual({ duration: 24 });
  });

  it('leaves slots already filled (by a trigger payload) alone and respects askIf given the answers so far', () => {
    expect(run('borrow 5,000 euros for 2 years', FORM, { amount: 800 }).values).toEqual({ duration: 24 });
    const conditional: FormSpec = {
      ...FORM,
      slots: [
        numberSlot({ name: 'amount', kind: 'amount', question: 'How much?', why: '.' }),
        numberSlot({ name: 'duration', kind: 'duration', question: 'How long?', why: '.', askIf: (f) => (f.amount as number) > 10_000 }),
      ],
    };
    expect(run('borrow 5,000 euros for 2 years', conditional).values).toEqual({ amount: 5000 });
    expect(run('borrow 50,000 euros for 2 years', conditional).values).toEqual({ amount: 50_000, duration: 24 });
  });

  it('ignores trigger entities (they name their slot themselves) and entity spans outside the text', () => {
    const text = 'borrow 5,000 euros';
    const entities = [
      { entity: 'amount', value: 9000, start: 0, end: 4, extractor: 'trigger' },
      { entity: 'duration', value: 24, start: 10, end: 99, extractor: 'other' },
      ...extractEntities(text),
    ];
    const result = prefillFromMessage(FORM, text, entities, {});
    expect(result.filled.map((f) => [f.slot.name, f.value])).toEqual([['amount', 5000]]);
  });
});
