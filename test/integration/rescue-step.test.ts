/**
 * The processor's rescue step on the real app (keyword NLU, in-memory store): a rescue skill's answer replaces the
 * out-of-scope reply or the fallback; when it declines or throws, the planned reply is sent and the fallback streak
 * still counts (the user never sees the failure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestWebhookReply } from '../../server/contracts/chat-protocol.ts';
import { textMessage } from '../../server/response/render.ts';
import { TEXTS } from '../../server/response/templates.ts';
import type { Skill, SkillContext, SkillResult } from '../../server/skills/skill.ts';
import { defaultTestSkills, rest, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';
import { LoanCheckSkill } from '../fixtures/platform/loan-form-skill.ts';

/** Answers messages that mention "harvest", throws on "explode", declines everything else. */
class KeywordRescuer implements Skill {
  readonly name = 'keyword-rescuer';
  readonly intents: string[] = [];
  async run(): Promise<SkillResult> {
    return { events: [], replies: [] };
  }
  async rescue(ctx: SkillContext): Promise<SkillResult | undefined> {
    if (ctx.text.includes('explode')) throw new Error('index unavailable');
    return ctx.text.includes('harvest') ? { events: [], replies: [textMessage('Rescued answer about harvesting.')] } : undefined;
  }
}

let t: TestApp;
beforeAll(async () => {
  const rescuer = new KeywordRescuer();
  t = await startTestApp({ skills: [...defaultTestSkills(new LoanCheckSkill()), rescuer], rescueSkill: rescuer, logLevel: 'silent' });
});
afterAll(async () => {
  await t?.close();
});

const texts = async (sender: string, message: string): Promise<string[]> =>
  ((await rest(t.url, { sender, message })).json as RestWebhookReply[]).flatMap((r) => (r.text !== undefined ? [r.text] : []));

describe('rescue step', () => {
  it('sends the rescue answer instead of the fallback', async () => {
    expect(await texts('r-1', 'qwzx harvest plorb')).toEqual(['Rescued answer about harvesting.']);
  });

  it('sends the planned fallback when the rescuer declines, and the streak still leads to a hand-off offer', async () => {
    expect(await texts('r-2', 'qwzx plorb')).toEqual([TEXTS.rephrase]);
    expect(await texts('r-2', 'blorp zizz')).toEqual([TEXTS.fallbackOptions]);
  });

  it('sends the planned reply when the rescuer throws, and keeps the conversation going', async () => {
    expect(await texts('r-3', 'qwzx explode plorb')).toEqual([TEXTS.rephrase]);
    expect((await texts('r-3', 'hello'))[0]).toBe(TEXTS.greeting);
  });
});
