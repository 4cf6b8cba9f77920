/**
 * Credit assessment through the real app (createApp, in-memory sessions, keyword NLU, rule entities, the real german
 * model): the credit_risk form over the REST webhook — questions with buttons and form_question events, "why?",
 * re-asking after a bad answer, a correction, and the result (text, then custom.credit_assessment) matching the API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type MonetaApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import type { CreditAssessmentPayload } from '../../server/contracts/chat-protocol.ts';
import { createCreditRouter } from '../../server/http/credit-router.ts';
import { RuleEntityExtractor } from '../../server/nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../../server/nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline } from '../../server/nlu/pipeline.ts';
import { createLogger } from '../../server/observability/logger.ts';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { SqliteCreditAuditLog } from '../../server/skills/credit/audit-log.ts';
import { CreditAssessmentSkill } from '../../server/skills/credit/credit-assessment-skill.ts';
import { CreditService } from '../../server/skills/credit/credit-service.ts';

type RestReply = { recipient_id: string; text?: string; buttons?: Array<{ title: string; payload: string }>; custom?: Record<string, unknown> };

let app: MonetaApp;
let url: string;

beforeAll(async () => {
  const env = loadConfig(process.env);
  const config = loadConfig({}, { session: { store: 'memory', retentionDays: 0 }, chat: { rateLimitPerSessionPerMinute: 10_000, rateLimitPerIpPerMinute: 100_000 }, credit: { modelsDir: env.credit.modelsDir } });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-credit-chat-'));
  const service = CreditService.load({ modelsDir: config.credit.modelsDir, auditLog: new SqliteCreditAuditLog({ dir: dataDir }) });
  const sink = new Writable({ write: (_c, _e, done) => done() });
  app = createApp({
    config,
    logger: createLogger({ level: 'silent', destination: sink, hashSalt: 'test' }),
    sessionStore: new MemorySessionStore(),
    nlu: new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] }),
    skills: [new ConversationSkill(), new CreditAssessmentSkill({ service })],
    routers: [createCreditRouter({ service })],
    ready: service,
  });
  ({ url } = await app.start(0, '127.0.0.1'));
});

afterAll(async () => {
  await app?.close();
});

async function webhook(sender: string, message: string): Promise<RestReply[]> {
  const res = await fetch(`${url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender, message }) });
  expect(res.status).toBe(200);
  return (await res.json()) as RestReply[];
}

const asked = (replies: RestReply[]) => replies.find((r) => r.custom?.type === 'form_question')?.custom as { form: string; slot: string; input: any } | undefined;
const texts = (replies: RestReply[]) => replies.filter((r) => r.text).map((r) => r.text!);

describe('credit_risk form over the REST webhook', () => {
  it('asks, explains, re-asks, accepts a correction and ends with the credit_assessment payload', async () => {
    const sender = `credit-rest-${Date.now()}`;
    let r = await webhook(sender, '/credit_risk_assessment');
    expect(texts(r)[0]).toMatch(/14 short questions/);
    expect(asked(r)).toMatchObject({ form: 'credit_risk', slot: 'purpose', input: { type: 'choice' } });
    const purpose = r.find((x) => x.buttons)!;
    expect(purpose.buttons!.map((b) => b.title)).toContain('A used car');
    for (const x of r) if (x.custom) expect(x.text).toBeUndefined();

    r = await webhook(sender, 'a used car');
    expect(asked(r)).toMatchObject({ slot: 'credit_amount', input: { type: 'number', unit: 'EUR' } });
    r = await webhook(sender, 'why do you ask?');
    expect(texts(r)[0]).toMatch(/Larger loans.*1\.95583 DM per euro/);
    expect(asked(r)?.slot).toBe('credit_amount');
    r = await webhook(sender, '3000 dollars');
    expect(texts(r)[0]).toMatch(/euros/);
    expect(asked(r)?.slot).toBe('credit_amount');
    r = await webhook(sender, '2,500 euros');
    expect(asked(r)).toMatchObject({ slot: 'duration_months', input: { type: 'number', unit: 'months' } });
    r = await webhook(sender, 'two years');
    expect(asked(r)?.slot).toBe('installment_rate');
    r = await webhook(sender, '2');
    expect(asked(r)?.slot).toBe('checking_account');
    r = await webhook(sender, 'I have no checking account');
    expect(asked(r)?.slot).toBe('savings');
    r = await webhook(sender, 'over 500');
    expect(asked(r)?.slot).toBe('employment_since');

    // A correction of an earlier answer, then the current question again.
    r = await webhook(sender, 'actually, make the duration 18 months');
    expect(texts(r)[0]).toMatch(/changed the duration.* to 18 months/);
    expect(asked(r)?.slot).toBe('employment_since');

    r = await webhook(sender, '7 years or more');
    expect(asked(r)?.slot).toBe('credit_history');
    r = await webhook(sender, 'Current credits paid on time so far');
    expect(asked(r)?.slot).toBe('existing_credits');
    r = await webhook(sender, 'just this one');
    expect(asked(r)?.slot).toBe('other_installment_plans');
    r = await webhook(sender, 'No');
    expect(asked(r)?.slot).toBe('other_debtors');
    r = await webhook(sender, 'No, just me');
    expect(asked(r)?.slot).toBe('property');
    r = await webhook(sender, 'real estate');
    expect(asked(r)?.slot).toBe('housing');
    r = await webhook(sender, 'I own it');
    expect(asked(r)).toMatchObject({ slot: 'age', input: { type: 'number', min: 18, max: 80 } });
    r = await webhook(sender, "I'm 41");

    expect(r).toHaveLength(2);
    expect(r[0]!.text).toMatch(/^(Low|Medium|High) risk: (about \d+|fewer than 1) in 100 similar loans ran into trouble\./);
    expect(r[0]!.text).toMatch(/estimate from historical data, not a credit decision/);
    expect(r[0]!.buttons?.map((b) => b.title)).toContain('Talk to a person');
    const payload = r[1]!.custom as unknown as CreditAssessmentPayload;
    expect(r[1]!.text).toBeUndefined();
    expect(payload).toMatchObject({ type: 'credit_assessment', model: 'german' });
    expect(payload.assumptions).toEqual(expect.arrayContaining([expect.stringMatching(/2,500 € was converted to 4,890 DM/)]));

    // The chat payload and the API agree for the same answers.
    const features = {
      purpose: 'car_used', credit_amount: 4889.58, duration_months: 18, installment_rate: 2, checking_account: 'none', savings: '1000_or_more',
      employment_since: '7y_or_more', credit_history: 'existing_paid_duly', existing_credits: 1, other_installment_plans: 'none',
      other_debtors: 'none', property: 'real_estate', housing: 'own', age: 41,
    };
    const res = await fetch(`${url}/api/v1/credit/assess`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'german', features }) });
    const api = await res.json();
    expect(payload.probabilityOfDefault).toBeCloseTo(api.probabilityOfDefault, 12);
    expect(payload.riskBand).toBe(api.riskBand);
    expect(payload.reasons).toEqual(api.reasons);
    expect(payload.modelVersion).toBe(api.modelVersion);
  });

  it('leaves the form on cancel', async () => {
    const sender = `credit-cancel-${Date.now()}`;
    await webhook(sender, '/credit_risk_assessment');
    const r = await webhook(sender, 'cancel');
    expect(asked(r)).toBeUndefined();
    const next = await webhook(sender, 'hello');
    expect(asked(next)).toBeUndefined();
  });
});

describe('credit_risk form prefill', () => {
  it('takes the amount and duration from the message that starts the form', async () => {
    const sender = `credit-prefill-${Date.now()}`;
    const r = await webhook(sender, 'Would I get a loan of 5,000 euros over 2 years?');
    const text = texts(r).join(' ');
    expect(text).toMatch(/5,000 € \(9,779 DM\)/);
    expect(text).toMatch(/24 months/);
    expect(asked(r)?.slot).toBe('purpose');
    const next = await webhook(sender, 'a used car');
    // Amount and duration are already answered: the next question is the repayment share.
    expect(asked(next)?.slot).toBe('installment_rate');
  });
});
