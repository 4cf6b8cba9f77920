/** SessionStore on a SQLite file (better-sqlite3, WAL): conversations survive restarts; one row per event, append-only. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, NotFoundError } from '../errors.ts';
import { isIssuedSessionId } from './session-id.ts';
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from './types.ts';

/** Schema version in `PRAGMA user_version`: 0 = the first release (no owners), 1 = sessions carry an owner. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  owner TEXT,
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
  owner: string | null;
  created_at: number;
  updated_at: number;
  event_count: number;
}

/** Options for the `SqliteSessionStore` constructor. */
export interface SqliteSessionStoreOptions {
  /** Database file path; its directory is created if missing. `:memory:` works for throwaway stores. */
  file: string;
  /** Told what an upgrade of an older file did (the caller logs it: a migration is never silent). */
  onMigrate?: (info: SqliteMigration) => void;
}

/** What opening a file written by an older release changed. */
export interface SqliteMigration {
  fromVersion: number;
  toVersion: number;
  /** Conversations created over REST (non-UUID ids), now owned by the REST channel (`rest`). */
  restSessions: number;
  /**
   * Socket conversations (UUID ids) stored before owners existed: nobody holds a credential for them, so they can no
   * longer be resumed (a client asking for one gets a new session); retention deletes them in time.
   */
  orphanedSessions: number;
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
    // Erased conversations are overwritten with zeros in the file instead of lingering in free pages (the right to
    // erase, CONTRACTS §8); the WAL is checkpointed and truncated after each erase for the same reason.
    this.db.pragma('secure_delete = ON');
    this.migrate(options.onMigrate);
    this.stmts = {
      insertSession: this.db.prepare<[string, string, number, number]>(
        'INSERT OR IGNORE INTO sessions (id, owner, created_at, updated_at) VALUES (?, ?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      getOwner: this.db.prepare<[string], { owner: string | null }>('SELECT owner FROM sessions WHERE id = ?'),
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

  async create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord> {
    this.stmts.insertSession.run(id, owner, now, now);
    const record = this.read(id);
    if (!record) throw new Error('session row missing right after insert');
    return record;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return this.read(id);
  }

  async listIds(): Promise<string[]> {
    return (this.db.prepare('SELECT id FROM sessions ORDER BY updated_at, id').all() as Array<{ id: string }>).map((r) => r.id);
  }

  async getOwner(id: string): Promise<SessionOwner | null | undefined> {
    return this.stmts.getOwner.get(id)?.owner;
  }

  async append(id: string, events: SessionEvent[], now: number): Promise<void> {
    this.appendTx(id, events, now);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = this.stmts.deleteSession.run(id).changes > 0;
    if (deleted) this.truncateWal();
    return deleted;
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    // Events go with their session through ON DELETE CASCADE.
    const removed = this.stmts.deleteOld.run(olderThan).changes;
    if (removed > 0) this.truncateWal();
    return removed;
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
    return { id: row.id, owner: row.owner, createdAt: row.created_at, updatedAt: row.updated_at, events };
  }

  /**
   * The erased rows' old page images live on in the write-ahead log until a checkpoint copies the (zeroed) pages back;
   * TRUNCATE also empties the -wal file. If a reader holds an old snapshot the checkpoint stops short, and the next
   * erase or the close finishes it.
   */
  private truncateWal(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Creates the schema, or upgrades a file an older release wrote (version in `PRAGMA user_version`). */
  private migrate(onMigrate: ((info: SqliteMigration) => void) | undefined): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new ConfigError(`The session database was written by a newer Moneta (schema ${version}; this release reads up to ${SCHEMA_VERSION}). Upgrade Moneta or point MONETA_DATA_DIR elsewhere.`);
    }
    const hasSessions = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'").get() !== undefined;
    this.db.transaction(() => {
      if (hasSessions && version < 1) {
        const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(sessions)').all().map((c) => c.name);
        if (!columns.includes('owner')) this.db.exec('ALTER TABLE sessions ADD COLUMN owner TEXT');
        // Only the REST webhook could create non-UUID ids, so those belong to it; UUID ones stay ownerless (null).
        let restSessions = 0;
        let orphanedSessions = 0;
        const setOwner = this.db.prepare<[string]>("UPDATE sessions SET owner = 'rest' WHERE id = ?");
        for (const { id } of this.db.prepare<[], { id: string }>('SELECT id FROM sessions WHERE owner IS NULL').all()) {
          if (isIssuedSessionId(id)) orphanedSessions += 1;
          else {
            setOwner.run(id);
            restSessions += 1;
          }
        }
        onMigrate?.({ fromVersion: version, toVersion: SCHEMA_VERSION, restSessions, orphanedSessions });
      }
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

}
