// The shipped credit models: they load, reproduce their stored predictions, agree between the typed-array and
// TensorFlow.js paths, encode identically at training and serving time, are calibrated, and explain themselves with
// attributions that add up (Integrated Gradients completeness) and point the right way.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { CreditModel } from '../../../../models/credit/lib/credit-model.ts';
import { germanCredit, taiwanDefault } from '../../../../models/credit/lib/datasets/index.ts';
import { encode } from '../../../../models/credit/lib/preprocessing.ts';
import type { Applicant } from '../../../../models/credit/lib/schema.ts';
import { loadTf } from '../../../../models/credit/lib/tf-runtime.ts';

const config = loadConfig(process.env);
const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/credit');

let german: CreditModel;
let taiwan: CreditModel;

beforeAll(async () => {
  german = await CreditModel.load(path.join(config.credit.modelsDir, 'german'));
  taiwan = await CreditModel.load(path.join(config.credit.modelsDir, 'taiwan'));
});

/** A low-risk German applicant: money in the bank, long employment, clean history, small short loan. */
const SAFE: Applicant = {
  purpose: 'car_used',
  credit_amount: 1500,
  duration_months: 12,
  installment_rate: 2,
  checking_account: '200_or_more',
  savings: '1000_or_more',
  employment_since: '7y_or_more',
  credit_history: 'critical_or_other_credits',
  existing_credits: 1,
  other_installment_plans: 'none',
  other_debtors: 'none',
  property: 'real_estate',
  housing: 'own',
  age: 45,
};

/** A high-risk German applicant: overdrawn, unemployed, late before, large long loan, nothing saved. */
const RISKY: Applicant = {
  purpose: 'car_new',
  credit_amount: 12000,
  duration_months: 60,
  installment_rate: 4,
  checking_account: 'below_0',
  savings: 'below_100',
  employment_since: 'unemployed',
  credit_history: 'no_credits_or_all_paid',
  existing_credits: 1,
  other_installment_plans: 'bank',
  other_debtors: 'none',
  property: 'none_or_unknown',
  housing: 'rent',
  age: 22,
};

/** A synthetic Taiwan client whose bills cross zero (credit balances) and who paid nothing in some months: the path
 * from the reference passes through the steep part of the log scales, the hardest case for the integration. */
const TAIWAN_CREDIT_BALANCE: Applicant = {
  limit_bal: 100000, education: 'university', age: 25, pay_0: 2, pay_2: 0, pay_3: 0, pay_4: -2, pay_5: -2, pay_6: -1,
  bill_amt1: 95000, bill_amt2: 50000, bill_amt3: -200, bill_amt4: -200, bill_amt5: -200, bill_amt6: 150,
  pay_amt1: 3000, pay_amt2: 0, pay_amt3: 0, pay_amt4: 0, pay_amt5: 500, pay_amt6: 500,
};

describe.each([
  ['german', () => german],
  ['taiwan', () => taiwan],
])('%s model artifacts', (name, model) => {
  it('loads with a content-hash version and a matching schema', () => {
    const m = model();
    expect(m.name).toBe(name);
    expect(m.version).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
    expect(m.network.inputs).toBe(m.preprocessing.columns.length);
    expect(m.schema.features.map((f) => f.name)).toEqual((name === 'german' ? germanCredit : taiwanDefault).schema.features.map((f) => f.name));
  });

  it('reproduces the predictions and encodings stored at training time (typed-array and TensorFlow.js paths)', async () => {
    const m = model();
    const check = JSON.parse(fs.readFileSync(path.join(m.dir, 'check.json'), 'utf8')) as { version: string; applicants: Applicant[]; encoded: number[][]; probabilities: number[] };
    expect(check.version).toBe(m.version);
    check.applicants.forEach((a, i) => {
      // Preprocessing parity: serving-time encoding equals the training-time encoding.
      const enc = Array.from(encode(m.preprocessing, a));
      enc.forEach((v, j) => expect(v).toBeCloseTo(check.encoded[i]![j]!, 5));
      expect(m.probability(a)).toBeCloseTo(check.probabilities[i]!, 6);
    });
    const tf = await loadTf(config.credit.tfBackend);
    const viaTf = await m.probabilitiesWithTf(tf, check.applicants);
    viaTf.forEach((p, i) => expect(p).toBeCloseTo(check.probabilities[i]!, 6));
  });

  it('integrated-gradients attributions add up to PD(applicant) − PD(reference)', () => {
    const m = model();
    const applicants =
      name === 'german'
        ? [SAFE, RISKY, m.explanation.reference]
        : [...JSON.parse(fs.readFileSync(path.join(m.dir, 'check.json'), 'utf8')).applicants.slice(0, 3), TAIWAN_CREDIT_BALANCE];
    for (const a of applicants as Applicant[]) {
      const attribution = m.attribute(a);
      const sum = Object.values(attribution.byFeature).reduce((s, v) => s + v, 0);
      expect(attribution.probability).toBeCloseTo(m.probability(a), 9);
      expect(attribution.referenceProbability).toBeCloseTo(m.explanation.referenceProbability, 6);
      expect(Math.abs(attribution.probability - attribution.referenceProbability - sum)).toBeLessThan(5e-3);
      expect(Math.abs(attribution.completenessGap)).toBeLessThan(5e-3);
    }
  });
});

describe('german model behaviour', () => {
  it('gives the low-risk applicant a lower probability of default than the high-risk one, with reasons pointing the right way', () => {
    const safe = german.assess(SAFE);
    const risky = german.assess(RISKY);
    expect(safe.probabilityOfDefault).toBeLessThan(0.15);
    expect(risky.probabilityOfDefault).toBeGreaterThan(0.5);
    expect(risky.riskBand).toBe('high');
    for (const result of [safe, risky]) {
      expect(result.reasons.length).toBeGreaterThan(0);
      expect(result.reasons.length).toBeLessThanOrEqual(4);
    }
    const riskyChecking = risky.reasons.find((r) => r.feature === 'checking_account');
    expect(riskyChecking).toMatchObject({ effect: 'increases_risk' });
    expect(riskyChecking!.text).toMatch(/overdrawn.*raises the estimated risk/);
    expect(risky.reasons.every((r) => r.effect === 'increases_risk' ? r.contribution > 0 : r.contribution < 0)).toBe(true);
    expect(safe.reasons.some((r) => r.effect === 'decreases_risk')).toBe(true);
    // Reasons are the largest contributions, in order.
    const sizes = risky.reasons.map((r) => Math.abs(r.contribution));
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
  });

  it('raises the risk monotonically with a longer duration, all else equal (on this applicant)', () => {
    const pds = [12, 24, 48, 72].map((duration_months) => german.probability({ ...RISKY, checking_account: '0_to_200', duration_months }));
    for (let i = 1; i < pds.length; i++) expect(pds[i]!).toBeGreaterThan(pds[i - 1]!);
  });

  it('maps the risk bands onto the cut-off', () => {
    const [low, medium, high] = german.policy.bands;
    expect(low!.from).toBe(0);
    expect(high!.from).toBeCloseTo(german.policy.threshold, 12);
    expect(medium!.to).toBeCloseTo(german.policy.threshold, 12);
    expect(german.bandFor(german.policy.threshold - 1e-9).name).toBe('medium');
    expect(german.bandFor(german.policy.threshold).name).toBe('high');
    expect(german.bandFor(0).name).toBe('low');
  });
});

describe('validation names every bad field', () => {
  it('collects missing, mistyped, out-of-range, unknown-value and unknown/protected fields', () => {
    const { duration_months: _d, ...withoutDuration } = SAFE;
    const result = german.validate({ ...withoutDuration, credit_amount: '1500', age: 130, housing: 'castle', personal_status: 'A93', colour: 'blue' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.issues.map((i) => [i.field, i.message]));
    expect(Object.keys(byField).sort()).toEqual(['age', 'colour', 'credit_amount', 'duration_months', 'housing', 'personal_status']);
    expect(byField.duration_months).toMatch(/required/);
    expect(byField.credit_amount).toMatch(/number from 250 to 18500 DM/);
    expect(byField.age).toMatch(/from 18 to 80/);
    expect(byField.housing).toMatch(/one of: rent, own, free/);
    expect(byField.personal_status).toMatch(/protected/);
    expect(byField.colour).toMatch(/not a feature/);
  });

  it('accepts the data set codes as well as the value names', () => {
    const result = german.validate({ ...SAFE, checking_account: 'A14', housing: 'A152' });
    expect(result).toMatchObject({ ok: true, applicant: { checking_account: 'none', housing: 'own' } });
  });
});

describe('preprocessing parity: the batch file reader and the API give the same encoding', () => {
  it('german.data lines and their API equivalents encode identically', () => {
    const lines = fs.readFileSync(path.join(FIXTURES, 'german-sample.data'), 'utf8').trim().split('\n');
    const { reader } = germanCredit.createReader(lines[0]!);
    const first = reader.parseLine(lines[0]!);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    // Line 1: A11 48 A33 A40 9000 A61 A72 4 … A124 23 A141 A151 1 — as an API request with value names.
    const api = german.validate({
      checking_account: 'below_0', duration_months: 48, credit_history: 'past_delays', purpose: 'car_new', credit_amount: 9000,
      savings: 'below_100', employment_since: 'below_1y', installment_rate: 4, other_debtors: 'none', property: 'none_or_unknown',
      age: 23, other_installment_plans: 'bank', housing: 'rent', existing_credits: 1,
    });
    expect(api.ok).toBe(true);
    if (!api.ok) return;
    expect(Array.from(encode(german.preprocessing, api.applicant))).toEqual(Array.from(encode(german.preprocessing, first.record.applicant)));
    expect(first.record.label).toBe(1);
    expect(first.record.protectedAttributes).toEqual({ personal_status: 'A93', foreign_worker: 'A201' });
  });

  it('reports malformed German and Taiwan rows with a reason', () => {
    const { reader } = germanCredit.createReader('');
    expect(reader.parseLine('A11 xx A33 A40 9000 A61')).toMatchObject({ ok: false, error: expect.stringMatching(/expected 20 attributes/) });
    const bad = reader.parseLine('A19 24 A32 A43 3000 A62 A73 3 A94 A101 3 A122 35 A143 A152 1 A173 2 A191 A201 1');
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/unknown code "A19"/) });
    const csv = fs.readFileSync(path.join(FIXTURES, 'taiwan-sample.csv'), 'utf8').trim().split('\n');
    const tw = taiwanDefault.createReader(csv[0]!);
    expect(tw.skipFirst).toBe(true);
    expect(tw.reader.parseLine(csv[1]!)).toMatchObject({ ok: true, record: { label: 1, applicant: { age: 24, education: 'university', pay_0: 2 } } });
    expect(tw.reader.parseLine(csv[4]!)).toMatchObject({ ok: false, error: expect.stringMatching(/AGE: "thirty" is not a number/) });
    expect(tw.reader.parseLine(csv[6]!)).toMatchObject({ ok: false, error: expect.stringMatching(/columns/) });
    // Undocumented EDUCATION codes (0, 5, 6) are read as "other".
    expect(tw.reader.parseLine(csv[5]!)).toMatchObject({ ok: true, record: { applicant: { education: 'other' } } });
  });
});

describe.skipIf(!fs.existsSync(path.join(config.datasetsDir, 'german_credit', 'german.data')))('calibration on the training data', () => {
  it.each([
    ['german', 'german_credit/german.data'],
    ['taiwan', 'taiwan_default/train.csv'],
  ])('%s: the mean predicted probability is close to the observed default rate', (name, file) => {
    const m = name === 'german' ? german : taiwan;
    const lines = fs.readFileSync(path.join(config.datasetsDir, file), 'utf8').split('\n').filter((l) => l.trim());
    const { reader, skipFirst } = m.dataset.createReader(lines[0]!);
    let sumP = 0;
    let sumY = 0;
    let n = 0;
    // Every row of the small German file; every fourth Taiwan row (6,000 rows) keeps the test fast.
    const step = name === 'german' ? 1 : 4;
    for (const [i, line] of lines.slice(skipFirst ? 1 : 0).entries()) {
      if (i % step) continue;
      const parsed = reader.parseLine(line);
      if (!parsed.ok) continue;
      sumP += m.probability(parsed.record.applicant);
      sumY += parsed.record.label!;
      n++;
    }
    expect(Math.abs(sumP / n - sumY / n)).toBeLessThan(0.03);
  });
});
