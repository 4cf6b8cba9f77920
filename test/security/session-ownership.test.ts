/**
 * Issue 11, finding 2: a session id was the only credential. Each test reproduces one attack from the finding on a real
 * server (port 0, socket.io-client, fetch) and asserts what CONTRACTS §8 requires instead: only the owner resumes,
 * reads, writes or erases; everyone else gets a new session or the very 404 an unknown session gets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../server/session/memory-session-store.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../fixtures/platform/identity-provider.ts';
import { bearer, connectSocket, publicId, requestSession, rest, say, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const FORM_STARTED = [{ text: expect.stringContaining("Let's check a loan") }, { text: 'How much would you like to borrow?' }, { custom: { slot: 'amount' } }];

/** Status, body and the headers that could tell two answers apart (everything but the per-request ones). */
async function answer(res: Response): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const headers = Object.fromEntries([...res.headers].filter(([k]) => !['date', 'x-request-id', 'ratelimit-remaining', 'x-ratelimit-remaining', 'ratelimit'].includes(k)));
  return { status: res.status, body: await res.text(), headers };
}

describe('anonymous conversations: only the holder of the issued credential reaches them', () => {
  let t: TestApp;
  let store: MemorySessionStore;
  beforeAll(async () => {
    store = new MemorySessionStore();
    t = await startTestApp({ store });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a second socket sending the victim\'s id gets a new session and cannot cancel the victim\'s form', async () => {
    const victim = await connectSocket(t.url);
    const ref = await requestSession(victim);
    expect(await say(victim, ref, '/credit_risk_assessment', 3)).toMatchObject(FORM_STARTED);

    const attacker = await connectSocket(t.url);
    // The id alone (as it appears in URLs and the console) is not a credential.
    const got = await requestSession(attacker, publicId(ref));
    expect(publicId(got)).not.toBe(publicId(ref));
    // On that connection, a message naming the victim's id is refused.
    expect(await say(attacker, publicId(ref), 'cancel', 2)).toMatchObject([{}, { custom: { type: 'error', code: 'bad_request' } }]);
    // Skipping session_request and writing straight into the victim's conversation does not work either.
    const direct = await connectSocket(t.url);
    const confirm = new Promise<string>((resolve) => direct.once('session_confirm', resolve));
    const directReplies = say(direct, publicId(ref), 'cancel');
    expect(publicId(await confirm)).not.toBe(publicId(ref));
    await directReplies;
    direct.disconnect();

    // The victim's form is still waiting for the amount.
    expect(await say(victim, ref, '9000', 2)).toMatchObject([{ text: 'Over how many months?' }, { custom: { slot: 'duration' } }]);
    victim.disconnect();
    attacker.disconnect();
  });

  it('refuses sessions it never issued: a made-up id and secret gets a new session, nothing is created under it', async () => {
    const socket = await connectSocket(t.url);
    const fixed = `${randomUUID()}.${randomBytes(32).toString('base64url')}`;
    const got = await requestSession(socket, fixed);
    expect(got).not.toBe(fixed);
    expect(await store.getOwner(publicId(fixed))).toBeUndefined();
    // A wrong secret for a real id is no better.
    const owner = await connectSocket(t.url);
    const real = await requestSession(owner);
    const guessed = `${publicId(real)}.${randomBytes(32).toString('base64url')}`;
    expect(publicId(await requestSession(socket, guessed))).not.toBe(publicId(real));
    // The real owner resumes, on a new connection (a reload).
    const reload = await connectSocket(t.url);
    expect(await requestSession(reload, real)).toBe(real);
    for (const s of [socket, owner, reload]) s.disconnect();
  });

  it('history and erase answer 404 to everyone but the owner, byte for byte the 404 of an unknown session', async () => {
    const socket = await connectSocket(t.url);
    const ref = await requestSession(socket);
    await say(socket, ref, 'my card still has not arrived', undefined);
    const other = await requestSession(await connectSocket(t.url));
    const id = publicId(ref);
    const url = (x: string): string => `${t.url}/api/v1/sessions/${x}`;

    const unknown = await answer(await fetch(`${url(randomUUID())}/messages`));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ error: { code: 'not_found', message: 'No such session.' } });
    const attempts: Array<[string, RequestInit]> = [
      ['no credential', {}],
      ['someone else\'s session credential', { headers: bearer(other) }],
      ['a wrong secret', { headers: bearer(`${id}.${randomBytes(32).toString('base64url')}`) }],
    ];
    for (const [what, init] of attempts) {
      expect(await answer(await fetch(`${url(id)}/messages`, init)), `read with ${what}`).toEqual(unknown);
      expect(await answer(await fetch(url(id), { ...init, method: 'DELETE' })), `erase with ${what}`).toEqual(unknown);
    }
    // Nothing was erased; the owner reads it and erases it.
    const mine = await fetch(`${url(id)}/messages`, { headers: bearer(ref) });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { messages: unknown[] }).messages.length).toBeGreaterThan(1);
    expect((await fetch(url(id), { method: 'DELETE', headers: bearer(ref) })).status).toBe(200);
    socket.disconnect();
  });

  it('the REST webhook cannot write into a widget conversation: the same 404 as for an unknown session', async () => {
    const socket = await connectSocket(t.url);
    const ref = await requestSession(socket);
    await say(socket, ref, '/credit_risk_assessment', 3);
    const unknown = await answer(await fetch(`${t.url}/api/v1/sessions/${randomUUID()}/messages`));
    const posted = await fetch(`${t.url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: publicId(ref), message: 'cancel' }) });
    expect(await answer(posted)).toEqual(unknown);
    // Presenting the widget's own credential to the REST webhook is refused too: REST is for back ends.
    expect((await rest(t.url, { sender: publicId(ref), message: 'cancel' }, bearer(ref))).status).toBe(401);
    expect(await say(socket, ref, '9000', 2)).toMatchObject([{ text: 'Over how many months?' }, { custom: { slot: 'duration' } }]);
    socket.disconnect();
  });
});

describe('signed-in customers: conversations bound to the token\'s subject', () => {
  let t: TestApp;
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startIdentityProvider();
    t = await startTestApp({ config: { auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience } } });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('subject B can neither resume, read, write nor erase subject A\'s conversation; A can, on every channel', async () => {
    const tokenA = await idp.token('customer-A');
    const tokenB = await idp.token('customer-B');
    const a = await connectSocket(t.url, ['websocket'], { token: tokenA });
    const id = await requestSession(a);
    expect(await say(a, id, '/credit_risk_assessment', 3)).toMatchObject(FORM_STARTED);

    const b = await connectSocket(t.url, ['websocket'], { token: tokenB });
    expect(await requestSession(b, id)).not.toBe(id);
    const unknown = await answer(await fetch(`${t.url}/api/v1/sessions/${randomUUID()}/messages`, { headers: bearer(tokenB) }));
    expect(unknown.status).toBe(404);
    expect(await answer(await fetch(`${t.url}/api/v1/sessions/${id}/messages`, { headers: bearer(tokenB) }))).toEqual(unknown);
    expect(await answer(await fetch(`${t.url}/api/v1/sessions/${id}`, { method: 'DELETE', headers: bearer(tokenB) }))).toEqual(unknown);
    const writeB = await rest(t.url, { sender: id, message: 'cancel' }, bearer(tokenB));
    expect(writeB).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'No such session.' } } });

    // A, on a new connection (another device), resumes; A's REST call continues the same form.
    const a2 = await connectSocket(t.url, ['websocket'], { token: await idp.token('customer-A') });
    expect(await requestSession(a2, id)).toBe(id);
    const writeA = await rest(t.url, { sender: id, message: '9000' }, bearer(tokenA));
    expect((writeA.json as Array<{ text?: string }>)[0]?.text).toBe('Over how many months?');
    const history = await fetch(`${t.url}/api/v1/sessions/${id}/messages`, { headers: bearer(tokenA) });
    expect(((await history.json()) as { messages: Array<{ from: string; text?: string }> }).messages.filter((m) => m.from === 'user').map((m) => m.text)).toEqual(['/credit_risk_assessment', '9000']);
    expect((await fetch(`${t.url}/api/v1/sessions/${id}`, { method: 'DELETE', headers: bearer(tokenA) })).status).toBe(200);
    for (const s of [a, a2, b]) s.disconnect();
  });

  it('refuses tokens that are expired, for another audience or issuer, or signed by another key', async () => {
    const { generateKeyPair } = await import('jose');
    const stranger = (await generateKeyPair('ES256')).privateKey;
    const bad = [
      await idp.token('customer-A', { expiresInSeconds: -120 }),
      await idp.token('customer-A', { audience: 'another-app' }),
      await idp.token('customer-A', { issuer: 'https://evil.example' }),
      await idp.token('customer-A', { key: stranger }),
      'not-a-token',
    ];
    for (const token of bad) {
      await expect(connectSocket(t.url, ['websocket'], { token }), token.slice(0, 20)).rejects.toThrow();
      const { status, json } = await rest(t.url, { sender: 'x', message: 'hi' }, bearer(token));
      expect(status).toBe(401);
      expect((json as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });
});

describe('customer token configuration', () => {
  it('verifies against a configured public key (JWK) as well as a JWKS URL', async () => {
    const idp = await startIdentityProvider();
    const t = await startTestApp({ config: { auth: { publicKey: JSON.stringify(idp.publicJwk), issuer: idp.issuer, audience: idp.audience } } });
    try {
      expect((await rest(t.url, { sender: 'pk-1', message: 'hi' }, bearer(await idp.token('customer-K')))).status).toBe(200);
      expect((await rest(t.url, { sender: 'pk-1', message: 'hi' }, bearer(await idp.token('customer-K', { audience: 'x' })))).status).toBe(401);
      expect(idp.jwksRequests).toBe(0);
    } finally {
      await t.close();
      await idp.close();
    }
  });

  it('refuses a half configuration, naming the variable', async () => {
    const { loadConfig } = await import('../../server/config/index.ts');
    expect(() => loadConfig({ MONETA_AUTH_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/MONETA_AUTH_ISSUER[\s\S]*MONETA_AUTH_AUDIENCE/);
    expect(() => loadConfig({ MONETA_AUTH_JWKS_URL: 'https://idp.example/jwks', MONETA_AUTH_ISSUER: 'i', MONETA_AUTH_AUDIENCE: 'a', MONETA_AUTH_ALGORITHMS: 'HS256' })).toThrow(/MONETA_AUTH_ALGORITHMS/);
    expect(() => loadConfig({ MONETA_REST_API_KEY: 'short' })).toThrow(/MONETA_REST_API_KEY/);
  });
});

describe('an expiring customer token', () => {
  it('stops a connected socket from writing once the token has expired, until it reconnects with a fresh one', async () => {
    const idp = await startIdentityProvider();
    let now = Date.now();
    const t = await startTestApp({ clock: { now: () => now }, config: { auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience } } });
    try {
      const socket = await connectSocket(t.url, ['websocket'], { token: await idp.token('customer-E', { expiresInSeconds: 60 }) });
      const id = await requestSession(socket);
      expect(await say(socket, id, 'hello', 1)).toHaveLength(1);
      now += 120_000; // the server's clock passes the token's expiry
      expect(await say(socket, id, 'thanks', 2)).toMatchObject([{ text: expect.stringContaining('sign-in has expired') }, { custom: { type: 'error', code: 'unauthorized' } }]);
      socket.disconnect();
      now = Date.now();
      const fresh = await connectSocket(t.url, ['websocket'], { token: await idp.token('customer-E') });
      expect(await requestSession(fresh, id)).toBe(id);
      expect(await say(fresh, id, 'thanks', 1)).toHaveLength(1);
      fresh.disconnect();
    } finally {
      await t.close();
      await idp.close();
    }
  });
});

describe('REST webhook with MONETA_REST_API_KEY', () => {
  const key = 'k'.repeat(12) + randomBytes(16).toString('hex');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { security: { restApiKey: key } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('requires Authorization: Bearer <key>; without it or with a wrong one → 401 and nothing is stored', async () => {
    expect((await rest(t.url, { sender: 'backend-1', message: 'hi' })).status).toBe(401);
    expect((await rest(t.url, { sender: 'backend-1', message: 'hi' }, bearer(`${key}x`))).status).toBe(401);
    expect((await rest(t.url, { sender: 'backend-1', message: 'hi' }, { authorization: key })).status).toBe(401);
    const history = await fetch(`${t.url}/api/v1/sessions/backend-1/messages`, { headers: bearer(key) });
    expect(history.status).toBe(404);
    const ok = await rest(t.url, { sender: 'backend-1', message: 'hi' }, bearer(key));
    expect(ok.status).toBe(200);
    // REST conversations are read with the key, not by anyone who knows the sender.
    expect((await fetch(`${t.url}/api/v1/sessions/backend-1/messages`)).status).toBe(404);
    expect((await fetch(`${t.url}/api/v1/sessions/backend-1/messages`, { headers: bearer(key) })).status).toBe(200);
  });
});

describe('guessing REST senders (open demo mode)', () => {
  it('probing customer-0…299 hits the per-address limit long before it finds the conversations', async () => {
    const t = await startTestApp({ config: { security: { restSendersPerIpPerHour: 20 } } });
    try {
      // Two real REST conversations among the guesses, created by someone else (another address in real life).
      const limiterHits: number[] = [];
      const found: string[] = [];
      for (let i = 0; i < 300; i += 1) {
        const { status } = await rest(t.url, { sender: `customer-${i}`, message: 'hi' });
        if (status === 429) limiterHits.push(i);
        else if (status === 200) found.push(`customer-${i}`);
        if (limiterHits.length >= 5) break;
      }
      expect(found).toHaveLength(20);
      expect(limiterHits[0]).toBe(20);
      const limited = await rest(t.url, { sender: 'customer-299', message: 'hi' });
      expect(limited.status).toBe(429);
      expect((limited.json as { error: { code: string } }).error.code).toBe('rate_limited');
      // Conversations this address already has keep working.
      expect((await rest(t.url, { sender: 'customer-3', message: 'thanks' })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
