/**
 * The contract of the console's own storage (local staff accounts, the access log), run against every implementation:
 * SQLite (embedded) in console-store.test.ts and PostgreSQL (production mode) there too.
 */
import { describe, expect, it } from 'vitest';
import type { AccessLog } from '../../server/console/access-log.ts';
import type { StaffAccounts, StaffIdentity } from '../../server/console/auth/staff-users.ts';
import { ValidationError } from '../../server/errors.ts';

/** A fresh, empty pair of stores for one test. */
export type ConsoleStoresFactory = () => Promise<{ users: StaffAccounts; accessLog: AccessLog }>;

const PASSWORD = 'a long enough password';
const alex: StaffIdentity = { id: 'alex', name: 'Alex', roles: ['analyst'], via: 'local' };

/** Registers the contract tests for one implementation. */
export function describeConsoleStores(name: string, make: ConsoleStoresFactory): void {
  describe(`console stores contract: ${name}`, () => {
    it('creates, verifies, replaces and counts local accounts', async () => {
      const { users } = await make();
      expect(await users.count()).toBe(0);
      await users.upsert({ username: 'anna', displayName: ' Anna ', role: 'agent', password: PASSWORD }, 1000);
      expect(await users.count()).toBe(1);
      expect(await users.verify('anna', PASSWORD)).toEqual({ id: 'anna', name: 'Anna', roles: ['agent'], via: 'local' });
      expect(await users.verify('anna', 'a wrong password here')).toBeUndefined();
      expect(await users.verify('nobody', PASSWORD)).toBeUndefined();
      // Upsert replaces password, name and role; still one account.
      await users.upsert({ username: 'anna', displayName: 'Anna B', role: 'analyst', password: 'another long password' });
      expect(await users.count()).toBe(1);
      expect(await users.verify('anna', PASSWORD)).toBeUndefined();
      expect(await users.verify('anna', 'another long password')).toEqual({ id: 'anna', name: 'Anna B', roles: ['analyst'], via: 'local' });
    });

    it('refuses an invalid account before storing anything', async () => {
      const { users } = await make();
      await expect(users.upsert({ username: 'X bad', displayName: '', role: 'boss' as never, password: 'short' })).rejects.toBeInstanceOf(ValidationError);
      expect(await users.count()).toBe(0);
    });

    it('appends access entries and returns the latest first, with every field', async () => {
      const { accessLog } = await make();
      expect(await accessLog.recent()).toEqual([]);
      await accessLog.write(alex, 'sign_in', undefined, 'local', 1_700_000_000_000);
      await accessLog.write(alex, 'read_transcript', 'conv-1', undefined, 1_700_000_000_500);
      await accessLog.write({ ...alex, id: 'oidc:sub-9', roles: ['agent', 'analyst'] }, 'export', undefined, 'intents.jsonl', 1_700_000_001_000);
      expect(await accessLog.recent()).toEqual([
        { at: 1_700_000_001_000, staff: 'oidc:sub-9', role: 'agent,analyst', action: 'export', sessionId: null, detail: 'intents.jsonl' },
        { at: 1_700_000_000_500, staff: 'alex', role: 'analyst', action: 'read_transcript', sessionId: 'conv-1', detail: null },
        { at: 1_700_000_000_000, staff: 'alex', role: 'analyst', action: 'sign_in', sessionId: null, detail: 'local' },
      ]);
      expect(await accessLog.recent(1)).toHaveLength(1);
    });
  });
}
