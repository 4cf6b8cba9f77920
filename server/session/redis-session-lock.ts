/**
 * The per-session lock across processes (production mode, `MONETA_REDIS_URL`): a FIFO queue per session in Redis with
 * leases. Why Redis and not PostgreSQL advisory locks: an advisory lock is held by a connection, so every waiting turn
 * would pin one pool connection (a burst on one conversation could starve the pool), and the lock would have to share
 * the session store's connection to mean anything; Redis keeps the queue outside the pool, and the Socket.IO adapter
 * and rate limits already need it. See docs/operations.md.
 *
 * How it works: on arrival a turn takes a ticket (a global INCR, so tickets follow arrival order at Redis) and joins
 * the session's sorted set with a lease. The turn runs when its ticket is at the head. Holders and waiters renew their
 * lease every `leaseMs / 3`; an entry whose lease ran out (its process died, kill -9) is dropped by the next waiter, so
 * a crash delays the conversation by at most `leaseMs`, never blocks it. Release removes the entry and publishes a
 * notice so the next waiter (on any process) tries at once instead of at its next poll. The ticket doubles as a fencing
 * token (server/session/fencing.ts): the PostgreSQL store refuses a turn's write if a later ticket has already written
 * to that conversation, so a holder that stalled past its lease cannot overwrite the order. Within one process, turns of
 * a session first queue in a local `KeyedLock`, so only one of them talks to Redis at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { runWithFence } from './fencing.ts';
import { KeyedLock, type SessionLock } from './session-lock.ts';

// KEYS: queue (zset token → ticket), leases (hash token → expiry ms), ticket counter. ARGV: token, leaseMs.
// The ticket is also the fencing token, so it must grow forever, even across a Redis restart that loses the counter:
// it never falls below the server's clock in microseconds (2^53 is centuries away).
const ENQUEUE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ticket = redis.call('INCR', KEYS[3])
local floor = tonumber(t[1]) * 1000000 + tonumber(t[2])
if ticket < floor then
  redis.call('SET', KEYS[3], string.format('%.0f', floor))
  ticket = floor
end
redis.call('ZADD', KEYS[1], ticket, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 4)
return ticket`;

// 1 = granted (head of the queue), 0 = wait, -1 = our entry is gone (Redis restarted or our lease expired).
const TRY = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ARGV[1] then
    redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
    return 1
  end
  local expiry = tonumber(redis.call('HGET', KEYS[2], head) or '0')
  if expiry >= now then return 0 end
  redis.call('ZREM', KEYS[1], head)
  redis.call('HDEL', KEYS[2], head)
end`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 4)
return 1`;

// ARGV: token, notice channel, session key. Returns how many still wait.
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local left = redis.call('ZCARD', KEYS[1])
if left > 0 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return left`;

/** Options for `RedisSessionLock`. */
export interface RedisSessionLockOptions {
  /** Command connection (fail-fast: no offline queue). */
  redis: Redis;
  /** A separate connection used only to subscribe to hand-over notices. */
  subscriber: Redis;
  /** Key prefix (default `moneta:lock:`). */
  prefix?: string;
  /** Lease length: how long a dead process can hold up its conversation (default 10 s). */
  leaseMs?: number;
  /** Give up waiting for the lock after this long (default 30 s): the turn fails with "try again". */
  acquireTimeoutMs?: number;
  /** Poll interval while waiting, in case a notice is missed (default 100 ms). */
  pollMs?: number;
  logger?: Logger;
}

/** A cross-process FIFO lock per session on Redis. */
export class RedisSessionLock implements SessionLock {
  private readonly local = new KeyedLock();
  private readonly prefix: string;
  private readonly channel: string;
  private readonly leaseMs: number;
  private readonly acquireTimeoutMs: number;
  private readonly pollMs: number;
  /** Local waiters by session key, woken by a hand-over notice. */
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly subscribed: Promise<unknown>;

  constructor(private readonly options: RedisSessionLockOptions) {
    this.prefix = options.prefix ?? 'moneta:lock:';
    this.channel = `${this.prefix}released`;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.pollMs = options.pollMs ?? 100;
    for (const [name, lua] of Object.entries({ ENQUEUE, TRY, RENEW, RELEASE })) {
      if (!(`moneta${name}` in options.redis)) options.redis.defineCommand(`moneta${name}`, { numberOfKeys: name === 'ENQUEUE' ? 3 : 2, lua });
    }
    options.subscriber.on('message', (channel: string, key: string) => {
      if (channel === this.channel) for (const wake of this.wakers.get(key) ?? []) wake();
    });
    this.subscribed = options.subscriber.subscribe(this.channel).catch((err: unknown) => options.logger?.warn({ err }, 'session lock: subscribe failed; falling back to polling'));
  }

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    return this.local.run(key, () => this.withRedisLock(key, fn));
  }

  get pending(): number {
    return this.local.pending;
  }

  idle(timeoutMs?: number): Promise<boolean> {
    return this.local.idle(timeoutMs);
  }

  async close(): Promise<void> {
    await this.subscribed;
    await this.options.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private keys(key: string): [string, string, string] {
    // One hash tag per session keeps its queue and leases in one slot (Redis Cluster); the ticket counter is global.
    return [`${this.prefix}{${key}}:queue`, `${this.prefix}{${key}}:leases`, `${this.prefix}ticket`];
  }

  private async withRedisLock<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const token = randomUUID();
    const [queue, leases, counter] = this.keys(key);
    const cmd = this.options.redis as unknown as Record<string, (...args: unknown[]) => Promise<number>>;
    const call = async (name: string, ...args: unknown[]): Promise<number> => {
      try {
        return Number(await cmd[name]!.call(this.options.redis, ...args));
      } catch (error) {
        throw new ServiceUnavailableError(undefined, { cause: error });
      }
    };
    const ticket = await call('monetaENQUEUE', queue, leases, counter, token, this.leaseMs);
    let renewal: NodeJS.Timeout | undefined;
    const renew = (): void => {
      call('monetaRENEW', queue, leases, token, this.leaseMs).then(
        (ok) => {
          if (!ok) this.options.logger?.warn('session lock: lease lost while held or waiting');
        },
        () => undefined, // Redis away: the next attempt or the turn itself reports it.
      );
    };
    renewal = setInterval(renew, Math.max(50, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    try {
      await this.waitForTurn(key, token, queue, leases, call);
      // The ticket is the fencing token: a fencing store refuses writes older than one it has accepted.
      return await runWithFence(ticket, fn);
    } finally {
      clearInterval(renewal);
      renewal = undefined;
      await call('monetaRELEASE', queue, leases, token, this.channel, key).catch((err: unknown) => {
        // Not fatal: the lease runs out and the next waiter drops the entry.
        this.options.logger?.warn({ err }, 'session lock: release failed; the lease will expire');
      });
    }
  }

  private async waitForTurn(key: string, token: string, queue: string, leases: string, call: (name: string, ...args: unknown[]) => Promise<number>): Promise<void> {
    const deadline = Date.now() + this.acquireTimeoutMs;
    for (;;) {
      const state = await call('monetaTRY', queue, leases, token, this.leaseMs);
      if (state === 1) return;
      if (state === -1) throw new ServiceUnavailableError('Sorry, I lost track of this conversation for a moment. Please send your message again.');
      if (Date.now() > deadline) throw new ServiceUnavailableError('Sorry, this conversation is busy. Please try again in a moment.');
      await this.sleepUntilNotice(key, this.pollMs);
    }
  }

  private sleepUntilNotice(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.wakers.get(key);
      if (!set) this.wakers.set(key, (set = new Set()));
      const wake = (): void => {
        clearTimeout(timer);
        set!.delete(wake);
        if (set!.size === 0 && this.wakers.get(key) === set) this.wakers.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }
}
