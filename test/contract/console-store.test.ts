/**
 * The console storage contract against SQLite and a real PostgreSQL 15 (started here), then two console apps sharing
 * that PostgreSQL (two processes in production mode): an account made on one signs in on the other, and both see one
 * access log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAccessLog, SqliteAccessLog } from '../../server/console/access-log.ts';
import { PostgresStaffUserStore, StaffUserStore } from '../../server/console/auth/staff-users.ts';
import { openConsoleDb } from '../../server/console/console-db.ts';
import { openPostgres, type PostgresDatabase } from '../../server/db/postgres.ts';
import { signIn, startConsoleApp, type ConsoleTestApp } from '../fixtures/console/console-app.ts';
import { startPostgres, type PostgresServer } from '../support/engines.ts';
import { describeConsoleStores } from './console-store.contract.ts';

let server: PostgresServer;
let db: PostgresDatabase;

beforeAll(async () => {
  server = await startPostgres();
  db = await openPostgres({ url: server.url, poolSize: 4 });
}, 60_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

describeConsoleStores('SQLite', async () => {
  const file = openConsoleDb(':memory:');
  return { users: new StaffUserStore(file), accessLog: new SqliteAccessLog(file) };
});

describeConsoleStores('PostgreSQL', async () => {
  await db.pool.query('TRUNCATE console_staff_users, console_access_log');
  return { users: new PostgresStaffUserStore(db.pool), accessLog: new PostgresAccessLog(db.pool) };
});

describe('two console processes sharing one PostgreSQL', () => {
  const PASSWORD = 'a long enough password';
  let a: ConsoleTestApp;
  let b: ConsoleTestApp;
  let poolB: PostgresDatabase;

  beforeAll(async () => {
    await db.pool.query('TRUNCATE console_staff_users, console_access_log');
    // Each app has its own data folder (its own console.sqlite) and its own pool, as two processes would.
    poolB = await openPostgres({ url: server.url, poolSize: 2 });
    a = await startConsoleApp({ postgres: db.pool });
    b = await startConsoleApp({ postgres: poolB.pool });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await poolB?.close();
  });

  it('signs in on B with an account created on A, and both processes read the same access log', async () => {
    await a.console.users.upsert({ username: 'alex', displayName: 'Alex', role: 'analyst', password: PASSWORD });
    const options = await (await fetch(`${b.url}/console/api/auth-options`)).json();
    expect(options).toMatchObject({ local: true });
    const cookieB = await signIn(b.url, 'alex', PASSWORD);
    const cookieA = await signIn(a.url, 'alex', PASSWORD);
    const analyticsOnB = await fetch(`${b.url}/console/api/analytics?from=2026-01-01&to=2026-01-02`, { headers: { cookie: cookieB } });
    expect(analyticsOnB.status).toBe(200);
    const logOf = async (url: string, cookie: string): Promise<Array<{ action: string; staff: string }>> => {
      const res = await fetch(`${url}/console/api/access-log`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return (await res.json()) as Array<{ action: string; staff: string }>;
    };
    const fromA = await logOf(a.url, cookieA);
    const fromB = await logOf(b.url, cookieB);
    expect(fromA).toEqual(fromB);
    expect(fromA.map((e) => e.action)).toEqual(['read_analytics', 'sign_in', 'sign_in']);
    expect(fromA.every((e) => e.staff === 'alex')).toBe(true);
    // The embedded file of either process holds none of it.
    expect((a.console.db.prepare('SELECT COUNT(*) AS n FROM access_log').get() as { n: number }).n).toBe(0);
    expect((b.console.db.prepare('SELECT COUNT(*) AS n FROM staff_users').get() as { n: number }).n).toBe(0);
  });
});
