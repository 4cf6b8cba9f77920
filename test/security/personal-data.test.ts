/**
 * Issue 11, finding 5: card numbers, IBANs, e-mails and phone numbers typed into the chat were stored verbatim (twice
 * per event), and erased text stayed in the SQLite write-ahead log. A real server on a real SQLite file: the raw bytes
 * of the database and its -wal are searched after a message and after an erase.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteSessionStore } from '../../server/session/sqlite-session-store.ts';
import { bearer, connectSocket, publicId, requestSession, say, startTestApp } from '../fixtures/platform/test-app.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-pii-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CARD = '4111 1111 1111 1111';
const IBAN = 'DE89 3704 0044 0532 0130 00';
const EMAIL = 'jane.doe@mail.example';
const PHONE = '+44 20 7946 0958';
/** Every form the data could take on disk (as typed, without separators, as UTF-16 would not apply: SQLite stores UTF-8). */
const NEEDLES = [CARD, CARD.replace(/ /g, ''), IBAN, IBAN.replace(/ /g, ''), EMAIL, PHONE, PHONE.replace(/ /g, ''), '7946 0958'];

/** The raw bytes of the database file and its write-ahead log, as one latin1 string. */
function rawBytes(file: string): string {
  return ['', '-wal'].map((suffix) => (fs.existsSync(file + suffix) ? fs.readFileSync(file + suffix).toString('latin1') : '')).join('\n');
}

describe('personal data at rest', () => {
  it('is masked before storage (the NLU still saw it), absent from the SQLite file and WAL, and the erase leaves no trace', async () => {
    const file = path.join(dir, 'sessions.sqlite');
    const t = await startTestApp({ store: new SqliteSessionStore({ file }) });
    const socket = await connectSocket(t.url);
    const ref = await requestSession(socket);
    const marker = 'zebra-quokka-erasure-check';
    await say(socket, ref, `hello ${marker}`, undefined);
    // The keyword NLU reads the original: a stolen card is recognised as such although the number is masked on disk.
    const replies = await say(socket, ref, `my card ${CARD} was stolen, iban ${IBAN}, mail ${EMAIL}, phone ${PHONE}`, undefined);
    expect(replies.length).toBeGreaterThan(0);

    // After the message: nothing in clear, in the file or the WAL, and the masked forms are there instead.
    const afterMessage = rawBytes(file);
    expect(afterMessage).toContain(marker);
    for (const needle of NEEDLES) expect(afterMessage, needle).not.toContain(needle);
    const history = (await (await fetch(`${t.url}/api/v1/sessions/${publicId(ref)}/messages`, { headers: bearer(ref) })).json()) as { messages: Array<{ from: string; text?: string }> };
    const stored = history.messages.filter((m) => m.from === 'user').map((m) => m.text).at(-1)!;
    expect(stored).toBe('my card [card ••••1111] was stolen, iban [IBAN ••••3000], mail [email], phone [phone ••••0958]');
    // The text is stored once: the parse kept alongside it has no second copy.
    const Database = (await import('better-sqlite3')).default;
    const reader = new Database(file, { readonly: true });
    const rows = reader.prepare('SELECT data FROM events WHERE session_id = ?').all(publicId(ref)) as Array<{ data: string }>;
    reader.close();
    const userEvent = rows.map((r) => JSON.parse(r.data) as { type: string; text?: string; parse?: Record<string, unknown> }).filter((e) => e.type === 'user_uttered').at(-1)!;
    expect(userEvent.parse).toBeDefined();
    expect(userEvent.parse).not.toHaveProperty('text');
    expect(rows.map((r) => r.data).join('').split('[card ••••1111]')).toHaveLength(2);

    // After the erase: the conversation's text is gone from both files, while the server keeps running.
    const erased = await fetch(`${t.url}/api/v1/sessions/${publicId(ref)}`, { method: 'DELETE', headers: bearer(ref) });
    expect(erased.status).toBe(200);
    const afterErase = rawBytes(file);
    expect(afterErase).not.toContain(marker);
    expect(afterErase).not.toContain('[card');
    for (const needle of NEEDLES) expect(afterErase, needle).not.toContain(needle);
    socket.disconnect();
    await t.close();
    const afterClose = rawBytes(file);
    expect(afterClose).not.toContain(marker);
  });

  it('logs conversations by hash only: no id, session secret or typed personal data in clear (debug level)', async () => {
    const t = await startTestApp({ logLevel: 'debug' });
    try {
      const socket = await connectSocket(t.url);
      const ref = await requestSession(socket);
      await say(socket, ref, `my email is ${EMAIL}`, undefined);
      await fetch(`${t.url}/api/v1/sessions/${publicId(ref)}/messages`, { headers: bearer(`${publicId(ref)}.${'x'.repeat(43)}`) });
      socket.disconnect();
      expect(t.logs.lines.length).toBeGreaterThan(0);
      for (const secret of [publicId(ref), ref.split('.')[1]!, EMAIL]) expect(t.logs.text).not.toContain(secret);
      expect(t.logs.text).toContain(t.logger.hash(publicId(ref)));
    } finally {
      await t.close();
    }
  });
});
