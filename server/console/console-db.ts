/**
 * The console's own SQLite file (`<dataDir>/console.sqlite`): staff accounts, the transcript access log, review
 * corrections and the conversation archive the search and analytics read. Separate from the session store so the
 * console works with every session store and a customer's erase reaches it through one decorator.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** `PRAGMA user_version` of the schema below. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS staff_users (
  username TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('agent', 'analyst')),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  staff TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  session_id TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log (at);
CREATE TABLE IF NOT EXISTS corrections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  message_seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  intent TEXT,
  passage_id TEXT,
  staff TEXT NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE (session_id, message_seq)
);
-- The archive: one row per conversation and one per message, derived from the session events as they are appended.
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  user_messages INTEGER NOT NULL DEFAULT 0,
  bot_messages INTEGER NOT NULL DEFAULT 0,
  agent_messages INTEGER NOT NULL DEFAULT 0,
  fallbacks INTEGER NOT NULL DEFAULT 0,
  out_of_scope INTEGER NOT NULL DEFAULT 0,
  thumbs_down INTEGER NOT NULL DEFAULT 0,
  handoff_at INTEGER,
  handoff_reason TEXT,
  agent_joined_at INTEGER,
  agent TEXT,
  first_intent TEXT,
  last_user_text TEXT
);
CREATE INDEX IF NOT EXISTS conversations_started ON conversations (started_at);
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'bot', 'agent')),
  text TEXT NOT NULL,
  intent TEXT,
  confidence REAL,
  fallback INTEGER NOT NULL DEFAULT 0,
  out_of_scope INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_intent ON messages (intent);
CREATE TABLE IF NOT EXISTS forms (
  session_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  form TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  outcome TEXT NOT NULL DEFAULT 'open' CHECK (outcome IN ('open', 'completed', 'cancelled', 'failed')),
  last_slot TEXT,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feedback (
  session_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  passage_id TEXT,
  helpful INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
`;

/** Opens (creating if needed) the console database. `:memory:` gives a throwaway one (tests). */
export function openConsoleDb(file: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Erased conversations are overwritten in the file, as in the session store (the right to erase).
  db.pragma('secure_delete = ON');
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  return db;
}
