/** Runs the SessionStore contract against PostgreSQL 15 (a real server started here), plus what only PostgreSQL has. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPostgres, type PostgresDatabase } from '../../server/db/postgres.ts';
import { MIGRATIONS } from '../../server/db/migrations.ts';
import { ConfigError, NotFoundError, ServiceUnavailableError } from '../../server/errors.ts';
import { runWithFence } from '../../server/session/fencing.ts';
import { PostgresCreditAuditLog } from '../../server/skills/credit/audit-log.ts';
import { PostgresSessionStore } from '../../server/session/postgres-session-store.ts';
import type { SessionEvent } from '../../server/session/types.ts';
import { startPostgres, type PostgresServer } from '../support/engines.ts';
import { describeSessionStore } from './session-store.contract.ts';

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

describeSessionStore('PostgresSessionStore', async () => {
  // A fresh, empty store for each test: same database, emptied.
  await db.pool.query('TRUNCATE sessions CASCADE');
  return new PostgresSessionStore({ pool: db.pool });
});

const user = (text: string, at: number): SessionEvent => ({ type: 'user_uttered', at, text });

describe('PostgresSessionStore specifics', () => {
  it('records each migration once, also when two processes start at the same time', async () => {
    expect(await migrate(db.pool, MIGRATIONS)).toEqual([]);
    const { rows } = await db.pool.query('SELECT version FROM moneta_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('keeps concurrent appends from two pools (two processes) whole and gap-free', async () => {
    const other = await openPostgres({ url: server.url, poolSize: 4 });
    try {
      const a = new PostgresSessionStore({ pool: db.pool });
      const b = new PostgresSessionStore({ pool: other.pool });
      await a.create('race', 1, 'rest');
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append('race', [user(`m${i}-1`, i), user(`m${i}-2`, i)], i)),
      );
      const events = (await a.get('race'))!.events.map((e) => (e as { text: string }).text);
      expect(events).toHaveLength(80);
      // Each append's two events are adjacent: appends never interleave.
      for (let i = 0; i < 80; i += 2) expect(events[i]!.replace('-1', '-2')).toBe(events[i + 1]);
    } finally {
      await other.close();
    }
  });

  it('refuses a write whose fencing token is older than one already written (a holder that outlived its lease)', async () => {
    const store = new PostgresSessionStore({ pool: db.pool });
    await store.create('fenced', 1, 'rest');
    await runWithFence(10, () => store.append('fenced', [user('first', 2)], 2));
    await runWithFence(12, () => store.append('fenced', [user('newer holder', 3)], 3));
    await expect(runWithFence(11, () => store.append('fenced', [user('stale holder', 4)], 4))).rejects.toBeInstanceOf(ServiceUnavailableError);
    await store.append('fenced', [user('unfenced (one process)', 5)], 5);
    expect((await store.get('fenced'))?.events.map((e) => (e as { text: string }).text)).toEqual(['first', 'newer holder', 'unfenced (one process)']);
    await expect(runWithFence(13, () => store.append('ghost', [user('x', 6)], 6))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('round-trips text PostgreSQL jsonb would refuse (NUL) and keeps it exact', async () => {
    const store = new PostgresSessionStore({ pool: db.pool });
    await store.create('nul', 1, 'rest');
    await store.append('nul', [user('a\u0000b', 2)], 2);
    expect((await store.get('nul'))?.events).toEqual([user('a\u0000b', 2)]);
  });

  it('a lost database gives the "try again" error, and nothing half-written', async () => {
    const broken = await openPostgres({ url: server.url, poolSize: 1 });
    const store = new PostgresSessionStore({ pool: broken.pool });
    await store.create('lost', 1, 'rest');
    await broken.close();
    await expect(store.append('lost', [user('x', 2)], 2)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect((await new PostgresSessionStore({ pool: db.pool }).get('lost'))?.events).toEqual([]);
  });

  it('refuses to open an unreachable or wrongly authenticated database, naming MONETA_DATABASE_URL and never the password', async () => {
    const wrongPassword = server.url.replace(encodeURIComponent(server.password), 'not-the-password-x9');
    const failure = await openPostgres({ url: wrongPassword, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/MONETA_DATABASE_URL/);
    expect((failure as Error).message).not.toContain('not-the-password-x9');
    const closedPort = await openPostgres({ url: 'postgres://moneta:s3cret-pw@127.0.0.1:1/moneta', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect((closedPort as Error).message).toMatch(/MONETA_DATABASE_URL.*127\.0\.0\.1:1\/moneta/);
    expect((closedPort as Error).message).not.toContain('s3cret-pw');
  });
});

describe('PostgresCreditAuditLog', () => {
  it('stores every entry by close(), and all processes share one digest key', async () => {
    const first = await PostgresCreditAuditLog.open({ pool: db.pool });
    const second = await PostgresCreditAuditLog.open({ pool: db.pool });
    const features = { duration: 24, purpose: 'car' };
    expect(first.inputHash(features)).toBe(second.inputHash({ purpose: 'car', duration: 24 }));
    expect(first.inputHash(features)).toMatch(/^[0-9a-f]{64}$/);
    const entry = { at: 1, model: 'german', modelVersion: '1.0.0', inputHash: first.inputHash(features), probabilityOfDefault: 0.25, riskBand: 'medium', reasons: [{ feature: 'duration', effect: 'increases' }], source: 'chat' };
    first.record(entry);
    second.recordMany([{ ...entry, at: 2 }, { ...entry, at: 3, source: 'cli' }]);
    await Promise.all([first.close(), second.close()]);
    const { rows } = await db.pool.query('SELECT at, model, input_hash, hash_algorithm, probability_of_default, reasons, source FROM credit_assessments ORDER BY at');
    expect(rows.map((r) => [Number(r.at), r.source])).toEqual([[1, 'chat'], [2, 'chat'], [3, 'cli']]);
    expect(rows[0]).toMatchObject({ model: 'german', input_hash: entry.inputHash, hash_algorithm: 'hmac-sha256', probability_of_default: 0.25 });
    expect(JSON.parse(rows[0].reasons)).toEqual([{ feature: 'duration', effect: 'increases' }]);
  });
});
