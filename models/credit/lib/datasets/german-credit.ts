/**
 * The `german` model's data set: UCI Statlog German Credit (Hofmann 1994; attribute codes from german.doc), its
 * questionnaire schema and a reader for the original `german.data` format (20 space-separated attributes, optional
 * class 1 = good / 2 = bad). Amounts are Deutsche Mark of the data's era.
 */
import type { Applicant, CategoricalFeatureSpec, ChoiceOption, FeatureSpec, ModelSchema, NumericFeatureSpec } from '../schema.ts';
import { validateApplicant } from '../schema.ts';
import { formatNumber, singleFeatureReason } from './reason-text.ts';
import type { CreditDataset, ParseOutcome, ParsedRecord } from './types.ts';

/** Official fixed conversion rate (Council Regulation (EC) No 2866/98): 1 EUR = 1.95583 DEM. */
export const DM_PER_EURO = 1.95583;

const cat = (
  name: string,
  source: string,
  label: string,
  question: string,
  why: string,
  options: ChoiceOption[],
  aliases: string[] = [],
): CategoricalFeatureSpec => ({ type: 'categorical', name, source, label, question, why, options, aliases, encoding: { kind: 'one-hot' } });

const num = (spec: Omit<NumericFeatureSpec, 'type'>): NumericFeatureSpec => ({ type: 'number', ...spec });

/** UCI attribute positions (0-based) of each model feature in a german.data line. */
const COLUMN: Record<string, number> = {
  checking_account: 0,
  duration_months: 1,
  credit_history: 2,
  purpose: 3,
  credit_amount: 4,
  savings: 5,
  employment_since: 6,
  installment_rate: 7,
  other_debtors: 9,
  property: 11,
  age: 12,
  other_installment_plans: 13,
  housing: 14,
  existing_credits: 15,
};
const PERSONAL_STATUS = 8;
const FOREIGN_WORKER = 19;

/** Sex as recorded in attribute 9 (personal status and sex), for the fairness report only. */
const SEX_BY_PERSONAL_STATUS: Record<string, string> = { A91: 'male', A92: 'female', A93: 'male', A94: 'male', A95: 'female' };

// The questions are in the order a loan conversation usually takes: the loan, then finances, history, situation.
const FEATURES: FeatureSpec[] = [
  cat(
    'purpose',
    'attribute 4 (purpose)',
    'Loan purpose',
    'What is the loan for?',
    'What a loan pays for was related to how often loans were repaid in the historical data (for example used-car loans were repaid more often than new-car loans).',
    [
      { value: 'car_new', code: 'A40', label: 'A new car', synonyms: ['new car', 'car', 'new vehicle'], phrase: 'the loan is for a new car' },
      { value: 'car_used', code: 'A41', label: 'A used car', synonyms: ['used car', 'second-hand car', 'second hand car', 'old car'], phrase: 'the loan is for a used car' },
      { value: 'furniture_equipment', code: 'A42', label: 'Furniture or equipment', synonyms: ['furniture', 'equipment', 'sofa', 'kitchen'], phrase: 'the loan is for furniture or equipment' },
      { value: 'radio_tv', code: 'A43', label: 'Radio or television', synonyms: ['tv', 'television', 'radio', 'electronics'], phrase: 'the loan is for a radio or television' },
      { value: 'domestic_appliances', code: 'A44', label: 'Household appliances', synonyms: ['appliances', 'washing machine', 'fridge', 'domestic appliances'], phrase: 'the loan is for household appliances' },
      { value: 'repairs', code: 'A45', label: 'Repairs', synonyms: ['repair', 'renovation', 'home repairs'], phrase: 'the loan is for repairs' },
      { value: 'education', code: 'A46', label: 'Education', synonyms: ['studies', 'school', 'university', 'tuition'], phrase: 'the loan is for education' },
      { value: 'retraining', code: 'A48', label: 'Retraining', synonyms: ['training', 'course', 'retrain'], phrase: 'the loan is for retraining' },
      { value: 'business', code: 'A49', label: 'Business', synonyms: ['my business', 'company', 'start-up', 'startup'], phrase: 'the loan is for a business' },
      { value: 'other', code: 'A410', label: 'Something else', synonyms: ['other', 'others', 'vacation', 'holiday', 'something else'], phrase: 'the loan is for another purpose' },
    ],
    ['purpose', 'loan purpose', 'reason for the loan'],
  ),
  num({
    name: 'credit_amount',
    source: 'attribute 5 (credit amount, DM)',
    label: 'Loan amount',
    question: 'How much would you like to borrow?',
    why: 'Larger loans were repaid less often in the historical data, and the amount together with the duration sets the size of the repayments.',
    min: 250,
    max: 18_500,
    integer: false,
    unit: 'DM',
    aliases: ['amount', 'loan amount', 'credit amount', 'sum', 'borrow'],
    encoding: { kind: 'standardised', transform: 'log' },
    phrases: { higher: 'the loan amount ({value}) is larger than the typical {reference}', lower: 'the loan amount ({value}) is smaller than the typical {reference}' },
  }),
  num({
    name: 'duration_months',
    source: 'attribute 2 (duration in months)',
    label: 'Loan duration',
    question: 'Over how many months would you like to repay it?',
    why: 'Longer loans leave more time for something to go wrong; duration was one of the strongest signals in the historical data.',
    min: 4,
    max: 72,
    integer: true,
    unit: 'months',
    aliases: ['duration', 'term', 'length of the loan', 'months', 'loan term'],
    encoding: { kind: 'standardised', transform: 'log' },
    phrases: { higher: 'the loan runs for {value} months, longer than the typical {reference}', lower: 'the loan runs for {value} months, shorter than the typical {reference}' },
  }),
  num({
    name: 'installment_rate',
    source: 'attribute 8 (installment rate in percentage of disposable income, recorded as 1–4)',
    label: 'Repayments vs. income',
    question: 'How large will the monthly repayments be compared with your disposable income, on a scale from 1 (a small share) to 4 (a large share)?',
    why: 'Repayments that take a larger share of income leave less room for unexpected costs. The historical data records this share only as a level from 1 to 4.',
    min: 1,
    max: 4,
    integer: true,
    aliases: ['installment rate', 'instalment rate', 'repayment share', 'share of income', 'repayments'],
    encoding: { kind: 'standardised', transform: 'identity' },
    phrases: { higher: 'the repayments take a large share of your income (level {value} of 4)', lower: 'the repayments take a small share of your income (level {value} of 4)' },
  }),
  cat(
    'checking_account',
    'attribute 1 (status of existing checking account)',
    'Checking account',
    'What is the balance of your checking (current) account?',
    'The balance of the everyday account was the strongest single signal in the historical data.',
    [
      { value: 'below_0', code: 'A11', label: 'Overdrawn (below zero)', synonyms: ['overdrawn', 'negative', 'below zero', 'in the red', 'minus'], phrase: 'your checking account is overdrawn' },
      { value: '0_to_200', code: 'A12', label: 'Up to about 100 € (200 DM)', synonyms: ['low', 'a little', 'up to 100', 'less than 100', 'under 100'], phrase: 'your checking account balance is low (under 200 DM, about 100 €)' },
      { value: '200_or_more', code: 'A13', label: 'About 100 € (200 DM) or more, or salary paid in for a year', synonyms: ['more than 100', 'over 100', 'salary', 'positive', 'healthy'], phrase: 'your checking account holds 200 DM (about 100 €) or more, or receives your salary' },
      { value: 'none', code: 'A14', label: 'I have no checking account', synonyms: ['none', 'no account', "don't have one", 'no checking account', 'no'], phrase: 'you have no checking account' },
    ],
    ['checking account', 'current account', 'checking', 'balance', 'account balance'],
  ),
  cat(
    'savings',
    'attribute 6 (savings account/bonds)',
    'Savings',
    'How much do you have in savings accounts or bonds?',
    'Savings are a buffer when income drops; in the historical data larger savings went with fewer defaults.',
    [
      { value: 'below_100', code: 'A61', label: 'Under about 50 € (100 DM)', synonyms: ['under 50', 'less than 50', 'very little', 'almost nothing'], phrase: 'your savings are below 100 DM (about 50 €)' },
      { value: '100_to_500', code: 'A62', label: 'About 50–250 € (100–500 DM)', synonyms: ['50 to 250', 'a bit', 'some'], phrase: 'your savings are between 100 and 500 DM (about 50–250 €)' },
      { value: '500_to_1000', code: 'A63', label: 'About 250–500 € (500–1,000 DM)', synonyms: ['250 to 500'], phrase: 'your savings are between 500 and 1,000 DM (about 250–500 €)' },
      { value: '1000_or_more', code: 'A64', label: 'Over about 500 € (1,000 DM)', synonyms: ['more than 500', 'over 500', 'a lot', 'plenty'], phrase: 'your savings are 1,000 DM (about 500 €) or more' },
      { value: 'none_or_unknown', code: 'A65', label: 'No savings account / prefer not to say', synonyms: ['none', 'no savings', 'unknown', 'prefer not to say', 'no'], phrase: 'no savings account is recorded' },
    ],
    ['savings', 'savings account', 'bonds'],
  ),
  cat(
    'employment_since',
    'attribute 7 (present employment since)',
    'Time in current job',
    'How long have you been in your current job?',
    'Longer, stable employment usually means steadier income to repay from.',
    [
      { value: 'unemployed', code: 'A71', label: 'I am not employed', synonyms: ['unemployed', 'not working', 'no job', 'jobless'], phrase: 'you are not currently employed' },
      { value: 'below_1y', code: 'A72', label: 'Less than a year', synonyms: ['less than 1 year', 'under a year', 'few months', 'just started'], phrase: 'you have been in your job for less than a year' },
      { value: '1_to_4y', code: 'A73', label: '1 to 4 years', synonyms: ['1-4 years', 'one to four years', 'a couple of years', '2 years', '3 years'], phrase: 'you have been in your job for 1 to 4 years' },
      { value: '4_to_7y', code: 'A74', label: '4 to 7 years', synonyms: ['4-7 years', 'four to seven years', '5 years', '6 years'], phrase: 'you have been in your job for 4 to 7 years' },
      { value: '7y_or_more', code: 'A75', label: '7 years or more', synonyms: ['more than 7 years', 'over 7 years', '7+ years', 'ten years', 'a long time'], phrase: 'you have been in your job for 7 years or more' },
    ],
    ['employment', 'job', 'time in job', 'employment since', 'employed'],
  ),
  cat(
    'credit_history',
    'attribute 3 (credit history)',
    'Credit history',
    'How have your past and current credits gone?',
    'How earlier credits were repaid is one of the strongest signals of how a new one will be.',
    [
      { value: 'no_credits_or_all_paid', code: 'A30', label: 'No credits yet, or all paid back on time', synonyms: ['no credits', 'never borrowed', 'first loan', 'all paid back'], phrase: 'you have had no credits yet, or all were paid back on time' },
      { value: 'all_paid_this_bank', code: 'A31', label: 'All credits at this bank paid back on time', synonyms: ['paid back at this bank', 'all paid at this bank'], phrase: 'all your credits at this bank were paid back on time' },
      { value: 'existing_paid_duly', code: 'A32', label: 'Current credits paid on time so far', synonyms: ['paying on time', 'on time so far', 'up to date', 'current credits on time'], phrase: 'your current credits have been paid on time so far' },
      { value: 'past_delays', code: 'A33', label: 'Some delays in the past', synonyms: ['delays', 'late payments', 'paid late', 'some delays'], phrase: 'you had delays in paying off credits in the past' },
      { value: 'critical_or_other_credits', code: 'A34', label: 'Critical account, or credits at other banks', synonyms: ['critical account', 'other banks', 'credits elsewhere', 'critical'], phrase: 'your record shows a critical account or credits at other banks' },
    ],
    ['credit history', 'history', 'past credits', 'repayment history'],
  ),
  num({
    name: 'existing_credits',
    source: 'attribute 16 (number of existing credits at this bank)',
    label: 'Credits at this bank',
    question: 'How many credits do you have at this bank, counting this one (1 to 4; 4 means four or more)?',
    why: 'The number of credits already running at the bank was recorded for every applicant in the historical data.',
    min: 1,
    max: 4,
    integer: true,
    aliases: ['existing credits', 'number of credits', 'credits at this bank', 'loans at this bank'],
    encoding: { kind: 'standardised', transform: 'identity' },
    phrases: { higher: 'you have {value} credits at this bank, more than the typical {reference}', lower: 'you have {value} credit at this bank, fewer than the typical {reference}' },
  }),
  cat(
    'other_installment_plans',
    'attribute 14 (other installment plans)',
    'Other instalment plans',
    'Are you paying off any other instalment plans?',
    'Other repayments compete with this loan for the same income.',
    [
      { value: 'bank', code: 'A141', label: 'Yes, with a bank', synonyms: ['bank', 'with a bank', 'bank loan'], phrase: 'you are paying off an instalment plan with another bank' },
      { value: 'stores', code: 'A142', label: 'Yes, with a store', synonyms: ['store', 'stores', 'shop', 'store card', 'buy now pay later'], phrase: 'you are paying off an instalment plan with a store' },
      { value: 'none', code: 'A143', label: 'No', synonyms: ['none', 'no', 'nope', 'not really'], phrase: 'you have no other instalment plans' },
    ],
    ['other instalment plans', 'other installment plans', 'instalment plans', 'installment plans', 'other plans'],
  ),
  cat(
    'other_debtors',
    'attribute 10 (other debtors / guarantors)',
    'Co-applicant or guarantor',
    'Will anyone share responsibility for the loan?',
    'A guarantor or co-applicant is a second source of repayment.',
    [
      { value: 'none', code: 'A101', label: 'No, just me', synonyms: ['no', 'none', 'just me', 'only me', 'myself'], phrase: 'no one else shares responsibility for the loan' },
      { value: 'co_applicant', code: 'A102', label: 'Yes, a co-applicant', synonyms: ['co-applicant', 'coapplicant', 'co applicant', 'joint'], phrase: 'the loan has a co-applicant' },
      { value: 'guarantor', code: 'A103', label: 'Yes, a guarantor', synonyms: ['guarantor', 'guarantee', 'cosigner', 'co-signer'], phrase: 'the loan has a guarantor' },
    ],
    ['guarantor', 'co-applicant', 'other debtors', 'co applicant'],
  ),
  cat(
    'property',
    'attribute 12 (property)',
    'Property',
    'Which of these is your most valuable property?',
    'Property can secure a loan or be drawn on in hard times.',
    [
      { value: 'real_estate', code: 'A121', label: 'Real estate', synonyms: ['house', 'flat', 'apartment', 'real estate', 'land', 'home'], phrase: 'you own real estate' },
      { value: 'savings_agreement_or_life_insurance', code: 'A122', label: 'Building-society savings or life insurance', synonyms: ['life insurance', 'building society', 'savings agreement', 'insurance'], phrase: 'your main asset is a building-society savings agreement or life insurance' },
      { value: 'car_or_other', code: 'A123', label: 'A car or something else', synonyms: ['car', 'vehicle', 'other'], phrase: 'your main asset is a car or other property' },
      { value: 'none_or_unknown', code: 'A124', label: 'No property / prefer not to say', synonyms: ['none', 'nothing', 'no property', 'unknown', 'prefer not to say'], phrase: 'no property is recorded' },
    ],
    ['property', 'assets', 'most valuable property'],
  ),
  cat(
    'housing',
    'attribute 15 (housing)',
    'Housing',
    'Do you rent your home, own it, or live there for free?',
    'Housing costs and home ownership affect how much room the budget has for repayments.',
    [
      { value: 'rent', code: 'A151', label: 'I rent', synonyms: ['rent', 'renting', 'tenant', 'rented'], phrase: 'you rent your home' },
      { value: 'own', code: 'A152', label: 'I own it', synonyms: ['own', 'owner', 'mine', 'bought'], phrase: 'you own your home' },
      { value: 'free', code: 'A153', label: 'I live for free', synonyms: ['free', 'for free', 'with parents', 'rent free', 'rent-free'], phrase: 'you live rent-free' },
    ],
    ['housing', 'home', 'rent or own'],
  ),
  num({
    name: 'age',
    source: 'attribute 13 (age in years)',
    label: 'Age',
    question: 'How old are you?',
    why: 'Age was recorded in the historical data and is related to repayment there. Moneta reports approval rates for under-25s separately to check the model does not treat them unfairly.',
    // The data covers ages 19–75; up to 80 is accepted and extrapolated on the log scale.
    min: 18,
    max: 80,
    integer: true,
    unit: 'years',
    aliases: ['age', 'years old', 'my age'],
    encoding: { kind: 'standardised', transform: 'log' },
    phrases: { higher: 'your age ({value}) is above the typical {reference}', lower: 'your age ({value}) is below the typical {reference}' },
  }),
];

/** The `german` model's schema (14 inputs). */
export const GERMAN_SCHEMA: ModelSchema = {
  model: 'german',
  description:
    'Probability that a consumer loan is not repaid as agreed, learned from 800 historical loans of a German bank (UCI Statlog German Credit, amounts in Deutsche Mark).',
  currency: {
    code: 'DEM',
    name: 'Deutsche Mark',
    eurToModel: DM_PER_EURO,
    note:
      'The model works in Deutsche Mark of the data era. Euro answers are converted at the official fixed rate 1 EUR = 1.95583 DM, without adjusting for inflation since then, so a present-day amount looks larger to the model than it would have to the historical borrowers.',
  },
  features: FEATURES,
  derived: [],
  groups: FEATURES.map((f) => ({ name: f.name, label: f.label, features: [f.name] })),
  excluded: [
    { name: 'personal_status', source: 'attribute 9 (personal status and sex)', reason: 'sex and marital status are protected characteristics; used only in the fairness report' },
    { name: 'foreign_worker', source: 'attribute 20 (foreign worker)', reason: 'nationality is a protected characteristic' },
    { name: 'telephone', source: 'attribute 19 (telephone)', reason: 'a landline registered in the customer’s name says little today; it did not improve cross-validated accuracy' },
    { name: 'present_residence_since', source: 'attribute 11 (present residence since)', reason: 'recorded as an undocumented 1–4 code; it did not improve cross-validated accuracy' },
    { name: 'people_liable', source: 'attribute 18 (number of people being liable to provide maintenance for)', reason: 'an undocumented 1–2 code close to family status; it did not improve cross-validated accuracy' },
    { name: 'job', source: 'attribute 17 (job)', reason: 'it did not improve cross-validated accuracy' },
  ],
};

/** Code → option value for each categorical feature, from the schema. */
const CODE_TO_VALUE = new Map<string, Map<string, string>>(
  GERMAN_SCHEMA.features.flatMap((f) => (f.type === 'categorical' ? [[f.name, new Map(f.options.map((o) => [o.code!, o.value]))] as const] : [])),
);

/** Reads one german.data line: 20 attributes, optionally followed by the class (ignored for scoring). */
export function parseGermanLine(line: string): ParseOutcome {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 20 && fields.length !== 21) {
    return { ok: false, error: `expected 20 attributes (optionally plus the class), found ${fields[0] === '' ? 0 : fields.length} fields` };
  }
  const input: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const spec of GERMAN_SCHEMA.features) {
    const raw = fields[COLUMN[spec.name]!]!;
    if (spec.type === 'categorical') {
      const value = CODE_TO_VALUE.get(spec.name)!.get(raw);
      if (value === undefined) problems.push(`${spec.source}: unknown code "${raw}"`);
      else input[spec.name] = value;
    } else {
      const n = Number(raw);
      if (!/^-?\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n)) problems.push(`${spec.source}: "${raw}" is not a number`);
      else input[spec.name] = n;
    }
  }
  if (problems.length) return { ok: false, error: problems.join('; ') };
  const checked = validateApplicant(GERMAN_SCHEMA, input);
  if (!checked.ok) return { ok: false, error: checked.issues.map((i) => `${i.field} ${i.message}`).join('; ') };
  let label: 0 | 1 | undefined;
  if (fields.length === 21) {
    if (fields[20] !== '1' && fields[20] !== '2') return { ok: false, error: `class must be 1 (good) or 2 (bad), found "${fields[20]}"` };
    label = fields[20] === '2' ? 1 : 0;
  }
  const record: ParsedRecord = {
    applicant: checked.applicant,
    protectedAttributes: { personal_status: fields[PERSONAL_STATUS]!, foreign_worker: fields[FOREIGN_WORKER]! },
    ...(label !== undefined ? { label } : {}),
  };
  return { ok: true, record };
}

/** Formats DM amounts with their euro equivalent for reason texts. */
function formatGerman(name: string, value: number): string {
  if (name === 'credit_amount') return `${formatNumber(Math.round(value))} DM (about ${formatNumber(Math.round(value / DM_PER_EURO))} €)`;
  return formatNumber(value);
}

/** The German credit data set. */
export const germanCredit: CreditDataset = {
  name: 'german',
  schema: GERMAN_SCHEMA,
  trainingFile: 'german_credit/german.data',
  createReader: () => ({ reader: { parseLine: parseGermanLine }, skipFirst: false }),
  describeReason: (group: string, applicant: Applicant, reference: Applicant, effect) =>
    singleFeatureReason(GERMAN_SCHEMA, group, applicant, reference, effect, formatGerman),
  protectedGroups: (record) => ({
    age: (record.applicant.age as number) < 25 ? 'under 25' : '25 and over',
    sex: SEX_BY_PERSONAL_STATUS[String(record.protectedAttributes.personal_status)] ?? 'unknown',
  }),
};
