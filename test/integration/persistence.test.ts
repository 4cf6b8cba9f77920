/** Conversations survive a reload and a server restart (real SQLite file, second app instance); erase removes them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { SqliteSessionStore } from '../../server/session/sqlite-session-store.ts';
import { bearer, connectSocket, publicId, requestSession, rest, say, startTestApp } from '../fixtures/platform/test-app.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-persist-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('session persistence', () => {
  it('resumes a form after a page reload (new socket, same id) and after a restart (new app, same SQLite file)', async () => {
    const file = path.join(dir, 'sessions.sqlite');
    const first = await startTestApp({ store: new SqliteSessionStore({ file }) });
    let socket = await connectSocket(first.url);
    const id = await requestSession(socket, null);
    await say(socket, id, '/credit_risk_assessment', 3);
    expect(await say(socket, id, '8000', 2)).toMatchObject([{ text: 'Over how many months?' }, { custom: { slot: 'duration' } }]);
    socket.disconnect();

    // Reload: a new connection sends the stored id and continues where it left off.
    socket = await connectSocket(first.url);
    expect(await requestSession(socket, id)).toBe(id);
    expect(await say(socket, id, '18', 2)).toMatchObject([{ text: 'Do you own your home, rent, or live for free?' }, { custom: { slot: 'housing' } }]);
    socket.disconnect();
    await first.close();

    // Restart: a second app instance on the same file.
    const second = await startTestApp({ store: new SqliteSessionStore({ file }) });
    socket = await connectSocket(second.url);
    expect(await requestSession(socket, id)).toBe(id);
    const done = await say(socket, id, 'own', 2);
    expect(done).toEqual([
      { text: 'Thanks. Loan of 8000 EUR over 18 months, housing: own.' },
      { custom: { type: 'loan_summary', slots: { amount: 8000, duration: 18, housing: 'own' } } },
    ]);
    expect(second.loanSkill.completed).toEqual([{ amount: 8000, duration: 18, housing: 'own' }]);
    // The history is there for a client that wants to redraw it.
    const history = (await fetch(`${second.url}/api/v1/sessions/${publicId(id)}/messages`, { headers: bearer(id) }).then((r) => r.json())) as { messages: Array<{ from: string; text?: string }> };
    expect(history.messages.filter((m) => m.from === 'user').map((m) => m.text)).toEqual(['/credit_risk_assessment', '8000', '18', 'own']);
    socket.disconnect();
    await second.close();
  });

  it('answers an id it never issued (e.g. gone after retention, or fixed in advance) with a new session (CONTRACTS §8)', async () => {
    const store = new MemorySessionStore();
    const t = await startTestApp({ store });
    const socket = await connectSocket(t.url);
    const stale = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';
    const fresh = await requestSession(socket, stale);
    expect(publicId(fresh)).not.toBe(stale);
    expect(await say(socket, fresh, 'hello', 1)).toHaveLength(1);
    expect(await store.getOwner(stale)).toBeUndefined();
    socket.disconnect();
    await t.close();
  });

  it('erases a conversation with DELETE /api/v1/sessions/:id (and the SQLite rows with it)', async () => {
    const file = path.join(dir, 'erase.sqlite');
    const t = await startTestApp({ store: new SqliteSessionStore({ file }) });
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, 'hello', 1);
    await say(socket, id, 'my secret is 1234', undefined);

    const del = await fetch(`${t.url}/api/v1/sessions/${publicId(id)}`, { method: 'DELETE', headers: bearer(id) });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ deleted: true });
    const gone = await fetch(`${t.url}/api/v1/sessions/${publicId(id)}/messages`, { headers: bearer(id) });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: { code: 'not_found', message: 'No such session.' } });
    const again = await fetch(`${t.url}/api/v1/sessions/${publicId(id)}`, { method: 'DELETE', headers: bearer(id) });
    expect(again.status).toBe(404);
    const bad = await fetch(`${t.url}/api/v1/sessions/${encodeURIComponent('../../x')}`, { method: 'DELETE' });
    expect(bad.status).toBe(400);
    // Talking again starts from scratch: greeted as new.
    expect(await say(socket, id, 'hi', 1)).toHaveLength(1);
    socket.disconnect();
    await t.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    const texts = raw.prepare('SELECT data FROM events').all().map((r) => (r as { data: string }).data).join('\n');
    expect(texts).not.toContain('my secret is 1234');
    raw.close();
  });

  it('never mixes conversations: two REST senders keep separate form state', async () => {
    const t = await startTestApp();
    await rest(t.url, { sender: 'alice', message: '/credit_risk_assessment' });
    await rest(t.url, { sender: 'bob', message: 'hello' });
    const alice = await rest(t.url, { sender: 'alice', message: '9000' });
    const bob = await rest(t.url, { sender: 'bob', message: '9000' });
    expect(alice.json).toMatchObject([{ recipient_id: 'alice', text: 'Over how many months?' }, { custom: { slot: 'duration' } }]);
    expect((bob.json as Array<{ text?: string }>)[0]?.text).not.toBe('Over how many months?');
    await t.close();
  });
});
