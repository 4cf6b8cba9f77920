/**
 * The widget's transport and chat controller (web/src, the same code the browser runs) against the real app over a
 * real Socket.IO connection, in Node: session resume, history reconciliation with the server, a forged id, and
 * reconnecting with back-off across a server restart with messages sent while it was down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatController, NEW_CONVERSATION_NOTE, type ChatState } from '../../web/src/chat-controller.ts';
import { MemoryStore, WidgetStorage } from '../../web/src/storage.ts';
import { startMoneta, type TestServer } from './support/moneta-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startMoneta();
});

afterAll(async () => {
  await server?.close();
});

const controllers: ChatController[] = [];

function makeController(storage: WidgetStorage, url = server.url): ChatController {
  const c = new ChatController({
    origin: url,
    server: url,
    storage,
    customData: { language: 'en' },
    reconnectionDelay: 100,
    reconnectionDelayMax: 400,
  });
  controllers.push(c);
  return c;
}

afterAll(() => {
  for (const c of controllers) c.stop();
});

/** Resolves when the controller's state satisfies `predicate` (fails after `timeoutMs`). */
function until(c: ChatController, predicate: (s: ChatState) => boolean, timeoutMs = 10_000): Promise<ChatState> {
  if (predicate(c.state)) return Promise.resolve(c.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; last state: ${JSON.stringify({ ...c.state, entries: c.state.entries.length })}`));
    }, timeoutMs);
    const off = c.subscribe((s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

const botTexts = (s: ChatState): string[] =>
  s.entries.flatMap((e) => (e.from === 'bot' && 'text' in e.message ? [e.message.text] : []));
const userTexts = (s: ChatState): string[] => s.entries.flatMap((e) => (e.from === 'user' ? [e.text] : []));

describe('widget transport + controller against the real server', () => {
  it('resumes the stored session, and rebuilds a lost transcript from the server with button titles', async () => {
    const storage = new WidgetStorage(new MemoryStore(), server.url, 'test');
    const a = makeController(storage);
    a.start();
    const confirmed = await until(a, (s) => s.connection === 'online' && s.sessionId !== undefined);
    const id = confirmed.sessionId as string;
    a.send('hello');
    expect(a.state.typing).toBe(true); // typing indicator on until the first reply
    await until(a, (s) => botTexts(s).some((t) => t.includes("I'm Moneta")));
    expect(a.state.typing).toBe(false);
    a.send('/banking_help', 'Cards & account help');
    await until(a, (s) => botTexts(s).some((t) => t.includes('Ask me about your cards')));
    a.stop();
    expect(storage.loadSession()).toBe(id);

    // A reload: the cached transcript shows before connecting, and the server resumes the same session.
    const b = makeController(storage);
    expect(userTexts(b.state)).toEqual(['hello', 'Cards & account help']);
    b.start();
    expect((await until(b, (s) => s.connection === 'online')).sessionId).toBe(id);
    b.stop();

    // Storage lost the transcript but kept the id: it is rebuilt from GET /api/v1/sessions/:id/messages, and the
    // quick-reply payload shows as the button's title again.
    const store2 = new MemoryStore();
    const storage2 = new WidgetStorage(store2, server.url, 'test');
    storage2.saveSession(id);
    const c = makeController(storage2);
    expect(c.state.entries).toEqual([]);
    c.start();
    const rebuilt = await until(c, (s) => s.entries.length >= 4);
    expect(userTexts(rebuilt)).toEqual(['hello', 'Cards & account help']);
    expect(botTexts(rebuilt).join(' ')).toContain('Ask me about your cards');
    expect(storage2.loadHistory(id).length).toBe(rebuilt.entries.length);
    c.stop();
  });

  it('starts a new conversation, and says so, when the server does not know the stored id', async () => {
    const storage = new WidgetStorage(new MemoryStore(), server.url, 'test');
    storage.saveSession('forged-or-expired-id');
    storage.saveHistory('forged-or-expired-id', [{ from: 'user', text: 'an old message', at: 1 }]);
    const c = makeController(storage);
    expect(userTexts(c.state)).toEqual(['an old message']);
    c.start();
    const s = await until(c, (st) => st.connection === 'online');
    expect(s.sessionId).not.toBe('forged-or-expired-id');
    expect(storage.loadSession()).toBe(s.sessionId);
    expect(s.entries.map((e) => (e.from === 'system' ? e.text : e.from))).toEqual([NEW_CONVERSATION_NOTE]);
    c.stop();
  });

  it('reconnects with back-off after a server restart, resumes the session and delivers queued messages', async () => {
    const first = await startMoneta();
    const port = Number(new URL(first.url).port);
    const storage = new WidgetStorage(new MemoryStore(), first.url, 'test');
    const c = makeController(storage, first.url);
    c.start();
    const id = (await until(c, (s) => s.connection === 'online')).sessionId;
    c.send('hello');
    await until(c, (s) => botTexts(s).length === 1);

    await first.close({ keepData: true });
    await until(c, (s) => s.connection === 'reconnecting');
    c.send('thank you'); // queued while the server is down

    const second = await startMoneta({ dataDir: first.dataDir, port });
    try {
      const back = await until(c, (s) => s.connection === 'online' && botTexts(s).length === 2, 20_000);
      expect(back.sessionId).toBe(id); // same conversation, from the SQLite file, across the restart
      expect(botTexts(back)[1]).toMatch(/You're welcome/);
    } finally {
      c.stop();
      await second.close();
    }
  });
});
