/**
 * The PostgreSQL connection pool for production mode (`MONETA_DATABASE_URL`): opened once by the composition root,
 * shared by the session store and the credit audit log, migrated at start-up, closed last on shutdown.
 */
import pg from 'pg';
import { ConfigError, MonetaError, ServiceUnavailableError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

/** Options for `openPostgres`. */
export interface OpenPostgresOptions {
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  logger?: Logger;
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Migrations to apply (default: MIGRATIONS). */
  migrations?: readonly Migration[];
}

/** An open, migrated database. */
export interface PostgresDatabase {
  pool: pg.Pool;
  /** `host:port/database` without user or password, for logs and /healthz. */
  target: string;
  /** Round trip to the server; resolves false (never throws) when it is unreachable. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** `host:port/database` of a connection URL: never the user name or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

// Arbitrary constant: the advisory lock key that serialises migrations when several replicas start at once.
const MIGRATION_LOCK_KEY = 7_318_245_001;

/**
 * Connects, checks the server answers, and applies pending migrations. Fails with a ConfigError naming
 * `MONETA_DATABASE_URL` (and the host, never the password) when the server cannot be reached or refuses us.
 */
export async function openPostgres(options: OpenPostgresOptions): Promise<PostgresDatabase> {
  const target = describeDatabaseUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    // A query that hangs (server stopped, network partition) fails instead of holding a turn forever.
    query_timeout: 10_000,
    application_name: 'moneta',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) => options.logger?.warn({ err: redactError(err) }, 'postgres: idle connection lost'));
  try {
    await migrate(pool, options.migrations ?? MIGRATIONS, options.logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? redact(error.message, options.url) : String(error);
    throw new ConfigError(`MONETA_DATABASE_URL: cannot use the PostgreSQL database at ${target}: ${reason}`, { cause: error });
  }
  options.logger?.info({ target }, 'postgres: connected and migrated');
  return {
    pool,
    target,
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
        ]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => pool.end(),
  };
}

/** Applies the migrations not yet recorded in `moneta_migrations`, each in its own transaction, under an advisory lock. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[], logger?: Logger): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS moneta_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM moneta_migrations')).rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO moneta_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.version} (${m.name}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        applied.push(m.version);
        logger?.info({ version: m.version, name: m.name }, 'postgres: migration applied');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}

/**
 * Runs `fn` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. A
 * failure (the statement's or the connection's) is rethrown as the "try again" error; MonetaErrors pass through.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw unavailable(error);
  }
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
    if (error instanceof MonetaError) throw error;
    throw unavailable(error);
  } finally {
    // A connection whose rollback failed is not handed to the next caller.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/**
 * Wraps a failed query as the user-facing "try again" error. Connection-level failures (refused, reset, timeout,
 * server shutting down) and anything else unexpected alike: the statement did not commit, so nothing half-written.
 */
export function unavailable(error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(undefined, { cause: error });
}

function redact(message: string, url: string): string {
  let out = message;
  try {
    const u = new URL(url);
    if (u.password) out = out.split(decodeURIComponent(u.password)).join('***').split(u.password).join('***');
  } catch {
    // not a URL: nothing to redact
  }
  return out;
}

function redactError(err: Error): { message: string; code?: string } {
  return { message: err.message, ...((err as { code?: string }).code ? { code: (err as { code?: string }).code! } : {}) };
}
