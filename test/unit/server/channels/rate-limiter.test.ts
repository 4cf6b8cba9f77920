/** The rate-limiter factory: the same limits in memory and in Redis (a real redis-server), one budget across processes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { createRateLimiterFactory } from '../../../../server/channels/rate-limiter.ts';
import { openRedis, type RedisConnections } from '../../../../server/db/redis.ts';
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

async function consumeUntilRefused(consume: () => Promise<unknown>, max: number): Promise<number> {
  for (let i = 0; i < max; i += 1) {
    try {
      await consume();
    } catch (rejection) {
      expect(rejection).toBeInstanceOf(RateLimiterRes);
      return i;
    }
  }
  return max;
}

describe('createRateLimiterFactory', () => {
  it('gives the same limit in memory and in Redis', async () => {
    const spec = { keyPrefix: `same${Date.now()}`, points: 5, durationSeconds: 60 };
    const memory = createRateLimiterFactory()(spec);
    const shared = createRateLimiterFactory({ redis: a.commands })(spec);
    expect(await consumeUntilRefused(() => memory.consume('k'), 20)).toBe(5);
    expect(await consumeUntilRefused(() => shared.consume('k'), 20)).toBe(5);
  });

  it('counts every process against one budget in Redis', async () => {
    const spec = { keyPrefix: `both${Date.now()}`, points: 6, durationSeconds: 60 };
    const onA = createRateLimiterFactory({ redis: a.commands })(spec);
    const onB = createRateLimiterFactory({ redis: b.commands })(spec);
    let i = 0;
    const allowed = await consumeUntilRefused(() => ((i += 1) % 2 ? onA : onB).consume('k'), 20);
    expect(allowed).toBe(6);
  });

  it('rejects with an Error (not a limit hit) while Redis is away', async () => {
    const limiter = createRateLimiterFactory({ redis: a.commands })({ keyPrefix: `down${Date.now()}`, points: 5, durationSeconds: 60 });
    await redis.pause();
    try {
      await waitFor('the client to notice', () => a.commands.status !== 'ready', 5000);
      const failure = await limiter.consume('k').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Error);
    } finally {
      await redis.start();
    }
    await waitFor('reconnection', () => a.commands.status === 'ready' && b.commands.status === 'ready', 10_000);
    await expect(limiter.consume('k')).resolves.toBeDefined();
  });
});
