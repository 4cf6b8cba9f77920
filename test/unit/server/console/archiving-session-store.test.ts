/** The archive decorator: the console's archive follows the store, is erased with it, and never fails a turn. */
import { describe, expect, it } from 'vitest';
import { ArchivingSessionStore } from '../../../../server/console/archive/archiving-session-store.ts';
import { SqliteConversationArchive, type ConversationArchive } from '../../../../server/console/archive/conversation-archive.ts';
import { openConsoleDb } from '../../../../server/console/console-db.ts';
import { TEXTS } from '../../../../server/response/templates.ts';
import { MemorySessionStore } from '../../../../server/session/memory-session-store.ts';
import type { SessionEvent } from '../../../../server/session/types.ts';

const parse = (name: string, confidence = 0.9) => ({ text: '', intent: { name, confidence }, intent_ranking: [{ name, confidence }], entities: [] });

describe('ArchivingSessionStore', () => {
  it('archives what the store accepted and forgets it on erase and retention', async () => {
    const db = openConsoleDb(':memory:');
    const store = new ArchivingSessionStore(new MemorySessionStore(), new SqliteConversationArchive(db));
    const turn = (at: number): SessionEvent[] => [
      { type: 'session_started', at },
      { type: 'user_uttered', at, text: 'weather?', parse: parse('out_of_scope') },
      { type: 'bot_uttered', at, message: { text: TEXTS.outOfScope } },
      { type: 'user_uttered', at: at + 1, text: 'blorp', parse: parse('out_of_scope', 0.2) },
      { type: 'fallback', at: at + 1, reason: 'low_confidence' },
      { type: 'bot_uttered', at: at + 1, message: { text: TEXTS.rephrase } },
    ];
    await store.create('a', 1000, 'anon:a');
    await store.append('a', turn(1000), 1001);
    await store.create('b', 5000, 'anon:b');
    await store.append('b', turn(5000), 5001);
    const row = db.prepare('SELECT user_messages, bot_messages, fallbacks, out_of_scope FROM conversations WHERE id = ?').get('a');
    expect(row).toEqual({ user_messages: 2, bot_messages: 2, fallbacks: 1, out_of_scope: 1 });
    const flags = db.prepare("SELECT text, fallback, out_of_scope FROM messages WHERE session_id = 'a' AND role = 'user' ORDER BY seq").all();
    expect(flags).toEqual([
      { text: 'weather?', fallback: 0, out_of_scope: 1 },
      { text: 'blorp', fallback: 1, out_of_scope: 0 },
    ]);
    expect(await store.delete('a')).toBe(true);
    expect(db.prepare("SELECT COUNT(*) AS n FROM messages WHERE session_id = 'a'").get()).toEqual({ n: 0 });
    await store.deleteOlderThan(10_000);
    expect(db.prepare('SELECT COUNT(*) AS n FROM conversations').get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps the turn when the archive fails, and reports the failure', async () => {
    const failing: ConversationArchive = {
      record: async () => {
        throw new Error('disk full');
      },
      forget: async () => undefined,
      forgetOlderThan: async () => undefined,
      rebuild: async () => undefined,
      conversationIds: async () => [],
    };
    const errors: unknown[] = [];
    const inner = new MemorySessionStore();
    const store = new ArchivingSessionStore(inner, failing, (e) => errors.push(e));
    await store.create('x', 1, 'anon:x');
    await store.append('x', [{ type: 'session_started', at: 1 }], 1);
    expect((await inner.get('x'))?.events).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('fails an erase whose archive copy cannot be removed, keeping the conversation for a retry', async () => {
    const db = openConsoleDb(':memory:');
    const sqlite = new SqliteConversationArchive(db);
    let down = true;
    const flaky: ConversationArchive = {
      record: (id, events) => sqlite.record(id, events),
      forget: async (id) => {
        if (down) throw new Error('database unreachable');
        await sqlite.forget(id);
      },
      forgetOlderThan: (t) => sqlite.forgetOlderThan(t),
      rebuild: (id, events) => sqlite.rebuild(id, events),
      conversationIds: () => sqlite.conversationIds(),
    };
    const store = new ArchivingSessionStore(new MemorySessionStore(), flaky);
    await store.create('x', 1, 'anon:x');
    await store.append('x', [{ type: 'user_uttered', at: 1, text: 'erase me' }], 1);
    await expect(store.delete('x')).rejects.toThrow('database unreachable');
    expect(await store.get('x')).toBeDefined();
    expect(await sqlite.conversationIds()).toEqual(['x']);
    down = false;
    expect(await store.delete('x')).toBe(true);
    expect(await store.get('x')).toBeUndefined();
    expect(await sqlite.conversationIds()).toEqual([]);
    db.close();
  });
});
