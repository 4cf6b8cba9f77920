/**
 * The staff console's review and analytics across processes, on real engines: PostgreSQL 15 and Redis 7 on loopback,
 * two Moneta processes (the precompiled server, real models) in production mode, all started here and stopped in
 * afterAll. An analyst on one process finds and reads the conversations held on the other; a correction made on B is
 * in the training export of A, and an erase on B removes the conversation from A's search and export. On 1,200 seeded
 * conversations plus the live ones, the analytics report is the same on A and B, every figure equals an independent SQL
 * query over the session store's raw event log in PostgreSQL (JSON operators on `events.data`, not the console's
 * archive tables), and B's dashboard in Chromium shows those figures.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsReport, ConversationList, TranscriptView } from '../../server/contracts/console-api.ts';
import { ArchivingSessionStore } from '../../server/console/archive/archiving-session-store.ts';
import { PostgresConversationArchive } from '../../server/console/archive/postgres-conversation-archive.ts';
import { PostgresStaffUserStore } from '../../server/console/auth/staff-users.ts';
import { TEXTS } from '../../server/response/templates.ts';
import { MaskingSessionStore } from '../../server/session/masking-session-store.ts';
import { PostgresSessionStore } from '../../server/session/postgres-session-store.ts';
import { signIn } from '../fixtures/console/console-app.ts';
import { seedConversations } from '../fixtures/console/seed-conversations.ts';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../support/engines.ts';
import { launchBrowser } from '../e2e/support/browser.ts';
import { buildServerOnce, prepareKnowledgeIndex, removeServerBuild, startMonetaProcess, type MonetaProcess } from '../support/moneta-process.ts';

const PASSWORD = 'a long enough password';
const FROM = '2026-11-01';
/** Today (UTC): the live conversations of this run fall in the period too. */
const TO = new Date().toISOString().slice(0, 10);

let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let a: MonetaProcess | undefined;
let b: MonetaProcess | undefined;
let db: pg.Pool | undefined;
let index: { dir: string; cleanup: () => void } | undefined;
const cookies: Record<'a' | 'b', string> = { a: '', b: '' };

beforeAll(async () => {
  const entry = buildServerOnce();
  const engines = await Promise.allSettled([startPostgres(), startRedis()]);
  postgres = engines[0].status === 'fulfilled' ? engines[0].value : undefined;
  redis = engines[1].status === 'fulfilled' ? engines[1].value : undefined;
  for (const s of engines) if (s.status === 'rejected') throw s.reason;
  index = prepareKnowledgeIndex(entry);
  const env = {
    MONETA_DATABASE_URL: postgres!.url,
    MONETA_REDIS_URL: redis!.url,
    // Every request of the test comes from 127.0.0.1.
    MONETA_RATE_LIMIT_IP_PER_MIN: '100000',
    MONETA_RATE_LIMIT_HTTP_PER_MIN: '100000',
  };
  const knowledgeIndex = index.dir;
  const started = await Promise.allSettled([startMonetaProcess({ entry, name: 'A', env, knowledgeIndex }), startMonetaProcess({ entry, name: 'B', env, knowledgeIndex })]);
  [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  db = new pg.Pool({ connectionString: postgres!.url, max: 4 });
  // One account in the shared database signs in on both processes.
  await new PostgresStaffUserStore(db).upsert({ username: 'alex', displayName: 'Alex', role: 'analyst', password: PASSWORD });
  cookies.a = await signIn(a!.url, 'alex', PASSWORD);
  cookies.b = await signIn(b!.url, 'alex', PASSWORD);
}, 180_000);

afterAll(async () => {
  await db?.end().catch(() => undefined);
  await Promise.all([a?.stop(), b?.stop()].map((p) => p?.catch(() => undefined)));
  await Promise.all([redis?.stop(), postgres?.stop()].map((p) => p?.catch(() => undefined)));
  index?.cleanup();
  removeServerBuild();
}, 60_000);

/** A customer message over the REST channel (a trusted back end; the sender is the conversation id). */
async function chat(base: string, sender: string, message: string): Promise<void> {
  const res = await fetch(`${base}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender, message }), signal: AbortSignal.timeout(20_000) });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function api<T>(p: MonetaProcess, which: 'a' | 'b', path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${p.url}/console/api/${path}`, { ...init, headers: { cookie: cookies[which], 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T };
}

describe('console review across processes', () => {
  const run = Date.now().toString(36);
  const onA = `rest-a-${run}`;
  const onB = `rest-b-${run}`;

  beforeAll(async () => {
    await chat(a!.url, onA, 'my card 4111 1111 1111 1111 still has not arrived, call me on +44 7700 900123');
    await chat(a!.url, onA, 'what is the weather like in Lisbon tomorrow');
    await chat(b!.url, onB, 'how do exchange rates work when I pay abroad');
  }, 60_000);

  it('finds on B a conversation held on A (and on A one held on B), masked, and B reads its transcript', async () => {
    const onBSearch = await api<ConversationList>(b!, 'b', 'conversations?q=Lisbon');
    expect(onBSearch.status).toBe(200);
    expect(onBSearch.body.items.map((i) => i.id)).toEqual([onA]);
    expect(onBSearch.body.items[0]).toMatchObject({ userMessages: 2 });
    expect(JSON.stringify(onBSearch.body)).not.toMatch(/4111 1111|7700 ?900123/);
    expect((await api<ConversationList>(a!, 'a', 'conversations?q=exchange%20rates')).body.items.map((i) => i.id)).toEqual([onB]);
    // Both processes list the same conversations.
    const today = `from=${TO}&to=${TO}&limit=200`;
    const listA = (await api<ConversationList>(a!, 'a', `conversations?${today}`)).body;
    const listB = (await api<ConversationList>(b!, 'b', `conversations?${today}`)).body;
    expect(listB).toEqual(listA);
    expect(listA.items.map((i) => i.id).sort()).toEqual([onA, onB].sort());
    const view = await api<TranscriptView>(b!, 'b', `conversations/${onA}`);
    expect(view.status).toBe(200);
    const customer = view.body.messages.filter((m) => m.from === 'user');
    expect(customer).toHaveLength(2);
    expect(customer[0]!.parse?.intent).toBeTruthy();
    expect(JSON.stringify(view.body)).not.toMatch(/4111 1111|7700 ?900123/);
  });

  it('a correction made on B is in the training export on A', async () => {
    const view = (await api<TranscriptView>(b!, 'b', `conversations/${onA}`)).body;
    const card = view.messages.find((m) => m.from === 'user' && m.text.includes('arrived'))!;
    const made = await api<{ correction: { intent: string; by: string } }>(b!, 'b', `conversations/${onA}/corrections`, { method: 'POST', body: JSON.stringify({ seq: card.seq, intent: 'card_arrival' }) });
    expect(made.status).toBe(201);
    expect(made.body.correction).toMatchObject({ intent: 'card_arrival', by: 'alex' });
    const exported = await api<string>(a!, 'a', 'export/intents.jsonl');
    expect(exported.status).toBe(200);
    // The masked text the console shows: training data never carries the card or phone number.
    expect(exported.body).toBe(`${JSON.stringify({ text: card.text, intent: 'card_arrival' })}\n`);
    expect(exported.body).not.toMatch(/4111 1111|7700 ?900123/);
    // A shows the correction on the transcript too, and both processes wrote to one access log.
    expect((await api<TranscriptView>(a!, 'a', `conversations/${onA}`)).body.messages[card.seq]!.correction).toMatchObject({ intent: 'card_arrival', by: 'alex' });
    const log = (await api<Array<{ action: string; sessionId: string | null }>>(a!, 'a', 'access-log')).body;
    expect(log.filter((e) => e.action === 'correct').map((e) => e.sessionId)).toEqual([onA]);
  });
  it('an erase on B removes the conversation held on A from the archive and the export on A', async () => {
    // Open demo mode (no MONETA_REST_API_KEY): the REST sender name is the conversation's credential.
    const erased = await fetch(`${b!.url}/api/v1/sessions/${onA}`, { method: 'DELETE' });
    expect(erased.status).toBeLessThan(300);
    expect((await api<ConversationList>(a!, 'a', 'conversations?q=Lisbon')).body).toEqual({ total: 0, items: [] });
    expect((await api(a!, 'a', `conversations/${onA}`)).status).toBe(404);
    expect((await api<string>(a!, 'a', 'export/intents.jsonl')).body).toBe('');
    expect((await db!.query('SELECT COUNT(*)::int AS n FROM console_messages WHERE session_id = $1', [onA])).rows[0].n).toBe(0);
    // The other conversation is still there, on both processes.
    expect((await api<ConversationList>(a!, 'a', 'conversations?q=exchange%20rates')).body.items.map((i) => i.id)).toEqual([onB]);
  });
});

describe('console analytics across processes', () => {
  beforeAll(async () => {
    // Seeded through the stack each process builds: masking, then the archive decorator over the PostgreSQL store.
    const store = new MaskingSessionStore(new ArchivingSessionStore(new PostgresSessionStore({ pool: db! }), new PostgresConversationArchive(db!), (error) => { throw error; }));
    await seedConversations(store, { count: 1200, days: 40, endDay: '2026-11-30' });
    // Planner statistics, as autovacuum gathers them within a minute of a bulk load (see docs/console.md).
    await db!.query('ANALYZE');
  }, 180_000);

  /** The independent figures: SQL over `sessions` and `events` (one JSON document per event) in PostgreSQL. */
  async function expected() {
    const lo = Date.parse(`${FROM}T00:00:00Z`);
    const hi = Date.parse(`${TO}T00:00:00Z`) + 86_400_000;
    const q = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => (await db!.query<R>(sql, sql.includes('$3') ? [lo, hi, TEXTS.outOfScope] : [lo, hi])).rows;
    const one = async (sql: string): Promise<number> => Number(Object.values((await q(sql))[0]!)[0]);
    // Conversations with at least one event, started in the period.
    const inPeriod = 's.created_at >= $1 AND s.created_at < $2 AND EXISTS (SELECT 1 FROM events x0 WHERE x0.session_id = s.id)';
    const type = (alias: string, t: string) => `${alias}.data::json->>'type' = '${t}'`;
    const ev = `FROM events e JOIN sessions s ON s.id = e.session_id WHERE ${inPeriod}`;
    // The events of a customer message's turn: after it, before the next customer message.
    const inTurn = (x: string) => `${x}.session_id = u.session_id AND ${x}.seq > u.seq AND ${x}.seq < COALESCE((SELECT MIN(n.seq) FROM events n WHERE n.session_id = u.session_id AND n.seq > u.seq AND ${type('n', 'user_uttered')}), 2147483647)`;
    const isOos = (x: string) => `(${type(x, 'bot_uttered')} AND ${x}.data::json->'message'->>'text' = $3)`;
    const turnWith = (cond: string) => `SELECT COUNT(*) FROM events u JOIN sessions s ON s.id = u.session_id WHERE ${inPeriod} AND ${type('u', 'user_uttered')} AND EXISTS (SELECT 1 FROM events x WHERE ${inTurn('x')} AND (${cond}))`;
    const conversations = await one(`SELECT COUNT(*) FROM sessions s WHERE ${inPeriod}`);
    const messages = await one(`SELECT COUNT(*) ${ev} AND ${type('e', 'user_uttered')}`);
    const handoffs = await one(`SELECT COUNT(DISTINCT e.session_id) ${ev} AND ${type('e', 'handoff')}`);
    const fallbacks = await one(turnWith(type('x', 'fallback')));
    const oos = await one(turnWith(isOos('x')));
    const unanswered = await one(turnWith(`${type('x', 'fallback')} OR (${type('x', 'knowledge')} AND x.data::json->>'outcome' = 'refused') OR ${isOos('x')}`));
    const topIntents = (
      await q<{ intent: string; count: string }>(
        `SELECT * FROM (SELECT e.data::json->'parse'->'intent'->>'name' AS intent, COUNT(*) AS count ${ev} AND ${type('e', 'user_uttered')} AND e.data::json->'parse' IS NOT NULL
         GROUP BY 1) t ORDER BY count DESC, intent COLLATE "C" LIMIT 10`,
      )
    ).map((r) => ({ intent: r.intent, count: Number(r.count) }));
    const thumbsDown = (
      await q<{ passageId: string; count: string }>(
        `SELECT * FROM (SELECT e.data::json->>'passageId' AS "passageId", COUNT(*) AS count ${ev} AND ${type('e', 'feedback')} AND (e.data::json->>'helpful')::boolean = false
           AND e.data::json->>'passageId' IS NOT NULL GROUP BY 1) t ORDER BY count DESC, "passageId" COLLATE "C" LIMIT 10`,
      )
    ).map((r) => ({ passageId: r.passageId, count: Number(r.count) }));
    // Each questionnaire started: how it ended (the first form_ended of that form after it), and the last question of
    // that form asked before then (or before the conversation stopped).
    const formRuns = `SELECT e.data::json->>'form' AS form,
        (SELECT f.data::json->>'reason' FROM events f WHERE f.session_id = e.session_id AND f.seq > e.seq AND ${type('f', 'form_ended')} AND f.data::json->>'form' = e.data::json->>'form' ORDER BY f.seq LIMIT 1) AS outcome,
        (SELECT k.data::json->'message'->'custom'->>'slot' FROM events k WHERE k.session_id = e.session_id AND k.seq > e.seq AND ${type('k', 'bot_uttered')}
           AND k.data::json->'message'->'custom'->>'type' = 'form_question' AND k.data::json->'message'->'custom'->>'form' = e.data::json->>'form'
           AND k.seq < COALESCE((SELECT MIN(f.seq) FROM events f WHERE f.session_id = e.session_id AND f.seq > e.seq AND ${type('f', 'form_ended')} AND f.data::json->>'form' = e.data::json->>'form'), 2147483647)
           ORDER BY k.seq DESC LIMIT 1) AS slot
      ${ev} AND ${type('e', 'form_started')}`;
    const funnels = (
      await q<{ form: string; started: string; completed: string; cancelled: string }>(
        `SELECT form, COUNT(*) AS started, COUNT(*) FILTER (WHERE outcome = 'completed') AS completed, COUNT(*) FILTER (WHERE outcome = 'cancelled') AS cancelled
         FROM (${formRuns}) r GROUP BY form ORDER BY 2 DESC, form COLLATE "C"`,
      )
    ).map((r) => ({ form: r.form, started: Number(r.started), completed: Number(r.completed), cancelled: Number(r.cancelled) }));
    const dropOff = await q<{ form: string; slot: string; count: string }>(
      `SELECT form, slot, COUNT(*) AS count FROM (${formRuns}) r WHERE outcome IS DISTINCT FROM 'completed' AND slot IS NOT NULL GROUP BY form, slot ORDER BY 3 DESC, slot COLLATE "C"`,
    );
    const waits = (
      await q<{ ms: string | null }>(
        `SELECT (SELECT MIN((j.data::json->>'at')::bigint) FROM events j WHERE j.session_id = s.id AND ${type('j', 'agent_joined')})
              - (SELECT MIN((h.data::json->>'at')::bigint) FROM events h WHERE h.session_id = s.id AND ${type('h', 'handoff')}) AS ms
         FROM sessions s WHERE ${inPeriod}`,
      )
    )
      .filter((r) => r.ms !== null)
      .map((r) => Number(r.ms) / 1000)
      .sort((x, y) => x - y);
    const median = waits.length % 2 ? waits[(waits.length - 1) / 2]! : (waits[waits.length / 2 - 1]! + waits[waits.length / 2]!) / 2;
    const utcDay = (ms: string) => `to_char(to_timestamp((${ms}) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
    const perDay = await q<{ day: string; conversations: string; handoffs: string }>(
      `SELECT ${utcDay('s.created_at')} AS day, COUNT(*) AS conversations,
              COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM events h WHERE h.session_id = s.id AND ${type('h', 'handoff')})) AS handoffs
       FROM sessions s WHERE ${inPeriod} GROUP BY 1`,
    );
    const msgPerDay = await q<{ day: string; n: string }>(`SELECT ${utcDay("(e.data::json->>'at')::bigint")} AS day, COUNT(*) AS n ${ev} AND ${type('e', 'user_uttered')} GROUP BY 1`);
    return { conversations, messages, handoffs, fallbacks, oos, unanswered, topIntents, thumbsDown, funnels, dropOff, waits, median, perDay, msgPerDay };
  }

  it("shows the same figures on A and B, each equal to the independent SQL on PostgreSQL, and on B's dashboard in Chromium", async () => {
    const period = `from=${FROM}&to=${TO}`;
    const fromA = await api<AnalyticsReport>(a!, 'a', `analytics?${period}`);
    const fromB = await api<AnalyticsReport>(b!, 'b', `analytics?${period}`);
    expect(fromA.status).toBe(200);
    expect(fromB.status).toBe(200);
    const { computedMs: msA, ...reportA } = fromA.body;
    const { computedMs: msB, ...r } = fromB.body;
    console.log(`analytics over ${r.totals.conversations} conversations: ${msA.toFixed(0)} ms on A, ${msB.toFixed(0)} ms on B`);
    expect(r).toEqual(reportA);

    const x = await expected();
    expect(x.conversations).toBeGreaterThanOrEqual(800); // the seeded month, plus today's live conversations
    expect(r.totals).toEqual({ conversations: x.conversations, userMessages: x.messages, handoffs: x.handoffs });
    expect(r.containment).toBe((x.conversations - x.handoffs) / x.conversations);
    expect(r.fallbackRate).toBe(x.fallbacks / x.messages);
    expect(r.outOfScopeRate).toBe(x.oos / x.messages);
    expect(r.unansweredTotal).toBe(x.unanswered);
    expect(r.unanswered.reduce((s, g) => s + g.count, 0)).toBe(x.unanswered);
    expect(r.topIntents).toEqual(x.topIntents);
    expect(r.thumbsDown).toEqual(x.thumbsDown);
    expect(r.funnels.map(({ dropOff: _d, ...f }) => f)).toEqual(x.funnels);
    for (const f of r.funnels) {
      expect(f.dropOff, f.form).toEqual(x.dropOff.filter((d) => d.form === f.form).map((d) => ({ slot: d.slot, count: Number(d.count) })));
    }
    expect(r.agentResponse.accepted).toBe(x.waits.length);
    expect(r.agentResponse.medianSeconds).toBe(x.median);
    expect(r.agentResponse.meanSeconds).toBe(x.waits.reduce((s, w) => s + w, 0) / x.waits.length);
    const days = new Map(x.perDay.map((d) => [d.day, d]));
    const msgs = new Map(x.msgPerDay.map((d) => [d.day, Number(d.n)]));
    for (const d of r.perDay) {
      expect(d, d.day).toEqual({ day: d.day, conversations: Number(days.get(d.day)?.conversations ?? 0), messages: msgs.get(d.day) ?? 0, handoffs: Number(days.get(d.day)?.handoffs ?? 0) });
    }
    expect(r.perDay.filter((d) => d.conversations > 0).length).toBe(x.perDay.length);

    // The dashboard on B, in Chromium, shows those figures.
    const browser = await launchBrowser({ viewport: { width: 1300, height: 1000 } });
    try {
      const [name, value] = cookies.b.split('=') as [string, string];
      await browser.context.addCookies([{ name, value, url: `${b!.url}/console` }]);
      const page = await browser.newPage();
      await page.goto(`${b!.url}/console/#/dashboard?${period}`);
      await page.locator('[data-ready="true"]').waitFor();
      const fig = (k: string) => page.locator(`[data-figure="${k}"]`).innerText();
      const pct = (num: number, den: number) => `${((num / den) * 100).toFixed(1)}%`;
      expect(await fig('conversations')).toBe(String(x.conversations));
      expect(await fig('messages')).toBe(String(x.messages));
      expect(await fig('handoffs')).toBe(String(x.handoffs));
      expect(await fig('containment')).toBe(pct(x.conversations - x.handoffs, x.conversations));
      expect(await fig('fallback-rate')).toBe(pct(x.fallbacks, x.messages));
      expect(await fig('oos-rate')).toBe(pct(x.oos, x.messages));
      expect(await fig('unanswered-total')).toBe(String(x.unanswered));
      expect(await fig('agent-accepted')).toBe(String(x.waits.length));
      expect(await fig('agent-median')).toBe(`${x.median.toFixed(1)} s`);
      const rows = async (table: string) =>
        page.locator(`[data-table="${table}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c.textContent ?? '').trim())));
      expect(await rows('top-intents')).toEqual(x.topIntents.map((i) => [i.intent, String(i.count)]));
      expect(await rows('thumbs-down')).toEqual(x.thumbsDown.map((i) => [i.passageId, String(i.count)]));
      expect((await rows('funnels')).map((row) => row.slice(0, 4))).toEqual(x.funnels.map((f) => [f.form, String(f.started), String(f.completed), String(f.cancelled)]));
      const shownDays = (await rows('per-day')).filter((row) => row[1] !== '0' || row[2] !== '0');
      const msgs = new Map(x.msgPerDay.map((d) => [d.day, Number(d.n)]));
      const convDays = new Map(x.perDay.map((d) => [d.day, d]));
      const days = [...new Set([...convDays.keys(), ...msgs.keys()])].sort();
      expect(shownDays).toEqual(
        days.map((day) => [day, String(Number(convDays.get(day)?.conversations ?? 0)), String(msgs.get(day) ?? 0), String(Number(convDays.get(day)?.handoffs ?? 0))]),
      );
      expect((await rows('unanswered')).reduce((sum, row) => sum + Number(row[1]), 0)).toBe(x.unanswered);
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
