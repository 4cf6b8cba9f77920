/** The rate-limiter factory's Redis backend (a real redis-server): the same limits as in memory, one budget across processes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis, type RedisConnections } from '../../../../server/db/redis.ts';
import { ConfigError, ServiceUnavailableError } from '../../../../server/errors.ts';
import { createRateLimiterFactory, type RateLimiter } from '../../../../server/limits/rate-limit.ts';
import { startRedis, waitFor, type RedisServer } from '../../../support/engines.ts';

let redis: RedisServer;
let a: RedisConnections;
let b: RedisConnections;

beforeAll(async () => {
  redis = await startRedis();
  a = await openRedis({ url: redis.url });
  b = await openRedis({ url: redis.url });
}, 30_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

async function allowedBeforeRefusal(next: () => RateLimiter, max: number): Promise<number> {
  for (let i = 0; i < max; i += 1) {
    const decision = await next().consume('k');
    if (!decision.allowed) {
      expect(decision.retryAfterMs).toBeGreaterThan(0);
      return i;
    }
  }
  return max;
}

describe('createRateLimiterFactory with Redis', () => {
  it('picks Redis when a connection is given, and gives the same limit as memory', async () => {
    const rule = { name: `same${Date.now()}`, points: 5, durationSeconds: 60 };
    const memory = createRateLimiterFactory({ backend: 'memory' })(rule);
    const shared = createRateLimiterFactory({ redis: a.commands })(rule);
    expect(await allowedBeforeRefusal(() => memory, 20)).toBe(5);
    expect(await allowedBeforeRefusal(() => shared, 20)).toBe(5);
    expect(await b.commands.exists(`moneta:rl:${rule.name}:k`)).toBe(1);
  });

  it('counts every process against one budget', async () => {
    const rule = { name: `both${Date.now()}`, points: 6, durationSeconds: 60 };
    const onA = createRateLimiterFactory({ redis: a.commands })(rule);
    const onB = createRateLimiterFactory({ redis: b.commands })(rule);
    let i = 0;
    expect(await allowedBeforeRefusal(() => ((i += 1) % 2 ? onA : onB), 20)).toBe(6);
  });

  it('gives the "try again" error while Redis is away, and recovers by itself', async () => {
    const limiter = createRateLimiterFactory({ redis: a.commands })({ name: `down${Date.now()}`, points: 5, durationSeconds: 60 });
    await redis.pause();
    try {
      await waitFor('the client to notice', () => a.commands.status !== 'ready', 5000);
      await expect(limiter.consume('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
    } finally {
      await redis.start();
    }
    await waitFor('reconnection', () => a.commands.status === 'ready' && b.commands.status === 'ready', 10_000);
    expect((await limiter.consume('k')).allowed).toBe(true);
  });
});

describe('openRedis', () => {
  it('refuses an unreachable Redis at start-up, naming MONETA_REDIS_URL and not the password', async () => {
    const failure = await openRedis({ url: 'redis://:t0p-secret-pw@127.0.0.1:1/0', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/MONETA_REDIS_URL.*127\.0\.0\.1:1\/0/);
    expect((failure as Error).message).not.toContain('t0p-secret-pw');
  });
});
