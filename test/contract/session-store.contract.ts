/** Contract suite every SessionStore implementation must pass (in-memory and SQLite alike). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../server/errors.ts';
import type { SessionEvent, SessionStore } from '../../server/session/types.ts';

const OWNER = 'anon:test-owner';
const user = (text: string, at: number): SessionEvent => ({ type: 'user_uttered', at, text, channel: 'test' });
const bot = (text: string, at: number): SessionEvent => ({ type: 'bot_uttered', at, message: { text, quick_replies: [{ content_type: 'text', title: 'A', payload: '/a' }] } });

/**
 * Registers the SessionStore contract tests.
 * @param name implementation name shown in the test report
 * @param makeStore creates a fresh, empty store for each test
 */
export function describeSessionStore(name: string, makeStore: () => SessionStore | Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns undefined for an unknown session', async () => {
      expect(await store.get('no-such-session')).toBeUndefined();
    });

    it('creates an empty session and is idempotent on create', async () => {
      const created = await store.create('s1', 1000, OWNER);
      expect(created).toEqual({ id: 's1', owner: OWNER, createdAt: 1000, updatedAt: 1000, events: [] });
      await store.append('s1', [user('hi', 1001)], 1001);
      const again = await store.create('s1', 5000, OWNER);
      expect(again.createdAt).toBe(1000);
      expect(again.events).toHaveLength(1);
    });

    it('stores the owner given at creation and never re-assigns it', async () => {
      expect(await store.getOwner('s1')).toBeUndefined();
      await store.create('s1', 1, 'anon:first');
      const again = await store.create('s1', 2, 'sub:second');
      expect(again.owner).toBe('anon:first');
      expect(await store.getOwner('s1')).toBe('anon:first');
      expect((await store.get('s1'))?.owner).toBe('anon:first');
      await store.create('s2', 3, 'rest');
      expect(await store.getOwner('s2')).toBe('rest');
      await store.delete('s1');
      expect(await store.getOwner('s1')).toBeUndefined();
      // After an erase the id is free again; whoever creates it next owns it.
      expect((await store.create('s1', 4, 'sub:second')).owner).toBe('sub:second');
    });

    it('appends events in order across calls and round-trips them exactly', async () => {
      await store.create('s1', 1000, OWNER);
      const first = [{ type: 'session_started', at: 1000 } as SessionEvent, user('hello', 1001), bot('Hi!', 1002)];
      const second: SessionEvent[] = [
        { type: 'slot_set', at: 1003, name: 'amount', value: { value: 2500, currency: 'EUR' }, form: 'loan' },
        { type: 'form_started', at: 1003, form: 'loan' },
        user('ünïcödé 🙂 "quotes" \\ backslash', 1004),
      ];
      await store.append('s1', first, 1002);
      await store.append('s1', second, 1004);
      const record = await store.get('s1');
      expect(record?.events).toEqual([...first, ...second]);
      expect(record?.updatedAt).toBe(1004);
      expect(record?.createdAt).toBe(1000);
    });

    it('rejects appends to an unknown session with NotFoundError and creates nothing', async () => {
      await expect(store.append('ghost', [user('x', 1)], 1)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.get('ghost')).toBeUndefined();
    });

    it('keeps sessions apart', async () => {
      await store.create('a', 1, OWNER);
      await store.create('b', 1, OWNER);
      await store.append('a', [user('for a', 2)], 2);
      await store.append('b', [user('for b', 3)], 3);
      expect((await store.get('a'))?.events).toEqual([user('for a', 2)]);
      expect((await store.get('b'))?.events).toEqual([user('for b', 3)]);
    });

    it('is not affected by callers mutating returned or passed objects', async () => {
      await store.create('s1', 1, OWNER);
      const events = [user('original', 2)];
      await store.append('s1', events, 2);
      (events[0] as { text: string }).text = 'mutated after append';
      const record = await store.get('s1');
      (record!.events[0] as { text: string }).text = 'mutated after get';
      expect((await store.get('s1'))?.events).toEqual([user('original', 2)]);
    });

    it('deletes a session and reports whether it existed', async () => {
      await store.create('s1', 1, OWNER);
      await store.append('s1', [user('hi', 2)], 2);
      expect(await store.delete('s1')).toBe(true);
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.delete('s1')).toBe(false);
      // A new conversation under the same id starts empty.
      expect((await store.create('s1', 3, OWNER)).events).toEqual([]);
    });

    it('deletes only sessions not updated since the cutoff', async () => {
      await store.create('old', 100, OWNER);
      await store.create('touched', 100, OWNER);
      await store.create('new', 900, OWNER);
      await store.append('touched', [user('still here', 950)], 950);
      expect(await store.deleteOlderThan(500)).toBe(1);
      expect(await store.get('old')).toBeUndefined();
      expect(await store.get('touched')).toBeDefined();
      expect(await store.get('new')).toBeDefined();
      expect(await store.deleteOlderThan(500)).toBe(0);
    });

    it('lists every conversation id, least recently updated first (when it can list)', async () => {
      if (!store.listIds) return;
      expect(await store.listIds()).toEqual([]);
      await store.create('b', 200, OWNER);
      await store.create('a', 100, OWNER);
      await store.create('c', 300, OWNER);
      await store.append('a', [user('later', 400)], 400);
      expect(await store.listIds()).toEqual(['b', 'c', 'a']);
      await store.delete('c');
      expect(await store.listIds()).toEqual(['b', 'a']);
    });

    it('handles many sessions and long logs', async () => {
      for (let s = 0; s < 50; s += 1) {
        await store.create(`s${s}`, s, OWNER);
        for (let i = 0; i < 10; i += 1) await store.append(`s${s}`, [user(`m${i}`, s * 100 + i)], s * 100 + i);
      }
      const record = await store.get('s42');
      expect(record?.events.map((e) => (e as { text: string }).text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    });
  });
}
