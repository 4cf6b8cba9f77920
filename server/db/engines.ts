/**
 * Production mode's engines, chosen from config: PostgreSQL (`MONETA_DATABASE_URL`: sessions, credit audit log) and
 * Redis (`MONETA_REDIS_URL`: Socket.IO adapter, cross-process session lock, rate limits). Either may be used alone;
 * with neither, Moneta runs embedded (SQLite, in-process state) exactly as before. Opened before the models load,
 * so an unreachable database stops start-up at once with a message naming its variable.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import type { MonetaIoServer } from '../channels/socketio.ts';
import { createRateLimiterFactory, type RateLimiterFactory } from '../limits/rate-limit.ts';
import type { MonetaConfig } from '../config/index.ts';
import type { DependencyProbe } from '../http/health-router.ts';
import type { Logger } from '../observability/logger.ts';
import { RedisSessionLock } from '../session/redis-session-lock.ts';
import type { SessionLock } from '../session/session-lock.ts';
import { openPostgres, type PostgresDatabase } from './postgres.ts';
import { openRedis, type RedisConnections } from './redis.ts';

/** What the configured engines contribute to the app. */
export interface Engines {
  postgres?: PostgresDatabase;
  redis?: RedisConnections;
  sessionLock?: SessionLock;
  rateLimiters?: RateLimiterFactory;
  socketAdapter?: (io: MonetaIoServer) => void;
  dependencies: DependencyProbe[];
  /** Ends the pools and connections (call last on shutdown). */
  close(): Promise<void>;
}

/** Opens (and migrates) the configured engines; throws ConfigError naming the variable when one is unusable. */
export async function openEngines(config: MonetaConfig, logger?: Logger): Promise<Engines> {
  const dependencies: DependencyProbe[] = [];
  let postgres: PostgresDatabase | undefined;
  let redis: RedisConnections | undefined;
  try {
    if (config.database.url) {
      postgres = await openPostgres({ url: config.database.url, poolSize: config.database.poolSize, ...(logger ? { logger } : {}) });
      const db = postgres;
      dependencies.push({ name: 'postgres', check: () => db.ping(1000) });
    }
    if (config.redis.url) {
      redis = await openRedis({ url: config.redis.url, ...(logger ? { logger } : {}) });
      const r = redis;
      dependencies.push({ name: 'redis', check: () => r.ping(1000) });
    }
  } catch (error) {
    await postgres?.close().catch(() => undefined);
    throw error;
  }
  const r = redis;
  return {
    ...(postgres ? { postgres } : {}),
    ...(r
      ? {
          redis: r,
          sessionLock: new RedisSessionLock({ redis: r.commands, subscriber: r.subscriber, ...(logger ? { logger } : {}) }),
          rateLimiters: createRateLimiterFactory({ backend: config.limits.backend, redis: r.commands }),
          // The pub/sub adapter, not the streams adapter: the conversation log in the session store is the record a
          // reconnecting client resumes from, so Socket.IO's own connection-state recovery (the streams adapter's
          // advantage) adds nothing, and plain pub/sub keeps nothing in Redis memory.
          socketAdapter: (io: MonetaIoServer) => {
            io.adapter(createAdapter(r.adapterPub, r.adapterSub, { key: 'moneta:io' }));
          },
        }
      : {}),
    dependencies,
    async close() {
      await r?.close();
      await postgres?.close();
    },
  };
}
