/**
 * Builds rate limiters (rate-limiter-flexible) with the same limits on either backend: in process memory (the
 * embedded default) or Redis (production mode, `MONETA_REDIS_URL`), where every process counts against one budget.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Options for one limiter. */
export interface RateLimiterSpec {
  /** Namespace of the counted keys (e.g. `session`, `ip`). */
  keyPrefix: string;
  /** Allowed events per `durationSeconds`. */
  points: number;
  durationSeconds: number;
}

/** Makes a limiter for a spec; the backend is fixed when the factory is made. */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiterAbstract;

/**
 * Returns a factory for the configured backend. With Redis, a limiter rejects with an Error (not a RateLimiterRes)
 * when Redis cannot be reached; callers turn that into the "try again" error. No in-memory insurance limiter: it
 * would silently multiply the limits by the number of processes while Redis is away.
 */
export function createRateLimiterFactory(options: { redis?: Redis | undefined; prefix?: string } = {}): RateLimiterFactory {
  const { redis } = options;
  if (!redis) return (spec) => new RateLimiterMemory({ keyPrefix: spec.keyPrefix, points: spec.points, duration: spec.durationSeconds });
  const prefix = options.prefix ?? 'moneta:rl:';
  return (spec) => new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}${spec.keyPrefix}`, points: spec.points, duration: spec.durationSeconds });
}
