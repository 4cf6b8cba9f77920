/** Local staff accounts for the embedded demo and small banks: bcrypt-hashed passwords in the console database. */
import bcrypt from 'bcryptjs';
import type Database from 'better-sqlite3';
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

/** Local staff accounts. */
export class StaffUserStore {
  /** A hash checked when the username is unknown, so timing does not reveal which usernames exist. */
  private readonly decoyHash = bcrypt.hashSync('moneta-decoy-password', BCRYPT_ROUNDS);

  constructor(private readonly db: Database.Database) {}

  /** Creates or replaces (new password, name, role) a local account. */
  async upsert(user: { username: string; displayName: string; role: StaffRole; password: string }, now = Date.now()): Promise<void> {
    const issues = [];
    if (!USERNAME.test(user.username)) issues.push({ field: 'username', message: 'use 2–64 lower-case letters, digits, dot, dash or underscore' });
    if (!STAFF_ROLES.includes(user.role)) issues.push({ field: 'role', message: 'must be agent or analyst' });
    if (user.password.length < 12) issues.push({ field: 'password', message: 'must be at least 12 characters' });
    if (user.displayName.trim() === '' || user.displayName.length > 80) issues.push({ field: 'displayName', message: 'must be 1–80 characters' });
    if (issues.length > 0) throw new ValidationError('Invalid staff account', issues);
    const hash = await bcrypt.hash(user.password, BCRYPT_ROUNDS);
    this.db
      .prepare(
        `INSERT INTO staff_users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, password_hash = excluded.password_hash`,
      )
      .run(user.username, user.displayName.trim(), user.role, hash, now);
  }

  /** The identity for a correct username and password, else undefined (same cost either way). */
  async verify(username: string, password: string): Promise<StaffIdentity | undefined> {
    const row = this.db.prepare('SELECT username, display_name, role, password_hash FROM staff_users WHERE username = ?').get(username) as
      | { username: string; display_name: string; role: StaffRole; password_hash: string }
      | undefined;
    const ok = await bcrypt.compare(password, row?.password_hash ?? this.decoyHash);
    return row && ok ? { id: row.username, name: row.display_name, roles: [row.role], via: 'local' } : undefined;
  }

  /** Number of local accounts (the sign-in page hides the form when there are none). */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM staff_users').get() as { n: number }).n;
  }
}
