/** Socket.IO channel on a real server: handshake, exact reply payloads, greeting on open, custom payloads split out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXTS } from '../../server/response/templates.ts';
import { CAPABILITY_BUTTONS } from '../../server/response/templates.ts';
import { connectSocket, requestSession, say, collect, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

/** A server-issued session reference: a random UUID (the public id) and a 256-bit secret (CONTRACTS §8). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;

describe('Socket.IO chat channel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('confirms a new session with a server-generated UUID and secret, never null', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket, null);
    expect(id).toMatch(UUID);
    const again = await requestSession(socket);
    expect(again).toMatch(UUID);
    socket.disconnect();
  });

  it('replaces a malformed or forged session id with a new one', async () => {
    const socket = await connectSocket(t.url);
    for (const forged of ['../../etc/passwd', 'x'.repeat(5000), '1', 42 as unknown as string]) {
      const id = await requestSession(socket, forged);
      expect(id).toMatch(UUID);
      expect(id).not.toBe(forged);
    }
    socket.disconnect();
  });

  it('answers a greeting with the exact text and capability buttons', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const replies = await say(socket, id, 'hello', 1);
    expect(replies).toEqual([{ text: TEXTS.greeting, quick_replies: CAPABILITY_BUTTONS }]);
    socket.disconnect();
  });

  it('greets once when the widget opens with a message-less user_uttered, and not again on reopen', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const first = collect(socket, 1);
    socket.emit('user_uttered', { session_id: id, customData: { language: 'en' } });
    expect(await first).toEqual([{ text: TEXTS.greeting, quick_replies: CAPABILITY_BUTTONS }]);
    const second = collect(socket);
    socket.emit('user_uttered', { session_id: id, customData: { language: 'en' } });
    expect(await second).toEqual([]);
    socket.disconnect();
  });

  it('answers bot_challenge plainly and keeps one event per reply', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const replies = await say(socket, id, 'are you a bot?', 1);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ text: expect.stringContaining("I'm Moneta's virtual assistant, not a person") });
    socket.disconnect();
  });

  it('treats /intent payloads as triggers', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const replies = await say(socket, id, '/capabilities', 1);
    expect(replies).toEqual([{ text: TEXTS.capabilities, quick_replies: CAPABILITY_BUTTONS }]);
    socket.disconnect();
  });

  it('says plainly when a feature is not ready (placeholder skill)', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const [reply] = await say(socket, id, '/portfolio_advice', 1);
    expect(reply).toMatchObject({ text: expect.stringContaining('not available in this version of Moneta yet') });
    socket.disconnect();
  });

  it('works over HTTP long-polling too (how embedded widgets connect first)', async () => {
    const socket = await connectSocket(t.url, ['polling']);
    const id = await requestSession(socket);
    const replies = await say(socket, id, 'thanks!', 1);
    expect(replies).toEqual([{ text: "You're welcome! Is there anything else I can help with?" }]);
    socket.disconnect();
  });
});
