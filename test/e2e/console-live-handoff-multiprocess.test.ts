/**
 * Live hand-off across processes, in real Chromium: the customer's widget talks to process A, the agent's console to
 * process B; both share PostgreSQL (conversations), Redis (session lock, the Socket.IO adapter, the hand-off queue) —
 * the scale-out set-up of test/support (real engines on loopback, temp dirs, stopped in afterAll). The agent sees the
 * hand-off within 1 s, the customer sees the agent's message within 1 s, the bot stays silent and resumes after the
 * hand-back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStaffUserStore } from '../../server/console/auth/staff-users.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import { TEXTS } from '../../server/response/templates.ts';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../support/engines.ts';
import { buildServerOnce, prepareKnowledgeIndex, removeServerBuild, startMonetaProcess, type MonetaProcess } from '../support/moneta-process.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/browser.ts';
import { widgetPage } from './support/widget-page.ts';

const PASSWORD = 'a long enough password';
let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let a: MonetaProcess | undefined;
let b: MonetaProcess | undefined;
let browser: Browser | undefined;
let index: { dir: string; cleanup: () => void } | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  const entry = buildServerOnce();
  const engines = await Promise.allSettled([startPostgres(), startRedis()]);
  postgres = engines[0].status === 'fulfilled' ? engines[0].value : undefined;
  redis = engines[1].status === 'fulfilled' ? engines[1].value : undefined;
  for (const s of engines) if (s.status === 'rejected') throw s.reason;
  index = prepareKnowledgeIndex(entry);
  // Each process keeps its console file (archive) in its own data dir; staff accounts are in the shared PostgreSQL.
  const dataDir = (name: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `moneta-console-${name}-`));
    dirs.push(dir);
    return dir;
  };
  const dirA = dataDir('a');
  const dirB = dataDir('b');
  // As `moneta console add-user` does in production mode: the account is made once, in PostgreSQL (migrated here first).
  const shared = await openPostgres({ url: postgres!.url, poolSize: 1 });
  try {
    await new PostgresStaffUserStore(shared.pool).upsert({ username: 'anna', displayName: 'Anna', role: 'agent', password: PASSWORD });
  } finally {
    await shared.close();
  }
  const env = {
    MONETA_DATABASE_URL: postgres!.url,
    MONETA_REDIS_URL: redis!.url,
    MONETA_CONSOLE_SESSION_SECRET: 'a shared console secret of at least 32 chars',
    MONETA_RATE_LIMIT_IP_PER_MIN: '100000',
    MONETA_RATE_LIMIT_HTTP_PER_MIN: '100000',
  };
  const started = await Promise.allSettled([
    startMonetaProcess({ entry, name: 'A', env: { ...env, MONETA_DATA_DIR: dirA }, knowledgeIndex: index.dir }),
    startMonetaProcess({ entry, name: 'B', env: { ...env, MONETA_DATA_DIR: dirB }, knowledgeIndex: index.dir }),
  ]);
  [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await Promise.all([a?.stop(), b?.stop()].map((p) => p?.catch(() => undefined)));
  await Promise.all([redis?.stop(), postgres?.stop()].map((p) => p?.catch(() => undefined)));
  index?.cleanup();
  removeServerBuild();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function page(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

describe('live hand-off across two processes', () => {
  it('customer on A, agent on B: queue, accept, messages both ways within 1 s, bot silent, then back to the bot', async () => {
    const agent = await page();
    await agent.goto(`${b!.url}/console/`);
    await agent.getByLabel('Username').fill('anna');
    await agent.getByLabel('Password').fill(PASSWORD);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('status').filter({ hasText: 'waiting' }).waitFor();

    const customer = await page();
    await customer.goto(`${a!.url}/`);
    const w = widgetPage(customer);
    await w.launcher.click();
    await w.send('I want to talk to a person');
    const sent = Date.now();
    const entry = agent.locator('.queue-list > li').filter({ hasText: 'talk to a person' });
    await entry.waitFor({ timeout: 1000 });
    const seenMs = Date.now() - sent;
    await w.waitForBot(/You're number 1 in the queue/);

    await agent.bringToFront();
    await entry.getByRole('button', { name: 'Accept' }).click();
    await w.waitForBot('Anna from Moneta Bank joined the conversation.');
    await agent.getByLabel('Message to the customer').fill('Hello from process B.');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    const wrote = Date.now();
    await w.botBubbles.filter({ hasText: 'Hello from process B.' }).waitFor({ timeout: 1000 });
    const deliveredMs = Date.now() - wrote;

    const botCount = await w.botBubbles.count();
    await w.send('is my card blocked?');
    await agent.locator('.live .transcript li').filter({ hasText: 'is my card blocked?' }).waitFor({ timeout: 1000 });
    await agent.getByLabel('Message to the customer').fill('No, it is active.');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await w.botBubbles.filter({ hasText: 'No, it is active.' }).waitFor();
    expect(await w.botBubbles.count()).toBe(botCount + 1);

    await agent.getByRole('button', { name: 'Hand back to the assistant' }).click();
    await w.waitForBot(TEXTS.agentHandedBack);
    const before = await w.botBubbles.count();
    await w.send('what is an ETF?');
    await expect.poll(() => w.botBubbles.count(), { timeout: 15_000 }).toBeGreaterThan(before);
    console.log(`across processes: agent saw the hand-off after ${seenMs} ms; customer saw the agent's message after ${deliveredMs} ms`);
    expect(seenMs).toBeLessThanOrEqual(1000);
    expect(deliveredMs).toBeLessThanOrEqual(1000);
  }, 120_000);
});
