/**
 * The live hand-off queue's shared state: which conversations wait for a person, since when, and who took them. In
 * process memory for one process; in Redis (one hash) when `MONETA_REDIS_URL` is set, so every process sees the same
 * queue. Taking a conversation is decided under the session lock against the event log, not here.
 */
import type { Redis } from 'ioredis';
import type { QueueEntry } from '../../contracts/console-api.ts';

/** Where the queue lives. */
export interface HandoffQueue {
  put(entry: QueueEntry): Promise<void>;
  get(sessionId: string): Promise<QueueEntry | undefined>;
  remove(sessionId: string): Promise<void>;
  /** All entries, oldest first. */
  list(): Promise<QueueEntry[]>;
}

const bySince = (a: QueueEntry, b: QueueEntry): number => a.since - b.since || a.sessionId.localeCompare(b.sessionId);

/** One process. */
export class MemoryHandoffQueue implements HandoffQueue {
  private readonly entries = new Map<string, QueueEntry>();

  async put(entry: QueueEntry): Promise<void> {
    this.entries.set(entry.sessionId, entry);
  }

  async get(sessionId: string): Promise<QueueEntry | undefined> {
    return this.entries.get(sessionId);
  }

  async remove(sessionId: string): Promise<void> {
    this.entries.delete(sessionId);
  }

  async list(): Promise<QueueEntry[]> {
    return [...this.entries.values()].sort(bySince);
  }
}

/** Shared by every process through one Redis hash (`moneta:handoff-queue`: session id → entry JSON). */
export class RedisHandoffQueue implements HandoffQueue {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { key?: string } = {},
  ) {
    this.key = options.key ?? 'moneta:handoff-queue';
  }

  async put(entry: QueueEntry): Promise<void> {
    await this.redis.hset(this.key, entry.sessionId, JSON.stringify(entry));
  }

  async get(sessionId: string): Promise<QueueEntry | undefined> {
    const raw = await this.redis.hget(this.key, sessionId);
    return raw ? (JSON.parse(raw) as QueueEntry) : undefined;
  }

  async remove(sessionId: string): Promise<void> {
    await this.redis.hdel(this.key, sessionId);
  }

  async list(): Promise<QueueEntry[]> {
    return Object.values(await this.redis.hgetall(this.key))
      .map((raw) => JSON.parse(raw) as QueueEntry)
      .sort(bySince);
  }
}
