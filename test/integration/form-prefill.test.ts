/**
 * Forms prefilled from the message that starts them, through the real app (in-memory store, keyword NLU, rule
 * entities, the real portfolio advisor and the loan test form): prefilled, partially prefilled, out-of-range and
 * entity-free openings, each played over the REST webhook and over Socket.IO with identical replies.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/index.ts';
import type { BotMessage, RestWebhookReply } from '../../server/contracts/chat-protocol.ts';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { PortfolioAdviceSkill } from '../../server/skills/portfolio/portfolio-advice-skill.ts';
import { createPortfolioAdvisorService } from '../../server/skills/portfolio/portfolio-advisor-service.ts';
import { LoanCheckSkill } from '../fixtures/platform/loan-form-skill.ts';
import { connectSocket, requestSession, rest, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

/** CONTRACTS §2, written independently of the server's renderer. */
function asRest(recipient: string, m: BotMessage): RestWebhookReply {
  if ('text' in m) {
    return m.quick_replies ? { recipient_id: recipient, text: m.text, buttons: m.quick_replies.map((q) => ({ title: q.title, payload: q.payload })) } : { recipient_id: recipient, text: m.text };
  }
  if ('custom' in m) return { recipient_id: recipient, custom: m.custom };
  return { recipient_id: recipient, image: m.attachment.payload.src };
}

const texts = (replies: readonly RestWebhookReply[]): string[] => replies.flatMap((r) => (r.text !== undefined ? [r.text] : []));
const question = (replies: readonly RestWebhookReply[]) =>
  replies.flatMap((r) => (r.custom?.type === 'form_question' ? [r.custom as { form: string; slot: string; step: number; total: number }] : [])).at(-1);

let t: TestApp;
const loan = new LoanCheckSkill();

beforeAll(async () => {
  const advice = createPortfolioAdvisorService(loadConfig({}));
  t = await startTestApp({
    skills: [new ConversationSkill(), loan, new PortfolioAdviceSkill({ advisor: advice.advisor })],
    ready: advice.ready,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await t?.close();
});

/**
 * Plays `messages` over REST (fresh sender) and then over a socket (fresh session); `next` may add messages from the
 * replies so far (answering whatever is asked). Asserts both channels got the same replies and returns REST's.
 */
async function converse(messages: string[], next?: (last: RestWebhookReply[]) => string | undefined): Promise<RestWebhookReply[][]> {
  const sender = `prefill-${randomUUID()}`;
  const script = [...messages];
  const viaRest: RestWebhookReply[][] = [];
  for (let i = 0; i < script.length && i < 30; i++) {
    const { status, json } = await rest(t.url, { sender, message: script[i] });
    expect(status).toBe(200);
    viaRest.push(json as RestWebhookReply[]);
    const more = i === script.length - 1 ? next?.(json as RestWebhookReply[]) : undefined;
    if (more !== undefined) script.push(more);
  }
  const socket = await connectSocket(t.url);
  try {
    const id = await requestSession(socket);
    for (const [i, message] of script.entries()) {
      const got = await say(socket, id, message, viaRest[i]!.length);
      expect(got.map((m) => asRest(sender, m)), `socket vs REST replies to ${JSON.stringify(message)}`).toEqual(viaRest[i]);
    }
  } finally {
    socket.disconnect();
  }
  return viaRest;
}

describe('forms prefilled from the starting message (REST and Socket.IO alike)', () => {
  it.each([
    // [case, opening message, texts after the intro, the question asked next (progress counts only questions asked)]
    ['prefilled', 'I have 20,000 to invest for 15 years', ['Got it: amount 20,000, horizon 15 years.', 'What is the main goal for this money?'], { form: 'risk_profile', slot: 'goal', step: 1, total: 7 }],
    ['prefilled', "I'd like to borrow 5,000 euros for 2 years, would I get approved?", ['Got it: amount 5,000 EUR, duration 24 months.', 'Do you own your home, rent, or live for free?'], { form: 'loan_check', slot: 'housing', step: 1, total: 1 }],
    ['partial', 'I want to invest for 10 years', ['Got it: horizon 10 years.', 'What is the main goal for this money?'], { form: 'risk_profile', slot: 'goal' }],
    ['partial', 'can I borrow €15k?', ['Got it: amount 15,000 EUR.', 'Over how many months?'], { form: 'loan_check', slot: 'duration', step: 1, total: 3 }],
    ['out of range', 'can I borrow 5000 euros over 500 months?', ['Got it: amount 5,000 EUR. I noted 500 months, but the duration must be between 4 and 72 months.', 'Over how many months?'], { form: 'loan_check', slot: 'duration', step: 1, total: 2 }],
    ['out of range', "I'd like to invest 50,000 for 100 years", ['Got it: amount 50,000. I noted 100 years, but please give a number of years from 1 to 60.', 'What is the main goal for this money?'], { form: 'risk_profile', slot: 'goal' }],
    ['no entities', 'can I get a loan?', ['How much would you like to borrow?'], { form: 'loan_check', slot: 'amount', step: 1, total: 3 }],
    ['ambiguous', 'I have 2 kids and want to invest', ['What is the main goal for this money?'], { form: 'risk_profile', slot: 'goal' }],
  ])('%s: %j', async (_case, opening, after, asked) => {
    const [replies] = await converse([opening]);
    const said = texts(replies!);
    expect(said.slice(1)).toEqual(after);
    expect(question(replies!)).toMatchObject(asked);
  });

  it('hands prefilled loan answers to the skill when the form completes', async () => {
    const before = loan.completed.length;
    const replies = await converse(["I'd like to borrow 5,000 euros for 2 years, would I get approved?", 'rent']);
    expect(replies[1]).toEqual([
      { recipient_id: expect.any(String), text: 'Thanks. Loan of 5000 EUR over 24 months, housing: rent.' },
      { recipient_id: expect.any(String), custom: { type: 'loan_summary', slots: { amount: 5000, duration: 24, housing: 'rent' } } },
    ]);
    expect(loan.completed.slice(before)).toHaveLength(2); // once per channel
  });

  it('uses a prefilled amount and horizon in the portfolio suggestion and never asks for them', async () => {
    const asked: string[] = [];
    const progress: string[] = [];
    const replies = await converse(['I have 20,000 to invest for 15 years'], (last) => {
      const q = question(last);
      if (!q) return undefined;
      asked.push(q.slot);
      progress.push(`${String((q as { step?: number }).step)} of ${String((q as { total?: number }).total)}`);
      return last.find((r) => r.buttons)?.buttons?.[0]?.payload; // every remaining question is a choice
    });
    expect(asked).not.toContain('amount');
    expect(asked).not.toContain('horizon_years');
    expect(asked).toHaveLength(7);
    // "Question k of n" counts the questions actually asked: no jump past the prefilled horizon, no stop at 8 of 9.
    expect(progress.slice(0, 7)).toEqual(['1 of 7', '2 of 7', '3 of 7', '4 of 7', '5 of 7', '6 of 7', '7 of 7']);
    const portfolio = replies.at(-1)!.find((r) => r.custom?.type === 'portfolio')?.custom;
    expect(portfolio).toMatchObject({ amount: 20_000, horizonYears: 15, amountAssumed: false });
  });
});
