/** Slot declarations: parsing, validation messages, choice matching, input hints. */
import { describe, expect, it } from 'vitest';
import { choiceSlot, matchChoice, numberSlot, textSlot, yesNoSlot } from '../../../../server/dialogue/slots.ts';

const ctx = { entities: [], filled: {} };

describe('numberSlot', () => {
  const age = numberSlot({ name: 'age', kind: 'age', min: 18, max: 100, unit: 'years', question: 'How old are you?', why: 'Age matters.' });
  const duration = numberSlot({ name: 'duration', kind: 'duration', min: 4, max: 72, unit: 'months', question: 'How long?', why: 'Term.' });
  const amount = numberSlot({ name: 'amount', kind: 'amount', min: 100, max: 100_000, question: 'How much?', why: 'Size.' });
  const plain = numberSlot({ name: 'n', question: 'A number?', why: 'Test.' });

  it.each([
    [age, '34', 34],
    [age, "I'm 41 years old", 41],
    [age, 'forty two', 42],
    [duration, '24', 24],
    [duration, '2 years', 24],
    [duration, 'a year and a half', 18],
    [amount, '3k', 3000],
    [amount, '€2,500', 2500],
    [amount, 'twenty thousand euros', 20_000],
    [plain, '-3.5', -3.5],
  ])('%#: parses %j', (slot, answer, value) => {
    expect(slot.parse(answer, ctx)).toEqual({ ok: true, value });
  });

  it.each([
    [age, 'banana', 'I need a number between 18 and 100 years here.', undefined],
    [age, '12', 'That is out of range: please give a number between 18 and 100 years.', 'between 18 and 100 years'],
    [duration, '100 months', 'That is out of range: please give a number between 4 and 72 months.', 'between 4 and 72 months'],
    [duration, '2.5', 'Please give a whole number between 4 and 72 months.', undefined],
    [plain, 'between 20 and 30', 'Please give just one number.', undefined],
    [numberSlot({ name: 'deposit', kind: 'amount', min: 500, unit: 'EUR', question: 'Deposit?', why: 'Test.' }), '200', 'That is out of range: please give a number of at least 500 EUR.', 'at least 500 EUR'],
  ])('%#: rejects %j with a short explanation (and the allowed range when it is a range problem)', (slot, answer, error, expected) => {
    expect(slot.parse(answer, ctx)).toEqual(expected ? { ok: false, error, expected } : { ok: false, error });
  });

  it.each([
    ['amount', { entities: ['amount'], bareNumber: 'money' }],
    ['duration', { entities: ['duration'] }],
    ['age', { entities: ['age'] }],
    ['percentage', { entities: ['percentage'] }],
    ['count', { entities: ['count'], bareNumber: { before: ['dependants', 'people'] } }],
    ['number', undefined],
  ] as const)('maps a %s slot to its natural entity by default', (kind, prefill) => {
    const slot = numberSlot({ name: 'people', kind, unit: kind === 'count' ? 'dependants' : undefined, question: '?', why: '.' });
    expect(slot.prefill).toEqual(prefill);
  });

  it('lets a declaration replace or turn off the default mapping', () => {
    expect(numberSlot({ name: 'x', kind: 'amount', prefill: false, question: '?', why: '.' }).prefill).toBeUndefined();
    expect(numberSlot({ name: 'x', kind: 'number', prefill: { entities: ['percentage'] }, question: '?', why: '.' }).prefill).toEqual({ entities: ['percentage'] });
    expect(choiceSlot({ name: 'c', options: [{ title: 'A', payload: 'a' }], question: '?', why: '.' }).prefill).toBeUndefined();
  });

  it('describes its input for rich clients', () => {
    expect(age.input).toEqual({ type: 'number', min: 18, max: 100, unit: 'years', step: 1 });
    expect(amount.input).toEqual({ type: 'number', min: 100, max: 100_000 });
    expect(age.format!(34)).toBe('34 years');
    expect(age.aliases).toContain('age');
  });
});

describe('choiceSlot', () => {
  const options = [
    { title: 'Own', payload: 'own', synonyms: ['owner', 'mortgage'] },
    { title: 'Rent', payload: 'rent', synonyms: ['renting', 'tenant'] },
    { title: 'Live for free', payload: 'free', synonyms: ['with my parents'] },
  ];
  const housing = choiceSlot({ name: 'housing', question: 'Housing?', why: 'Stability.', options });

  it.each([
    ['own', 'own'],
    ['RENT', 'rent'],
    ['Live for free', 'free'],
    ['tenant', 'rent'],
    ['2', 'rent'],
    ['option 3', 'free'],
    ['the first one', 'own'],
    ['last', 'free'],
    ['I live with my parents', 'free'],
    ['I pay a mortgage on my flat', 'own'],
  ])('%j → %s', (answer, payload) => {
    expect(housing.parse(answer, ctx)).toEqual({ ok: true, value: payload });
  });

  it.each(['banana', '7', '', 'own or rent'])('rejects %j and lists the options', (answer) => {
    expect(housing.parse(answer, ctx)).toEqual({ ok: false, error: 'Please choose one of: Own, Rent or Live for free.' });
  });

  it('generates choice input with options (no synonyms on the wire)', () => {
    expect(housing.input).toEqual({ type: 'choice', options: options.map(({ title, payload }) => ({ title, payload })) });
    expect(housing.format!('free')).toBe('Live for free');
    expect(matchChoice('renting', options)?.payload).toBe('rent');
  });
});

describe('yesNoSlot and textSlot', () => {
  const guarantor = yesNoSlot({ name: 'guarantor', question: 'Guarantor?', why: 'Risk.' });
  const purpose = textSlot({ name: 'purpose', question: 'What for?', why: 'Context.', maxLength: 20 });

  it.each([
    ['yes', true],
    ['yeah sure', true],
    ['no', false],
    ['nope', false],
  ])('yes/no %j → %s', (answer, value) => {
    expect(guarantor.parse(answer, ctx)).toEqual({ ok: true, value });
  });

  it('rejects unclear yes/no answers', () => {
    expect(guarantor.parse('maybe', ctx)).toEqual({ ok: false, error: 'Please answer Yes or No.' });
    expect(guarantor.input).toEqual({ type: 'choice', options: [{ title: 'Yes', payload: 'yes' }, { title: 'No', payload: 'no' }] });
  });

  it('validates text length', () => {
    expect(purpose.parse('  a car  ', ctx)).toEqual({ ok: true, value: 'a car' });
    expect(purpose.parse('   ', ctx)).toEqual({ ok: false, error: 'Please write at least 1 character.' });
    expect(purpose.parse('x'.repeat(21), ctx)).toEqual({ ok: false, error: 'Please keep it under 20 characters.' });
  });
});
