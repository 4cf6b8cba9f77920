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
    await a.create('s1', 10);
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
    await store.create('s1', 1);
    await store.append('s1', [{ type: 'user_uttered', at: 2, text: 'secret' }], 2);
    await store.delete('s1');
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
    raw.close();
  });
});
