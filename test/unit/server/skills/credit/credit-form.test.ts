// The credit_risk questionnaire built from the german schema: order, plain-language buttons, unit-aware numbers,
// euro→DM conversion, "why we ask" and aliases; and the skill's reply on a completed form.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../server/config/index.ts';
import type { CreditAssessmentPayload, TextMessage } from '../../../../../server/contracts/chat-protocol.ts';
import { GERMAN_SCHEMA } from '../../../../../models/credit/lib/datasets/german-credit.ts';
import { SqliteCreditAuditLog } from '../../../../../server/skills/credit/audit-log.ts';
import { CreditAssessmentSkill } from '../../../../../server/skills/credit/credit-assessment-skill.ts';
import { buildCreditForm, featuresFromForm } from '../../../../../server/skills/credit/credit-form.ts';
import { CreditService } from '../../../../../server/skills/credit/credit-service.ts';
import type { SkillContext } from '../../../../../server/skills/skill.ts';

const form = buildCreditForm(GERMAN_SCHEMA);
const slot = (name: string) => form.slots.find((s) => s.name === name)!;
const parse = (name: string, answer: string) => slot(name).parse(answer, { entities: [], filled: {} });

describe('credit_risk form', () => {
  it('asks the schema questions in conversational order, each with a why and aliases', () => {
    expect(form.name).toBe('credit_risk');
    expect(form.triggerIntents).toEqual(['credit_risk_assessment']);
    expect(form.slots.map((s) => s.name)).toEqual(GERMAN_SCHEMA.features.map((f) => f.name));
    expect(form.slots.slice(0, 3).map((s) => s.name)).toEqual(['purpose', 'credit_amount', 'duration_months']);
    for (const s of form.slots) {
      expect(s.why.length).toBeGreaterThan(20);
      expect(s.aliases?.length).toBeGreaterThan(0);
    }
    // The conversion is explained where it matters (the amount's "why?", the result's details), not in the opening.
    expect(form.intro).not.toMatch(/DM|Deutsche Mark/);
    expect(form.slots.find((s) => s.name === 'credit_amount')!.why).toMatch(/1\.95583 DM per euro/);
  });

  it('offers plain-language quick replies for categories (no data-set codes)', () => {
    for (const s of form.slots.filter((x) => x.input.type === 'choice')) {
      const options = s.input.type === 'choice' ? s.input.options : [];
      expect(options.length).toBeGreaterThan(1);
      for (const o of options) expect(o.title).not.toMatch(/\bA\d{2,3}\b/);
    }
    const checking = slot('checking_account').input;
    expect(checking.type === 'choice' && checking.options.map((o) => o.title)).toContain('I have no checking account');
    expect(parse('checking_account', "I'm overdrawn at the moment")).toEqual({ ok: true, value: 'below_0' });
    expect(parse('housing', 'I rent a flat')).toEqual({ ok: true, value: 'rent' });
    expect(parse('housing', 'a castle')).toMatchObject({ ok: false });
  });

  it('reads amounts in euros (converted to DM), refuses other currencies and amounts outside the data', () => {
    expect(parse('credit_amount', '2,500 euros')).toEqual({ ok: true, value: { value: 2500, currency: 'EUR', dm: 4889.58 } });
    expect(parse('credit_amount', '€3k')).toMatchObject({ ok: true, value: { value: 3000, dm: 5867.49 } });
    expect(parse('credit_amount', '4000')).toMatchObject({ ok: true, value: { currency: 'EUR', dm: 7823.32 } });
    expect(parse('credit_amount', '5000 DM')).toEqual({ ok: true, value: { value: 5000, currency: 'DEM', dm: 5000 } });
    expect(parse('credit_amount', '3000 dollars')).toMatchObject({ ok: false, error: expect.stringMatching(/euros/) });
    expect(parse('credit_amount', '50,000 euros')).toMatchObject({ ok: false, error: expect.stringMatching(/9,458 €/) });
    expect(parse('credit_amount', 'a lot')).toMatchObject({ ok: false });
    const input = slot('credit_amount').input;
    expect(input).toMatchObject({ type: 'number', unit: 'EUR', min: 128, max: 9458 });
  });

  it('reads durations and ages with units', () => {
    expect(parse('duration_months', 'two years')).toEqual({ ok: true, value: 24 });
    expect(parse('duration_months', '18 months')).toEqual({ ok: true, value: 18 });
    expect(parse('duration_months', '36')).toEqual({ ok: true, value: 36 });
    expect(parse('duration_months', '10 years')).toMatchObject({ ok: false, error: expect.stringMatching(/4 and 72/) });
    expect(parse('age', "I'm 34")).toEqual({ ok: true, value: 34 });
    expect(parse('age', '12')).toMatchObject({ ok: false });
  });

  it('reads the 1–4 levels from buttons, digits and words', () => {
    expect(parse('installment_rate', '4')).toEqual({ ok: true, value: 4 });
    expect(parse('installment_rate', 'a small share')).toEqual({ ok: true, value: 1 });
    expect(parse('existing_credits', 'just this one')).toEqual({ ok: true, value: 1 });
    expect(parse('existing_credits', '6')).toEqual({ ok: true, value: 4 });
    expect(parse('existing_credits', 'none')).toMatchObject({ ok: false });
  });

  it('turns the filled slots into model features', () => {
    const features = featuresFromForm({ credit_amount: { value: 2500, currency: 'EUR', dm: 4889.58 }, installment_rate: 2, housing: 'own' });
    expect(features).toEqual({ credit_amount: 4889.58, installment_rate: 2, housing: 'own' });
  });
});

describe('CreditAssessmentSkill', () => {
  const config = loadConfig(process.env);
  let dataDir: string;
  let service: CreditService;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-credit-skill-'));
    service = await CreditService.load({ modelsDir: config.credit.modelsDir, auditLog: new SqliteCreditAuditLog({ dir: dataDir }) });
  });
  afterAll(() => service.dispose());

  it('answers a completed form with a text summary, then the credit_assessment payload in its own event', async () => {
    const skill = new CreditAssessmentSkill({ service: Promise.resolve(service) });
    const slots: Record<string, unknown> = {
      purpose: 'car_new',
      credit_amount: { value: 6000, currency: 'EUR', dm: 11734.98 },
      duration_months: 48,
      installment_rate: 4,
      checking_account: 'below_0',
      savings: 'below_100',
      employment_since: 'below_1y',
      credit_history: 'past_delays',
      existing_credits: 1,
      other_installment_plans: 'bank',
      other_debtors: 'none',
      property: 'none_or_unknown',
      housing: 'rent',
      age: 23,
    };
    const ctx = { sessionId: 's', text: '', events: [], now: 0, parse: { text: '', intent: { name: 'x', confidence: 1 }, intent_ranking: [], entities: [] }, completedForm: { name: 'credit_risk', slots } } as SkillContext;
    const { replies } = await skill.run(ctx);
    expect(replies).toHaveLength(2);
    const text = (replies[0] as TextMessage).text;
    // Concise and in the customer's terms (issue 12): headline, at most four reasons, next step, version, disclaimer.
    expect(text).toMatch(/^High risk: about \d+ in 100 similar loans ran into trouble\./);
    expect(text).toContain('The main factors that kept your estimate from being lower:');
    expect(text.split('\n').filter((l) => l.startsWith('• ')).length).toBeLessThanOrEqual(4);
    expect(text).toContain('• Loan purpose: a new car (most common in the data: radio or television)');
    expect(text).toContain('• Loan duration: 48 months (typical: 18 months)');
    expect(text).not.toMatch(/DM|Deutsche Mark/);
    expect(text).toContain(`Model german ${service.model('german').version}.`);
    expect(text).toMatch(/estimate from historical data, not a credit decision/);
    expect((replies[0] as TextMessage).quick_replies?.map((q) => q.title)).toEqual(['Adjust the loan', "See how it's calculated", 'Talk to a person', 'Start again']);
    expect(replies[0]).not.toHaveProperty('custom');
    const custom = (replies[1] as { custom: CreditAssessmentPayload }).custom;
    expect(Object.keys(replies[1]!)).toEqual(['custom']);
    expect(custom).toMatchObject({ type: 'credit_assessment', model: 'german', modelVersion: service.model('german').version, riskBand: 'high' });
    // Same fields and numbers as the API for the same features.
    const api = service.assess({ model: 'german', features: featuresFromForm(slots) }, 'api');
    expect(custom.probabilityOfDefault).toBeCloseTo(api.probabilityOfDefault, 12);
    expect(custom.reasons).toEqual(api.reasons);
    for (const key of ['model', 'modelVersion', 'probabilityOfDefault', 'riskBand', 'reasons', 'disclaimer']) expect(custom).toHaveProperty(key);
    expect(custom.assumptions).toEqual(expect.arrayContaining([expect.stringMatching(/without adjusting for inflation/)]));
    // The DM conversion and the data's era move behind "How this was calculated".
    expect(custom.details).toEqual(expect.arrayContaining([expect.stringMatching(/1970s.*Deutsche Mark.*1\.95583 DM per euro/)]));
    expect(custom.headline).toBe(text.split('\n')[0]!.replace(/\.$/, ''));
    // "Adjust the loan" restarts the questionnaire with every answer but the loan's amount and duration.
    const adjust = (custom.nextSteps as Array<{ payload: string }>)[0]!.payload;
    const kept = JSON.parse(adjust.slice('/credit_risk_assessment'.length)) as Record<string, unknown>;
    expect(kept).toMatchObject({ purpose: 'car_new', age: 23, housing: 'rent' });
    expect(kept).not.toHaveProperty('credit_amount');
    expect(kept).not.toHaveProperty('duration_months');
  });
});
