/** Bad input of every kind gets a clear error (event or 4xx JSON), never a crash, and leaves the conversation unchanged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, collect, connectSocket, publicId, requestSession, rest, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const errorEvents = (code: string, message: string) => [{ text: message }, { custom: { type: 'error', code, message } }];

describe('bad input over Socket.IO', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { chat: { maxMessageLength: 50 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers empty, non-string and oversized messages with an error event pair, and the conversation is unchanged', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    await say(socket, id, '/credit_risk_assessment', 3);
    const before = (await fetch(`${t.url}/api/v1/sessions/${id}/messages`).then((r) => r.json())) as { messages: unknown[] };

    expect(await say(socket, id, '', 2)).toEqual(errorEvents('validation_failed', 'Please type a message: message must not be empty'));
    expect(await say(socket, id, '   ', 2)).toEqual(errorEvents('validation_failed', 'Please type a message: message must not be empty'));
    expect(await say(socket, id, 42, 2)).toEqual(errorEvents('validation_failed', 'Messages must be text: message must be a string'));
    expect(await say(socket, id, { evil: true }, 2)).toEqual(errorEvents('validation_failed', 'Messages must be text: message must be a string'));
    expect(await say(socket, id, 'x'.repeat(51), 2)).toEqual(
      errorEvents('payload_too_large', 'Messages can be at most 50 characters; yours has 51. Please shorten it.'),
    );
    const after = (await fetch(`${t.url}/api/v1/sessions/${id}/messages`).then((r) => r.json())) as { messages: unknown[] };
    expect(after.messages).toEqual(before.messages);
    // The form is still waiting for the amount.
    expect(await say(socket, id, '5000', 2)).toEqual([
      { text: 'Over how many months?' },
      { custom: { type: 'form_question', form: 'loan_check', slot: 'duration', input: { type: 'number', min: 4, max: 72, unit: 'months', step: 1 }, step: 2, total: 3 } },
    ]);
    socket.disconnect();
  });

  it('rejects a non-object user_uttered and a message for another session on this connection', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const bad = collect(socket, 2);
    (socket as unknown as { emit(e: string, d: unknown): void }).emit('user_uttered', 'just a string');
    expect(await bad).toEqual(errorEvents('bad_request', 'A user_uttered event must be an object with a message.'));
    const other = await requestSession(await connectSocket(t.url));
    const got = collect(socket, 2);
    socket.emit('user_uttered', { message: 'hello', session_id: other });
    expect(await got).toEqual(errorEvents('bad_request', 'This connection belongs to another conversation. Reconnect to switch conversations.'));
    socket.disconnect();
  });

  it('survives garbage events and keeps serving', async () => {
    const socket = await connectSocket(t.url);
    const raw = socket as unknown as { emit(e: string, ...d: unknown[]): void };
    raw.emit('session_request', 'nonsense');
    raw.emit('session_request', null);
    raw.emit('unknown_event', { a: 1 });
    raw.emit('user_uttered', null);
    raw.emit('user_uttered');
    // Two confirms (new ids for the nonsense requests) and two error pairs come back; then a proper handshake works.
    expect(await collect(socket)).toEqual([...errorEvents('bad_request', 'A user_uttered event must be an object with a message.'), ...errorEvents('bad_request', 'A user_uttered event must be an object with a message.')]);
    const id = await requestSession(socket);
    expect(await say(socket, id, 'hello', 1)).toHaveLength(1);
    socket.disconnect();
  });
});

describe('bad input over REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { chat: { maxMessageLength: 50 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['malformed JSON', '{"sender": "u1", "message": ', 400, 'bad_request'],
    ['an array body', [1, 2], 400, 'validation_failed'],
    ['a missing sender', { message: 'hi' }, 400, 'validation_failed'],
    ['a forged sender', { sender: '../../admin', message: 'hi' }, 400, 'validation_failed'],
    ['a huge sender', { sender: 'x'.repeat(500), message: 'hi' }, 400, 'validation_failed'],
    ['a missing message', { sender: 'u1' }, 400, 'validation_failed'],
    ['a non-string message', { sender: 'u1', message: ['hi'] }, 400, 'validation_failed'],
    ['an empty message', { sender: 'u1', message: '' }, 400, 'validation_failed'],
    ['an oversized message', { sender: 'u1', message: 'y'.repeat(51) }, 413, 'payload_too_large'],
  ])('%s → %i %s', async (_name, body, status, code) => {
    const res = await rest(t.url, body);
    expect(res.status).toBe(status);
    const { error } = res.json as { error: { code: string; message: string; details?: unknown } };
    expect(error.code).toBe(code);
    expect(error.message).toEqual(expect.any(String));
    expect(Object.keys(error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
    expect(JSON.stringify(res.json)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('rejects bodies above the JSON limit with 413 JSON', async () => {
    const res = await fetch(`${t.url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: 'u1', message: 'z'.repeat(300_000) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining('too large') } });
  });

  it('does not record rejected messages', async () => {
    await rest(t.url, { sender: 'keeper', message: 'hello' });
    await rest(t.url, { sender: 'keeper', message: '' });
    await rest(t.url, { sender: 'keeper', message: 'q'.repeat(60) });
    const history = (await fetch(`${t.url}/api/v1/sessions/keeper/messages`).then((r) => r.json())) as { messages: Array<{ from: string; text?: string }> };
    expect(history.messages.filter((m) => m.from === 'user')).toEqual([{ from: 'user', text: 'hello', at: expect.any(Number) }]);
  });
});

describe('floods', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { chat: { rateLimitPerSessionPerMinute: 5, rateLimitPerIpPerMinute: 12 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits one session: replies to the first N in order, then a rate_limited error per extra message, nothing lost or reordered', async () => {
    const socket = await connectSocket(t.url);
    const id = await requestSession(socket);
    const got = collect(socket, 11);
    for (let i = 0; i < 8; i += 1) socket.emit('user_uttered', { message: i % 2 ? 'thanks' : 'hello', session_id: id });
    const events = await got;
    expect(events.slice(0, 5).map((e) => ('text' in e ? e.text.slice(0, 9) : ''))).toEqual(['Hi, I\'m M', "You're we", "Hi, I'm M", "You're we", "Hi, I'm M"]);
    // Each of the 3 extra messages got its own error pair, after the 5 answers.
    const limited = { text: 'Too many messages: please wait a moment and try again.' };
    const limitedCustom = { custom: { type: 'error', code: 'rate_limited', message: limited.text } };
    expect(events.slice(5)).toEqual([limited, limitedCustom, limited, limitedCustom, limited, limitedCustom]);
    const history = (await fetch(`${t.url}/api/v1/sessions/${publicId(id)}/messages`, { headers: bearer(id) }).then((r) => r.json())) as { messages: Array<{ from: string }> };
    expect(history.messages.filter((m) => m.from === 'user')).toHaveLength(5);
    socket.disconnect();
  });

  it('limits one client address across sessions (REST → 429 JSON)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await rest(t.url, { sender: `ip-test-${i}`, message: 'hello' })).status);
    // 12 per minute per IP; the socket test above used 8 of them.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await rest(t.url, { sender: 'ip-test-last', message: 'hello' });
    expect(limited).toEqual({ status: 429, json: { error: { code: 'rate_limited', message: 'Too many messages: please wait a moment and try again.' } } });
  });
});
