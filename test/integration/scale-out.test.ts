/**
 * Scale-out on real engines, end to end: PostgreSQL 15, Redis 7, two Moneta processes (the precompiled server, real
 * models) and HAProxy 2.6, all started here on loopback with free ports and temp dirs, all stopped in afterAll.
 * - a credit questionnaire whose messages alternate between process A and B (REST straight to each; Socket.IO through
 *   the balancer as two tabs on two processes): every answer in the right slot, in order, nothing lost or duplicated;
 * - kill -9 of A mid-form: the conversation continues on B from the same question, no acknowledged message lost;
 * - Redis stopped for a few seconds: turns fail with the "try again" error (no crash, no hang) and recover by themselves;
 * - PostgreSQL unreachable at start-up: Moneta refuses to start, naming MONETA_DATABASE_URL (and not the password).
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startHaproxy, startPostgres, startRedis, waitFor, type HaproxyServer, type PostgresServer, type RedisServer } from '../support/engines.ts';
import { buildServerOnce, prepareKnowledgeIndex, removeServerBuild, startMonetaProcess, type MonetaProcess } from '../support/moneta-process.ts';

/** The credit_risk questionnaire: slot asked → the answer a customer types. */
const FORM: Array<[slot: string, answer: string]> = [
  ['purpose', 'a used car'],
  ['credit_amount', '2,500 euros'],
  ['duration_months', 'two years'],
  ['installment_rate', '2'],
  ['checking_account', 'I have no checking account'],
  ['savings', 'over 500'],
  ['employment_since', '7 years or more'],
  ['credit_history', 'Current credits paid on time so far'],
  ['existing_credits', 'just this one'],
  ['other_installment_plans', 'No'],
  ['other_debtors', 'No, just me'],
  ['property', 'real estate'],
  ['housing', 'I own it'],
  ['age', "I'm 41"],
];
const SLOTS = FORM.map(([slot]) => slot);

interface RestReply {
  text?: string;
  custom?: { type: string; slot?: string; form?: string };
}

let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let haproxy: HaproxyServer | undefined;
let a: MonetaProcess | undefined;
let b: MonetaProcess | undefined;
let db: pg.Pool | undefined;
const sockets: Socket[] = [];
let index: { dir: string; cleanup: () => void } | undefined;

beforeAll(async () => {
  const entry = buildServerOnce();
  const engines = await Promise.allSettled([startPostgres(), startRedis()]);
  postgres = engines[0].status === 'fulfilled' ? engines[0].value : undefined;
  redis = engines[1].status === 'fulfilled' ? engines[1].value : undefined;
  for (const s of engines) if (s.status === 'rejected') throw s.reason;
  index = prepareKnowledgeIndex(entry);
  const env = {
    MONETA_DATABASE_URL: postgres!.url,
    MONETA_REDIS_URL: redis!.url,
    // Every simulated customer comes from 127.0.0.1.
    MONETA_RATE_LIMIT_IP_PER_MIN: '100000',
    MONETA_RATE_LIMIT_HTTP_PER_MIN: '100000',
  };
  // The first process migrates the database; starting both at once also exercises the migration lock.
  const knowledgeIndex = index.dir;
  // allSettled: if one fails to start, the other is still assigned and stopped in afterAll.
  const started = await Promise.allSettled([startMonetaProcess({ entry, name: 'A', env, knowledgeIndex }), startMonetaProcess({ entry, name: 'B', env, knowledgeIndex })]);
  [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  haproxy = await startHaproxy([`127.0.0.1:${a!.port}`, `127.0.0.1:${b!.port}`]);
  db = new pg.Pool({ connectionString: postgres!.url, max: 2 });
}, 150_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await db?.end().catch(() => undefined);
  await Promise.all([a?.stop(), b?.stop()].map((p) => p?.catch(() => undefined)));
  await haproxy?.stop().catch(() => undefined);
  await Promise.all([redis?.stop(), postgres?.stop()].map((p) => p?.catch(() => undefined)));
  index?.cleanup();
  removeServerBuild();
}, 60_000);

async function post(base: string, sender: string, message: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender, message }), signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.json() };
}

async function say(base: string, sender: string, message: string): Promise<RestReply[]> {
  const { status, body } = await post(base, sender, message);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as RestReply[];
}

const askedSlot = (replies: readonly RestReply[]): string | undefined => replies.find((r) => r.custom?.type === 'form_question')?.custom?.slot;

/** The stored log of one conversation, straight from PostgreSQL. */
async function storedEvents(sessionId: string): Promise<Array<{ type: string; name?: string; text?: string; form?: string }>> {
  const { rows } = await db!.query<{ data: string }>('SELECT data FROM events WHERE session_id = $1 ORDER BY seq', [sessionId]);
  return rows.map((r) => JSON.parse(r.data));
}

async function socketMessagesOn(proc: MonetaProcess): Promise<number> {
  const text = await (await fetch(`${proc.url}/metrics`)).text();
  const line = text.split('\n').find((l) => /messages_total\{channel="socketio"\}/.test(l));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

function connect(url: string, transports: Array<'polling' | 'websocket'> = ['polling', 'websocket']): Promise<{ socket: Socket; received: Array<Record<string, any>> }> {
  // withCredentials: the Node client keeps cookies, like a browser on the balancer's origin (HAProxy's MONETA_SRV).
  const socket = io(url, { transports, withCredentials: true, reconnection: false, forceNew: true });
  sockets.push(socket);
  const received: Array<Record<string, any>> = [];
  socket.on('bot_uttered', (m: Record<string, any>) => received.push(m));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('connect_error', reject);
  });
}

function requestSession(socket: Socket, sessionId: string | null): Promise<string> {
  return new Promise((resolve) => {
    socket.once('session_confirm', (id: string) => resolve(id));
    socket.emit('session_request', { session_id: sessionId });
  });
}

const questions = (received: ReadonlyArray<Record<string, any>>): string[] => received.filter((m) => m.custom?.type === 'form_question').map((m) => m.custom.slot as string);

describe('several Moneta processes serving one conversation', () => {
  it('REST: a questionnaire alternating between A and B lands every answer in its slot, in order, once', async () => {
    const sender = `scale-rest-${Date.now()}`;
    let replies = await say(a!.url, sender, '/credit_risk_assessment');
    expect(askedSlot(replies)).toBe('purpose');
    for (const [i, [slot, answer]] of FORM.entries()) {
      expect(askedSlot(replies)).toBe(slot);
      replies = await say(i % 2 === 0 ? b!.url : a!.url, sender, answer);
    }
    expect(replies.find((r) => r.custom?.type === 'credit_assessment')).toBeDefined();
    const events = await storedEvents(sender);
    expect(events.filter((e) => e.type === 'slot_set' && e.form === 'credit_risk').map((e) => e.name)).toEqual(SLOTS);
    expect(events.filter((e) => e.type === 'user_uttered').map((e) => e.text)).toEqual(['/credit_risk_assessment', ...FORM.map(([, answer]) => answer)]);
    // The assessment is in the shared audit log (written behind the reply).
    await waitFor('the audit entry', async () => Number((await db!.query("SELECT count(*) AS n FROM credit_assessments WHERE source = 'chat'")).rows[0].n) >= 1, 5000);
  }, 60_000);

  it('Socket.IO through HAProxy: two tabs on two processes, messages alternating, every reply reaches both tabs in order', async () => {
    // Tab 1 stays on long-polling: every one of its requests must reach the same process (the balancer's stickiness),
    // or engine.io would answer "Session ID unknown" and the tab would lose replies.
    const tab1 = await connect(haproxy!.url, ['polling']);
    // The issued reference (`<id>.<secret>`, CONTRACTS §8) is the credential the second tab resumes with.
    const reference = await requestSession(tab1.socket, null);
    const sessionId = reference.split('.')[0]!;
    const tab2 = await connect(haproxy!.url);
    expect(await requestSession(tab2.socket, reference)).toBe(reference);
    const before = { a: await socketMessagesOn(a!), b: await socketMessagesOn(b!) };
    const tabs = [tab1, tab2];
    tab1.socket.emit('user_uttered', { message: '/credit_risk_assessment', session_id: reference });
    for (const [i, [slot, answer]] of FORM.entries()) {
      await waitFor(`question ${slot} on both tabs`, () => tabs.every((t) => questions(t.received).length === i + 1), 15_000, 10);
      for (const t of tabs) expect(questions(t.received).at(-1)).toBe(slot);
      tabs[(i + 1) % 2]!.socket.emit('user_uttered', { message: answer, session_id: reference });
    }
    await waitFor('the assessment on both tabs', () => tabs.every((t) => t.received.some((m) => m.custom?.type === 'credit_assessment')), 15_000, 10);
    expect(tab2.received).toEqual(tab1.received);
    // The two tabs really were on two processes.
    expect(await socketMessagesOn(a!)).toBeGreaterThan(before.a);
    expect(await socketMessagesOn(b!)).toBeGreaterThan(before.b);
    // Stored under the public id; the confirmed reference also carries the session secret (CONTRACTS §8).
    const events = await storedEvents(sessionId.split('.')[0]!);
    expect(events.filter((e) => e.type === 'slot_set' && e.form === 'credit_risk').map((e) => e.name)).toEqual(SLOTS);
    expect(events.filter((e) => e.type === 'user_uttered').map((e) => e.text)).toEqual(['/credit_risk_assessment', ...FORM.map(([, answer]) => answer)]);
  }, 60_000);

  it('Redis away for a few seconds: turns get the "try again" error at once, and recover by themselves', async () => {
    const sender = `scale-redis-${Date.now()}`;
    expect(askedSlot(await say(b!.url, sender, '/credit_risk_assessment'))).toBe('purpose');
    await redis!.pause();
    const down = Date.now();
    try {
      await waitFor('B to notice Redis is gone', async () => (await fetch(`${b!.url}/readyz`)).status === 503, 10_000, 50);
      const health = await (await fetch(`${b!.url}/healthz`)).json();
      expect(health).toEqual({ status: 'ok', dependencies: { postgres: 'up', redis: 'down' } });
      expect(JSON.stringify(health)).not.toContain(postgres!.password);
      // A customer retrying for three seconds: every attempt answered at once with the clear error.
      let attempts = 0;
      while (Date.now() - down < 3000 || attempts < 3) {
        const started = Date.now();
        const { status, body } = await post(b!.url, sender, FORM[0]![1]);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(status).toBe(503);
        expect(body).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(/try again/i) } });
        attempts += 1;
        await new Promise((r) => setTimeout(r, 200)); // the customer's retry pace, not a wait for a condition
      }
    } finally {
      await redis!.start();
    }
    // Both processes reconnect by themselves (A was idle all along).
    await waitFor('A and B ready again', async () => (await fetch(`${a!.url}/readyz`)).status === 200 && (await fetch(`${b!.url}/readyz`)).status === 200, 20_000, 100);
    // The failed message left nothing behind: the same question, answered now.
    expect(askedSlot(await say(b!.url, sender, FORM[0]![1]))).toBe(FORM[1]![0]);
    expect(b!.child.exitCode).toBeNull();
    expect((await storedEvents(sender)).filter((e) => e.type === 'user_uttered').map((e) => e.text)).toEqual(['/credit_risk_assessment', FORM[0]![1]]);
  }, 60_000);

  it('kill -9 of process A mid-form: the conversation continues on B from the same question, nothing acknowledged lost', async () => {
    const sender = `scale-kill-${Date.now()}`;
    let replies = await say(a!.url, sender, '/credit_risk_assessment');
    const acknowledged = ['/credit_risk_assessment'];
    for (const [, answer] of FORM.slice(0, 6)) {
      replies = await say(a!.url, sender, answer);
      acknowledged.push(answer);
    }
    expect(askedSlot(replies)).toBe(FORM[6]![0]);
    a!.child.kill('SIGKILL');
    await new Promise((r) => a!.child.once('exit', r));
    for (const [slot, answer] of FORM.slice(6)) {
      expect(askedSlot(replies)).toBe(slot);
      replies = await say(b!.url, sender, answer);
      acknowledged.push(answer);
    }
    expect(replies.find((r) => r.custom?.type === 'credit_assessment')).toBeDefined();
    const events = await storedEvents(sender);
    expect(events.filter((e) => e.type === 'user_uttered').map((e) => e.text)).toEqual(acknowledged);
    expect(events.filter((e) => e.type === 'slot_set' && e.form === 'credit_risk').map((e) => e.name)).toEqual(SLOTS);
    // The balancer notices and sends new clients to B only.
    await waitFor('HAProxy to route around A', async () => {
      const tab = await connect(haproxy!.url);
      const ok = (await requestSession(tab.socket, null)).length > 0;
      tab.socket.disconnect();
      return ok;
    }, 20_000, 200);
  }, 60_000);

  it('SIGTERM drains in-flight turns before closing the pools: every message answered or refused, every answer stored', async () => {
    const tab = await connect(b!.url, ['websocket']);
    const reference = await requestSession(tab.socket, null);
    const messages = Array.from({ length: 20 }, (_, i) => `what is an ETF? (${i})`);
    for (const message of messages) tab.socket.emit('user_uttered', { message, session_id: reference });
    // Stop once the first reply arrived: the other turns are queued or running.
    await waitFor('the first reply', () => tab.received.length > 0, 15_000, 5);
    const exited = new Promise<number | null>((resolve) => b!.child.once('exit', (code) => resolve(code)));
    b!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const refused = tab.received.filter((m) => m.custom?.type === 'error').map((m) => m.custom.code);
    expect(new Set(refused)).toEqual(new Set(refused.length ? ['model_not_ready'] : []));
    const stored = (await storedEvents(reference.split('.')[0]!)).filter((e) => e.type === 'user_uttered').map((e) => e.text);
    expect(stored.length + refused.length).toBe(messages.length);
    expect(stored).toEqual(messages.slice(0, stored.length));
    expect(stored.length).toBeGreaterThan(1); // turns after the first were still finished
    expect(b!.stderr()).not.toMatch(/pool|Cannot use a pool after calling end|Connection is closed/i);
  }, 60_000);

  it('refuses to start when PostgreSQL is unreachable, naming MONETA_DATABASE_URL and not the password', async () => {
    const closedPort = await freePort();
    const child = spawn(process.execPath, [buildServerOnce(), 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', MONETA_DATABASE_URL: `postgres://moneta:Sup3r-Secret-pw@127.0.0.1:${closedPort}/moneta`, MONETA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(output).toMatch(/MONETA_DATABASE_URL/);
    expect(output).toMatch(new RegExp(`127\\.0\\.0\\.1:${closedPort}/moneta`));
    expect(output).not.toContain('Sup3r-Secret-pw');
    expect(output).not.toMatch(/Moneta is running/);
  }, 30_000);
});
