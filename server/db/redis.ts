/**
 * Redis connections for production mode (`MONETA_REDIS_URL`): one command connection (session lock, rate limits), a
 * subscriber for lock hand-over notices, and the pair the Socket.IO adapter needs. Opened once by the composition root.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';

/** Options for `openRedis`. */
export interface OpenRedisOptions {
  url: string;
  logger?: Logger;
  /** Give up on the first connection after this long (default 5 s). */
  connectTimeoutMs?: number;
}

/** Open Redis connections. */
export interface RedisConnections {
  /**
   * Commands that must fail fast while Redis is away (lock, rate limits): no offline queue, so a turn gets the "try
   * again" error at once instead of hanging; a 2 s command timeout covers a server that stops answering.
   */
  commands: Redis;
  /** Subscriber connection for the session lock's hand-over notices. */
  subscriber: Redis;
  /** Publisher and subscriber for `@socket.io/redis-adapter` (queue while disconnected, flushed on reconnect). */
  adapterPub: Redis;
  adapterSub: Redis;
  /** `host:port/db` without user or password, for logs and /healthz. */
  target: string;
  /** True when the command connection is up and answers PING (never throws). */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** `host:port/db` of a Redis URL: never the password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '6379'}${u.pathname && u.pathname !== '/' ? u.pathname : '/0'}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Connects and waits until Redis answers; fails with a ConfigError naming `MONETA_REDIS_URL` (host only) otherwise.
 * Afterwards the clients reconnect by themselves (backoff up to 1 s) whenever the connection drops.
 */
export async function openRedis(options: OpenRedisOptions): Promise<RedisConnections> {
  const target = describeRedisUrl(options.url);
  const base = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
  const commands = new Redis(options.url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2000, connectionName: 'moneta-commands' });
  const subscriber = new Redis(options.url, { ...base, maxRetriesPerRequest: null, connectionName: 'moneta-lock-sub' });
  const adapterPub = new Redis(options.url, { ...base, maxRetriesPerRequest: null, connectionName: 'moneta-io-pub' });
  const adapterSub = new Redis(options.url, { ...base, maxRetriesPerRequest: null, connectionName: 'moneta-io-sub' });
  const all = [commands, subscriber, adapterPub, adapterSub];
  let lastState = '';
  for (const client of all) {
    // Without a listener ioredis prints every reconnection error; log one line per state change instead.
    client.on('error', (err: Error) => {
      if (lastState !== 'error') options.logger?.warn({ target, err: { message: err.message } }, 'redis: connection error (reconnecting)');
      lastState = 'error';
    });
    client.on('ready', () => {
      if (lastState === 'error') options.logger?.info({ target }, 'redis: reconnected');
      lastState = 'ready';
    });
  }
  // The Socket.IO adapter publishes without awaiting; a publish rejected during shutdown must not become an unhandled
  // rejection (which would end the process).
  const publish = adapterPub.publish.bind(adapterPub);
  adapterPub.publish = ((...args: Parameters<typeof publish>) => {
    const sent = publish(...args);
    sent.catch(() => undefined);
    return sent;
  }) as typeof adapterPub.publish;
  const close = async (): Promise<void> => {
    await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
  };
  try {
    await Promise.all(all.map((c) => c.connect()));
    await commands.ping();
  } catch (error) {
    for (const c of all) c.disconnect();
    const reason = error instanceof Error ? error.message.replace(/\/\/[^@/]*@/g, '//***@') : String(error);
    throw new ConfigError(`MONETA_REDIS_URL: cannot reach Redis at ${target}: ${reason}`, { cause: error });
  }
  options.logger?.info({ target }, 'redis: connected');
  return {
    commands,
    subscriber,
    adapterPub,
    adapterSub,
    target,
    async ping(timeoutMs = 1000) {
      if (commands.status !== 'ready') return false;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([commands.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    close,
  };
}
