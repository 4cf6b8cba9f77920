/**
 * Where the analyst's review reads the archive and keeps corrections: `SqliteReviewStore` in the console's own file
 * (embedded) and `PostgresReviewStore` in the shared database (production mode), behind one contract
 * (test/contract/console-archive.contract.ts). Stores return what they hold; the review service masks for display.
 */
import type Database from 'better-sqlite3';
import type { ConversationList, ConversationSummary } from '../../contracts/console-api.ts';
import { dayStart, type ConversationFilter } from './review-service.ts';

/** One correction as stored: the (masked) text of a customer message and the right intent and/or passage. */
export interface StoredCorrection {
  sessionId: string;
  /** The message's number in the transcript (`TranscriptMessage.seq`). */
  seq: number;
  text: string;
  intent: string | null;
  passageId: string | null;
  staff: string;
  at: number;
}

/** The review's storage. */
export interface ReviewStore {
  /**
   * Archived conversations matching `filter`, newest first (ties by id, byte order), with the total count. `q` matches
   * any message text as a substring, ASCII letters case-insensitively. `lastUserText` is returned as stored.
   */
  search(filter: ConversationFilter): Promise<ConversationList>;
  /** The corrections of one conversation (any order). */
  corrections(sessionId: string): Promise<StoredCorrection[]>;
  /** Records a correction, replacing the one already made for the same message. */
  saveCorrection(correction: StoredCorrection): Promise<void>;
  /** Every intent correction, oldest first (ties in the order they were first recorded). */
  intentCorrections(): Promise<Array<{ text: string; intent: string }>>;
  /** Every passage correction, by passage id (byte order), then oldest first. */
  passageCorrections(): Promise<Array<{ text: string; passageId: string }>>;
}

/**
 * The SQL `WHERE` of a conversation filter over `conversations c` (and its messages and forms tables), for both
 * stores: `param` adds a parameter and returns its placeholder; `like` matches a column against a LIKE pattern whose
 * escape character is a backslash.
 */
export function filterClause(
  filter: ConversationFilter,
  tables: { messages: string; forms: string },
  param: (value: unknown) => string,
  like: (column: string, pattern: string) => string,
): string {
  const where: string[] = [];
  if (filter.from) where.push(`c.started_at >= ${param(dayStart(filter.from))}`);
  if (filter.to) where.push(`c.started_at < ${param(dayStart(filter.to) + 86_400_000)}`);
  if (filter.intent) where.push(`EXISTS (SELECT 1 FROM ${tables.messages} m WHERE m.session_id = c.id AND m.role = 'user' AND m.intent = ${param(filter.intent)})`);
  const bool = (value: 'true' | 'false' | undefined, expr: string): void => {
    if (value) where.push(value === 'true' ? expr : `NOT (${expr})`);
  };
  bool(filter.fallback, 'c.fallbacks > 0');
  bool(filter.outOfScope, 'c.out_of_scope > 0');
  bool(filter.thumbsDown, 'c.thumbs_down > 0');
  bool(filter.handoff, 'c.handoff_at IS NOT NULL');
  if (filter.form) where.push(`EXISTS (SELECT 1 FROM ${tables.forms} f WHERE f.session_id = c.id AND f.outcome = ${param(filter.form)})`);
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(`EXISTS (SELECT 1 FROM ${tables.messages} m WHERE m.session_id = c.id AND ${like('m.text', param(pattern))})`);
  }
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

/** A summary row (snake_case columns of `conversations`) as the API's summary. */
export function summaryOf(r: Record<string, unknown>, forms: ConversationSummary['forms']): ConversationSummary {
  return {
    id: String(r.id),
    startedAt: Number(r.started_at),
    updatedAt: Number(r.updated_at),
    userMessages: Number(r.user_messages),
    firstIntent: (r.first_intent as string | null) ?? null,
    lastUserText: (r.last_user_text as string | null) ?? null,
    fallbacks: Number(r.fallbacks),
    outOfScope: Number(r.out_of_scope),
    thumbsDown: Number(r.thumbs_down),
    handoff: r.handoff_at !== null,
    forms,
  };
}

/** The review's tables in the console's SQLite file (embedded default). */
export class SqliteReviewStore implements ReviewStore {
  constructor(private readonly db: Database.Database) {}

  async search(filter: ConversationFilter): Promise<ConversationList> {
    const args: unknown[] = [];
    const clause = filterClause(
      filter,
      { messages: 'messages', forms: 'forms' },
      (v) => {
        args.push(v);
        return '?';
      },
      // SQLite's LIKE folds ASCII letters only.
      (column, pattern) => `${column} LIKE ${pattern} ESCAPE '\\'`,
    );
    const { db } = this;
    const total = (db.prepare(`SELECT COUNT(*) AS n FROM conversations c ${clause}`).get(...args) as { n: number }).n;
    const rows = db
      .prepare(`SELECT * FROM conversations c ${clause} ORDER BY c.started_at DESC, c.id LIMIT ? OFFSET ?`)
      .all(...args, filter.limit, filter.offset) as Array<Record<string, unknown>>;
    const formsOf = db.prepare('SELECT form, outcome FROM forms WHERE session_id = ? ORDER BY seq');
    return { total, items: rows.map((r) => summaryOf(r, formsOf.all(r.id) as ConversationSummary['forms'])) };
  }

  async corrections(sessionId: string): Promise<StoredCorrection[]> {
    return this.db
      .prepare('SELECT session_id AS sessionId, message_seq AS seq, text, intent, passage_id AS passageId, staff, at FROM corrections WHERE session_id = ?')
      .all(sessionId) as StoredCorrection[];
  }

  async saveCorrection(c: StoredCorrection): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO corrections (session_id, message_seq, text, intent, passage_id, staff, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, message_seq) DO UPDATE SET intent = excluded.intent, passage_id = excluded.passage_id, staff = excluded.staff, at = excluded.at`,
      )
      .run(c.sessionId, c.seq, c.text, c.intent, c.passageId, c.staff, c.at);
  }

  async intentCorrections(): Promise<Array<{ text: string; intent: string }>> {
    return this.db.prepare('SELECT text, intent FROM corrections WHERE intent IS NOT NULL ORDER BY at, id').all() as Array<{ text: string; intent: string }>;
  }

  async passageCorrections(): Promise<Array<{ text: string; passageId: string }>> {
    return this.db
      .prepare('SELECT text, passage_id AS passageId FROM corrections WHERE passage_id IS NOT NULL ORDER BY passage_id, at, id')
      .all() as Array<{ text: string; passageId: string }>;
  }
}
