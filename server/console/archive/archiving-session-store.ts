/** A SessionStore decorator that also feeds the console's conversation archive, and erases it with the conversation. */
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from '../../session/types.ts';
import type { ConversationArchive } from './conversation-archive.ts';

/** Wraps `inner`; the archive sees exactly what the store accepted (after the store succeeded). */
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
    this.guard(() => this.archive.record(id, events));
  }

  async delete(id: string): Promise<boolean> {
    const existed = await this.inner.delete(id);
    this.guard(() => this.archive.forget(id));
    return existed;
  }

  async deleteOlderThan(olderThan: number): Promise<number> {
    const n = await this.inner.deleteOlderThan(olderThan);
    this.guard(() => this.archive.forgetOlderThan(olderThan));
    return n;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onError(error);
    }
  }
}
