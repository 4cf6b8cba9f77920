/**
 * Portfolio advice through the real app (createApp, in-memory store, keyword NLU, real advisor on the committed CMA):
 * the risk_profile form over the REST webhook and Socket.IO, and POST /api/v1/portfolio/suggest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createApp, type MonetaApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import type { BotMessage, PortfolioPayload } from '../../server/contracts/chat-protocol.ts';
import { createPortfolioAdviceRouter } from '../../server/http/portfolio-advice-router.ts';
import { RuleEntityExtractor } from '../../server/nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../../server/nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline } from '../../server/nlu/pipeline.ts';
import { createLogger } from '../../server/observability/logger.ts';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { PortfolioAdviceSkill } from '../../server/skills/portfolio/portfolio-advice-skill.ts';
import { createPortfolioAdvisorService } from '../../server/skills/portfolio/portfolio-advisor-service.ts';
import { scoreRiskProfile, type RiskAnswers } from '../../models/portfolio/advisor/risk-profile.ts';
import { connectSocket, requestSession, say } from '../fixtures/platform/test-app.ts';

type RestReply = { recipient_id: string; text?: string; buttons?: Array<{ title: string; payload: string }>; custom?: Record<string, unknown> };

let app: MonetaApp;
let url: string;
let advisorService: ReturnType<typeof createPortfolioAdvisorService>;

beforeAll(async () => {
  const config = loadConfig({}, { session: { store: 'memory', retentionDays: 0 }, chat: { rateLimitPerSessionPerMinute: 10_000, rateLimitPerIpPerMinute: 100_000 } });
  const service = createPortfolioAdvisorService(config);
  await service.ready;
  advisorService = service;
  const sink = new Writable({ write: (_c, _e, done) => done() });
  app = createApp({
    config,
    logger: createLogger({ level: 'silent', destination: sink, hashSalt: 'test' }),
    sessionStore: new MemorySessionStore(),
    nlu: new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] }),
    skills: [new ConversationSkill(), new PortfolioAdviceSkill({ advisor: service.advisor, currency: 'EUR' })],
    routers: [createPortfolioAdviceRouter({ advisor: service.advisor })],
    ready: service.ready,
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

async function suggest(body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/api/v1/portfolio/suggest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** The `form_question` custom payload of a reply list (the question being asked). */
const asked = (replies: RestReply[]) => replies.find((r) => r.custom?.type === 'form_question')?.custom as { form: string; slot: string; input: any } | undefined;
const texts = (replies: RestReply[]) => replies.filter((r) => r.text).map((r) => r.text!);

describe('risk_profile form over the REST webhook', () => {
  it('asks, explains, re-asks, accepts a correction and ends with the portfolio payload', async () => {
    const sender = `portfolio-rest-${Date.now()}`;
    // No amount in the opening message: one in it would be prefilled (see test/integration/form-prefill.test.ts).
    let r = await webhook(sender, 'I have some money to invest — what should I do?');
    expect(texts(r)[0]).toMatch(/9 short questions/);
    expect(asked(r)).toMatchObject({ form: 'risk_profile', slot: 'goal', input: { type: 'choice' } });
    const goalText = r.find((x) => x.buttons)!;
    expect(goalText.text).toBe('What is the main goal for this money?');
    expect(goalText.buttons!.map((b) => b.payload)).toEqual(['retirement', 'wealth', 'education', 'home', 'income', 'preserve']);
    // Custom payloads always travel in elements of their own.
    for (const x of r) if (x.custom) expect(x.text).toBeUndefined();

    r = await webhook(sender, 'retirement');
    expect(asked(r)).toMatchObject({ slot: 'horizon_years', input: { type: 'number', min: 1, max: 60, unit: 'years' } });

    r = await webhook(sender, 'why do you ask?');
    expect(texts(r)[0]).toMatch(/Time is the biggest factor/);
    expect(asked(r)?.slot).toBe('horizon_years');

    r = await webhook(sender, 'soon-ish');
    expect(texts(r)[0]).toMatch(/number of years from 1 to 60/);
    expect(asked(r)?.slot).toBe('horizon_years');

    r = await webhook(sender, '25 years');
    expect(asked(r)?.slot).toBe('income_stability');
    r = await webhook(sender, 'pretty steady');
    expect(asked(r)?.slot).toBe('liquidity_needs');
    r = await webhook(sender, 'Unlikely');
    expect(asked(r)?.slot).toBe('emergency_fund');
    r = await webhook(sender, 'yes');
    expect(asked(r)?.slot).toBe('experience');
    r = await webhook(sender, 'some, mostly index funds');
    expect(asked(r)?.slot).toBe('drawdown_reaction');

    // A correction of an earlier answer, then the current question again.
    r = await webhook(sender, 'actually, change my horizon to 15 years');
    expect(texts(r)[0]).toBe("Got it: I've changed the horizon to 15 years.");
    expect(asked(r)?.slot).toBe('drawdown_reaction');

    r = await webhook(sender, "I'd hold");
    expect(asked(r)?.slot).toBe('loss_tolerance');
    r = await webhook(sender, '20%');
    expect(asked(r)).toMatchObject({ slot: 'amount', input: { type: 'number', min: 1 } });
    r = await webhook(sender, 'a lot');
    expect(texts(r)[0]).toMatch(/I need an amount/);
    r = await webhook(sender, '20,000');

    // Result: a text summary, then the portfolio payload in its own element.
    expect(r).toHaveLength(2);
    expect(r[0]!.text).toMatch(/^[A-Z][a-z ]+ mix, risk score \d+ of 10: about \d+% \w+/);
    expect(r[0]!.text).toMatch(/not financial advice/);
    const p = r[1]!.custom as unknown as PortfolioPayload;
    expect(r[1]!.text).toBeUndefined();
    expect(p.type).toBe('portfolio');
    const answers: RiskAnswers = {
      goal: 'retirement', horizon_years: 15, income_stability: 'stable', liquidity_needs: 'unlikely', emergency_fund: 'yes',
      experience: 'funds', drawdown_reaction: 'hold', loss_tolerance: '20',
    };
    expect(p.riskScore).toBe(scoreRiskProfile(answers).riskScore);
    expect(p).toMatchObject({ amount: 20_000, horizonYears: 15, amountAssumed: false });
    const sum = p.allocation.reduce((s, a) => s + a.weight, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
    expect(p.outcomes.p5).toBeLessThan(p.outcomes.p50);
    expect(p.outcomes.p50).toBeLessThan(p.outcomes.p95);
    expect(r[0]!.text).toContain(p.outcomes.p50.toLocaleString('en-US'));

    // The chat payload and the API agree for the same answers.
    // The chat states amounts in the configured currency (EUR by default) and adds the customer view (issue 12).
    const api = await suggest({ answers, amount: 20_000, currency: 'EUR' });
    expect(api.status).toBe(200);
    const { type: _type, headline, displayGroups, outcomePath, nextSteps, details, shortDisclaimer, ...fromChat } = p;
    expect(api.json).toEqual(fromChat);
    expect(headline).toMatch(/risk score \d+ of 10/);
    expect((displayGroups as unknown[]).length).toBeLessThanOrEqual(5);
    expect((outcomePath as Array<{ p50: number }>).at(-1)!.p50).toBe(p.outcomes.p50);
    expect((nextSteps as unknown[]).length).toBe(4);
    expect(details).toEqual(expect.arrayContaining([expect.stringMatching(/version/)]));
    expect(shortDisclaimer).toMatch(/not financial advice/);
    expect(p.universeNote).toMatch(/examples of US-listed funds/);
    expect(p.fundRegion).toBe('us');

    // The form is over: the next message is a normal turn.
    r = await webhook(sender, 'thanks');
    expect(asked(r)).toBeUndefined();
  });

  it('cancels on request without a result', async () => {
    const sender = `portfolio-cancel-${Date.now()}`;
    await webhook(sender, '/portfolio_advice');
    const r = await webhook(sender, 'cancel');
    expect(texts(r)[0]).toMatch(/stopped the risk profile questionnaire/);
    expect(r.some((x) => x.custom?.type === 'portfolio')).toBe(false);
  });
});

describe('risk_profile form over Socket.IO', () => {
  it('prefills answers from a trigger payload, accepts "skip" for the amount, and sends the payload after the text', async () => {
    const socket = await connectSocket(url);
    const id = await requestSession(socket);
    const trigger =
      '/portfolio_advice{"goal":"wealth","horizon_years":"30","income_stability":"very_stable","liquidity_needs":"unlikely","emergency_fund":"yes","experience":"stocks","drawdown_reaction":"buy_more","loss_tolerance":"40"}';
    const start = await say(socket, id, trigger, 3);
    expect(start[2]).toMatchObject({ custom: { type: 'form_question', form: 'risk_profile', slot: 'amount' } });
    const done: BotMessage[] = await say(socket, id, 'skip', 2);
    expect(done[0]).toMatchObject({ text: expect.stringMatching(/^Adventurous mix, risk score 10 of 10/) });
    expect(Object.keys(done[1]!)).toEqual(['custom']);
    const p = (done[1] as { custom: PortfolioPayload }).custom;
    expect(p).toMatchObject({ type: 'portfolio', riskScore: 10, amountAssumed: true, horizonYears: 30 });
    expect(Math.abs(p.allocation.reduce((s, a) => s + a.weight, 0) - 1)).toBeLessThan(1e-9);
    expect(Array.isArray(p.frontier) && (p.frontier as unknown[]).length).toBeGreaterThan(10);
    socket.disconnect();
  });
});

describe('POST /api/v1/portfolio/suggest', () => {
  it('answers a risk score with exactly the contract fields (plus extras)', async () => {
    const { status, json } = await suggest({ riskScore: 5, amount: 10_000, horizonYears: 10 });
    expect(status).toBe(200);
    for (const k of ['riskScore', 'allocation', 'expectedReturn', 'volatility', 'outcomes', 'rationale', 'disclaimer']) expect(json).toHaveProperty(k);
    expect(json.riskScore).toBe(5);
    for (const a of json.allocation) expect(Object.keys(a)).toEqual(expect.arrayContaining(['assetClass', 'ticker', 'weight']));
    expect(json.outcomes).toEqual({ p5: expect.any(Number), p50: expect.any(Number), p95: expect.any(Number) });
    expect(json.modelVersion).toMatch(/^moneta-cma@/);
  });

  it('gives rebalancing advice for current holdings', async () => {
    const { status, json } = await suggest({ riskScore: 3, holdings: [{ ticker: 'VTI', value: 8000 }, { ticker: 'cash', value: 2000 }] });
    expect(status).toBe(200);
    expect(json.rebalancing.needed).toBe(true);
    expect(json.rebalancing.trades.find((t: { ticker: string }) => t.ticker === 'VTI').action).toBe('sell');
  });

  it('names every bad field in a 400', async () => {
    const { status, json } = await suggest({ answers: { goal: 'lottery', horizon_years: 0 }, amount: -5, holdings: [{ ticker: 'VTI', value: 'lots' }] });
    expect(status).toBe(400);
    expect(json.error.code).toBe('validation_failed');
    const fields = json.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['amount', 'holdings.0.value', 'answers.goal', 'answers.horizon_years', 'answers.income_stability', 'answers.loss_tolerance']));
    expect(json.error.message).toContain('answers.goal');
    expect(JSON.stringify(json)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  });

  it('rejects a missing or doubled score source, a bad score, and a non-JSON body', async () => {
    let r = await suggest({ amount: 1000 });
    expect(r.status).toBe(400);
    expect(r.json.error.details).toEqual([{ field: 'answers', message: 'or riskScore is required' }]);
    r = await suggest({ riskScore: 11 });
    expect(r.status).toBe(400);
    expect(r.json.error.details[0].field).toBe('riskScore');
    r = await suggest({ riskScore: 4, answers: {} });
    expect(r.status).toBe(400);
    r = await suggest('{not json');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('bad_request');
    r = await suggest('[1,2]');
    expect(r.status).toBe(400);
    // The server is still fine.
    expect((await suggest({ riskScore: 1 })).status).toBe(200);
  });
});

describe('example funds by region (MONETA_FUND_REGION)', () => {
  it('the API names the region’s listed funds, with the same weights as the US default', async () => {
    const config = loadConfig({ MONETA_FUND_REGION: 'eu' }, { session: { store: 'memory' } });
    expect(config.portfolio.fundRegion).toBe('eu');
    const eu = createApp({
      config,
      logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }), hashSalt: 'test' }),
      sessionStore: new MemorySessionStore(),
      nlu: new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] }),
      skills: [new ConversationSkill()],
      routers: [createPortfolioAdviceRouter({ advisor: advisorService.advisor, fundRegion: config.portfolio.fundRegion })],
      ready: advisorService.ready,
    });
    const { url: euUrl } = await eu.start(0, '127.0.0.1');
    try {
      const body = JSON.stringify({ riskScore: 8, amount: 10_000, horizonYears: 20 });
      const res = await fetch(`${euUrl}/api/v1/portfolio/suggest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { allocation: Array<{ ticker: string; assetClassId: string; weight: number; estimatedWith?: string }>; fundRegion: string; universeNote: string };
      const us = await suggest(JSON.parse(body));
      expect(json.fundRegion).toBe('eu');
      expect(json.universeNote).toMatch(/^Funds are examples of EU-listed funds for each asset class, not a recommendation/);
      expect(json.allocation.map((a) => a.weight)).toEqual(us.json.allocation.map((a: { weight: number }) => a.weight));
      expect(json.allocation.find((a) => a.assetClassId === 'us_total_market')).toMatchObject({ ticker: 'SXR8', estimatedWith: 'VTI' });
      expect(json.allocation.find((a) => a.assetClassId === 'emerging_markets')).toMatchObject({ ticker: 'IS3N', estimatedWith: 'EEM' });
      expect(json.allocation.map((a) => a.ticker)).not.toContain('VTI');
    } finally {
      await eu.close();
    }
  });
});
