/** SessionStore on a SQLite file (better-sqlite3, WAL): conversations survive restarts; one row per event, append-only. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { NotFoundError } from '../errors.ts';
import type { SessionEvent, SessionRecord, SessionStore } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_updated_at ON sessions (updated_at);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
`;

interface SessionRow {
  id: string;
  created_at: number;
  updated_at: number;
  event_count: number;
}

/** Options for the `SqliteSessionStore` constructor. */
export interface SqliteSessionStoreOptions {
  /** Database file path; its directory is created if missing. `:memory:` works for throwaway stores. */
  file: string;
}

/**
 * better-sqlite3 is synchronous; each call is a few microseconds on an indexed table, so running it on the event loop is
 * cheaper than a worker round trip (https://github.com/WiseLibs/better-sqlite3/blob/master/docs/performance.md).
 * WAL lets readers (e.g. an operator's sqlite3 shell) work while the server writes; synchronous=NORMAL is the
 * recommended durability/speed trade-off with WAL (a power cut may lose the last transactions, never corrupt the file).
 */
export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly stmts;
  /** One transaction per append: either all events land, in order, or none. */
  private readonly appendTx: (id: string, events: SessionEvent[], now: number) => void;
  private closed = false;

  constructor(options: SqliteSessionStoreOptions) {
    if (options.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmts = {
      insertSession: this.db.prepare<[string, number, number]>(
        'INSERT OR IGNORE INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      getEvents: this.db.prepare<[string], { data: string }>('SELECT data FROM events WHERE session_id = ? ORDER BY seq'),
      insertEvent: this.db.prepare<[string, number, string]>('INSERT INTO events (session_id, seq, data) VALUES (?, ?, ?)'),
      touch: this.db.prepare<[number, number, string]>(
        'UPDATE sessions SET updated_at = ?, event_count = event_count + ? WHERE id = ?',
      ),
      deleteSession: this.db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
      deleteOld: this.db.prepare<[number]>('DELETE FROM sessions WHERE updated_at < ?'),
    };
    const { getSession, insertEvent, touch } = this.stmts;
    this.appendTx = this.db.transaction((id: string, events: SessionEvent[], now: number) => {
      const row = getSession.get(id);
      if (!row) throw new NotFoundError('Unknown session.');
      events.forEach((event, i) => insertEvent.run(id, row.event_count + i, JSON.stringify(event)));
      touch.run(now, events.length, id);
    });
  }

  async create(id: string, now: number): Promise<SessionRecord> {
    this.stmts.insertSession.run(id, now, now);
    const record = this.read(id);
    if (!record) throw new Error('session row missing right after insert');
    return record;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return this.read(id);
  }

  async append(id: string, events: SessionEvent[], now: number): Promise<void> {
    this.appendTx(id, events, now);
  }

  async delete(id: string): Promise<boolean> {
    return this.stmts.deleteSession.run(id).changes > 0;
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    // Events go with their session through ON DELETE CASCADE.
    return this.stmts.deleteOld.run(olderThan).changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Fold the WAL back into the main file so a copied .sqlite file is complete on its own.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  private read(id: string): SessionRecord | undefined {
    const row = this.stmts.getSession.get(id);
    if (!row) return undefined;
    const events = this.stmts.getEvents.all(id).map((r) => JSON.parse(r.data) as SessionEvent);
    return { id: row.id, createdAt: row.created_at, updatedAt: row.updated_at, events };
  }

}
