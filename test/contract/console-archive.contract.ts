/**
 * The contract of the console's conversation archive, review store and analytics, run against every implementation:
 * SQLite (embedded) and PostgreSQL (production mode) in console-archive.test.ts. The archive is fed events as the
 * session store decorator feeds it; what it derived is observed only through the review store and the analytics.
 */
import { describe, expect, it } from 'vitest';
import type { ConsoleAnalytics } from '../../server/console/analytics/analytics.ts';
import type { ConversationArchive } from '../../server/console/archive/conversation-archive.ts';
import { parseConversationFilter } from '../../server/console/review/review-service.ts';
import type { ReviewStore } from '../../server/console/review/review-store.ts';
import { TEXTS } from '../../server/response/templates.ts';
import type { SessionEvent } from '../../server/session/types.ts';

/** A fresh, empty archive, review store and analytics over the same storage, for one test. */
export type ConsoleArchiveFactory = () => Promise<{ archive: ConversationArchive; review: ReviewStore; analytics: ConsoleAnalytics }>;

const at = (iso: string): number => Date.parse(iso);
const parse = (intent: string, confidence = 0.9) => ({ text: '', intent: { name: intent, confidence }, intent_ranking: [{ name: intent, confidence }], entities: [] });
const user = (t: number, text: string, intent: string, confidence = 0.9): SessionEvent => ({ type: 'user_uttered', at: t, text, parse: { ...parse(intent, confidence), text } });
const bot = (t: number, text: string): SessionEvent => ({ type: 'bot_uttered', at: t, message: { text } });
const question = (t: number, form: string, slot: string): SessionEvent => ({ type: 'bot_uttered', at: t, message: { custom: { type: 'form_question', form, slot, input: { type: 'text' } } } });
const loose = (e: Record<string, unknown>): SessionEvent => e as unknown as SessionEvent;
const filter = (q: Record<string, string> = {}) => parseConversationFilter(q);

/** Registers the contract tests for one implementation. */
export function describeConsoleArchive(name: string, make: ConsoleArchiveFactory): void {
  describe(`console archive contract: ${name}`, () => {
    it('derives a conversation summary from events recorded over several batches', async () => {
      const { archive, review, analytics } = await make();
      const t = at('2026-03-01T10:00:00Z');
      await archive.record('c1', [{ type: 'session_started', at: t }, user(t + 1, 'Hello', 'greet'), bot(t + 1, 'Hi!')]);
      await archive.record('c1', [user(t + 2, '/portfolio_advice', 'portfolio_advice'), bot(t + 2, 'Sure.')]);
      await archive.record('c1', [user(t + 3, 'weather?', 'out_of_scope', 0.95), bot(t + 3, TEXTS.outOfScope), user(t + 4, 'blorp', 'out_of_scope', 0.2)]);
      // The fallback of the last customer message arrives in the next batch.
      await archive.record('c1', [{ type: 'fallback', at: t + 4, reason: 'low_confidence' }, bot(t + 4, TEXTS.rephrase)]);
      const { total, items } = await review.search(filter());
      expect(total).toBe(1);
      expect(items).toEqual([
        { id: 'c1', startedAt: t, updatedAt: t + 4, userMessages: 4, firstIntent: 'greet', lastUserText: 'blorp', fallbacks: 1, outOfScope: 1, thumbsDown: 0, handoff: false, forms: [] },
      ]);
      // The flags landed on the right customer messages, also on one recorded in an earlier batch.
      const report = await analytics.report({ from: '2026-03-01', to: '2026-03-01' });
      expect(report).toMatchObject({ fallbackRate: 1 / 4, outOfScopeRate: 1 / 4, unansweredTotal: 2 });
      expect(report.unanswered.map((u) => [u.example, u.count])).toEqual([['blorp', 1], ['weather?', 1]]);
    });

    it('keeps the first intent that is neither a trigger nor out of scope', async () => {
      const { archive, review } = await make();
      const t = at('2026-03-01T10:00:00Z');
      const trigger: SessionEvent = { type: 'user_uttered', at: t, text: '/credit_risk_assessment', parse: { ...parse('credit_risk_assessment', 1), text: '/credit_risk_assessment', trigger: true } };
      await archive.record('c1', [trigger, user(t + 1, 'what', 'out_of_scope'), user(t + 2, 'my card', 'card_arrival'), user(t + 3, 'rate', 'exchange_rate')]);
      expect((await review.search(filter())).items[0]).toMatchObject({ firstIntent: 'card_arrival', userMessages: 4, lastUserText: 'rate' });
    });

    it('filters by day, intent, fallback, out of scope, thumbs-down, hand-off, form outcome and text; pages newest first', async () => {
      const { archive, review } = await make();
      const day = (d: number, h = 10): number => at(`2026-03-0${d}T${String(h).padStart(2, '0')}:00:00Z`);
      await archive.record('fb', [{ type: 'session_started', at: day(1) }, user(day(1), 'zxqv 100% sure_thing', 'out_of_scope', 0.2), { type: 'fallback', at: day(1), reason: 'low_confidence' }]);
      await archive.record('oos', [user(day(2), 'Weather in PARIS?', 'out_of_scope'), bot(day(2), TEXTS.outOfScope)]);
      await archive.record('td', [user(day(3), 'card?', 'card_arrival'), bot(day(3), 'It comes in 3 days.'), loose({ type: 'feedback', at: day(3), passageId: 'p1', helpful: false })]);
      await archive.record('ho', [user(day(4), 'a person please', 'human_handoff'), { type: 'handoff', at: day(4), reason: 'user_request' }]);
      await archive.record('done', [user(day(5), 'invest', 'portfolio_advice'), { type: 'form_started', at: day(5), form: 'risk_profile' }, question(day(5), 'risk_profile', 'horizon')]);
      await archive.record('done', [user(day(5, 11), '10 years', 'out_of_scope'), { type: 'form_ended', at: day(5, 11), form: 'risk_profile', reason: 'completed' }]);
      await archive.record('cx', [user(day(6), 'loan', 'credit_risk_assessment'), { type: 'form_started', at: day(6), form: 'credit_risk' }, question(day(6), 'credit_risk', 'amount'), user(day(6), 'cancel', 'deny'), { type: 'form_ended', at: day(6), form: 'credit_risk', reason: 'cancelled' }]);
      const ids = async (q: Record<string, string>): Promise<string[]> => (await review.search(filter(q))).items.map((i) => i.id);
      expect(await ids({})).toEqual(['cx', 'done', 'ho', 'td', 'oos', 'fb']);
      expect(await ids({ fallback: 'true' })).toEqual(['fb']);
      expect(await ids({ fallback: 'false' })).toEqual(['cx', 'done', 'ho', 'td', 'oos']);
      expect(await ids({ outOfScope: 'true' })).toEqual(['oos']);
      expect(await ids({ thumbsDown: 'true' })).toEqual(['td']);
      expect(await ids({ handoff: 'true' })).toEqual(['ho']);
      expect(await ids({ handoff: 'false', outOfScope: 'false', fallback: 'false' })).toEqual(['cx', 'done', 'td']);
      expect(await ids({ form: 'completed' })).toEqual(['done']);
      expect(await ids({ form: 'cancelled' })).toEqual(['cx']);
      expect(await ids({ intent: 'card_arrival' })).toEqual(['td']);
      expect(await ids({ intent: 'out_of_scope' })).toEqual(['done', 'oos', 'fb']);
      expect(await ids({ from: '2026-03-02', to: '2026-03-04' })).toEqual(['ho', 'td', 'oos']);
      expect(await ids({ from: '2026-03-06' })).toEqual(['cx']);
      expect(await ids({ to: '2026-03-01' })).toEqual(['fb']);
      // Text: a substring of any message, ASCII letters in either case; % and _ are plain characters.
      expect(await ids({ q: 'paris' })).toEqual(['oos']);
      expect(await ids({ q: 'WEATHER in' })).toEqual(['oos']);
      expect(await ids({ q: '3 days' })).toEqual(['td']);
      expect(await ids({ q: '100%' })).toEqual(['fb']);
      expect(await ids({ q: 'e_t' })).toEqual(['fb']);
      expect(await ids({ q: '%' })).toEqual(['fb']);
      expect(await ids({ q: 'nothing like this' })).toEqual([]);
      const page = await review.search(filter({ limit: '2', offset: '1' }));
      expect(page.total).toBe(6);
      expect(page.items.map((i) => i.id)).toEqual(['done', 'ho']);
      expect((await review.search(filter({ form: 'completed' }))).items[0]!.forms).toEqual([{ form: 'risk_profile', outcome: 'completed' }]);
      expect((await review.search(filter({ handoff: 'true' }))).items[0]).toMatchObject({ handoff: true, thumbsDown: 0 });
      expect((await review.search(filter({ thumbsDown: 'true' }))).items[0]).toMatchObject({ handoff: false, thumbsDown: 1 });
    });

    it('orders conversations started at the same moment by id in byte order', async () => {
      const { archive, review } = await make();
      const t = at('2026-03-01T10:00:00Z');
      for (const id of ['b-2', 'a-1', 'B-3', '_x']) await archive.record(id, [user(t, 'hi', 'greet')]);
      expect((await review.search(filter())).items.map((i) => i.id)).toEqual(['B-3', '_x', 'a-1', 'b-2']);
    });

    it('tracks questionnaires: the last question asked, the outcome, several in one conversation', async () => {
      const { archive, review, analytics } = await make();
      const t = at('2026-03-01T10:00:00Z');
      await archive.record('f', [user(t, 'loan', 'credit_risk_assessment'), { type: 'form_started', at: t, form: 'credit_risk' }, question(t, 'credit_risk', 'amount')]);
      await archive.record('f', [user(t + 1, '5000', 'out_of_scope'), question(t + 1, 'credit_risk', 'duration')]);
      await archive.record('f', [user(t + 2, 'stop', 'deny'), { type: 'form_ended', at: t + 2, form: 'credit_risk', reason: 'cancelled' }]);
      await archive.record('f', [{ type: 'form_started', at: t + 3, form: 'credit_risk' }, question(t + 3, 'credit_risk', 'amount'), { type: 'form_started', at: t + 3, form: 'risk_profile' }]);
      await archive.record('f', [question(t + 4, 'risk_profile', 'goal'), { type: 'form_ended', at: t + 4, form: 'risk_profile', reason: 'completed' }]);
      expect((await review.search(filter())).items[0]!.forms).toEqual([
        { form: 'credit_risk', outcome: 'cancelled' },
        { form: 'credit_risk', outcome: 'open' },
        { form: 'risk_profile', outcome: 'completed' },
      ]);
      const report = await analytics.report({ from: '2026-03-01', to: '2026-03-01' });
      expect(report.funnels).toEqual([
        { form: 'credit_risk', started: 2, completed: 0, cancelled: 1, dropOff: [{ slot: 'amount', count: 1 }, { slot: 'duration', count: 1 }] },
        { form: 'risk_profile', started: 1, completed: 1, cancelled: 0, dropOff: [] },
      ]);
    });

    it('records a batch entirely or not at all', async () => {
      const { archive, review } = await make();
      const t = at('2026-03-01T10:00:00Z');
      await archive.record('c', [user(t, 'loan', 'credit_risk_assessment'), { type: 'form_started', at: t, form: 'credit_risk' }]);
      // An outcome the archive does not know is refused, with the rest of its batch.
      await expect(archive.record('c', [user(t + 1, 'more', 'greet'), loose({ type: 'form_ended', at: t + 1, form: 'credit_risk', reason: 'exploded' })])).rejects.toThrow();
      expect((await review.search(filter())).items[0]).toMatchObject({ userMessages: 1, updatedAt: t, lastUserText: 'loan', forms: [{ form: 'credit_risk', outcome: 'open' }] });
      await archive.record('c', [user(t + 2, 'again', 'greet')]);
      expect((await review.search(filter())).items[0]).toMatchObject({ userMessages: 2, updatedAt: t + 2, lastUserText: 'again' });
    });

    it('keeps corrections: one per message (the latest), export orders', async () => {
      const { review } = await make();
      const c = (sessionId: string, seq: number, text: string, intent: string | null, passageId: string | null, at: number) => ({ sessionId, seq, text, intent, passageId, staff: 'alex', at });
      await review.saveCorrection(c('s1', 0, 'where is my card', 'card_arrival', null, 300));
      await review.saveCorrection(c('s1', 2, 'what is an etf', null, 'b-etf', 100));
      await review.saveCorrection(c('s2', 0, 'rate today', 'exchange_rate', 'B-rates', 200));
      await review.saveCorrection(c('s2', 4, 'fx fee', 'exchange_rate', 'b-etf', 100));
      // Replaces the first correction of s1's message 0 (intent, passage, staff, time; the text stays).
      await review.saveCorrection({ ...c('s1', 0, 'ignored', 'lost_or_stolen_card', 'a-cards', 50), staff: 'bea' });
      const s1 = (await review.corrections('s1')).sort((a, b) => a.seq - b.seq);
      expect(s1).toEqual([
        { sessionId: 's1', seq: 0, text: 'where is my card', intent: 'lost_or_stolen_card', passageId: 'a-cards', staff: 'bea', at: 50 },
        { sessionId: 's1', seq: 2, text: 'what is an etf', intent: null, passageId: 'b-etf', staff: 'alex', at: 100 },
      ]);
      expect(await review.corrections('nobody')).toEqual([]);
      expect(await review.intentCorrections()).toEqual([
        { text: 'where is my card', intent: 'lost_or_stolen_card' },
        { text: 'fx fee', intent: 'exchange_rate' },
        { text: 'rate today', intent: 'exchange_rate' },
      ]);
      // Passage ids in byte order (upper case first), then oldest first.
      expect(await review.passageCorrections()).toEqual([
        { text: 'rate today', passageId: 'B-rates' },
        { text: 'where is my card', passageId: 'a-cards' },
        { text: 'what is an etf', passageId: 'b-etf' },
        { text: 'fx fee', passageId: 'b-etf' },
      ]);
    });

    it('forgets a conversation with its corrections, and conversations older than a time', async () => {
      const { archive, review, analytics } = await make();
      const t = at('2026-03-01T10:00:00Z');
      for (const [id, when] of [['old', t], ['erase', t + 10], ['keep', t + 20]] as const) {
        await archive.record(id, [user(when, `hello ${id}`, 'greet'), loose({ type: 'feedback', at: when, passageId: 'p', helpful: false })]);
        await review.saveCorrection({ sessionId: id, seq: 0, text: `hello ${id}`, intent: 'greet', passageId: null, staff: 'alex', at: when });
      }
      await archive.forget('erase');
      await archive.forget('never-existed');
      expect((await review.search(filter())).items.map((i) => i.id)).toEqual(['keep', 'old']);
      expect(await review.corrections('erase')).toEqual([]);
      await archive.forgetOlderThan(t + 15);
      expect((await review.search(filter())).items.map((i) => i.id)).toEqual(['keep']);
      expect(await review.intentCorrections()).toEqual([{ text: 'hello keep', intent: 'greet' }]);
      const report = await analytics.report({ from: '2026-03-01', to: '2026-03-01' });
      expect(report.totals).toEqual({ conversations: 1, userMessages: 1, handoffs: 0 });
      expect(report.thumbsDown).toEqual([{ passageId: 'p', count: 1 }]);
    });

    it('rebuilds a conversation from its whole log as recording it batch by batch did, keeping corrections', async () => {
      const { archive, review, analytics } = await make();
      const t = at('2026-03-01T10:00:00Z');
      const batches: SessionEvent[][] = [
        [{ type: 'session_started', at: t }, user(t, 'loan', 'credit_risk_assessment'), { type: 'form_started', at: t, form: 'credit_risk' }, question(t, 'credit_risk', 'amount')],
        [user(t + 1, 'what?', 'out_of_scope', 0.2)],
        [{ type: 'fallback', at: t + 1, reason: 'low_confidence' }, bot(t + 1, TEXTS.rephrase), question(t + 1, 'credit_risk', 'duration')],
        [{ type: 'handoff', at: t + 2, reason: 'user_request' }, loose({ type: 'agent_joined', at: t + 5002, agentId: 'a', agentName: 'Ann' }), loose({ type: 'feedback', at: t + 6000, passageId: 'p', helpful: false })],
      ];
      for (const b of batches) await archive.record('inc', b);
      await review.saveCorrection({ sessionId: 'inc', seq: 1, text: 'what?', intent: 'greet', passageId: null, staff: 'alex', at: t });
      const period = { from: '2026-03-01', to: '2026-03-01' };
      const before = { list: await review.search(filter()), report: { ...(await analytics.report(period)), computedMs: 0 } };
      // A damaged archive (a lost write) is healed by the rebuild.
      await archive.rebuild('inc', batches[0]!);
      expect((await review.search(filter())).items[0]).toMatchObject({ userMessages: 1, fallbacks: 0 });
      await archive.rebuild('inc', batches.flat());
      expect(await review.search(filter())).toEqual(before.list);
      expect({ ...(await analytics.report(period)), computedMs: 0 }).toEqual(before.report);
      expect(await review.corrections('inc')).toHaveLength(1);
      // A log the archive never saw is added; an empty log removes the rows, not the corrections.
      await archive.rebuild('new', [user(t + 10, 'hello', 'greet')]);
      expect((await review.search(filter())).items.map((i) => i.id)).toEqual(['new', 'inc']);
      expect(await archive.conversationIds()).toEqual(['inc', 'new']);
      await archive.rebuild('inc', []);
      expect((await review.search(filter())).items.map((i) => i.id)).toEqual(['new']);
      expect(await review.corrections('inc')).toHaveLength(1);
      expect(await archive.conversationIds()).toEqual(['new']);
    });

    it('computes every analytics figure of a period', async () => {
      const { archive, analytics } = await make();
      const d1 = at('2026-03-01T10:00:00Z');
      // A: out of scope, a fallback on a near-duplicate wording, a refused answer, feedback.
      await archive.record('A', [{ type: 'session_started', at: d1 }, user(d1, 'Hello', 'greet'), bot(d1, 'Hi!'), user(d1 + 1000, 'Book a table', 'out_of_scope', 0.95), bot(d1 + 1000, TEXTS.outOfScope)]);
      await archive.record('A', [user(d1 + 2000, 'book a table ', 'out_of_scope', 0.3), { type: 'fallback', at: d1 + 2000, reason: 'low_confidence' }, bot(d1 + 2000, TEXTS.rephrase)]);
      await archive.record('A', [user(d1 + 3000, 'Ébène?', 'financial_education', 0.6), loose({ type: 'knowledge', at: d1 + 3000, outcome: 'refused', passages: ['p-a'] }), bot(d1 + 3000, 'I do not know.')]);
      await archive.record('A', [user(d1 + 4000, 'ébène?', 'financial_education', 0.6), loose({ type: 'knowledge', at: d1 + 4000, outcome: 'refused', passages: [] }), loose({ type: 'feedback', at: d1 + 4500, passageId: 'p-b', helpful: false }), loose({ type: 'feedback', at: d1 + 4600, passageId: 'p-a', helpful: true })]);
      // B: starts just before midnight, a message the next day; an abandoned credit form; a hand-off answered in 30 s.
      const b = at('2026-03-01T23:59:50Z');
      await archive.record('B', [user(b, 'I want a loan', 'credit_risk_assessment'), { type: 'form_started', at: b, form: 'credit_risk' }, question(b, 'credit_risk', 'amount')]);
      await archive.record('B', [user(b + 20_000, '5000', 'out_of_scope', 0.2), question(b + 20_000, 'credit_risk', 'duration'), { type: 'handoff', at: b + 21_000, reason: 'user_request' }]);
      await archive.record('B', [loose({ type: 'agent_joined', at: b + 51_000, agentId: 'anna', agentName: 'Anna' }), loose({ type: 'agent_uttered', at: b + 52_000, agentId: 'anna', text: 'Anna here.' })]);
      // C: a completed portfolio form, thumbs-down on two passages.
      const c = at('2026-03-02T12:00:00Z');
      await archive.record('C', [user(c, 'invest', 'portfolio_advice'), { type: 'form_started', at: c, form: 'risk_profile' }, question(c, 'risk_profile', 'horizon'), user(c + 1, '10 years', 'out_of_scope', 0.1), { type: 'form_ended', at: c + 1, form: 'risk_profile', reason: 'completed' }]);
      await archive.record('C', [loose({ type: 'feedback', at: c + 2, passageId: 'p-b', helpful: false }), loose({ type: 'feedback', at: c + 3, passageId: 'P-c', helpful: false }), loose({ type: 'feedback', at: c + 4, helpful: false })]);
      // D: a cancelled credit form and a hand-off answered in 10.5 s.
      const d = at('2026-03-02T13:00:00Z');
      await archive.record('D', [user(d, 'loan', 'credit_risk_assessment'), { type: 'form_started', at: d, form: 'credit_risk' }, question(d, 'credit_risk', 'amount'), user(d + 1, 'cancel', 'deny'), { type: 'form_ended', at: d + 1, form: 'credit_risk', reason: 'cancelled' }]);
      await archive.record('D', [user(d + 2, 'a person', 'human_handoff'), { type: 'handoff', at: d + 2, reason: 'user_request' }, loose({ type: 'agent_joined', at: d + 10_502, agentId: 'bo', agentName: 'Bo' })]);
      // E: before the period (not counted).
      await archive.record('E', [user(at('2026-02-28T23:00:00Z'), 'Hello', 'greet'), { type: 'handoff', at: at('2026-02-28T23:00:00Z'), reason: 'user_request' }]);

      const r = await analytics.report({ from: '2026-03-01', to: '2026-03-02' });
      expect(r.computedMs).toBeGreaterThanOrEqual(0);
      const { computedMs: _ms, ...figures } = r;
      expect(figures).toEqual({
        from: '2026-03-01',
        to: '2026-03-02',
        totals: { conversations: 4, userMessages: 12, handoffs: 2 },
        perDay: [
          { day: '2026-03-01', conversations: 2, messages: 6, handoffs: 1 },
          { day: '2026-03-02', conversations: 2, messages: 6, handoffs: 1 },
        ],
        containment: 0.5,
        fallbackRate: 1 / 12,
        outOfScopeRate: 1 / 12,
        topIntents: [
          { intent: 'out_of_scope', count: 4 },
          { intent: 'credit_risk_assessment', count: 2 },
          { intent: 'financial_education', count: 2 },
          { intent: 'deny', count: 1 },
          { intent: 'greet', count: 1 },
          { intent: 'human_handoff', count: 1 },
          { intent: 'portfolio_advice', count: 1 },
        ],
        // Grouped by ASCII lower case and trimmed spaces (É and é stay apart); the smallest spelling shows.
        unanswered: [
          { example: 'Book a table', count: 2, examples: ['Book a table'] },
          { example: 'Ébène?', count: 1, examples: ['Ébène?'] },
          { example: 'ébène?', count: 1, examples: ['ébène?'] },
        ],
        unansweredTotal: 4,
        thumbsDown: [
          { passageId: 'p-b', count: 2 },
          { passageId: 'P-c', count: 1 },
        ],
        funnels: [
          { form: 'credit_risk', started: 2, completed: 0, cancelled: 1, dropOff: [{ slot: 'amount', count: 1 }, { slot: 'duration', count: 1 }] },
          { form: 'risk_profile', started: 1, completed: 1, cancelled: 0, dropOff: [] },
        ],
        agentResponse: { accepted: 2, medianSeconds: 20.25, meanSeconds: 20.25 },
      });
      const empty = await analytics.report({ from: '2026-04-01', to: '2026-04-01' });
      expect(empty).toMatchObject({ totals: { conversations: 0, userMessages: 0, handoffs: 0 }, containment: 1, fallbackRate: 0, outOfScopeRate: 0, topIntents: [], unanswered: [], unansweredTotal: 0, thumbsDown: [], funnels: [], agentResponse: { accepted: 0, medianSeconds: null, meanSeconds: null } });
      expect(empty.perDay).toEqual([{ day: '2026-04-01', conversations: 0, messages: 0, handoffs: 0 }]);
    });
  });
}
