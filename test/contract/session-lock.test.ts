/**
 * Runs the SessionLock contract against the in-process KeyedLock and the Redis lock (a real redis-server started
 * here), then what only the cross-process lock must do: order and exclusion across processes (two lock instances on
 * their own connections), recovery from a dead holder, and the "try again" error while Redis is away.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis, type RedisConnections } from '../../server/db/redis.ts';
import { ServiceUnavailableError } from '../../server/errors.ts';
import { currentFence } from '../../server/session/fencing.ts';
import { RedisSessionLock } from '../../server/session/redis-session-lock.ts';
import { KeyedLock } from '../../server/session/session-lock.ts';
import { startRedis, waitFor, type RedisServer } from '../support/engines.ts';
import { describeSessionLock } from './session-lock.contract.ts';

let redis: RedisServer;
const opened: RedisConnections[] = [];
let prefixes = 0;

async function connections(): Promise<RedisConnections> {
  const c = await openRedis({ url: redis.url });
  opened.push(c);
  return c;
}

/** A lock as one process would hold it: its own connections, a shared key prefix. */
async function processLock(prefix: string, options: { leaseMs?: number; acquireTimeoutMs?: number } = {}): Promise<{ lock: RedisSessionLock; conn: RedisConnections }> {
  const conn = await connections();
  return { lock: new RedisSessionLock({ redis: conn.commands, subscriber: conn.subscriber, prefix, ...options }), conn };
}

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  await redis?.stop();
});

describeSessionLock('KeyedLock', () => new KeyedLock());
describeSessionLock('RedisSessionLock', async () => (await processLock(`t${(prefixes += 1)}:`)).lock);

describe('RedisSessionLock across processes', () => {
  it('two processes alternating on one conversation run one at a time, in arrival order', async () => {
    const prefix = `x${(prefixes += 1)}:`;
    const a = await processLock(prefix);
    const b = await processLock(prefix);
    const probe = new Redis(redis.url);
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const tasks: Array<Promise<void>> = [];
    for (let i = 0; i < 12; i += 1) {
      const which = i % 2 === 0 ? a : b;
      tasks.push(
        which.lock.run('conv', async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 15));
          order.push(i);
          running -= 1;
        }),
      );
      // The next message arrives after this one reached Redis (its ticket is taken): that is "arrival order".
      await waitFor(`message ${i} queued`, async () => order.length + (await probe.zcard(`${prefix}{conv}:queue`)) >= i + 1, 5000, 2);
    }
    await Promise.all(tasks);
    probe.disconnect();
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(maxRunning).toBe(1);
  });

  it('runs each turn with a fencing token that grows across processes and across a Redis restart', async () => {
    const prefix = `f${(prefixes += 1)}:`;
    const a = await processLock(prefix);
    const b = await processLock(prefix);
    const tokens: number[] = [];
    for (let i = 0; i < 6; i += 1) tokens.push((await (i % 2 ? a : b).lock.run('conv', () => currentFence()))!);
    await redis.pause();
    await redis.start(); // no persistence: the counter is gone
    await waitFor('reconnection', () => a.conn.commands.status === 'ready', 10_000);
    tokens.push((await a.lock.run('conv', () => currentFence()))!);
    for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
    expect(Number.isSafeInteger(tokens.at(-1))).toBe(true);
  });

  it('a process that dies holding the lock delays the conversation by at most the lease, never blocks it', async () => {
    const prefix = `d${(prefixes += 1)}:`;
    const dying = await processLock(prefix, { leaseMs: 400 });
    const survivor = await processLock(prefix, { leaseMs: 400 });
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    // The holder's connection drops for good while it holds the lock (what kill -9 looks like from Redis).
    void dying.lock.run('conv', async () => {
      entered();
      await new Promise(() => undefined);
    });
    await holding;
    dying.conn.commands.disconnect();
    dying.conn.subscriber.disconnect();
    const started = Date.now();
    await expect(survivor.lock.run('conv', () => 'served')).resolves.toBe('served');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('fails fast with the "try again" error while Redis is away, and works again when it is back', async () => {
    const { lock, conn } = await processLock(`r${(prefixes += 1)}:`);
    await redis.pause();
    try {
      await waitFor('the client to notice', () => conn.commands.status !== 'ready', 5000);
      const started = Date.now();
      const failure = await lock.run('conv', () => 'never').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await redis.start();
    }
    await waitFor('reconnection', () => conn.commands.status === 'ready', 10_000);
    await expect(lock.run('conv', () => 'back')).resolves.toBe('back');
  });
});
