/**
 * Rate limiting: one small `RateLimiter` interface, one factory that builds every limiter in the process (chat and
 * HTTP routes alike), and the Express middleware that applies a limiter to a route. The factory is chosen once, in the
 * composition root, from `config.limits.backend`; a shared backend (Redis) is another implementation of the same
 * factory type, so nothing that consumes limits changes when it is swapped in.
 */
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { MonetaError, RateLimitedError, ServiceUnavailableError } from '../errors.ts';

/** What a limiter decides for one request. */
export type RateLimitDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; remaining: 0; /** Milliseconds until the key gets a point back (for Retry-After). */ retryAfterMs: number };

/** A fixed-window limiter keyed by a string (session id, client address…). */
export interface RateLimiter {
  /** The rule it enforces (for logs and docs). */
  readonly rule: RateLimitRule;
  /**
   * Takes `points` (default 1) from `key`'s budget. Resolves with the decision; rejects only when the backing store
   * fails (a `ServiceUnavailableError`: the "try again" error), never for an exhausted budget.
   */
  consume(key: string, points?: number): Promise<RateLimitDecision>;
}

/** A limit: `points` per `durationSeconds` per key. `name` namespaces the keys (two rules never share a budget). */
export interface RateLimitRule {
  name: string;
  points: number;
  durationSeconds: number;
}

/** Builds limiters. One per process, built from config in the composition root and passed to every consumer. */
export type RateLimiterFactory = (rule: RateLimitRule) => RateLimiter;

/**
 * Adapts any `rate-limiter-flexible` limiter (memory, Redis, PostgreSQL…) to `RateLimiter`: an exhausted budget
 * becomes `{ allowed: false, retryAfterMs }`, a store failure (Redis away) a `ServiceUnavailableError` with the cause.
 */
export function fromRateLimiterFlexible(rule: RateLimitRule, limiter: RateLimiterAbstract): RateLimiter {
  return {
    rule,
    async consume(key, points = 1) {
      try {
        const res = await limiter.consume(key, points);
        return { allowed: true, remaining: res.remainingPoints };
      } catch (rejection) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the budget is spent, with an Error when the store fails.
        if (rejection instanceof RateLimiterRes) return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, rejection.msBeforeNext) };
        throw new ServiceUnavailableError(undefined, { cause: rejection });
      }
    },
  };
}

/** The in-process factory (the default): each limiter keeps its counters in this process's memory. */
export function createMemoryRateLimiterFactory(): RateLimiterFactory {
  return (rule) =>
    fromRateLimiterFlexible(rule, new RateLimiterMemory({ keyPrefix: rule.name, points: rule.points, duration: rule.durationSeconds }));
}

/**
 * The Redis factory (production mode, `MONETA_REDIS_URL`): every process counts against one budget per key, with the
 * same rules as in memory. No in-memory insurance limiter: while Redis is away it would silently multiply the limits
 * by the number of processes; requests get the "try again" error instead (turns need Redis for the lock anyway).
 */
export function createRedisRateLimiterFactory(redis: Redis, prefix = 'moneta:rl:'): RateLimiterFactory {
  return (rule) =>
    fromRateLimiterFlexible(rule, new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}${rule.name}`, points: rule.points, duration: rule.durationSeconds }));
}

/** Options for `createRateLimiterFactory` (the `config.limits` slice, plus the Redis connection when configured). */
export interface RateLimiterFactoryOptions {
  /**
   * Where counters live. `memory`: per process (one instance, or sticky sessions in front); `redis`: shared by every
   * process. Unset: `redis` when a Redis connection is given, else `memory`.
   */
  backend?: 'memory' | 'redis' | undefined;
  /** The command connection (fail-fast) from `openRedis`. */
  redis?: Redis | undefined;
}

/** The factory for the configured backend. The one place a backend is chosen. */
export function createRateLimiterFactory(options: RateLimiterFactoryOptions): RateLimiterFactory {
  const backend = options.backend ?? (options.redis ? 'redis' : 'memory');
  switch (backend) {
    case 'memory':
      return createMemoryRateLimiterFactory();
    case 'redis':
      if (!options.redis) throw new MonetaError('config_invalid', 'MONETA_RATE_LIMIT_BACKEND=redis needs MONETA_REDIS_URL.');
      return createRedisRateLimiterFactory(options.redis);
    default:
      throw new MonetaError('config_invalid', `Unknown rate-limit backend ${String(backend)}.`);
  }
}

/** Throws `RateLimitedError` (429, with Retry-After) when `decision` refuses. */
export function assertAllowed(decision: RateLimitDecision, message?: string): void {
  if (!decision.allowed) throw new RateLimitedError(message, { retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
}

/** Options for `rateLimit`. */
export interface RateLimitMiddlewareOptions {
  limiter: RateLimiter;
  /** The key for a request; default the client address (`req.ip`, which honours `trust proxy`). */
  key?: (req: Parameters<RequestHandler>[0]) => string | undefined;
  /** The 429 message (default: "Too many requests…"). */
  message?: string;
}

/**
 * Express middleware applying one limiter: over the limit → `RateLimitedError` (429, `Retry-After`, the usual error
 * body) through the error boundary. Requests without a key (no client address) pass.
 */
export function rateLimit(options: RateLimitMiddlewareOptions): RequestHandler {
  const keyOf = options.key ?? ((req) => req.ip);
  const message = options.message ?? 'Too many requests: please wait a moment and try again.';
  return function rateLimitMiddleware(req, _res, next) {
    const key = keyOf(req);
    if (key === undefined) {
      next();
      return;
    }
    options.limiter.consume(key).then(
      (decision) => {
        try {
          assertAllowed(decision, message);
          next();
        } catch (error) {
          next(error);
        }
      },
      next,
    );
  };
}
