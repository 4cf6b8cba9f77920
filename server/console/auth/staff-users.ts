/**
 * Local staff accounts for the embedded demo and small banks: bcrypt-hashed passwords in the console's SQLite file, or,
 * in production mode (`MONETA_DATABASE_URL`), in the shared PostgreSQL so an account works on every process.
 */
import bcrypt from 'bcryptjs';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { unavailable } from '../../db/postgres.ts';
import { ValidationError } from '../../errors.ts';

/** The two console roles: agents take live hand-offs; analysts review conversations and read analytics. */
export type StaffRole = 'agent' | 'analyst';

/** Every role, for validation. */
export const STAFF_ROLES: readonly StaffRole[] = ['agent', 'analyst'];

/** A signed-in member of staff, as the console sees them (local account or identity provider). */
export interface StaffIdentity {
  /** Stable id: the local username, or `oidc:<issuer subject>`. */
  id: string;
  /** Shown to customers when an agent joins ("<name> from Moneta Bank joined"). */
  name: string;
  roles: StaffRole[];
  via: 'local' | 'oidc';
}

/** bcrypt cost: ~60 ms per check on the project machine, slow enough against guessing, fast enough for sign-in. */
const BCRYPT_ROUNDS = 11;
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** One stored local account (the password as its bcrypt hash). */
interface StaffRow {
  username: string;
  display_name: string;
  role: StaffRole;
  password_hash: string;
}

/** Local staff accounts, whatever the storage (SQLite or PostgreSQL). */
export interface StaffAccounts {
  /** Creates or replaces (new password, name, role) a local account. */
  upsert(user: { username: string; displayName: string; role: StaffRole; password: string }, now?: number): Promise<void>;
  /** The identity for a correct username and password, else undefined (same cost either way). */
  verify(username: string, password: string): Promise<StaffIdentity | undefined>;
  /** Number of local accounts (the sign-in page hides the form when there are none). */
  count(): Promise<number>;
}

/** Validation, hashing and constant-cost checking, shared by both storages. */
abstract class HashedStaffAccounts implements StaffAccounts {
  /** A hash checked when the username is unknown, so timing does not reveal which usernames exist. */
  private readonly decoyHash = bcrypt.hashSync('moneta-decoy-password', BCRYPT_ROUNDS);

  protected abstract save(row: StaffRow, now: number): Promise<void>;
  protected abstract find(username: string): Promise<StaffRow | undefined>;
  abstract count(): Promise<number>;

  async upsert(user: { username: string; displayName: string; role: StaffRole; password: string }, now = Date.now()): Promise<void> {
    const issues = [];
    if (!USERNAME.test(user.username)) issues.push({ field: 'username', message: 'use 2–64 lower-case letters, digits, dot, dash or underscore' });
    if (!STAFF_ROLES.includes(user.role)) issues.push({ field: 'role', message: 'must be agent or analyst' });
    if (user.password.length < 12) issues.push({ field: 'password', message: 'must be at least 12 characters' });
    if (user.displayName.trim() === '' || user.displayName.length > 80) issues.push({ field: 'displayName', message: 'must be 1–80 characters' });
    if (issues.length > 0) throw new ValidationError('Invalid staff account', issues);
    const hash = await bcrypt.hash(user.password, BCRYPT_ROUNDS);
    await this.save({ username: user.username, display_name: user.displayName.trim(), role: user.role, password_hash: hash }, now);
  }

  async verify(username: string, password: string): Promise<StaffIdentity | undefined> {
    const row = await this.find(username);
    const ok = await bcrypt.compare(password, row?.password_hash ?? this.decoyHash);
    return row && ok ? { id: row.username, name: row.display_name, roles: [row.role], via: 'local' } : undefined;
  }
}

/** Local staff accounts in the console's SQLite file (embedded default). */
export class StaffUserStore extends HashedStaffAccounts {
  constructor(private readonly db: Database.Database) {
    super();
  }

  protected async save(row: StaffRow, now: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO staff_users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, password_hash = excluded.password_hash`,
      )
      .run(row.username, row.display_name, row.role, row.password_hash, now);
  }

  protected async find(username: string): Promise<StaffRow | undefined> {
    return this.db.prepare('SELECT username, display_name, role, password_hash FROM staff_users WHERE username = ?').get(username) as StaffRow | undefined;
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM staff_users').get() as { n: number }).n;
  }
}

/** Local staff accounts in the shared PostgreSQL (table `console_staff_users`, migration 3). */
export class PostgresStaffUserStore extends HashedStaffAccounts {
  constructor(private readonly pool: pg.Pool) {
    super();
  }

  protected async save(row: StaffRow, now: number): Promise<void> {
    try {
      await this.pool.query(
        `INSERT INTO console_staff_users (username, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, password_hash = excluded.password_hash`,
        [row.username, row.display_name, row.role, row.password_hash, now],
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  protected async find(username: string): Promise<StaffRow | undefined> {
    try {
      const { rows } = await this.pool.query<StaffRow>('SELECT username, display_name, role, password_hash FROM console_staff_users WHERE username = $1', [username]);
      return rows[0];
    } catch (error) {
      throw unavailable(error);
    }
  }

  async count(): Promise<number> {
    try {
      const { rows } = await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM console_staff_users');
      return Number(rows[0]!.n);
    } catch (error) {
      throw unavailable(error);
    }
  }
}
