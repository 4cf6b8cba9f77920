/**
 * The analyst's review on a real app: conversations over Socket.IO land in the archive; filters find them (unknown or
 * corrupt filters → 400); the transcript shows the parse with personal data masked; a correction appears in the
 * exported training file, which the intent model's training data loader reads.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../server/config/index.ts';
import type { ConversationList, TranscriptView } from '../../../server/contracts/console-api.ts';
import { SqliteSessionStore } from '../../../server/session/sqlite-session-store.ts';
import { signIn, startConsoleApp, type ConsoleTestApp } from '../../fixtures/console/console-app.ts';
import { connectSocket, requestSession, say } from '../../fixtures/platform/test-app.ts';

const PASSWORD = 'a long enough password';

describe('console review', () => {
  let t: ConsoleTestApp;
  let cookie: string;
  const ids: Record<string, string> = {};
  let dir: string;
  const get = async <T>(p: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.url}/console/api/${p}`, { headers: { cookie } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-review-'));
    t = await startConsoleApp({ store: new SqliteSessionStore({ file: path.join(dir, 'sessions.sqlite') }), intents: ['card_arrival', 'lost_or_stolen_card', 'exchange_rate', 'human_handoff', 'out_of_scope'] });
    await t.console.users.upsert({ username: 'alex', displayName: 'Alex', role: 'analyst', password: PASSWORD });
    cookie = await signIn(t.url, 'alex', PASSWORD);
    const chat = async (name: string, messages: Array<[string, number]>): Promise<void> => {
      const socket = await connectSocket(t.url);
      const id = await requestSession(socket);
      for (const [text, replies] of messages) await say(socket, id, text, replies);
      socket.disconnect();
      ids[name] = id.split('.')[0]!; // session_confirm carries `<id>.<secret>` for anonymous conversations
    };
    await chat('pii', [['my card 4111 1111 1111 1111 has not arrived, mail me at jane.doe@example.com or call +44 7700 900123, IBAN DE89 3704 0044 0532 0130 00', 1]]);
    await chat('fallback', [['zxqv blorp frobnicate', 1]]);
    await chat('oos', [["what's the weather in Paris", 1]]);
    await chat('handoff', [['I want to talk to a person', 2]]);
    await chat('cancelled', [['can you do a credit check on me', 2], ['cancel', 1]]);
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('filters by fallback, out-of-scope, hand-off, form outcome, intent and text', async () => {
    const find = async (q: string): Promise<string[]> => (await get<ConversationList>(`conversations?${q}`)).body.items.map((i) => i.id);
    expect(await find('fallback=true')).toEqual([ids.fallback]);
    expect(await find('outOfScope=true')).toEqual([ids.oos]);
    expect(await find('handoff=true')).toEqual([ids.handoff]);
    expect(await find('form=cancelled')).toEqual([ids.cancelled]);
    expect(await find('form=completed')).toEqual([]);
    expect(await find('intent=card_arrival')).toEqual([ids.pii]);
    expect(await find('q=weather')).toEqual([ids.oos]);
    expect((await find('fallback=false')).length).toBe(4);
    const today = new Date().toISOString().slice(0, 10);
    expect((await find(`from=${today}&to=${today}`)).length).toBe(5);
    expect(await find('to=2020-01-01')).toEqual([]);
  });

  it('answers an unknown or corrupt filter with 400', async () => {
    for (const q of ['colour=red', 'fallback=maybe', 'from=2026-02-31', 'from=yesterday', 'form=abandoned', 'intent=DROP%20TABLE', 'limit=-1', 'from=2026-03-01&to=2026-02-01']) {
      const r = await get<{ error: { code: string } }>(`conversations?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('validation_failed');
    }
  });

  it('shows the parse and never an unmasked card number, IBAN, e-mail or phone number', async () => {
    const { status, body } = await get<TranscriptView>(`conversations/${ids.pii}`);
    expect(status).toBe(200);
    const user = body.messages.find((m) => m.from === 'user')!;
    expect(user.parse?.intent).toBe('card_arrival');
    expect(user.parse?.confidence).toBeGreaterThan(0.4);
    const json = JSON.stringify(body);
    for (const secret of ['4111 1111', 'jane.doe', '7700 900123', '7700900123', 'DE89', '3704 0044']) expect(json).not.toContain(secret);
    // Masked before storage (server/session/masking-session-store.ts: type and last four digits) or by the console's
    // display mask: either way the type is marked and the number is not there.
    expect(user.text).toMatch(/\[card( ••••\d{4})?\]/i);
    expect(user.text).toMatch(/\[email\]/i);
    expect(user.text).toMatch(/\[iban( ••••\d{4})?\]/i);
    expect(user.text).toMatch(/\[phone( ••••\d{4})?\]/i);
    const list = await get<ConversationList>('conversations?intent=card_arrival');
    expect(JSON.stringify(list.body)).not.toContain('4111 1111');
    expect((await get(`conversations/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('exports a correction in the intent model training-only format, and the training loader reads it', async () => {
    const view = (await get<TranscriptView>(`conversations/${ids.fallback}`)).body;
    const seq = view.messages.find((m) => m.from === 'user')!.seq;
    const post = (body: unknown) => fetch(`${t.url}/console/api/conversations/${ids.fallback}/corrections`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ seq, intent: 'no_such_intent' })).status).toBe(400);
    expect((await post({ seq: seq + 1, intent: 'exchange_rate' })).status).toBe(400); // a bot message
    expect((await post({ seq, intent: 'exchange_rate' })).status).toBe(201);
    const again = (await get<TranscriptView>(`conversations/${ids.fallback}`)).body;
    expect(again.messages[seq]!.correction).toMatchObject({ intent: 'exchange_rate', by: 'alex' });
    const exported = await (await fetch(`${t.url}/console/api/export/intents.jsonl`, { headers: { cookie } })).text();
    expect(exported).toBe(`${JSON.stringify({ text: 'zxqv blorp frobnicate', intent: 'exchange_rate' })}\n`);
    // `npm run train:intent` reads models/intent/data/console-corrections.jsonl through data.load_training_only().
    const dataDir = fs.mkdtempSync(path.join(t.dir, 'intent-data-'));
    fs.writeFileSync(path.join(dataDir, 'console-corrections.jsonl'), exported);
    const rows = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import json,sys; sys.path.insert(0, sys.argv[1]); import data; from pathlib import Path; data.DATA_DIR = Path(sys.argv[2]); print(json.dumps(data.load_training_only()))', path.join(PROJECT_ROOT, 'models', 'intent', 'training'), dataDir],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(rows)).toEqual([{ text: 'zxqv blorp frobnicate', intent: 'exchange_rate', source: 'console_correction' }]);
  });
});
