/** One session's messages are answered strictly in order; many sessions run concurrently without mixing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationSkill } from '../../server/skills/conversation/conversation-skill.ts';
import { EchoSkill } from '../fixtures/platform/loan-form-skill.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../fixtures/platform/identity-provider.ts';
import { bearer, collect, connectSocket, publicId, requestSession, rest, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

describe('ordering under concurrency', () => {
  let t: TestApp;
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startIdentityProvider();
    t = await startTestApp({ skills: [new ConversationSkill(), new EchoSkill()], config: { auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience } } });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('answers 20 sockets × 15 rapid-fire messages in order, each on its own conversation', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => connectSocket(t.url)));
    const ids = await Promise.all(sockets.map((s) => requestSession(s)));
    const results = await Promise.all(
      sockets.map((socket, k) => {
        const got = collect(socket, 15);
        for (let i = 0; i < 15; i += 1) socket.emit('user_uttered', { message: `/echo{"n": ${k * 100 + i}}`, session_id: ids[k]! });
        return got;
      }),
    );
    results.forEach((events, k) => {
      expect(events).toEqual(Array.from({ length: 15 }, (_, i) => ({ text: `echo ${k * 100 + i}` })));
    });
    // The stored logs are in order too.
    const history = (await fetch(`${t.url}/api/v1/sessions/${publicId(ids[7]!)}/messages`, { headers: bearer(ids[7]!) }).then((r) => r.json())) as { messages: Array<{ from: string; text?: string; message?: { text: string } }> };
    expect(history.messages.map((m) => m.text ?? m.message?.text)).toEqual(Array.from({ length: 15 }, (_, i) => [`/echo{"n": ${700 + i}}`, `echo ${700 + i}`]).flat());
    for (const s of sockets) s.disconnect();
  });

  it('serialises a socket and concurrent REST calls on the same (signed-in customer\'s) session', async () => {
    const token = await idp.token('customer-ordering');
    const socket = await connectSocket(t.url, ['websocket'], { token });
    const id = await requestSession(socket);
    const got = collect(socket, 5);
    const restCalls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i += 1) {
      socket.emit('user_uttered', { message: `/echo{"n": ${i}}`, session_id: id });
      restCalls.push(rest(t.url, { sender: id, message: `/echo{"n": ${100 + i}}` }, bearer(token)));
    }
    expect(await got).toEqual([0, 1, 2, 3, 4].map((i) => ({ text: `echo ${i}` })));
    await Promise.all(restCalls);
    const history = (await fetch(`${t.url}/api/v1/sessions/${id}/messages`, { headers: bearer(token) }).then((r) => r.json())) as { messages: Array<{ from: string; text?: string; message?: { text: string } }> };
    // Every user message is immediately followed by its own answer: turns never interleave.
    const lines = history.messages.map((m) => m.text ?? m.message?.text ?? '');
    expect(lines).toHaveLength(20);
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace(/^\/echo\{"n": (\d+)\}$/, 'echo $1'));
    socket.disconnect();
  });
});
