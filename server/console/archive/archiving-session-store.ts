/** A SessionStore decorator that also feeds the console's conversation archive, and erases it with the conversation. */
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from '../../session/types.ts';
import type { ConversationArchive } from './conversation-archive.ts';

/**
 * Wraps `inner`; the archive sees exactly what the store accepted (after the store succeeded). The archive write is
 * awaited: a turn's events reach the archive before the next turn of that conversation (which the session lock orders)
 * and an erase is complete when `delete` resolves.
 */
export class ArchivingSessionStore implements SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly archive: ConversationArchive,
    /** Archive failures never fail a customer's turn; they are reported here. */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord> {
    return this.inner.create(id, now, owner);
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return this.inner.get(id);
  }

  getOwner(id: string): Promise<SessionOwner | null | undefined> {
    return this.inner.getOwner(id);
  }

  async append(id: string, events: SessionEvent[], now: number): Promise<void> {
    await this.inner.append(id, events, now);
    await this.guard(() => this.archive.record(id, events));
  }

  async delete(id: string): Promise<boolean> {
    const existed = await this.inner.delete(id);
    await this.guard(() => this.archive.forget(id));
    return existed;
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    const n = await this.inner.deleteOlderThan(olderThan);
    await this.guard(() => this.archive.forgetOlderThan(olderThan));
    return n;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.onError(error);
    }
  }
}
