/**
 * The console's access log: who read which transcript (and other sensitive actions), when. Append-only. Embedded mode
 * keeps it in the console's SQLite file; production mode (`MONETA_DATABASE_URL`) in the shared PostgreSQL, so every
 * process writes to, and reads, one log.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { unavailable } from '../db/postgres.ts';
import type { StaffIdentity } from './auth/staff-users.ts';

/** What was done. `read_transcript` is written for every console read of a conversation's messages. */
export type AccessAction = 'sign_in' | 'read_transcript' | 'accept_handoff' | 'correct' | 'export' | 'read_analytics';

/** One logged access. */
export interface AccessEntry {
  at: number;
  staff: string;
  role: string;
  action: AccessAction;
  sessionId: string | null;
  detail: string | null;
}

/** Writes and reads the access log (SQLite or PostgreSQL). */
export interface AccessLog {
  /** Appends one entry. */
  write(staff: StaffIdentity, action: AccessAction, sessionId?: string, detail?: string, now?: number): Promise<void>;
  /** The latest entries, newest first. */
  recent(limit?: number): Promise<AccessEntry[]>;
}

/** The access log in the console's SQLite file (embedded default). */
export class SqliteAccessLog implements AccessLog {
  constructor(private readonly db: Database.Database) {}

  async write(staff: StaffIdentity, action: AccessAction, sessionId?: string, detail?: string, now = Date.now()): Promise<void> {
    this.db
      .prepare('INSERT INTO access_log (at, staff, role, action, session_id, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(now, staff.id, staff.roles.join(','), action, sessionId ?? null, detail ?? null);
  }

  async recent(limit = 200): Promise<AccessEntry[]> {
    return this.db.prepare('SELECT at, staff, role, action, session_id AS sessionId, detail FROM access_log ORDER BY id DESC LIMIT ?').all(limit) as AccessEntry[];
  }
}

/** The access log in the shared PostgreSQL (table `console_access_log`, migration 3). */
export class PostgresAccessLog implements AccessLog {
  constructor(private readonly pool: pg.Pool) {}

  async write(staff: StaffIdentity, action: AccessAction, sessionId?: string, detail?: string, now = Date.now()): Promise<void> {
    try {
      await this.pool.query('INSERT INTO console_access_log (at, staff, role, action, session_id, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
        now,
        staff.id,
        staff.roles.join(','),
        action,
        sessionId ?? null,
        detail ?? null,
      ]);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async recent(limit = 200): Promise<AccessEntry[]> {
    try {
      const { rows } = await this.pool.query<{ at: string; staff: string; role: string; action: AccessAction; session_id: string | null; detail: string | null }>(
        'SELECT at, staff, role, action, session_id, detail FROM console_access_log ORDER BY id DESC LIMIT $1',
        [limit],
      );
      // BIGINT arrives as a string (pg keeps 64-bit values exact); epoch milliseconds fit a double.
      return rows.map((r) => ({ at: Number(r.at), staff: r.staff, role: r.role, action: r.action, sessionId: r.session_id, detail: r.detail }));
    } catch (error) {
      throw unavailable(error);
    }
  }
}
