/**
 * Console access: local accounts (bcrypt), OIDC against a fake identity provider over real HTTP (discovery, JWKS,
 * PKCE code exchange), roles, the signed SameSite=Strict cookie, the access log, and no access from customers' origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOidcProvider, type FakeOidcProvider } from '../../fixtures/console/fake-oidc-provider.ts';
import { signIn, startConsoleApp, type ConsoleTestApp } from '../../fixtures/console/console-app.ts';
import { connectSocket, publicId, requestSession, say } from '../../fixtures/platform/test-app.ts';

const PASSWORD = 'a long enough password';

describe('console access', () => {
  let t: ConsoleTestApp;
  let idp: FakeOidcProvider;
  beforeAll(async () => {
    idp = await startFakeOidcProvider();
    t = await startConsoleApp({
      consoleConfig: {
        server: { allowedOrigins: ['https://shop.example'] },
        console: { oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } },
      },
    });
    await t.console.users.upsert({ username: 'anna', displayName: 'Anna', role: 'agent', password: PASSWORD });
    await t.console.users.upsert({ username: 'alex', displayName: 'Alex', role: 'analyst', password: PASSWORD });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('refuses a wrong password with 401 and signs in with the right one (httpOnly, SameSite=Strict, /console cookie)', async () => {
    const wrong = await fetch(`${t.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'anna', password: 'nope nope nope' }) });
    expect(wrong.status).toBe(401);
    const unknown = await fetch(`${t.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody', password: PASSWORD }) });
    expect(unknown.status).toBe(401);
    const ok = await fetch(`${t.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'anna', password: PASSWORD }) });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    const me = await fetch(`${t.url}/console/api/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await me.json()).toEqual({ id: 'anna', name: 'Anna', roles: ['agent'], via: 'local' });
  });

  it('rejects a missing or forged session with 401 and the wrong role with 403', async () => {
    expect((await fetch(`${t.url}/console/api/conversations`)).status).toBe(401);
    const forged = 'moneta_staff=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGV4Iiwicm9sZXMiOlsiYW5hbHlzdCJdLCJuYW1lIjoiQWxleCJ9.c2lnbmF0dXJl';
    expect((await fetch(`${t.url}/console/api/conversations`, { headers: { cookie: forged } })).status).toBe(401);
    const agent = await signIn(t.url, 'anna', PASSWORD);
    expect((await fetch(`${t.url}/console/api/conversations`, { headers: { cookie: agent } })).status).toBe(403);
    const analyst = await signIn(t.url, 'alex', PASSWORD);
    expect((await fetch(`${t.url}/console/api/conversations`, { headers: { cookie: analyst } })).status).toBe(200);
    expect((await fetch(`${t.url}/console/api/socket-ticket`, { headers: { cookie: analyst } })).status).toBe(403);
  });

  it('is never served to a customer origin: 403 with another Origin, cross-site fetches, frames; no CORS headers', async () => {
    const analyst = await signIn(t.url, 'alex', PASSWORD);
    const fromShop = await fetch(`${t.url}/console/api/conversations`, { headers: { cookie: analyst, origin: 'https://shop.example' } });
    expect(fromShop.status).toBe(403);
    expect(fromShop.headers.get('access-control-allow-origin')).toBeNull();
    const login = await fetch(`${t.url}/console/api/login`, { method: 'POST', headers: { origin: 'https://shop.example', 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alex', password: PASSWORD }) });
    expect(login.status).toBe(403);
    const preflight = await fetch(`${t.url}/console/api/conversations`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const framed = await fetch(`${t.url}/console`, { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' } });
    expect(framed.status).toBe(403);
    const crossFetch = await fetch(`${t.url}/console/api/me`, { headers: { cookie: analyst, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' } });
    expect(crossFetch.status).toBe(403);
    // Same origin works, and the widget's routes still get CORS for the shop.
    expect((await fetch(`${t.url}/console/api/me`, { headers: { cookie: analyst, origin: t.url } })).status).toBe(200);
    const widgetRoute = await fetch(`${t.url}/healthz`, { headers: { origin: 'https://shop.example' } });
    expect(widgetRoute.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('writes every transcript read to the access log', async () => {
    const socket = await connectSocket(t.url);
    const reference = await requestSession(socket);
    await say(socket, reference, 'hello', 1);
    socket.disconnect();
    // The console names conversations by their public id; the session secret stays with the customer (CONTRACTS §8).
    const id = publicId(reference);
    const analyst = await signIn(t.url, 'alex', PASSWORD);
    const res = await fetch(`${t.url}/console/api/conversations/${id}`, { headers: { cookie: analyst } });
    expect(res.status).toBe(200);
    const log = (await (await fetch(`${t.url}/console/api/access-log`, { headers: { cookie: analyst } })).json()) as Array<{ staff: string; action: string; sessionId: string }>;
    expect(log.find((e) => e.action === 'read_transcript' && e.sessionId === id)?.staff).toBe('alex');
  });

  it('signs in through the OIDC provider: discovery, PKCE code exchange, ID token checked against its JWKS, role from the claim', async () => {
    const start = await fetch(`${t.url}/console/auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const flowCookie = start.headers.get('set-cookie')!;
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const atIdp = await fetch(authorize, { redirect: 'manual' });
    const callback = atIdp.headers.get('location')!;
    expect(callback.startsWith(`${t.url}/console/auth/oidc/callback?`)).toBe(true);
    // Arriving without the flow cookie (another browser) fails.
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(401);
    // The provider forgets a code once used: run the whole flow again for the real attempt.
    const start2 = await fetch(`${t.url}/console/auth/oidc/start`, { redirect: 'manual' });
    const flow2 = start2.headers.get('set-cookie')!.split(';')[0]!;
    const cb2 = (await fetch(start2.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    const done = await fetch(cb2, { redirect: 'manual', headers: { cookie: flow2 } });
    expect(done.status).toBe(200);
    const staff = done.headers.getSetCookie().find((c) => c.startsWith('moneta_staff='))!;
    expect(staff).toMatch(/SameSite=Strict/);
    const me = await fetch(`${t.url}/console/api/me`, { headers: { cookie: staff.split(';')[0]! } });
    expect(await me.json()).toEqual({ id: 'oidc:u-1001', name: 'Olga Ortiz', roles: ['analyst'], via: 'oidc' });
    expect(flowCookie).toMatch(/SameSite=Lax/);
  });

  it('refuses an OIDC user without a console role, and a tampered state', async () => {
    idp.user = { sub: 'u-2', name: 'Nobody', roles: ['payroll'] };
    const start = await fetch(`${t.url}/console/auth/oidc/start`, { redirect: 'manual' });
    const flow = start.headers.get('set-cookie')!.split(';')[0]!;
    const cb = (await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    expect((await fetch(cb, { redirect: 'manual', headers: { cookie: flow } })).status).toBe(401);
    idp.user = { sub: 'u-3', name: 'Agent Smith', roles: ['moneta-agent'] };
    const s2 = await fetch(`${t.url}/console/auth/oidc/start`, { redirect: 'manual' });
    const f2 = s2.headers.get('set-cookie')!.split(';')[0]!;
    const cb2 = new URL((await fetch(s2.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!);
    cb2.searchParams.set('state', 'tampered');
    expect((await fetch(cb2, { redirect: 'manual', headers: { cookie: f2 } })).status).toBe(401);
  });
});
