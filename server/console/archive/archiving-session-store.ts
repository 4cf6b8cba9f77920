/** A SessionStore decorator that also feeds the console's conversation archive, and erases it with the conversation. */
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from '../../session/types.ts';
import type { ConversationArchive } from './conversation-archive.ts';

/**
 * Wraps `inner`; the archive sees exactly what the store accepted (after the store succeeded), and never fails a turn:
 * a failed archive write is reported (`onError`; `moneta console rebuild-archive` repairs it). The archive write is
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

  /**
   * The archive's copy goes first, and its failure fails the erase: the customer is told to try again rather than told
   * it is erased while a copy remains (the caller holds the session lock, so no turn re-archives it in between).
   */
  async delete(id: string): Promise<boolean> {
    await this.archive.forget(id);
    return this.inner.delete(id);
  }

  /** Retention: a failed archive clean-up is reported and done by the next run (the same cut-off catches it). */
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
