/**
 * PostgreSQL schema migrations, versioned in the repository and applied in order at start-up (`runMigrations`).
 * Append new migrations at the end; never edit one that has shipped (an installation records which versions it ran).
 */

/** One schema change: applied once, in its own transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions, events and the credit audit log',
    sql: `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  -- Opaque owner string from the ownership stage (a hash, never a credential); see server/session/types.ts.
  owner TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_updated_at ON sessions (updated_at);
-- Events as JSON text, not jsonb: jsonb rejects \\u0000 in user text and rewrites the document; the log must round-trip exactly.
CREATE TABLE events (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE credit_assessments (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  hash_algorithm TEXT NOT NULL,
  probability_of_default DOUBLE PRECISION NOT NULL,
  risk_band TEXT NOT NULL,
  reasons TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX credit_assessments_at ON credit_assessments (at);
CREATE INDEX credit_assessments_input_hash ON credit_assessments (input_hash);
-- The installation's HMAC key for audit digests, shared by every process (one row).
CREATE TABLE credit_audit_key (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  key_hex TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'fencing token of the last write per session',
    sql: `
-- The session lock's fencing token (server/session/fencing.ts) of the last turn written; older tokens are refused.
ALTER TABLE sessions ADD COLUMN fence BIGINT;
`,
  },
  {
    version: 3,
    name: 'staff console: local staff accounts and the access log',
    sql: `
-- Shared by every process, so an account made by moneta console add-user signs in on any of them, and the access log
-- (server/console/access-log.ts) is one log. Same columns as the embedded SQLite file (server/console/console-db.ts).
CREATE TABLE console_staff_users (
  username TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('agent', 'analyst')),
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE console_access_log (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  staff TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  session_id TEXT,
  detail TEXT
);
CREATE INDEX console_access_log_at ON console_access_log (at);
`,
  },
  {
    version: 4,
    name: 'staff console: conversation archive and review corrections',
    sql: `
-- The console's archive (server/console/archive/postgres-conversation-archive.ts) and corrections
-- (server/console/review/postgres-review-store.ts), shared by every process when sessions live here: an analyst on any
-- process searches every conversation, and analytics count them all. Same rows as the embedded SQLite file
-- (server/console/console-db.ts); flags are booleans. Derived data: erasing a conversation erases its rows.
CREATE TABLE console_conversations (
  id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  user_messages INTEGER NOT NULL DEFAULT 0,
  bot_messages INTEGER NOT NULL DEFAULT 0,
  agent_messages INTEGER NOT NULL DEFAULT 0,
  fallbacks INTEGER NOT NULL DEFAULT 0,
  out_of_scope INTEGER NOT NULL DEFAULT 0,
  thumbs_down INTEGER NOT NULL DEFAULT 0,
  handoff_at BIGINT,
  handoff_reason TEXT,
  agent_joined_at BIGINT,
  agent TEXT,
  first_intent TEXT,
  last_user_text TEXT
);
CREATE INDEX console_conversations_started ON console_conversations (started_at);
CREATE INDEX console_conversations_updated ON console_conversations (updated_at);
CREATE TABLE console_messages (
  session_id TEXT NOT NULL REFERENCES console_conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at BIGINT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'bot', 'agent')),
  text TEXT NOT NULL,
  intent TEXT,
  confidence DOUBLE PRECISION,
  fallback BOOLEAN NOT NULL DEFAULT false,
  out_of_scope BOOLEAN NOT NULL DEFAULT false,
  refused BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX console_messages_intent ON console_messages (intent);
CREATE TABLE console_forms (
  session_id TEXT NOT NULL REFERENCES console_conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  form TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  outcome TEXT NOT NULL DEFAULT 'open' CHECK (outcome IN ('open', 'completed', 'cancelled', 'failed')),
  last_slot TEXT,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE console_feedback (
  session_id TEXT NOT NULL REFERENCES console_conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at BIGINT NOT NULL,
  passage_id TEXT,
  helpful BOOLEAN NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE console_corrections (
  id BIGSERIAL PRIMARY KEY,
  session_id TEXT NOT NULL,
  message_seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  intent TEXT,
  passage_id TEXT,
  staff TEXT NOT NULL,
  at BIGINT NOT NULL,
  UNIQUE (session_id, message_seq)
);
`,
  },
];
