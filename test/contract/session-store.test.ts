/** Runs the SessionStore contract against the in-memory store and the SQLite store (real files in a temp dir). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { SqliteSessionStore } from '../../server/session/sqlite-session-store.ts';
import { describeSessionStore } from './session-store.contract.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-store-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeSessionStore('MemorySessionStore', () => new MemorySessionStore());
describeSessionStore('SqliteSessionStore', () => new SqliteSessionStore({ file: path.join(dir, `contract-${(n += 1)}.sqlite`) }));

describe('SqliteSessionStore specifics', () => {
  it('persists across close and reopen of the same file, in WAL mode', async () => {
    const file = path.join(dir, 'nested', 'dir', 'reopen.sqlite');
    const a = new SqliteSessionStore({ file });
    await a.create('s1', 10, 'anon:x');
    await a.append('s1', [{ type: 'user_uttered', at: 11, text: 'remember me' }], 11);
    await a.close();
    const b = new SqliteSessionStore({ file });
    expect((await b.get('s1'))?.events).toEqual([{ type: 'user_uttered', at: 11, text: 'remember me' }]);
    await b.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('erases the events of a deleted session from the file (cascade)', async () => {
    const file = path.join(dir, 'erase.sqlite');
    const store = new SqliteSessionStore({ file });
    await store.create('s1', 1, 'anon:x');
    await store.append('s1', [{ type: 'user_uttered', at: 2, text: 'secret' }], 2);
    await store.delete('s1');
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
    raw.close();
  });

  it('upgrades a file written by the first release: REST ids owned by REST, socket ids ownerless, nothing lost', async () => {
    const file = path.join(dir, 'v0.sqlite');
    const Database = (await import('better-sqlite3')).default;
    const old = new Database(file);
    // The first release's schema, verbatim (user_version 0, no owner column).
    old.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX sessions_updated_at ON sessions (updated_at);
      CREATE TABLE events (session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;`);
    const uuid = '0b5f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
    old.prepare('INSERT INTO sessions VALUES (?, 1, 2, 1)').run('customer-7');
    old.prepare('INSERT INTO sessions VALUES (?, 1, 2, 0)').run(uuid);
    old.prepare('INSERT INTO events VALUES (?, 0, ?)').run('customer-7', JSON.stringify({ type: 'user_uttered', at: 2, text: 'kept' }));
    old.close();
    const migrations: unknown[] = [];
    const store = new SqliteSessionStore({ file, onMigrate: (m) => migrations.push(m) });
    expect(migrations).toEqual([{ fromVersion: 0, toVersion: 1, restSessions: 1, orphanedSessions: 1 }]);
    expect(await store.getOwner('customer-7')).toBe('rest');
    expect(await store.getOwner(uuid)).toBeNull();
    expect((await store.get('customer-7'))?.events).toEqual([{ type: 'user_uttered', at: 2, text: 'kept' }]);
    await store.close();
    // Opening it again migrates nothing.
    const again = new SqliteSessionStore({ file, onMigrate: (m) => migrations.push(m) });
    expect(migrations).toHaveLength(1);
    await again.close();
  });

  it('overwrites erased text in the file and empties the write-ahead log after an erase (secure_delete, checkpoint)', async () => {
    const file = path.join(dir, 'secure.sqlite');
    const store = new SqliteSessionStore({ file });
    const marker = 'ZQX-erase-me-4242';
    await store.create('keep', 1, 'anon:k');
    await store.append('keep', [{ type: 'user_uttered', at: 1, text: 'x'.repeat(5000) }], 1);
    await store.create('s1', 1, 'anon:x');
    await store.append('s1', [{ type: 'user_uttered', at: 2, text: `${marker} `.repeat(50) }], 2);
    const bytes = (): string => [file, `${file}-wal`].map((f) => (fs.existsSync(f) ? fs.readFileSync(f).toString('latin1') : '')).join('');
    expect(bytes()).toContain(marker);
    await store.delete('s1');
    // While the store is still open (the server keeps running after an erase).
    expect(bytes()).not.toContain(marker);
    expect(fs.statSync(`${file}-wal`).size).toBe(0);
    await store.close();
  });
});
