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
];
