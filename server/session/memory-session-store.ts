/** In-memory SessionStore for tests, the bench and `MONETA_SESSION_STORE=memory` (conversations are lost on restart). */
import { NotFoundError } from '../errors.ts';
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from './types.ts';

/** Keeps sessions in a Map; returns copies so callers cannot mutate stored state. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  async create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord> {
    let record = this.sessions.get(id);
    if (!record) {
      record = { id, owner, createdAt: now, updatedAt: now, events: [] };
      this.sessions.set(id, record);
    }
    return copy(record);
  }

  async listIds(): Promise<string[]> {
    return [...this.sessions.values()].sort((a, b) => a.updatedAt - b.updatedAt).map((r) => r.id);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const record = this.sessions.get(id);
    return record && copy(record);
  }

  async getOwner(id: string): Promise<SessionOwner | null | undefined> {
    return this.sessions.get(id)?.owner;
  }

  async append(id: string, events: SessionEvent[], now: number): Promise<void> {
    const record = this.sessions.get(id);
    if (!record) throw new NotFoundError('Unknown session.');
    // structuredClone: the stored log must not change if the caller later mutates the objects it passed in.
    record.events.push(...structuredClone(events));
    record.updatedAt = now;
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    let removed = 0;
    for (const [id, record] of this.sessions) {
      if (record.updatedAt < olderThan) {
        this.sessions.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}

function copy(record: SessionRecord): SessionRecord {
  return { ...record, events: structuredClone(record.events) };
}
