/**
 * Property-based fuzzing (fast-check) of every HTTP route the app serves and every Socket.IO event, against the real
 * server (default dependencies, real models) in this process on port 0. Properties: no response ≥ 500, no crash (the
 * server keeps answering /healthz), no answer slower than 2 s. Figures go to docs/security.md. Reproduce a failure
 * with FUZZ_SEED=<seed printed below>; FUZZ_RUNS scales the run (default 10,000 HTTP + socket inputs in total).
 */
import http from 'node:http';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoneta, type TestServer } from '../e2e/support/moneta-server.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const SOCKET_SHARE = 0.12;
const HANG_MS = 2000;

interface HttpInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'];
const nasty = fc.constantFrom('%ff', '%', '%00', '..', '%2e%2e', '\u0000', '../../etc/passwd', '%E0%A4%A', 'ü', '😀', ' ', '?', '#', ';', '%c0%af', 'a'.repeat(300), 'customer-1', 'german', 'taiwan', '');
const segment = fc.oneof(nasty, fc.string({ maxLength: 12 }), fc.uuid(), fc.webSegment());
const encodeSegment = (s: string): string => (/^[%A-Za-z0-9._~-]*$/.test(s) ? s : encodeURIComponent(s));
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 40 }), fc.constant(null), fc.integer(), fc.double(), fc.boolean());
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('my card has not arrived', '/credit_risk_assessment', '/portfolio_advice', 'what is an ETF?', 'cancel', '5000', 'x'.repeat(2500), '<script>alert(1)</script>', "' OR 1=1 --", '{{7*7}}'));
const csv = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 12 }), fc.array(fc.oneof(fc.double({ min: -10, max: 500, noNaN: true }), fc.constant(0), fc.constantFrom('', 'NaN', 'abc', '1e308')), { minLength: 60, maxLength: 60 }))
  .map(([cols, rows, values]) => {
    const header = `date,${Array.from({ length: cols }, (_, i) => `A${i}`).join(',')}`;
    const lines = Array.from({ length: rows }, (_, r) => `2024-01-${String(r + 1).padStart(2, '0')},${Array.from({ length: cols }, (_, c) => String(values[(r * cols + c) % values.length])).join(',')}`);
    return [header, ...lines].join('\n');
  });
const optimizeOptions = fc.record(
  {
    objective: fc.constantFrom('min-volatility', 'max-sharpe', 'efficient-risk', 'efficient-return', 'max-quadratic-utility', 'hrp', 'cla-max-sharpe', 'cla-min-volatility', 'nope'),
    returns: fc.constantFrom('mean', 'ema', 'capm', 'x'),
    risk: fc.constantFrom('sample', 'semicovariance', 'exp', 'ledoit-wolf', 'oracle-approximating', 'x'),
    target: fc.double({ min: -1, max: 2, noNaN: true }),
    bounds: fc.oneof(fc.constantFrom('0,1', '-1,1', '0.5,0.4', 'a,b'), fc.tuple(fc.double(), fc.double())),
    totalValue: fc.oneof(fc.double({ min: -10, max: 1e6, noNaN: true }), fc.string()),
    frequency: fc.integer({ min: -5, max: 400 }),
  },
  { requiredKeys: [] },
);

/** Per-route body generators: mostly well-shaped with hostile values, sometimes anything at all. */
const bodies: Record<string, fc.Arbitrary<unknown>> = {
  '/webhooks/rest/webhook': fc.record({ sender: fc.oneof(segment, fc.constant('fuzz-rest')), message: fc.oneof(text, jsonish) }, { requiredKeys: [] }),
  '/model/parse': fc.record({ text: fc.oneof(text, jsonish) }, { requiredKeys: [] }),
  '/api/v1/knowledge/search': fc.record({ query: fc.oneof(text, jsonish), k: fc.oneof(fc.integer({ min: -3, max: 80 }), jsonish), intent: fc.oneof(fc.string(), jsonish), filter: jsonish }, { requiredKeys: [] }),
  '/api/v1/credit/assess': fc.record({ model: fc.oneof(fc.constantFrom('german', 'taiwan'), fc.string()), features: fc.oneof(fc.dictionary(fc.constantFrom('duration', 'amount', 'age', 'purpose', 'LIMIT_BAL', 'AGE', 'PAY_0', 'checking_status', fc.sample(fc.string(), 1)[0]!), jsonish), jsonish) }, { requiredKeys: [] }),
  '/api/v1/portfolio/suggest': fc.record({ riskScore: fc.oneof(fc.integer({ min: -2, max: 12 }), jsonish), amount: fc.oneof(fc.double(), jsonish), horizonYears: fc.oneof(fc.integer({ min: -1, max: 80 }), jsonish), answers: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), jsonish), jsonish), holdings: fc.oneof(fc.array(fc.record({ ticker: fc.string(), value: fc.double() }), { maxLength: 5 }), jsonish) }, { requiredKeys: [] }),
  '/api/v1/portfolio/optimize': fc.oneof(fc.tuple(csv, optimizeOptions).map(([prices, o]) => ({ prices, ...o })), fc.record({ prices: fc.oneof(jsonish, fc.record({ columns: fc.array(fc.string(), { maxLength: 4 }), rows: fc.array(fc.array(jsonish, { maxLength: 4 }), { maxLength: 5 }) })) })),
  '/api/v1/sessions/:id/feedback': fc.record({ answerId: jsonish, helpful: jsonish, value: jsonish }, { requiredKeys: [] }),
  '/console/api/login': fc.record({ username: fc.string(), password: fc.string() }, { requiredKeys: [] }),
};

/** Every route the app serves (checked against the live router below) with its methods. */
const ROUTES: Array<{ method: string; path: string }> = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/webhooks/rest/webhook' },
  { method: 'DELETE', path: '/api/v1/sessions/:id' },
  { method: 'POST', path: '/api/v1/sessions/:id/feedback' },
  { method: 'GET', path: '/api/v1/sessions/:id/messages' },
  { method: 'GET', path: '/api/v1/credit/models' },
  { method: 'GET', path: '/api/v1/credit/models/:name/schema' },
  { method: 'POST', path: '/api/v1/credit/assess' },
  { method: 'POST', path: '/model/parse' },
  { method: 'POST', path: '/api/v1/knowledge/search' },
  { method: 'POST', path: '/api/v1/portfolio/suggest' },
  { method: 'POST', path: '/api/v1/portfolio/optimize' },
  { method: 'GET', path: '/kb/assets/passage.css' },
  { method: 'GET', path: '/kb/:id' },
  { method: 'GET', path: '/widget.js' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/rasa-demo.html' },
  { method: 'GET', path: '/rasa-demo.js' },
  { method: 'GET', path: '/vendor/rasa-webchat.js' },
  { method: 'GET', path: '/console/' },
  { method: 'POST', path: '/console/api/login' },
  { method: 'GET', path: '/console/api/me' },
  { method: 'GET', path: '/console/api/conversations' },
  { method: 'GET', path: '/console/api/conversations/:id' },
  { method: 'GET', path: '/console/api/auth-options' },
  { method: 'POST', path: '/console/api/logout' },
  { method: 'GET', path: '/console/auth/oidc/start' },
  { method: 'GET', path: '/console/auth/oidc/callback' },
  { method: 'GET', path: '/console/api/socket-ticket' },
  { method: 'POST', path: '/console/api/suggest' },
  { method: 'POST', path: '/console/api/conversations/:id/corrections' },
  { method: 'GET', path: '/console/api/intents' },
  { method: 'POST', path: '/console/api/passages' },
  { method: 'GET', path: '/console/api/export/intents.jsonl' },
  { method: 'GET', path: '/console/api/export/passage-questions.yaml' },
  { method: 'GET', path: '/console/api/analytics' },
  { method: 'GET', path: '/console/api/access-log' },
  { method: 'POST', path: '/console/api/live/:id/messages' },
  { method: 'GET', path: '/unknown/:id' },
];

const contentTypes = fc.constantFrom('application/json', 'application/json', 'application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'garbage/\u00ff');

const httpInput: fc.Arbitrary<HttpInput> = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.array(segment, { minLength: 2, maxLength: 2 }),
    fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    contentTypes,
    fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'bogus', 'identity') }),
    fc.oneof({ weight: 6, arbitrary: fc.constant('shaped') }, { weight: 2, arbitrary: fc.constant('any') }, { weight: 1, arbitrary: fc.constant('raw') }),
    fc.string({ maxLength: 80 }),
    fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }).map((q) => `?${q}`), fc.constantFrom('?objective=hrp', '?k=%ff', '?a[b][c]=1', '?__proto__[x]=1')),
  )
  .chain(([route, segs, otherMethod, contentType, encoding, bodyKind, rawBody, query]) => {
    let i = 0;
    // Bytes a client cannot put on the request line unescaped are percent-encoded (the server still sees %ff, %00…).
    const path = (route.path.replace(/:[a-z]+/g, () => encodeSegment(segs[i++] ?? 'x')) + query).replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
    const shaped = bodies[route.path] ?? jsonish;
    const body = bodyKind === 'raw' ? fc.constant(rawBody) : (bodyKind === 'shaped' ? shaped : fc.anything({ maxDepth: 2 })).map((v) => (contentType === 'text/csv' && typeof v === 'object' && v && 'prices' in v ? toText((v as { prices: unknown }).prices) : toText(v)));
    return body.map((b) => {
      const method = otherMethod ?? route.method;
      const headers: Record<string, string> = { 'content-type': contentType };
      if (encoding) headers['content-encoding'] = encoding;
      return { method, path, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: b }) };
    });
  });

/** A body for any generated value: strings as they are, the rest as JSON (values JSON cannot hold become null). */
function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function send(base: URL, input: HttpInput): Promise<{ status: number; ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let req: http.ClientRequest;
    try {
      req = http.request({ host: base.hostname, port: base.port, method: input.method, path: input.path, headers: input.headers, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        if (body.length < 2000) body += c.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body }));
      res.on('error', reject);
    });
    } catch (error) {
      // Node refused to send it (not a valid HTTP request): not an input the server can receive.
      resolve({ status: 0, ms: 0, body: `unsendable: ${String(error)}` });
      return;
    }
    req.setTimeout(HANG_MS * 3, () => req.destroy(new Error('hang')));
    req.on('error', (error) => resolve({ status: -1, ms: performance.now() - started, body: String(error) }));
    if (input.body !== undefined) req.write(input.body);
    req.end();
  });
}

describe('fuzzing every route and socket event (fast-check)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startMoneta({
      config: {
        chat: { rateLimitPerSessionPerMinute: 1_000_000, rateLimitPerIpPerMinute: 1_000_000 },
        limits: { httpPerIpPerMinute: 1_000_000, creditPerIpPerMinute: 1_000_000, suggestPerIpPerMinute: 1_000_000, optimizePerIpPerMinute: 1_000_000, parsePerIpPerMinute: 1_000_000, knowledgePerIpPerMinute: 1_000_000, sessionsPerIpPerMinute: 1_000_000 },
        security: { restSendersPerIpPerHour: 1_000_000 },
      } as never,
    });
  }, 180_000);
  afterAll(async () => {
    agent.destroy();
    await server?.close();
  });

  it('covers every route the live router serves', () => {
    const served: string[] = [];
    const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>): void => {
      for (const layer of stack) {
        if (layer.route) for (const m of Object.keys(layer.route.methods)) served.push(`${m.toUpperCase()} ${layer.route.path}`);
        else if (layer.handle?.stack) walk(layer.handle.stack as never);
      }
    };
    walk((server.app.app as unknown as { router: { stack: never[] } }).router.stack);
    // Routers mounted under a prefix (/console, /console/api/live) appear without it: match on the path's end.
    const covered = (route: string): boolean => {
      const [method, path] = route.split(' ') as [string, string];
      return ROUTES.some((r) => r.method === method && (r.path === path || r.path.endsWith(path)));
    };
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((r) => !covered(r))).toEqual([]);
  });

  it(`${TOTAL.toLocaleString('en')} generated inputs: 0 responses ≥ 500, 0 crashes, 0 hangs over ${HANG_MS / 1000} s (seed ${SEED})`, async () => {
    const base = new URL(server.url);
    const started = performance.now();
    const socketRuns = Math.round(TOTAL * SOCKET_SHARE);
    const httpRuns = TOTAL - socketRuns;
    const inputs = fc.sample(httpInput, { numRuns: httpRuns, seed: SEED });
    const failures: Array<{ input: HttpInput; status: number; ms: number; body: string }> = [];
    let maxMs = 0;
    let unsendable = 0;
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < inputs.length) {
          const input = inputs[next++]!;
          let res = await send(base, input);
          // A keep-alive connection the server closed after its previous answer (e.g. 413 with Connection: close) can
          // race with the next request; that is the client's reuse, not a server failure: retry once.
          if (res.status === -1 && /socket hang up|ECONNRESET/.test(res.body)) res = await send(base, input);
          if (res.status === 0) {
            unsendable++;
            continue;
          }
          latencies.push(res.ms);
          maxMs = Math.max(maxMs, res.ms);
          if (res.status >= 500 || res.status < 0 || res.ms > HANG_MS) failures.push({ input, ...res });
        }
      }),
    );
    const httpSeconds = (performance.now() - started) / 1000;

    // Socket.IO: a few connections, each sending generated events; every user_uttered must be answered within 2 s.
    const socketStarted = performance.now();
    const events = fc.sample(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ kind: fc.constant('user_uttered' as const), payload: fc.oneof({ weight: 4, arbitrary: fc.record({ message: fc.oneof(text, jsonish), customData: fc.oneof(jsonish, fc.constant(undefined)) }, { requiredKeys: [] }) }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) }), ownSession: fc.boolean() }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('session_request' as const), payload: fc.oneof(fc.record({ session_id: fc.oneof(segment, fc.constant(null), jsonish) }, { requiredKeys: [] }), fc.anything({ maxDepth: 2 })) }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('bot_uttered', 'session_confirm', 'disconnect_me', 'error')), payload: fc.anything({ maxDepth: 2 }) }) },
      ),
      { numRuns: socketRuns, seed: SEED + 1 },
    );
    let socketHangs = 0;
    const hungExamples: unknown[] = [];
    let internalErrors = 0;
    let socketMaxMs = 0;
    const lanes = 4;
    /** Sends one user_uttered and resolves whether a bot_uttered came back within HANG_MS. */
    const turn = (socket: Socket, payload: unknown): Promise<boolean> => {
      const t0 = performance.now();
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.off('bot_uttered', onReply);
          resolve(false);
        }, HANG_MS);
        const onReply = (): void => {
          clearTimeout(timer);
          socket.off('bot_uttered', onReply);
          socketMaxMs = Math.max(socketMaxMs, performance.now() - t0);
          resolve(true);
        };
        socket.on('bot_uttered', onReply);
        (socket as unknown as { emit(e: string, d: unknown): void }).emit('user_uttered', payload);
      });
    };
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const socket: Socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        let session = await new Promise<string>((resolve) => {
          socket.once('session_confirm', (id: string) => resolve(id));
          socket.emit('session_request', { session_id: null });
        });
        socket.on('session_confirm', (id: string) => (session = id));
        socket.on('bot_uttered', (m: { custom?: { type?: string; code?: string } }) => {
          if (m.custom?.type === 'error' && m.custom.code === 'internal') internalErrors++;
        });
        for (let k = lane; k < events.length; k += lanes) {
          const event = events[k]!;
          if (!socket.connected) break;
          if (event.kind === 'unknown') {
            (socket as unknown as { emit(e: string, d: unknown): void }).emit(event.name, event.payload);
          } else if (event.kind === 'session_request') {
            (socket as unknown as { emit(e: string, d: unknown): void }).emit('session_request', event.payload);
          } else {
            const payload = event.payload && typeof event.payload === 'object' && !Array.isArray(event.payload) && event.ownSession ? { ...(event.payload as object), session_id: session } : event.payload;
            // CONTRACTS §1: a text message on one's own session is always answered; a message-less or malformed
            // event may be ignored. Only the former can hang.
            const mustAnswer = event.ownSession && typeof (payload as { message?: unknown } | null)?.message === 'string';
            if (!mustAnswer) {
              (socket as unknown as { emit(e: string, d: unknown): void }).emit('user_uttered', payload);
              continue;
            }
            if (!(await turn(socket, payload))) {
              socketHangs++;
              if (hungExamples.length < 5) hungExamples.push(payload);
            }
          }
        }
        // The connection still holds a conversation after whatever it was sent.
        if (socket.connected && !(await turn(socket, { message: 'hello', session_id: session }))) socketHangs++;
        socket.disconnect();
      }),
    );
    const socketSeconds = (performance.now() - socketStarted) / 1000;
    // Still alive and healthy.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const sorted = latencies.sort((a, b) => a - b);
    const summary = {
      seed: SEED,
      httpInputs: inputs.length - unsendable,
      socketEvents: events.length,
      total: inputs.length + events.length,
      httpSeconds: +httpSeconds.toFixed(1),
      socketSeconds: +socketSeconds.toFixed(1),
      httpP50Ms: +sorted[Math.floor(sorted.length / 2)]!.toFixed(1),
      httpP99Ms: +sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1),
      httpMaxMs: +maxMs.toFixed(1),
      socketMaxReplyMs: +socketMaxMs.toFixed(1),
      failures: failures.length,
      socketHangs,
      internalErrors,
    };
    console.info(`fuzz: ${JSON.stringify(summary)}`);
    // One example per route and status, so a failure report stays readable.
    const examples = new Map<string, (typeof failures)[number]>();
    for (const f of failures) examples.set(`${f.status} ${f.input.method} ${f.input.path.split('?')[0]}`, f);
    expect([...examples.values()].slice(0, 10)).toEqual([]);
    expect(hungExamples).toEqual([]);
    expect(socketHangs).toBe(0);
    expect(internalErrors).toBe(0);
    expect(summary.total).toBeGreaterThanOrEqual(TOTAL);
  }, 300_000);
});
