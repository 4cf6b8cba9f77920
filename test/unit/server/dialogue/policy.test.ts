/** Table-driven tests of the rule policy and the form runner, on the real NLU pipeline and a real test form skill. */
import { describe, expect, it } from 'vitest';
import type { BotMessage } from '../../../../server/contracts/chat-protocol.ts';
import { detectCorrection, isCancelRequest, isWhyRequest } from '../../../../server/dialogue/form-runner.ts';
import { RulePolicy, findUnroutedIntents } from '../../../../server/dialogue/policy.ts';
import type { PlanStep } from '../../../../server/dialogue/types.ts';
import { ConfigError } from '../../../../server/errors.ts';
import { RuleEntityExtractor } from '../../../../server/nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../../../../server/nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline } from '../../../../server/nlu/pipeline.ts';
import { FALLBACK_BUTTONS, TEXTS } from '../../../../server/response/templates.ts';
import { deriveState } from '../../../../server/session/tracker.ts';
import type { SessionEvent } from '../../../../server/session/types.ts';
import { ConversationSkill } from '../../../../server/skills/conversation/conversation-skill.ts';
import { LOAN_FORM, LoanCheckSkill } from '../../../fixtures/platform/loan-form-skill.ts';

const nlu = new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] });
const loan = new LoanCheckSkill();
const conversation = new ConversationSkill();
const policy = new RulePolicy({ skills: [conversation, loan], fallbackThreshold: 0.4, fallbackMissesBeforeHandoff: 2 });

/** Plays a turn: plans it and appends what the processor would (user event, step events, bot events). */
async function turn(log: SessionEvent[], text: string): Promise<PlanStep[]> {
  const parse = await nlu.parse(text);
  const steps = policy.plan({ sessionId: 's', text, parse, state: deriveState(log), events: log, now: 1 });
  log.push({ type: 'user_uttered', at: 1, text, parse });
  for (const step of steps) {
    if (step.kind === 'reply') log.push(...step.events, ...step.replies.map((message): SessionEvent => ({ type: 'bot_uttered', at: 1, message })));
  }
  return steps;
}

const replies = (steps: PlanStep[]): BotMessage[] => steps.flatMap((s) => (s.kind === 'reply' ? s.replies : []));
const texts = (steps: PlanStep[]): string[] => replies(steps).flatMap((m) => ('text' in m ? [m.text] : []));
const questionSlot = (steps: PlanStep[]): string | undefined =>
  replies(steps).flatMap((m) => ('custom' in m && m.custom.type === 'form_question' ? [m.custom.slot as string] : [])).at(-1);

describe('RulePolicy routing', () => {
  it.each([
    ['hello', 'greet'],
    ['/capabilities', 'capabilities'],
    ['are you a bot', 'bot_challenge'],
  ])('%s → conversation skill (%s)', async (text, intent) => {
    const steps = await turn([], text);
    expect(steps).toEqual([{ kind: 'skill', skill: conversation, intent }]);
  });

  it('routes human_handoff to a handoff step', async () => {
    expect(await turn([], 'I want to speak to a human')).toEqual([{ kind: 'handoff', reason: 'user_request' }]);
  });

  it('answers out_of_scope politely, saying what Moneta can do', async () => {
    const steps = await turn([], 'what is the weather in Paris');
    expect(texts(steps)).toEqual([TEXTS.outOfScope]);
  });

  it('answers an intent nobody handles like out_of_scope', async () => {
    expect(texts(await turn([], '/launch_rocket'))).toEqual([TEXTS.outOfScope]);
  });

  it('asks to rephrase on low confidence, then offers options and a hand-off after two misses in a row', async () => {
    const log: SessionEvent[] = [];
    const first = await turn(log, 'qwzx plorb');
    expect(replies(first)).toEqual([{ text: TEXTS.rephrase }]);
    const second = await turn(log, 'blorp zizz');
    expect(replies(second)).toEqual([{ text: TEXTS.fallbackOptions, quick_replies: [...FALLBACK_BUTTONS] }]);
    expect(FALLBACK_BUTTONS.at(-1)).toEqual({ content_type: 'text', title: 'Talk to a person', payload: '/human_handoff' });
  });

  it('resets the miss counter after an understood message', async () => {
    const log: SessionEvent[] = [];
    await turn(log, 'qwzx plorb');
    await turn(log, 'hello');
    expect(replies(await turn(log, 'blorp zizz'))).toEqual([{ text: TEXTS.rephrase }]);
  });

  it('fails fast on an intent claimed twice and reports unrouted labels', () => {
    expect(() => new RulePolicy({ skills: [conversation, new ConversationSkill()], fallbackThreshold: 0.4, fallbackMissesBeforeHandoff: 2 })).toThrow(ConfigError);
    expect(findUnroutedIntents(['greet', 'human_handoff', 'out_of_scope', 'credit_risk_assessment', 'card_arrival'], [conversation, loan])).toEqual(['card_arrival']);
  });
});

describe('forms', () => {
  it('starts on a trigger intent: intro, then the question as text + form_question', async () => {
    const steps = await turn([], 'can I get a loan?');
    expect(replies(steps)).toEqual([
      { text: LOAN_FORM.intro },
      { text: 'How much would you like to borrow?' },
      { custom: { type: 'form_question', form: 'loan_check', slot: 'amount', input: { type: 'number', min: 100, max: 100_000, unit: 'EUR' }, step: 1, total: 3 } },
    ]);
  });

  it('prefills slots named in a Rasa-style trigger and asks the next question', async () => {
    const log: SessionEvent[] = [];
    const steps = await turn(log, '/credit_risk_assessment{"amount": "5000", "housing": "tenant", "bogus": 1}');
    expect(questionSlot(steps)).toBe('duration');
    expect(deriveState(log).activeForm?.filled).toEqual({ amount: 5000, housing: 'rent' });
  });

  it('fills slots, skips questions whose askIf is false, and completes with the owning skill', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    expect(questionSlot(await turn(log, '5000'))).toBe('duration');
    const housing = await turn(log, '2 years');
    expect(replies(housing)[0]).toEqual({
      text: 'Do you own your home, rent, or live for free?',
      quick_replies: [
        { content_type: 'text', title: 'Own', payload: 'own' },
        { content_type: 'text', title: 'Rent', payload: 'rent' },
        { content_type: 'text', title: 'Live for free', payload: 'free' },
      ],
    });
    const done = await turn(log, 'I rent');
    expect(done.at(-1)).toEqual({ kind: 'skill', skill: loan, intent: 'credit_risk_assessment', completedForm: { name: 'loan_check', slots: { amount: 5000, duration: 24, housing: 'rent' } } });
    expect(done.flatMap((s) => (s.kind === 'reply' ? s.events : []))).toEqual([
      { type: 'slot_set', at: 1, name: 'housing', value: 'rent', form: 'loan_check' },
      { type: 'form_ended', at: 1, form: 'loan_check', reason: 'completed' },
    ]);
  });

  it('re-asks the same question after an invalid answer with a short explanation', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    const steps = await turn(log, '50');
    expect(texts(steps)).toEqual(['That is out of range: please give a number between 100 and 100,000 EUR.', 'How much would you like to borrow?']);
    expect(questionSlot(steps)).toBe('amount');
    // The same mistake again adds a reminder of the ways out.
    expect(texts(await turn(log, '60'))[0]).toContain('You can also say "why"');
  });

  it('explains why a question is asked, then asks it again', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    expect(texts(await turn(log, 'why do you need this?'))).toEqual(['The amount changes how risky the loan is.', 'How much would you like to borrow?']);
  });

  it('applies a correction to an earlier answer, confirms it, and continues', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    await turn(log, '5000');
    await turn(log, '12 months');
    const steps = await turn(log, 'actually, make the duration 24 months');
    expect(texts(steps)).toEqual(['Got it: I\'ve changed the duration to 24 months.', 'Do you own your home, rent, or live for free?']);
    expect(deriveState(log).activeForm?.filled).toEqual({ amount: 5000, duration: 24 });
    // Raising the amount above 10,000 makes the guarantor question apply.
    await turn(log, 'change the loan amount to 20000');
    const last = await turn(log, 'own');
    expect(questionSlot(last)).toBe('guarantor');
  });

  it('rejects an invalid correction and keeps the old value', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    await turn(log, '5000');
    const steps = await turn(log, 'change the amount to 5 euros');
    expect(texts(steps)[0]).toBe("I couldn't change the amount: That is out of range: please give a number between 100 and 100,000 EUR.");
    expect(deriveState(log).activeForm?.filled).toEqual({ amount: 5000 });
  });

  it('leaves the form on cancel, confirming it', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    const steps = await turn(log, 'cancel');
    expect(texts(steps)).toEqual(["OK, I've stopped the loan check questionnaire; nothing was submitted. What else can I help you with?"]);
    expect(deriveState(log).activeForm).toBeUndefined();
  });

  it('answers a strong unrelated request mid-form, then resumes the question', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    const steps = await turn(log, 'are you a bot?');
    expect(steps[0]).toEqual({ kind: 'skill', skill: conversation, intent: 'bot_challenge' });
    expect(texts(steps)).toEqual(['Back to the loan check questionnaire:', 'How much would you like to borrow?']);
    expect(deriveState(log).activeForm?.name).toBe('loan_check');
  });

  it('prefers the slot parser for short answers the NLU would misread', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    await turn(log, '5000');
    await turn(log, '24');
    // "no"/"free" would be deny/other intents; the choice parser decides first.
    const steps = await turn(log, 'free');
    expect(steps.at(-1)).toMatchObject({ kind: 'skill', completedForm: { slots: { housing: 'free' } } });
  });

  it('hands off mid-form when asked, ending the form', async () => {
    const log: SessionEvent[] = [];
    await turn(log, '/credit_risk_assessment');
    const steps = await turn(log, '/human_handoff');
    expect(steps.at(-1)).toEqual({ kind: 'handoff', reason: 'user_request' });
    expect(deriveState(log).activeForm).toBeUndefined();
  });
});

describe('form message detectors', () => {
  it.each(['cancel', 'Stop', 'never mind', 'nevermind', 'forget it', 'I want to stop', 'stop the questionnaire please', 'ok cancel'])('cancel: %j', (t) => {
    expect(isCancelRequest(t)).toBe(true);
  });
  it.each(['stop sign', 'I cancelled my card', '5000'])('not cancel: %j', (t) => {
    expect(isCancelRequest(t)).toBe(false);
  });
  it.each(['why?', 'Why do you ask?', 'why do you need that', 'what is this for?', 'why is that relevant'])('why: %j', (t) => {
    expect(isWhyRequest(t)).toBe(true);
  });
  it.each(['why is my card declined', '24'])('not why: %j', (t) => {
    expect(isWhyRequest(t)).toBe(false);
  });
  it.each([
    ['actually, make the duration 24 months', 'duration', '24 months'],
    ['change my amount to 4000', 'amount', '4000'],
    ['sorry, the term should be 36', 'duration', '36'],
    ['actually the loan amount is 3k', 'amount', '3k'],
  ])('correction: %j → %s = %j', (t, slot, value) => {
    const c = detectCorrection(t, LOAN_FORM)!;
    expect(c.slot.name).toBe(slot);
    expect(c.valueText).toBe(value);
  });
  it.each(['24 months', 'the duration is long', 'actually I have no idea', 'I meant what I said'])('no correction: %j', (t) => {
    // Either no correction cue or no slot name: not a correction.
    expect(detectCorrection(t, LOAN_FORM)).toBeUndefined();
  });
});

describe('RulePolicy rescue (a second opinion before the out-of-scope reply or the fallback)', () => {
  const rescuer = { name: 'kb', intents: [] as string[], run: async () => ({ events: [], replies: [] }), rescue: async () => undefined };
  const rescuing = new RulePolicy({ skills: [conversation, loan], fallbackThreshold: 0.4, fallbackMissesBeforeHandoff: 2, rescueSkill: rescuer });
  const plan = async (text: string, p = rescuing): Promise<PlanStep[]> => p.plan({ sessionId: 's', text, parse: await nlu.parse(text), state: deriveState([]), events: [], now: 1 });

  it('puts the rescue skill in front of the out-of-scope reply', async () => {
    const [step, ...rest] = await plan('what is the weather in Paris');
    expect(rest).toEqual([]);
    expect(step).toMatchObject({ kind: 'rescue', skill: rescuer });
    expect(step?.kind === 'rescue' && texts(step.otherwise)).toEqual([TEXTS.outOfScope]);
  });

  it('puts the rescue skill in front of the low-confidence fallback, which keeps its fallback event', async () => {
    const [step] = await plan('qwzx plorb');
    expect(step).toMatchObject({ kind: 'rescue', skill: rescuer });
    expect(step?.kind === 'rescue' && step.otherwise.flatMap((s) => (s.kind === 'reply' ? s.events.map((e) => e.type) : []))).toEqual(['fallback']);
  });

  it('never second-guesses /intent payloads or recognised intents', async () => {
    expect(texts(await plan('/out_of_scope'))).toEqual([TEXTS.outOfScope]);
    expect(await plan('hello')).toEqual([{ kind: 'skill', skill: conversation, intent: 'greet' }]);
  });

  it('refuses a rescue skill without a rescue method', () => {
    expect(() => new RulePolicy({ skills: [conversation], fallbackThreshold: 0.4, fallbackMissesBeforeHandoff: 2, rescueSkill: conversation })).toThrow(ConfigError);
  });
});

describe('RulePolicy retrieval-first routing (one decision from the NLU and the knowledge score)', () => {
  const kbSkill = { name: 'knowledge', intents: ['financial_education', 'card_arrival'] as string[], run: async () => ({ events: [], replies: [] }) };
  const routing = { skill: kbSkill, rejectedMinScore: 0.6, overrideMinScore: 0.75, overrideMaxConfidence: 0.6, nearMinScore: 0.2, suggestMinScore: 0.35 };
  const rf = new RulePolicy({ skills: [conversation, loan, kbSkill], fallbackThreshold: 0.4, fallbackMissesBeforeHandoff: 2, knowledgeRouting: routing });
  const hit = (id: string, score: number) => ({ id, title: `Title ${id}`, text: 'x', score });
  const base = async (text: string, score: number) => {
    const parse = { ...(await nlu.parse(text)), intent: { name: 'out_of_scope', confidence: 0.9 } };
    const knowledge = { question: text, hits: [hit('p1', score), hit('p2', score / 2)], score, margin: 0.5, reranked: false };
    return { sessionId: 's', text, parse, state: deriveState([]), events: [], now: 1, knowledge };
  };
  const plan = async (text: string, score: number, intent?: { name: string; confidence: number }, log: SessionEvent[] = []) => {
    const parsed = await nlu.parse(text);
    const parse = intent ? { ...parsed, intent, intent_ranking: [intent] } : parsed;
    const knowledge = { question: text, hits: [hit('p1', score), hit('p2', score / 2)], score, margin: 0.5, reranked: false };
    return rf.plan({ sessionId: 's', text, parse, state: deriveState(log), events: log, now: 1, knowledge });
  };

  it('answers a question the NLU rejects when the knowledge base answers it well', async () => {
    expect(await plan('my transfr didnt go thru its been 3 days', 0.7, { name: 'out_of_scope', confidence: 0.9 })).toEqual([
      { kind: 'skill', skill: kbSkill, intent: 'financial_education' },
    ]);
    expect(await plan('my transfr didnt go thru its been 3 days', 0.7, { name: 'card_arrival', confidence: 0.2 })).toEqual([
      { kind: 'skill', skill: kbSkill, intent: 'card_arrival' },
    ]);
  });

  it('keeps the out-of-scope reply and the fallback when retrieval is weak, offering the closest topics and a person', async () => {
    expect(texts(await plan('what is the weather in Paris', 0.3, { name: 'out_of_scope', confidence: 0.9 }))).toEqual([TEXTS.outOfScope]);
    // Close to a passage, though not close enough to answer: not "out of scope", but the closest topics and a person.
    const near = replies(await rf.plan({ ...(await base('my transfr didnt go thru', 0.5)) })) as Array<{ text: string; quick_replies?: Array<{ payload: string }> }>;
    expect(near[0]!.text).toBe(TEXTS.rephraseWithTopics);
    expect(near[0]!.quick_replies!.map((q) => q.payload)).toEqual(['/kb_passage{"id":"p1"}', '/kb_passage{"id":"p2"}', '/human_handoff']);
    const steps = await plan('qwzx plorb', 0.3, { name: 'greet', confidence: 0.1 });
    const [reply] = replies(steps) as Array<{ text: string; quick_replies?: Array<{ payload: string }> }>;
    expect(reply!.text).toBe(TEXTS.rephraseWithTopics);
    expect(reply!.quick_replies!.map((q) => q.payload)).toEqual(['/kb_passage{"id":"p1"}', '/human_handoff']) // p2 (0.15) is below nearMinScore;
  });

  it('lets dedicated intents win when the NLU is sure, and the knowledge base win over an unsure one', async () => {
    expect(await plan('hello', 0.9, { name: 'greet', confidence: 0.95 })).toEqual([{ kind: 'skill', skill: conversation, intent: 'greet' }]);
    expect(await plan('I want to speak to a human', 0.95, { name: 'human_handoff', confidence: 0.5 })).toEqual([{ kind: 'handoff', reason: 'user_request' }]);
    expect(await plan('what is a loan to value ratio', 0.8, { name: 'credit_risk_assessment', confidence: 0.5 })).toEqual([
      { kind: 'skill', skill: kbSkill, intent: 'financial_education' },
    ]);
    expect((await plan('can I get a loan?', 0.8, { name: 'credit_risk_assessment', confidence: 0.9 }))[0]).toMatchObject({ kind: 'reply' });
  });

  it.each([
    ['yup', 'affirm'],
    ['okay', 'affirm'],
    ['10-4', 'affirm'],
    ["you're right", 'affirm'],
    ['nah', 'deny'],
    ['no thanks', 'deny'],
    ['cheers!', 'thank_you'],
    ['ok thanks', 'thank_you'],
  ])('understands the short reply %j as %s, whatever the classifier says', async (text, intent) => {
    expect(await plan(text, 0.1, { name: 'out_of_scope', confidence: 0.99 })).toEqual([{ kind: 'skill', skill: conversation, intent }]);
  });

  it('answers a knowledge question in the middle of a questionnaire, then asks the question again', async () => {
    const log: SessionEvent[] = [];
    await turn(log, 'can I get a loan?');
    const steps = await plan('what does APR mean', 0.8, { name: 'financial_education', confidence: 0.7 }, log);
    expect(steps[0]).toEqual({ kind: 'skill', skill: kbSkill, intent: 'financial_education' });
    expect(questionSlot(steps)).toBeDefined();
  });

  it.each([
    ['hola, mi tarjeta no funciona', TEXTS.englishOnly],
    ['Bonjour, je ne trouve pas ma carte', TEXTS.englishOnly],
    ['моя карта не работает', TEXTS.englishOnly],
    ['\u0000\u0001\u0002\u0003 data', TEXTS.unreadable],
  ])('politely declines %j instead of guessing', async (text, expected) => {
    const steps = await plan(text, 0.9, { name: 'financial_education', confidence: 0.9 });
    expect(texts(steps)).toEqual([expected]);
    expect(steps.some((s) => s.kind === 'skill')).toBe(false);
  });

  it('searches only when the search can change the plan', async () => {
    const wants = async (text: string, intent?: { name: string; confidence: number }, log: SessionEvent[] = []) => {
      const parsed = await nlu.parse(text);
      const parse = intent ? { ...parsed, intent, intent_ranking: [intent] } : parsed;
      return rf.wantsKnowledge({ sessionId: 's', text, parse, state: deriveState(log), events: log, now: 1 });
    };
    expect(await wants('what is an ETF', { name: 'financial_education', confidence: 0.9 })).toBe(true);
    expect(await wants('my transfr didnt go thru', { name: 'out_of_scope', confidence: 0.9 })).toBe(true);
    expect(await wants('hmm loans', { name: 'credit_risk_assessment', confidence: 0.5 })).toBe(true);
    expect(await wants('hello', { name: 'greet', confidence: 0.97 })).toBe(false);
    expect(await wants('10-4', { name: 'out_of_scope', confidence: 0.9 })).toBe(false);
    expect(await wants('I want a human', { name: 'human_handoff', confidence: 0.9 })).toBe(false);
    expect(await wants('/card_arrival')).toBe(false);
    const log: SessionEvent[] = [];
    await turn(log, 'can I get a loan?');
    expect(await wants('5000', { name: 'out_of_scope', confidence: 0.9 }, log)).toBe(false);
  });
});
