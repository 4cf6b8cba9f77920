/**
 * The `taiwan` model's data set: default of credit card clients in Taiwan, 2005 (Yeh & Lien 2009), its schema and a
 * reader for the `train.csv` format (header `ID,LIMIT_BAL,…,default payment next month`; amounts in NT dollars).
 * SEX and MARRIAGE are read for the fairness report but are not model inputs.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { Applicant, FeatureSpec, ModelSchema, NumericFeatureSpec } from '../schema.ts';
import { validateApplicant } from '../schema.ts';
import { formatNumber, singleFeatureReason, withEffect } from './reason-text.ts';
import type { CreditDataset, ParseOutcome, RecordReader } from './types.ts';

const MONTHS = ['September', 'August', 'July', 'June', 'May', 'April'];
const PAY_STATUS = ['pay_0', 'pay_2', 'pay_3', 'pay_4', 'pay_5', 'pay_6'];
const BILLS = [1, 2, 3, 4, 5, 6].map((i) => `bill_amt${i}`);
const PAYMENTS = [1, 2, 3, 4, 5, 6].map((i) => `pay_amt${i}`);

const num = (spec: Omit<NumericFeatureSpec, 'type'>): NumericFeatureSpec => ({ type: 'number', ...spec });

// Validation ranges are deliberately wider than the training data (e.g. bills up to NT$ 10 million) so that rows of
// the same format from the rest of the data set are scored, not rejected; the model extrapolates on log scales there.
const FEATURES: FeatureSpec[] = [
  num({
    name: 'limit_bal',
    source: 'LIMIT_BAL',
    label: 'Credit limit',
    question: 'What is the total credit limit on the card, including supplementary cards (NT$)?',
    why: 'The limit the bank granted reflects its earlier assessment of the client.',
    min: 1,
    max: 10_000_000,
    integer: false,
    unit: 'NT$',
    aliases: ['limit', 'credit limit'],
    encoding: { kind: 'standardised', transform: 'log' },
    phrases: { higher: 'your credit limit (NT$ {value}) is higher than the typical NT$ {reference}', lower: 'your credit limit (NT$ {value}) is lower than the typical NT$ {reference}' },
  }),
  {
    type: 'categorical',
    name: 'education',
    source: 'EDUCATION',
    label: 'Education',
    question: 'What is your highest level of education?',
    why: 'Education was recorded for every client in the historical data.',
    aliases: ['education'],
    encoding: { kind: 'one-hot' },
    options: [
      { value: 'graduate_school', code: '1', label: 'Graduate school', phrase: 'you went to graduate school' },
      { value: 'university', code: '2', label: 'University', phrase: 'you went to university' },
      { value: 'high_school', code: '3', label: 'High school', phrase: 'your highest education is high school' },
      // Codes 0, 5 and 6 occur in the data but are undocumented upstream; they are read as "other" (see the reader).
      { value: 'other', code: '4', label: 'Other', phrase: 'your education is recorded as other' },
    ],
  },
  num({
    name: 'age',
    source: 'AGE',
    label: 'Age',
    question: 'How old are you?',
    why: 'Age was recorded in the historical data; approval rates for under-25s are reported separately to check fairness.',
    min: 18,
    max: 100,
    integer: true,
    unit: 'years',
    aliases: ['age'],
    encoding: { kind: 'standardised', transform: 'identity' },
    phrases: { higher: 'your age ({value}) is above the typical {reference}', lower: 'your age ({value}) is below the typical {reference}' },
  }),
  ...PAY_STATUS.map((name, i) =>
    num({
      name,
      source: name.toUpperCase(),
      label: `Repayment status, ${MONTHS[i]} 2005`,
      question: `What was the repayment status in ${MONTHS[i]} 2005 (−2 no consumption, −1 paid in full, 0 revolving, 1–9 months late)?`,
      why: 'Recent late payments are the strongest signal of a coming default.',
      min: -2,
      max: 9,
      integer: true,
      aliases: [`repayment status ${MONTHS[i]!.toLowerCase()}`],
      // −2/−1/0 are categories, 1–9 a delay in months: standardised value plus indicators for −2…2 (2 = two or more).
      encoding: { kind: 'standardised', transform: 'identity', indicators: [-2, -1, 0, 1, 2] },
      phrases: { higher: 'your repayment status in {value}', lower: 'your repayment status in {value}' },
    }),
  ),
  ...BILLS.map((name, i) =>
    num({
      name,
      source: name.toUpperCase(),
      label: `Bill amount, ${MONTHS[i]} 2005`,
      question: `What was the bill statement amount in ${MONTHS[i]} 2005 (NT$; negative for a credit balance)?`,
      why: 'How much of the limit is in use shows how stretched the account is.',
      min: -10_000_000,
      max: 10_000_000,
      integer: false,
      unit: 'NT$',
      aliases: [`bill ${MONTHS[i]!.toLowerCase()}`],
      encoding: { kind: 'standardised', transform: 'signed-log1p' },
      phrases: { higher: 'your bill was NT$ {value}', lower: 'your bill was NT$ {value}' },
    }),
  ),
  ...PAYMENTS.map((name, i) =>
    num({
      name,
      source: name.toUpperCase(),
      label: `Amount paid, ${MONTHS[i]} 2005`,
      question: `How much was paid in ${MONTHS[i]} 2005 (NT$)?`,
      why: 'Payments compared with the bills show whether balances are being paid down.',
      min: 0,
      max: 10_000_000,
      integer: false,
      unit: 'NT$',
      aliases: [`payment ${MONTHS[i]!.toLowerCase()}`],
      encoding: { kind: 'standardised', transform: 'log1p' },
      phrases: { higher: 'you paid NT$ {value}', lower: 'you paid NT$ {value}' },
    }),
  ),
];

/** The `taiwan` model's schema (21 inputs, 11 ratio features derived from them). */
export const TAIWAN_SCHEMA: ModelSchema = {
  model: 'taiwan',
  description:
    'Probability that a credit-card client misses the next payment, learned from 24,000 clients of a Taiwanese bank in 2005 (Yeh & Lien 2009; amounts in NT dollars).',
  currency: { code: 'TWD', name: 'New Taiwan dollar', note: 'Amounts are NT dollars of 2005, as in the data set.' },
  features: FEATURES,
  derived: [
    // Utilisation: how much of the limit each month's bill uses.
    ...BILLS.map((bill, i) => ({
      name: `utilisation_${i + 1}`,
      kind: 'ratio' as const,
      numerator: bill,
      denominator: 'limit_bal',
      denominatorFloor: 1,
      clip: [-1, 3] as [number, number],
      description: `${bill} / limit_bal, clipped to [−1, 3]`,
    })),
    // Repayment ratio: the amount paid in month i settles the bill of the month before (bill i+1).
    ...PAYMENTS.slice(0, 5).map((pay, i) => ({
      name: `paid_ratio_${i + 1}`,
      kind: 'ratio' as const,
      numerator: pay,
      denominator: BILLS[i + 1]!,
      denominatorFloor: 1,
      clip: [0, 2] as [number, number],
      description: `${pay} / max(${BILLS[i + 1]}, 1), clipped to [0, 2]`,
    })),
  ],
  groups: [
    { name: 'limit_bal', label: 'Credit limit', features: ['limit_bal'] },
    { name: 'education', label: 'Education', features: ['education'] },
    { name: 'age', label: 'Age', features: ['age'] },
    { name: 'repayment_status', label: 'Recent repayment status', features: PAY_STATUS },
    { name: 'bill_amounts', label: 'Recent bills', features: BILLS },
    { name: 'payments', label: 'Recent payments', features: PAYMENTS },
  ],
  excluded: [
    { name: 'sex', source: 'SEX', reason: 'sex is a protected characteristic; used only in the fairness report' },
    { name: 'marriage', source: 'MARRIAGE', reason: 'marital status is a protected characteristic; used only in the fairness report' },
  ],
};

const EDUCATION_BY_CODE: Record<string, string> = { '1': 'graduate_school', '2': 'university', '3': 'high_school', '4': 'other', '0': 'other', '5': 'other', '6': 'other' };
const COLUMNS_IN_ORDER = ['ID', 'LIMIT_BAL', 'SEX', 'EDUCATION', 'MARRIAGE', 'AGE', 'PAY_0', 'PAY_2', 'PAY_3', 'PAY_4', 'PAY_5', 'PAY_6', ...BILLS.map((b) => b.toUpperCase()), ...PAYMENTS.map((p) => p.toUpperCase())];
const LABEL_COLUMN = 'default payment next month';

function splitCsvLine(line: string): string[] {
  const rows = parseCsv(line, { relax_column_count: true, trim: true }) as string[][];
  return rows[0] ?? [];
}

/** Reader for train.csv-format lines; column positions come from the header when there is one. */
function taiwanReader(headerLine: string): { reader: RecordReader; skipFirst: boolean } {
  const header = splitCsvLine(headerLine).map((h) => h.trim());
  const hasHeader = header.some((h) => h.toUpperCase() === 'LIMIT_BAL');
  const names = hasHeader ? header.map((h) => (h.toLowerCase() === LABEL_COLUMN ? LABEL_COLUMN : h.toUpperCase())) : [...COLUMNS_IN_ORDER, LABEL_COLUMN];
  const index = new Map(names.map((n, i) => [n, i]));
  const missing = COLUMNS_IN_ORDER.filter((c) => c !== 'ID' && c !== 'SEX' && c !== 'MARRIAGE' && !index.has(c));
  const expected = hasHeader ? header.length : undefined;
  const parseLine = (line: string): ParseOutcome => {
    if (missing.length) return { ok: false, error: `the header lacks the column(s) ${missing.join(', ')}` };
    let fields: string[];
    try {
      fields = splitCsvLine(line);
    } catch (e) {
      return { ok: false, error: `not valid CSV (${(e as Error).message})` };
    }
    const minimum = hasHeader ? expected! - (index.has(LABEL_COLUMN) ? 1 : 0) : COLUMNS_IN_ORDER.length;
    if (fields.length < minimum || fields.length > (hasHeader ? expected! : COLUMNS_IN_ORDER.length + 1)) {
      return { ok: false, error: `expected ${hasHeader ? expected : `${COLUMNS_IN_ORDER.length} or ${COLUMNS_IN_ORDER.length + 1}`} columns, found ${fields.length}` };
    }
    const get = (column: string): string | undefined => {
      const i = index.get(column);
      return i === undefined ? undefined : fields[i];
    };
    const input: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const spec of TAIWAN_SCHEMA.features) {
      const raw = get(spec.source) ?? '';
      if (spec.type === 'categorical') {
        const value = EDUCATION_BY_CODE[raw];
        if (value === undefined) problems.push(`${spec.source}: unknown code "${raw}"`);
        else input[spec.name] = value;
      } else if (!/^-?\d+(\.\d+)?$/.test(raw)) {
        problems.push(`${spec.source}: "${raw}" is not a number`);
      } else {
        input[spec.name] = Number(raw);
      }
    }
    if (problems.length) return { ok: false, error: problems.join('; ') };
    const checked = validateApplicant(TAIWAN_SCHEMA, input);
    if (!checked.ok) return { ok: false, error: checked.issues.map((i) => `${i.field} ${i.message}`).join('; ') };
    const labelRaw = get(LABEL_COLUMN);
    const label = labelRaw === '1' ? 1 : labelRaw === '0' ? 0 : undefined;
    return {
      ok: true,
      record: {
        applicant: checked.applicant,
        protectedAttributes: { sex: get('SEX') ?? '', marriage: get('MARRIAGE') ?? '' },
        ...(label !== undefined ? { label } : {}),
      },
    };
  };
  return { reader: { parseLine }, skipFirst: hasHeader };
}

const ntd = (x: number): string => formatNumber(Math.round(x));

function repaymentPhrase(a: Applicant, effect: 'increases_risk' | 'decreases_risk'): string {
  const statuses = PAY_STATUS.map((p) => a[p] as number);
  const worst = Math.max(...statuses);
  const latest = statuses[0]!;
  if (worst > 0) {
    const when = latest > 0 ? `, including ${latest} month${latest === 1 ? '' : 's'} behind in September` : '';
    return `your payments were up to ${worst} month${worst === 1 ? '' : 's'} late in the last six months${when}`;
  }
  if (statuses.every((s) => s < 0)) return 'you paid your bills in full or had no balance in each of the last six months';
  return effect === 'increases_risk'
    ? 'you carried a balance over (paying part of the bill) in recent months'
    : 'your payments were on time in the last six months';
}

/** The Taiwan credit-card data set. */
export const taiwanDefault: CreditDataset = {
  name: 'taiwan',
  schema: TAIWAN_SCHEMA,
  trainingFile: 'taiwan_default/train.csv',
  createReader: taiwanReader,
  describeReason: (group, a, reference, effect) => {
    switch (group) {
      case 'repayment_status':
        return withEffect(repaymentPhrase(a, effect), effect);
      case 'bill_amounts': {
        const use = (a.bill_amt1 as number) / Math.max(a.limit_bal as number, 1);
        return withEffect(`your September bill of NT$ ${ntd(a.bill_amt1 as number)} uses ${Math.round(use * 100)}% of your credit limit`, effect);
      }
      case 'payments':
        return withEffect(
          `you paid NT$ ${ntd(a.pay_amt1 as number)} in September against an August bill of NT$ ${ntd(a.bill_amt2 as number)}`,
          effect,
        );
      default:
        return singleFeatureReason(TAIWAN_SCHEMA, group, a, reference, effect, (_n, v) => ntd(v));
    }
  },
  protectedGroups: (record) => {
    const sex = String(record.protectedAttributes.sex);
    const marriage = String(record.protectedAttributes.marriage);
    return {
      age: (record.applicant.age as number) < 25 ? 'under 25' : '25 and over',
      sex: sex === '1' ? 'male' : sex === '2' ? 'female' : 'unknown',
      marital_status: marriage === '1' ? 'married' : marriage === '2' ? 'single' : marriage === '3' ? 'other' : 'unknown',
    };
  },
};
