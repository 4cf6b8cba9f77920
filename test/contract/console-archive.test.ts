/**
 * The console archive contract against SQLite and a real PostgreSQL 15 (started here, en-US collation), then both implementations fed
 * the same 1,200 seeded conversations: the same reports over several periods (every figure, the grouped questions
 * included) and the same search results for every filter; and `moneta console rebuild-archive` filling the archive from
 * the session store as recording did.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteConsoleAnalytics, type ConsoleAnalytics } from '../../server/console/analytics/analytics.ts';
import { PostgresConsoleAnalytics } from '../../server/console/analytics/postgres-analytics.ts';
import { ArchivingSessionStore } from '../../server/console/archive/archiving-session-store.ts';
import { SqliteConversationArchive, type ConversationArchive } from '../../server/console/archive/conversation-archive.ts';
import { PostgresConversationArchive } from '../../server/console/archive/postgres-conversation-archive.ts';
import { openConsoleDb } from '../../server/console/console-db.ts';
import { PostgresReviewStore } from '../../server/console/review/postgres-review-store.ts';
import { parseConversationFilter } from '../../server/console/review/review-service.ts';
import { SqliteReviewStore, type ReviewStore } from '../../server/console/review/review-store.ts';
import { PROJECT_ROOT } from '../../server/config/index.ts';
import { openPostgres, type PostgresDatabase } from '../../server/db/postgres.ts';
import { PostgresSessionStore } from '../../server/session/postgres-session-store.ts';
import { HashedNgramEmbedder } from '../../server/rag/hashed-ngram-embedder.ts';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { seedConversations } from '../fixtures/console/seed-conversations.ts';
import { startPostgres, type PostgresServer } from '../support/engines.ts';
import { describeConsoleArchive } from './console-archive.contract.ts';

const run = promisify(execFile);
let server: PostgresServer;
let db: PostgresDatabase;
let dbUrl: string;

/** Empties the console archive tables of migration 4. */
async function emptyPostgresArchive(): Promise<void> {
  await db.pool.query('TRUNCATE console_conversations, console_messages, console_forms, console_feedback, console_corrections RESTART IDENTITY');
}

beforeAll(async () => {
  server = await startPostgres();
  // A database with a language collation (ICU en-US), as installations usually have: ties and ids must still sort in
  // byte order, as in SQLite (under en-US, 'a' sorts before 'B'; in bytes, after).
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query("CREATE DATABASE moneta_en TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
  } finally {
    await admin.end();
  }
  dbUrl = server.url.replace(/\/moneta$/, '/moneta_en');
  db = await openPostgres({ url: dbUrl, poolSize: 4 });
  expect((await db.pool.query("SELECT x FROM (VALUES ('a'), ('B')) v (x) ORDER BY x")).rows.map((r) => r.x)).toEqual(['a', 'B']);
}, 60_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

describeConsoleArchive('SQLite', async () => {
  const file = openConsoleDb(':memory:');
  return { archive: new SqliteConversationArchive(file), review: new SqliteReviewStore(file), analytics: new SqliteConsoleAnalytics({ db: file }) };
});

describeConsoleArchive('PostgreSQL', async () => {
  await emptyPostgresArchive();
  return { archive: new PostgresConversationArchive(db.pool), review: new PostgresReviewStore(db.pool), analytics: new PostgresConsoleAnalytics({ pool: db.pool }) };
});

describe('PostgresConversationArchive specifics', () => {
  it('keeps concurrent batches of one conversation from two pools (two processes) whole and gap-free', async () => {
    await emptyPostgresArchive();
    const other = await openPostgres({ url: dbUrl, poolSize: 4 });
    try {
      const a = new PostgresConversationArchive(db.pool);
      const b = new PostgresConversationArchive(other.pool);
      const t = Date.parse('2026-03-01T10:00:00Z');
      // Each batch: a customer message, its fallback, the bot's reply; 40 batches at once, alternating pools.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).record('race', [
            { type: 'user_uttered', at: t + i, text: `m${i}` },
            { type: 'fallback', at: t + i, reason: 'low_confidence' },
            { type: 'bot_uttered', at: t + i, message: { text: `r${i}` } },
          ]),
        ),
      );
      const { rows } = await db.pool.query<{ seq: number; role: string; text: string; fallback: boolean }>("SELECT seq, role, text, fallback FROM console_messages WHERE session_id = 'race' ORDER BY seq");
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i));
      // Each batch's two messages are adjacent, and every customer message got its own fallback flag.
      for (let i = 0; i < 80; i += 2) {
        expect(rows[i]).toMatchObject({ role: 'user', fallback: true });
        expect(rows[i + 1]!.text).toBe(rows[i]!.text.replace('m', 'r'));
      }
      const [summary] = (await new PostgresReviewStore(db.pool).search(parseConversationFilter({}))).items;
      expect(summary).toMatchObject({ userMessages: 40, fallbacks: 40, startedAt: expect.any(Number), updatedAt: t + 39 });
    } finally {
      await other.close();
    }
  });
});

describe('SQLite and PostgreSQL on the same 1,200 conversations', () => {
  const embedder = new HashedNgramEmbedder();
  let sqlite: { review: ReviewStore; analytics: ConsoleAnalytics };
  let postgres: { review: ReviewStore; analytics: ConsoleAnalytics };

  beforeAll(async () => {
    await emptyPostgresArchive();
    const file = openConsoleDb(':memory:');
    const options = { count: 1200, days: 40, endDay: '2026-11-30' };
    // The same events reach both archives, through the decorator the app uses; each batch's recording is timed.
    const timed = (archive: ConversationArchive, name: string): ConversationArchive & { report(): void } => {
      const ms: number[] = [];
      return {
        async record(id, events) {
          const t0 = performance.now();
          await archive.record(id, events);
          ms.push(performance.now() - t0);
        },
        forget: (id) => archive.forget(id),
        forgetOlderThan: (t) => archive.forgetOlderThan(t),
        rebuild: (id, events) => archive.rebuild(id, events),
        conversationIds: () => archive.conversationIds(),
        report() {
          ms.sort((x, y) => x - y);
          console.log(`${name}: ${ms.length} batches recorded, p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(2)} ms, p99 ${ms[Math.floor(ms.length * 0.99)]!.toFixed(2)} ms`);
        },
      };
    };
    const toSqlite = timed(new SqliteConversationArchive(file), 'SQLite archive');
    const toPostgres = timed(new PostgresConversationArchive(db.pool), 'PostgreSQL archive');
    await seedConversations(new ArchivingSessionStore(new MemorySessionStore(), toSqlite, (e) => { throw e; }), options);
    await seedConversations(new ArchivingSessionStore(new MemorySessionStore(), toPostgres, (e) => { throw e; }), options);
    toSqlite.report();
    toPostgres.report();
    // Planner statistics, as autovacuum gathers them within a minute of a bulk load: without them PostgreSQL guesses
    // a handful of rows and joins messages to conversations with a nested loop (hundreds of ms instead of a few).
    await db.pool.query('ANALYZE');
    sqlite = { review: new SqliteReviewStore(file), analytics: new SqliteConsoleAnalytics({ db: file, embedder }) };
    postgres = { review: new PostgresReviewStore(db.pool), analytics: new PostgresConsoleAnalytics({ pool: db.pool, embedder }) };
  }, 120_000);

  it('gives the same analytics report, figure for figure', async () => {
    for (const period of [
      { from: '2026-11-01', to: '2026-11-30' },
      { from: '2026-10-01', to: '2026-12-31' },
      { from: '2026-11-15', to: '2026-11-15' },
      { from: '2027-01-01', to: '2027-01-31' },
    ]) {
      const { computedMs: msSqlite, ...fromSqlite } = await sqlite.analytics.report(period);
      const { computedMs: msPostgres, ...fromPostgres } = await postgres.analytics.report(period);
      console.log(`report ${period.from}..${period.to} (${fromSqlite.totals.conversations} conversations): SQLite ${msSqlite.toFixed(0)} ms, PostgreSQL ${msPostgres.toFixed(0)} ms`);
      expect(fromPostgres, `${period.from}..${period.to}`).toEqual(fromSqlite);
    }
    const month = await postgres.analytics.report({ from: '2026-11-01', to: '2026-11-30' });
    // A data set that exercises every figure.
    expect(month.totals.conversations).toBeGreaterThan(800);
    expect(month.totals.handoffs).toBeGreaterThan(0);
    expect(month.unansweredTotal).toBeGreaterThan(0);
    expect(month.thumbsDown.length).toBeGreaterThan(0);
    expect(month.funnels.every((f) => f.dropOff.length > 0)).toBe(true);
    expect(month.agentResponse.accepted).toBeGreaterThan(0);
  });

  it('finds the same conversations for every filter', async () => {
    for (const q of [
      {},
      { from: '2026-11-10', to: '2026-11-12' },
      { intent: 'card_arrival' },
      { fallback: 'true' },
      { fallback: 'false', handoff: 'false' },
      { outOfScope: 'true' },
      { thumbsDown: 'true' },
      { handoff: 'true', limit: '200' },
      { form: 'completed', offset: '20' },
      { form: 'cancelled' },
      { q: 'TABLE' },
      { q: 'meaning of' },
      { q: 'anna here', limit: '200' },
    ]) {
      const filter = parseConversationFilter(q);
      expect(await postgres.review.search(filter), JSON.stringify(q)).toEqual(await sqlite.review.search(filter));
    }
  });
});

describe('npx moneta console rebuild-archive', () => {
  it('fills the PostgreSQL archive from the PostgreSQL session store, as recording did, keeping corrections', async () => {
    await emptyPostgresArchive();
    await db.pool.query('TRUNCATE sessions CASCADE');
    // Conversations written before the shared archive existed: in the session store only.
    const options = { count: 60, days: 10, endDay: '2026-11-30', seed: 11 };
    await seedConversations(new PostgresSessionStore({ pool: db.pool }), options);
    // What recording them as they happened gives (the SQLite archive, fed batch by batch).
    const file = openConsoleDb(':memory:');
    await seedConversations(new ArchivingSessionStore(new MemorySessionStore(), new SqliteConversationArchive(file), (e) => { throw e; }), options);
    const correction = { sessionId: 'seed-00003', seq: 0, text: 'kept', intent: 'greet', passageId: null, staff: 'alex', at: 1 };
    await new PostgresReviewStore(db.pool).saveCorrection(correction);
    // An erased conversation whose archive copy survived (its erase's archive step failed): the rebuild drops it.
    await new PostgresConversationArchive(db.pool).record('erased', [{ type: 'user_uttered', at: Date.parse('2026-11-20T10:00:00Z'), text: 'gone' }]);
    await new PostgresReviewStore(db.pool).saveCorrection({ ...correction, sessionId: 'erased' });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-rebuild-'));
    // A process's console.sqlite from before the upgrade: a correction to move, one older than the shared one, one of
    // a conversation erased since.
    const oldFile = path.join(dataDir, 'old-console.sqlite');
    const old = openConsoleDb(oldFile);
    const moved = { sessionId: 'seed-00005', seq: 2, text: 'moved', intent: 'card_arrival', passageId: 'cs-card-arrival', staff: 'bea', at: 5 };
    for (const c of [moved, { ...correction, intent: 'goodbye', at: 0 }, { ...moved, sessionId: 'erased-long-ago' }]) await new SqliteReviewStore(old).saveCorrection(c);
    old.close();
    try {
      const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'moneta.mjs'), 'console', 'rebuild-archive', '--import-corrections', oldFile], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), MONETA_DATA_DIR: dataDir, MONETA_DATABASE_URL: dbUrl, MONETA_LOG_LEVEL: 'warn' },
        timeout: 120_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ conversations: 60, dropped: 1, imported: 1, archive: expect.stringMatching(/moneta_en$/) });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const all = parseConversationFilter({ limit: '200' });
    const rebuilt = await new PostgresReviewStore(db.pool).search(all);
    expect(rebuilt.total).toBe(60);
    expect(rebuilt).toEqual(await new SqliteReviewStore(file).search(all));
    const period = { from: '2026-11-01', to: '2026-11-30' };
    const { computedMs: _a, ...fromPostgres } = await new PostgresConsoleAnalytics({ pool: db.pool }).report(period);
    const { computedMs: _b, ...fromSqlite } = await new SqliteConsoleAnalytics({ db: file }).report(period);
    expect(fromPostgres).toEqual(fromSqlite);
    expect(await new PostgresReviewStore(db.pool).corrections('seed-00003')).toEqual([correction]);
    expect(await new PostgresReviewStore(db.pool).corrections('erased')).toEqual([]);
    expect(await new PostgresReviewStore(db.pool).corrections('seed-00005')).toEqual([moved]);
    expect(await new PostgresReviewStore(db.pool).corrections('erased-long-ago')).toEqual([]);
  }, 180_000);
});
