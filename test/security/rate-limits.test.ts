/**
 * Issue 11 finding 1 (only chat was rate-limited): every feature route has a per-address budget, and going over it gives
 * 429 with the usual error body and a Retry-After header. Finding 6 (MONETA_TRUST_PROXY=true let a rotating
 * X-Forwarded-For bypass the per-IP limit): trust is a hop count or a CIDR list, and rotating the header does not help.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/index.ts';
import { startMoneta, type TestServer } from '../e2e/support/moneta-server.ts';
import { requestSession, startTestApp, type TestApp } from '../fixtures/platform/test-app.ts';

const LIMIT = 4;

const routes: Array<{ name: string; method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }> = [
  { name: 'credit models', method: 'GET', path: '/api/v1/credit/models' },
  { name: 'credit assess', method: 'POST', path: '/api/v1/credit/assess', body: { model: 'german', features: {} } },
  { name: 'portfolio suggest', method: 'POST', path: '/api/v1/portfolio/suggest', body: { riskScore: 5 } },
  { name: 'portfolio optimize', method: 'POST', path: '/api/v1/portfolio/optimize', body: { prices: 'date,A,B\n2020-01-01,1,2\n2020-01-02,1.1,2.1\n2020-01-03,1.2,2.0' } },
  { name: 'model/parse', method: 'POST', path: '/model/parse', body: { text: 'my card has not arrived' } },
  { name: 'knowledge search', method: 'POST', path: '/api/v1/knowledge/search', body: { query: 'what is an ETF?' } },
  { name: 'session history', method: 'GET', path: '/api/v1/sessions/nobody-here/messages' },
];

function send(url: string, route: (typeof routes)[number], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${route.path}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
}

describe('per-route rate limits (real server, real models)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startMoneta({
      config: {
        limits: {
          creditPerIpPerMinute: LIMIT,
          suggestPerIpPerMinute: LIMIT,
          optimizePerIpPerMinute: LIMIT,
          parsePerIpPerMinute: LIMIT,
          knowledgePerIpPerMinute: LIMIT,
          sessionsPerIpPerMinute: LIMIT,
        },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it.each(routes.filter((r) => r.name !== 'credit assess'))('$name: answers within the budget, then 429 with Retry-After', async (route) => {
    for (let i = 0; i < LIMIT; i++) {
      const res = await send(server.url, route);
      expect(res.status, `${route.name} request ${i + 1}`).not.toBe(429);
      await res.arrayBuffer();
    }
    const refused = await send(server.url, route);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/too many requests/i) } });
  });

  it('credit routes share one budget (listing models spent it)', async () => {
    const res = await send(server.url, routes[1]!);
    expect(res.status).toBe(429);
  });

  it('health checks are never limited', async () => {
    for (let i = 0; i < 3 * LIMIT; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('X-Forwarded-For rotation does not bypass the per-IP limit', () => {
  let apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('refuses MONETA_TRUST_PROXY=true with a message naming the variable', () => {
    expect(() => loadConfig({ MONETA_TRUST_PROXY: 'true' })).toThrow(/MONETA_TRUST_PROXY.*hop count/);
    expect(() => loadConfig({ MONETA_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/MONETA_TRUST_PROXY.*10\.0\.0\.0\/33/);
    expect(loadConfig({ MONETA_TRUST_PROXY: '2' }).server.trustProxy).toBe(2);
    expect(loadConfig({ MONETA_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).server.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ MONETA_TRUST_PROXY: 'false' }).server.trustProxy).toBe(false);
  });

  for (const trustProxy of [1, ['127.0.0.1/32']] as const) {
    it(`HTTP routes, trust proxy ${JSON.stringify(trustProxy)}: a spoofed left-most address changes nothing`, async () => {
      const t = await startTestApp({ config: { server: { trustProxy: trustProxy as never }, limits: { sessionsPerIpPerMinute: 3 } } });
      apps.push(t);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        // The client forges the first entry; the trusted proxy (us, on loopback) appended the real client 203.0.113.7.
        const res = await fetch(`${t.url}/api/v1/sessions/someone/messages`, { headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([404, 404, 404, 429, 429, 429]);
      // A different real client (as the proxy reports it) has its own budget.
      expect((await fetch(`${t.url}/api/v1/sessions/someone/messages`, { headers: { 'x-forwarded-for': '203.0.113.8' } })).status).toBe(404);
    });
  }

  it('Socket.IO chat: the per-IP message limit follows the same rule', async () => {
    const t = await startTestApp({ config: { server: { trustProxy: 1 }, chat: { rateLimitPerSessionPerMinute: 1000, rateLimitPerIpPerMinute: 3 } } });
    apps.push(t);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { io } = await import('socket.io-client');
      const socket = io(t.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` } });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const id = await requestSession(socket as never);
      const reply = new Promise<unknown[]>((resolve) => {
        const got: unknown[] = [];
        socket.on('bot_uttered', (m: unknown) => {
          got.push(m);
          if (got.length >= 1) setTimeout(() => resolve(got), 50);
        });
      });
      socket.emit('user_uttered', { message: 'hello', session_id: id });
      const events = await reply;
      const error = events.find((e) => (e as { custom?: { type?: string } }).custom?.type === 'error') as { custom: { code: string } } | undefined;
      codes.push(error?.custom.code ?? 'ok');
      socket.disconnect();
    }
    expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
  });
});
