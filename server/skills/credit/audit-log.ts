/**
 * The credit audit log: one row per assessment (API, chat or batch) in a SQLite file under `config.dataDir` — model
 * name and version, a keyed SHA-256 digest of the canonicalised inputs, the output and a timestamp. No raw inputs
 * are stored. The digest is an HMAC-SHA-256 with a per-installation key (`credit-audit.key`, created on first use):
 * a plain hash of a few low-entropy answers could be reversed by trying every combination, the keyed one cannot
 * without the key, while whoever holds the key can still check which inputs produced a logged decision.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from '../../observability/logger.ts';

/** What is recorded about one assessment (nothing that reveals the applicant's answers). */
export interface CreditAuditEntry {
  /** Epoch milliseconds. */
  at: number;
  model: string;
  modelVersion: string;
  /** `inputHash(features)`. */
  inputHash: string;
  probabilityOfDefault: number;
  riskBand: string;
  /** Reason feature names and directions (no values). */
  reasons: Array<{ feature: string; effect: string }>;
  /** Where the assessment came from: api | chat | cli. */
  source: string;
}

/** Stores assessment records. */
export interface CreditAuditLog {
  /** Digest of the canonicalised inputs (the same features always give the same digest). */
  inputHash(features: Record<string, unknown>): string;
  record(entry: CreditAuditEntry): void;
  /** Records many entries in one transaction (batch scoring). */
  recordMany(entries: readonly CreditAuditEntry[]): void;
  /** Stops accepting entries; resolves once every recorded entry is stored (asynchronous logs flush here). */
  close(): void | Promise<void>;
}

/**
 * Canonical JSON: object keys sorted at every level, numbers in JavaScript's shortest round-trip form, so equal inputs
 * always serialise to the same bytes regardless of key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS credit_assessments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  hash_algorithm TEXT NOT NULL,
  probability_of_default REAL NOT NULL,
  risk_band TEXT NOT NULL,
  reasons TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS credit_assessments_at ON credit_assessments (at);
CREATE INDEX IF NOT EXISTS credit_assessments_input_hash ON credit_assessments (input_hash);
`;

/** Options for `SqliteCreditAuditLog`. */
export interface SqliteCreditAuditLogOptions {
  /** Directory for `credit-audit.sqlite` and `credit-audit.key` (usually `config.dataDir`). */
  dir: string;
}

/** Reads the installation key, creating it (32 random bytes, owner-only permissions) on first use. */
function loadOrCreateKey(file: string): Buffer {
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  try {
    // 'wx' fails if another process created the key in the meantime; then read theirs.
    fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
    throw error;
  }
}

/** The audit log in `<dir>/credit-audit.sqlite`. */
export class SqliteCreditAuditLog implements CreditAuditLog {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly key: Buffer;
  private readonly insert: Database.Statement;
  private readonly insertMany: (entries: readonly CreditAuditEntry[]) => void;

  constructor(options: SqliteCreditAuditLogOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.file = path.join(options.dir, 'credit-audit.sqlite');
    this.key = loadOrCreateKey(path.join(options.dir, 'credit-audit.key'));
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      `INSERT INTO credit_assessments (at, model, model_version, input_hash, hash_algorithm, probability_of_default, risk_band, reasons, source)
       VALUES (@at, @model, @modelVersion, @inputHash, 'hmac-sha256', @probabilityOfDefault, @riskBand, @reasons, @source)`,
    );
    this.insertMany = this.db.transaction((entries: readonly CreditAuditEntry[]) => {
      for (const e of entries) this.insert.run(toRow(e));
    });
  }

  inputHash(features: Record<string, unknown>): string {
    return createHmac('sha256', this.key).update(canonicalJson(features)).digest('hex');
  }

  record(entry: CreditAuditEntry): void {
    this.insert.run(toRow(entry));
  }

  recordMany(entries: readonly CreditAuditEntry[]): void {
    if (entries.length) this.insertMany(entries);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Options for `PostgresCreditAuditLog.open`. */
export interface PostgresCreditAuditLogOptions {
  /** A migrated pool (`openPostgres`), owned by the caller. */
  pool: pg.Pool;
  logger?: Logger;
}

/**
 * The audit log in PostgreSQL (production mode), shared by every process; the HMAC key lives in the database too
 * (`credit_audit_key`, created by the first process), so all replicas digest alike. Writes are asynchronous so an
 * assessment never waits on the network: `record` queues the insert, failures are logged with the number of entries
 * lost, and `close()` waits for every queued insert (graceful shutdown).
 */
export class PostgresCreditAuditLog implements CreditAuditLog {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly key: Buffer,
    private readonly logger: Logger | undefined,
  ) {}

  /** Reads the installation key (creating it on first use, race-free across processes) and returns the log. */
  static async open(options: PostgresCreditAuditLogOptions): Promise<PostgresCreditAuditLog> {
    await options.pool.query('INSERT INTO credit_audit_key (id, key_hex) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [randomBytes(32).toString('hex')]);
    const { rows } = await options.pool.query<{ key_hex: string }>('SELECT key_hex FROM credit_audit_key WHERE id = 1');
    return new PostgresCreditAuditLog(options.pool, Buffer.from(rows[0]!.key_hex, 'hex'), options.logger);
  }

  inputHash(features: Record<string, unknown>): string {
    return createHmac('sha256', this.key).update(canonicalJson(features)).digest('hex');
  }

  record(entry: CreditAuditEntry): void {
    this.recordMany([entry]);
  }

  recordMany(entries: readonly CreditAuditEntry[]): void {
    if (entries.length === 0) return;
    if (this.closed) {
      this.logger?.error({ lost: entries.length }, 'credit audit: entries recorded after close were not stored');
      return;
    }
    const rows = entries.map(toRow);
    const column = (name: string) => rows.map((r) => r[name]);
    // One multi-row INSERT (one transaction) per call, from parallel arrays.
    const write = this.pool
      .query(
        `INSERT INTO credit_assessments (at, model, model_version, input_hash, hash_algorithm, probability_of_default, risk_band, reasons, source)
         SELECT at, model, model_version, input_hash, 'hmac-sha256', pd, band, reasons, source
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::text[])
           AS t (at, model, model_version, input_hash, pd, band, reasons, source)`,
        ['at', 'model', 'modelVersion', 'inputHash', 'probabilityOfDefault', 'riskBand', 'reasons', 'source'].map(column),
      )
      .then(
        () => undefined,
        (err: unknown) => this.logger?.error({ err, lost: entries.length }, 'credit audit: could not store entries'),
      );
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Number of inserts still in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending]);
  }
}

function toRow(e: CreditAuditEntry): Record<string, unknown> {
  return {
    at: e.at,
    model: e.model,
    modelVersion: e.modelVersion,
    inputHash: e.inputHash,
    probabilityOfDefault: e.probabilityOfDefault,
    riskBand: e.riskBand,
    reasons: JSON.stringify(e.reasons.map(({ feature, effect }) => ({ feature, effect }))),
    source: e.source,
  };
}
