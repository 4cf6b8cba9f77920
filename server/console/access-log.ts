/** The console's access log: who read which transcript (and other sensitive actions), when. Append-only. */
import type Database from 'better-sqlite3';
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

/** Writes and reads the access log in the console database. */
export class AccessLog {
  constructor(private readonly db: Database.Database) {}

  /** Appends one entry. */
  write(staff: StaffIdentity, action: AccessAction, sessionId?: string, detail?: string, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO access_log (at, staff, role, action, session_id, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(now, staff.id, staff.roles.join(','), action, sessionId ?? null, detail ?? null);
  }

  /** The latest entries, newest first. */
  recent(limit = 200): AccessEntry[] {
    return (
      this.db.prepare('SELECT at, staff, role, action, session_id AS sessionId, detail FROM access_log ORDER BY id DESC LIMIT ?').all(limit) as AccessEntry[]
    );
  }
}
