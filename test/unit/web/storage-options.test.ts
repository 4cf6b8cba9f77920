/** Unit tests for the widget's option parsing (script data attributes) and its session/transcript persistence. */
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../../web/src/options.ts';
import { globalTokenProvider, publicSessionId, sessionRequest } from '../../../web/src/session-credential.ts';
import { MAX_CACHED_ENTRIES, MemoryStore, STORAGE_FORMAT, WidgetStorage, type KeyValueStore } from '../../../web/src/storage.ts';

describe('readOptions', () => {
  const page = 'https://www.bank.example/products/savings';

  it('defaults the server to the origin the script came from', () => {
    const o = readOptions({}, 'https://chat.bank.example:8443/widget.js', page);
    expect(o.server).toBe('https://chat.bank.example:8443');
    expect(o.origin).toBe('https://chat.bank.example:8443');
    expect(o.socketPath).toBe('/socket.io/');
    expect(o).toMatchObject({ title: 'Moneta Assistant', theme: 'light', open: false, position: 'right', language: 'en' });
  });

  it('uses data-server, including a base path behind a reverse proxy', () => {
    const o = readOptions({ server: 'https://bank.example/assistant/' }, 'https://cdn.example/widget.js', page);
    expect(o.server).toBe('https://bank.example/assistant');
    expect(o.origin).toBe('https://bank.example');
    expect(o.socketPath).toBe('/assistant/socket.io/');
  });

  it('reads title, theme, open, position, language and init payload', () => {
    const o = readOptions(
      { title: ' Ask Penny ', theme: 'dark', open: '', position: 'left', language: 'de', initPayload: '/greet' },
      '/widget.js',
      page,
    );
    expect(o).toMatchObject({ title: 'Ask Penny', theme: 'dark', open: true, position: 'left', language: 'de', initPayload: '/greet' });
    expect(readOptions({ open: 'false' }, undefined, page).open).toBe(false);
    expect(readOptions({ theme: 'neon' }, undefined, page).theme).toBe('light');
  });

  it('reads the history limit (default 50) and the customer-token function name, refusing anything but a plain name', () => {
    expect(readOptions({}, undefined, page)).toMatchObject({ historyLimit: 50 });
    expect(readOptions({}, undefined, page).authTokenFunction).toBeUndefined();
    expect(readOptions({ historyLimit: '0' }, undefined, page).historyLimit).toBe(0);
    expect(readOptions({ historyLimit: '-3' }, undefined, page).historyLimit).toBe(50);
    expect(readOptions({ authTokenFunction: 'getBankToken' }, undefined, page).authTokenFunction).toBe('getBankToken');
    expect(readOptions({ authTokenFunction: 'alert(1)' }, undefined, page).authTokenFunction).toBeUndefined();
    expect(readOptions({ authTokenFunction: 'a.b' }, undefined, page).authTokenFunction).toBeUndefined();
  });

  it('rejects a non-http server', () => {
    expect(() => readOptions({ server: 'javascript:alert(1)' }, undefined, page)).toThrow(/http/);
  });
});

describe('WidgetStorage', () => {
  it('namespaces keys by server, so two servers never share a session', () => {
    const store = new MemoryStore();
    const a = new WidgetStorage(store, 'https://a.example', '1.0.0');
    const b = new WidgetStorage(store, 'https://b.example', '1.0.0');
    a.saveSession('session-a');
    expect(a.sessionKey).toBe('moneta:https://a.example:session');
    expect(a.loadSession()).toBe('session-a');
    expect(b.loadSession()).toBeUndefined();
  });

  it('tags the session with the widget version and ignores other storage formats', () => {
    const store = new MemoryStore();
    const s = new WidgetStorage(store, 'https://a.example', '1.2.3');
    s.saveSession('abc', 42);
    expect(JSON.parse(store.getItem(s.sessionKey) as string)).toEqual({ format: STORAGE_FORMAT, widget: '1.2.3', id: 'abc', savedAt: 42 });
    store.setItem(s.sessionKey, JSON.stringify({ format: STORAGE_FORMAT + 1, id: 'abc' }));
    expect(s.loadSession()).toBeUndefined();
    store.setItem(s.sessionKey, '{not json');
    expect(s.loadSession()).toBeUndefined();
  });

  it('caches the transcript per session, capped, dropping malformed entries', () => {
    const s = new WidgetStorage(new MemoryStore(), 'https://a.example', '1.0.0');
    const entries = Array.from({ length: MAX_CACHED_ENTRIES + 5 }, (_, i) => ({ from: 'user' as const, text: `m${i}`, at: i }));
    s.saveHistory('abc', entries);
    const loaded = s.loadHistory('abc');
    expect(loaded).toHaveLength(MAX_CACHED_ENTRIES);
    expect(loaded[0]).toEqual({ from: 'user', text: 'm5', at: 5 });
    expect(s.loadHistory('other-session')).toEqual([]);

    const store = new MemoryStore();
    const t = new WidgetStorage(store, 'x', '1');
    store.setItem(
      t.historyKey,
      JSON.stringify({ format: STORAGE_FORMAT, sessionId: 's', entries: [{ from: 'bot', message: { text: 'ok' }, at: 1 }, { from: 'evil' }, null, { from: 'user', text: 5, at: 1 }] }),
    );
    expect(t.loadHistory('s')).toEqual([{ from: 'bot', message: { text: 'ok' }, at: 1 }]);
  });

  it('keeps working when storage throws (quota, disabled storage)', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const s = new WidgetStorage(broken, 'x', '1');
    expect(() => s.saveSession('a')).not.toThrow();
    expect(s.loadSession()).toBeUndefined();
    expect(() => s.saveHistory('a', [])).not.toThrow();
    expect(s.loadHistory('a')).toEqual([]);
    expect(() => s.clear()).not.toThrow();
  });
});

describe('session credential (CONTRACTS §8)', () => {
  const ref = '0b5f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b.' + 'A'.repeat(43);

  it('puts only the public id in the URL and the credential in Authorization', () => {
    expect(publicSessionId(ref)).toBe('0b5f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b');
    const anonymous = sessionRequest('https://chat.example', ref);
    expect(anonymous.url).toBe('https://chat.example/api/v1/sessions/0b5f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(anonymous.url).not.toContain('AAAA');
    expect(anonymous.headers).toEqual({ authorization: `Bearer ${ref}` });
    expect(sessionRequest('https://chat.example', '0b5f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', 'jwt.a.b').headers).toEqual({ authorization: 'Bearer jwt.a.b' });
  });

  it('asks the host page for a customer token; a missing or failing function means anonymous', async () => {
    const g = globalThis as Record<string, unknown>;
    g.__testToken = () => Promise.resolve('header.payload.sig');
    g.__brokenToken = () => {
      throw new Error('no');
    };
    expect(await globalTokenProvider('__testToken')!()).toBe('header.payload.sig');
    expect(await globalTokenProvider('__brokenToken')!()).toBeUndefined();
    expect(await globalTokenProvider('__missing')!()).toBeUndefined();
    expect(globalTokenProvider(undefined)).toBeUndefined();
    delete g.__testToken;
    delete g.__brokenToken;
  });
});

describe('WidgetStorage limits', () => {
  it('keeps the newest 50 entries by default, fewer when configured, none with 0, and forgets all on clear', () => {
    expect(MAX_CACHED_ENTRIES).toBe(50);
    const entries = Array.from({ length: 80 }, (_, i) => ({ from: 'user' as const, text: `m${i}`, at: i }));
    const store = new MemoryStore();
    const s = new WidgetStorage(store, 'x', '1');
    s.saveSession('abc');
    s.saveHistory('abc', entries);
    expect(s.loadHistory('abc').map((e) => (e as { text: string }).text)).toEqual(entries.slice(-50).map((e) => e.text));
    const ten = new WidgetStorage(store, 'x', '1', 10);
    expect(ten.loadHistory('abc')).toHaveLength(10);
    const none = new WidgetStorage(store, 'x', '1', 0);
    none.saveHistory('abc', entries);
    expect(store.getItem(none.historyKey)).toBeNull();
    expect(none.loadHistory('abc')).toEqual([]);
    s.saveHistory('abc', entries);
    s.clear();
    expect(store.getItem(s.sessionKey)).toBeNull();
    expect(store.getItem(s.historyKey)).toBeNull();
  });
});
