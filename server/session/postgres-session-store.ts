/**
 * SessionStore on PostgreSQL (production mode, `MONETA_DATABASE_URL`): the same append-only layout as the SQLite store
 * (one row per event), shared by every Moneta process. Each call is one statement, so a turn's append (the processor
 * writes a whole turn in one `append`) commits entirely or not at all, even if the connection drops mid-way.
 */
import type pg from 'pg';
import { unavailable } from '../db/postgres.ts';
import { MonetaError, NotFoundError, ServiceUnavailableError } from '../errors.ts';
import { currentFence } from './fencing.ts';
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from './types.ts';

/** Options for the `PostgresSessionStore` constructor. */
export interface PostgresSessionStoreOptions {
  /** A migrated pool (`openPostgres`); owned by the caller, who ends it after `close()`. */
  pool: pg.Pool;
}

interface SessionRow {
  id: string;
  owner: string | null;
  created_at: string;
  updated_at: string;
  events: string[] | null;
}

// Session and its events in one round trip; BIGINT arrives as a string (pg does not guess at 64-bit precision).
const READ = `SELECT s.id, s.owner, s.created_at, s.updated_at,
  (SELECT array_agg(e.data ORDER BY e.seq) FROM events e WHERE e.session_id = s.id) AS events
  FROM sessions s WHERE s.id = $1`;

// The row lock taken by the UPDATE orders concurrent appends to one session; the sequence numbers come from the
// counter it returns, so two appends can never interleave or collide. One statement = one transaction.
// $5: the turn's fencing token (null outside the cross-process lock): a write older than the last one is refused.
const APPEND = `WITH s AS (
    UPDATE sessions SET updated_at = $2, event_count = event_count + $3, fence = COALESCE($5::bigint, fence)
    WHERE id = $1 AND ($5::bigint IS NULL OR fence IS NULL OR fence <= $5::bigint)
    RETURNING event_count - $3 AS base
  )
  INSERT INTO events (session_id, seq, data)
  SELECT $1, s.base + e.ord - 1, e.data FROM s, unnest($4::text[]) WITH ORDINALITY AS e (data, ord)`;

/** Conversations in PostgreSQL. Personal data is masked before events reach any store (the app's masking step). */
export class PostgresSessionStore implements SessionStore {
  private readonly pool: pg.Pool;

  constructor(options: PostgresSessionStoreOptions) {
    this.pool = options.pool;
  }

  async create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord> {
    // An existing session keeps its owner: the caller compares owners, a store never re-assigns one.
    await this.query('INSERT INTO sessions (id, owner, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO NOTHING', [id, owner, now]);
    const record = await this.get(id);
    // Only if another process erased it in between: report it as a failed turn, not a crash.
    if (!record) throw new NotFoundError('Unknown session.');
    return record;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.query<SessionRow>(READ, [id]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      owner: row.owner,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      events: (row.events ?? []).map((data) => JSON.parse(data) as SessionEvent),
    };
  }

  async listIds(): Promise<string[]> {
    const { rows } = await this.query<{ id: string }>('SELECT id FROM sessions ORDER BY updated_at, id', []);
    return rows.map((r) => r.id);
  }

  async getOwner(id: string): Promise<SessionOwner | null | undefined> {
    const { rows } = await this.query<{ owner: string | null }>('SELECT owner FROM sessions WHERE id = $1', [id]);
    return rows.length === 0 ? undefined : rows[0]!.owner;
  }

  async append(id: string, events: SessionEvent[], now: number): Promise<void> {
    const fence = currentFence() ?? null;
    const result =
      events.length === 0
        ? await this.query('UPDATE sessions SET updated_at = $2 WHERE id = $1', [id, now])
        : await this.query(APPEND, [id, now, events.length, events.map((e) => JSON.stringify(e)), fence]);
    if (result.rowCount === 0) {
      if (fence !== null && (await this.getOwner(id)) !== undefined) {
        // A later holder of this conversation's lock has written: this turn ran on a lease that had expired.
        throw new ServiceUnavailableError('Sorry, that message crossed another one. Please send it again.');
      }
      throw new NotFoundError('Unknown session.');
    }
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.query('DELETE FROM sessions WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    // Events go with their session through ON DELETE CASCADE.
    return (await this.query('DELETE FROM sessions WHERE updated_at < $1', [olderThan])).rowCount ?? 0;
  }

  /** The pool belongs to the composition root (shared with the audit log); it ends it after every user has closed. */
  async close(): Promise<void> {}

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      if (error instanceof MonetaError) throw error;
      throw unavailable(error);
    }
  }
}
