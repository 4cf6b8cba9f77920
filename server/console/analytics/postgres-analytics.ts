/**
 * The analytics figures in PostgreSQL SQL over the shared archive (production mode): the same definitions as the SQLite
 * queries, written so that the same rows give the same figures — UTC days, byte-order ties (`COLLATE "C"`), ASCII-only
 * lower case, float8 seconds — and BIGINT/NUMERIC results (strings from pg) turned into numbers.
 */
import type pg from 'pg';
import { inTransaction } from '../../db/postgres.ts';
import { ArchiveAnalytics, type ArchiveFigures, type ConsoleAnalyticsOptions } from './analytics.ts';

type Rows = Array<Record<string, unknown>>;

/** Options for `PostgresConsoleAnalytics`. */
export interface PostgresConsoleAnalyticsOptions extends ConsoleAnalyticsOptions {
  pool: pg.Pool;
}

/** The UTC calendar day of an epoch-millisecond column, YYYY-MM-DD (SQLite: `strftime('%Y-%m-%d', ms / 1000, 'unixepoch')`). */
const day = (col: string): string => `to_char(date_trunc('day', to_timestamp(${col} / 1000) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;

/** Analytics in SQL over the console archive in PostgreSQL. */
export class PostgresConsoleAnalytics extends ArchiveAnalytics {
  private readonly pool: pg.Pool;

  constructor(options: PostgresConsoleAnalyticsOptions) {
    super(options);
    this.pool = options.pool;
  }

  protected async figures(lo: number, hi: number): Promise<ArchiveFigures> {
    const conv = 'FROM console_conversations c WHERE c.started_at >= $1 AND c.started_at < $2';
    const msg = "FROM console_messages m JOIN console_conversations c ON c.id = m.session_id WHERE c.started_at >= $1 AND c.started_at < $2 AND m.role = 'user'";
    // Counts arrive as strings (BIGINT, NUMERIC); every value here is far below 2^53.
    const n = (v: unknown): number => Number(v);
    // One read-only snapshot for every figure (so they agree with each other while other processes keep recording), on
    // one pooled connection (a report never takes the pool from customers' turns).
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const results: Rows[] = [];
      for (const sql of [
        `SELECT COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv}`,
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE m.fallback) AS fallback, COUNT(*) FILTER (WHERE m.out_of_scope) AS oos ${msg}`,
        `SELECT ${day('c.started_at')} AS day, COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv} GROUP BY 1`,
        `SELECT ${day('m.at')} AS day, COUNT(*) AS messages ${msg} GROUP BY 1`,
        `SELECT m.intent AS intent, COUNT(*) AS count ${msg} AND m.intent IS NOT NULL GROUP BY m.intent ORDER BY count DESC, m.intent COLLATE "C" LIMIT 10`,
        // SQLite's lower() folds ASCII letters only, and trim() strips spaces only (as btrim with ' ').
        `SELECT MIN(m.text COLLATE "C") AS text, COUNT(*) AS count ${msg} AND (m.fallback OR m.out_of_scope OR m.refused)
           GROUP BY translate(btrim(m.text, ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') ORDER BY count DESC, text`,
        `SELECT f.passage_id AS "passageId", COUNT(*) AS count FROM console_feedback f JOIN console_conversations c ON c.id = f.session_id
           WHERE c.started_at >= $1 AND c.started_at < $2 AND NOT f.helpful AND f.passage_id IS NOT NULL
           GROUP BY f.passage_id ORDER BY count DESC, f.passage_id COLLATE "C" LIMIT 10`,
        `SELECT f.form AS form, COUNT(*) AS started, COUNT(*) FILTER (WHERE f.outcome = 'completed') AS completed, COUNT(*) FILTER (WHERE f.outcome = 'cancelled') AS cancelled
           FROM console_forms f JOIN console_conversations c ON c.id = f.session_id WHERE c.started_at >= $1 AND c.started_at < $2
           GROUP BY f.form ORDER BY started DESC, f.form COLLATE "C"`,
        `SELECT f.form AS form, f.last_slot AS slot, COUNT(*) AS count FROM console_forms f JOIN console_conversations c ON c.id = f.session_id
           WHERE c.started_at >= $1 AND c.started_at < $2 AND f.outcome <> 'completed' AND f.last_slot IS NOT NULL
           GROUP BY f.form, f.last_slot ORDER BY count DESC, f.last_slot COLLATE "C"`,
        // float8 division: the same IEEE quotient as SQLite's `/ 1000.0`.
        `SELECT (c.agent_joined_at - c.handoff_at)::float8 / 1000 AS s ${conv} AND c.handoff_at IS NOT NULL AND c.agent_joined_at IS NOT NULL ORDER BY s`,
      ]) {
        results.push((await client.query(sql, [lo, hi])).rows);
      }
      const [totals, m, conversationDays, messageDays, topIntents, unanswered, thumbsDown, forms, drops, waits] = results as [Rows, Rows, Rows, Rows, Rows, Rows, Rows, Rows, Rows, Rows];
      return {
        conversations: n(totals[0]!.conversations),
        handoffs: n(totals[0]!.handoffs),
        userMessages: n(m[0]!.n),
        fallbacks: n(m[0]!.fallback),
        outOfScope: n(m[0]!.oos),
        conversationDays: conversationDays.map((r) => ({ day: String(r.day), conversations: n(r.conversations), handoffs: n(r.handoffs) })),
        messageDays: messageDays.map((r) => ({ day: String(r.day), messages: n(r.messages) })),
        topIntents: topIntents.map((r) => ({ intent: String(r.intent), count: n(r.count) })),
        unanswered: unanswered.map((r) => ({ text: String(r.text), count: n(r.count) })),
        thumbsDown: thumbsDown.map((r) => ({ passageId: String(r.passageId), count: n(r.count) })),
        forms: forms.map((r) => ({ form: String(r.form), started: n(r.started), completed: n(r.completed), cancelled: n(r.cancelled) })),
        drops: drops.map((r) => ({ form: String(r.form), slot: String(r.slot), count: n(r.count) })),
        waits: waits.map((r) => n(r.s)),
      };
    });
  }
}
