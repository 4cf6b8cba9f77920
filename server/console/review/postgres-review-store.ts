/**
 * The review's search and corrections in the shared PostgreSQL (production mode, migration 4): every process searches
 * one archive, and a correction made on one process is in the export of every other.
 */
import type pg from 'pg';
import type { ConversationList, ConversationSummary } from '../../contracts/console-api.ts';
import { unavailable } from '../../db/postgres.ts';
import type { ConversationFilter } from './review-service.ts';
import { filterClause, summaryOf, type ReviewStore, type StoredCorrection } from './review-store.ts';

// SQLite's LIKE folds ASCII letters only; mapping A–Z on both sides gives PostgreSQL the same matches (ILIKE would also
// fold other letters, and the two stores must find the same conversations).
const fold = (sql: string): string => `translate(${sql}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;

/** The review's tables in PostgreSQL. */
export class PostgresReviewStore implements ReviewStore {
  constructor(private readonly pool: pg.Pool) {}

  async search(filter: ConversationFilter): Promise<ConversationList> {
    const args: unknown[] = [];
    const param = (v: unknown): string => {
      args.push(v);
      return `$${args.length}`;
    };
    const clause = filterClause(filter, { messages: 'console_messages', forms: 'console_forms' }, param, (column, pattern) => `${fold(column)} LIKE ${fold(pattern)} ESCAPE '\\'`);
    return this.run(async () => {
      const total = Number((await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM console_conversations c ${clause}`, args)).rows[0]!.n);
      const page = [...args, filter.limit, filter.offset];
      // Ids in byte order, as SQLite sorts them (the database's collation may be a language's).
      const { rows } = await this.pool.query<Record<string, unknown>>(
        `SELECT * FROM console_conversations c ${clause} ORDER BY c.started_at DESC, c.id COLLATE "C" LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
        page,
      );
      const forms = new Map<string, ConversationSummary['forms']>();
      if (rows.length > 0) {
        const { rows: formRows } = await this.pool.query<{ session_id: string; form: string; outcome: ConversationSummary['forms'][number]['outcome'] }>(
          'SELECT session_id, form, outcome FROM console_forms WHERE session_id = ANY($1::text[]) ORDER BY session_id, seq',
          [rows.map((r) => r.id)],
        );
        for (const f of formRows) {
          const list = forms.get(f.session_id) ?? [];
          list.push({ form: f.form, outcome: f.outcome });
          forms.set(f.session_id, list);
        }
      }
      return { total, items: rows.map((r) => summaryOf(r, forms.get(String(r.id)) ?? [])) };
    });
  }

  async corrections(sessionId: string): Promise<StoredCorrection[]> {
    return this.run(async () => {
      const { rows } = await this.pool.query<{ message_seq: number; text: string; intent: string | null; passage_id: string | null; staff: string; at: string }>(
        'SELECT message_seq, text, intent, passage_id, staff, at FROM console_corrections WHERE session_id = $1',
        [sessionId],
      );
      return rows.map((r) => ({ sessionId, seq: r.message_seq, text: r.text, intent: r.intent, passageId: r.passage_id, staff: r.staff, at: Number(r.at) }));
    });
  }

  async saveCorrection(c: StoredCorrection): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO console_corrections (session_id, message_seq, text, intent, passage_id, staff, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_id, message_seq) DO UPDATE SET intent = excluded.intent, passage_id = excluded.passage_id, staff = excluded.staff, at = excluded.at`,
        [c.sessionId, c.seq, c.text.replaceAll('\u0000', '\uFFFD'), c.intent, c.passageId, c.staff, c.at],
      ),
    );
  }

  async intentCorrections(): Promise<Array<{ text: string; intent: string }>> {
    return this.run(async () => (await this.pool.query<{ text: string; intent: string }>('SELECT text, intent FROM console_corrections WHERE intent IS NOT NULL ORDER BY at, id')).rows);
  }

  async passageCorrections(): Promise<Array<{ text: string; passageId: string }>> {
    return this.run(
      async () =>
        (await this.pool.query<{ text: string; passageId: string }>('SELECT text, passage_id AS "passageId" FROM console_corrections WHERE passage_id IS NOT NULL ORDER BY passage_id COLLATE "C", at, id'))
          .rows,
    );
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable(error);
    }
  }
}
