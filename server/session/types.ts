/** Session stage contracts: the conversation as an append-only event log, and where it is stored. */
import type { BotMessage } from '../contracts/chat-protocol.ts';
import type { ParseResult } from '../nlu/types.ts';

/** Events are facts; current state (slots, active form, fallback count) is derived from them by the tracker. */
export type SessionEvent =
  | { type: 'session_started'; at: number }
  | { type: 'user_uttered'; at: number; text: string; parse?: ParseResult; channel?: string }
  | { type: 'bot_uttered'; at: number; message: BotMessage }
  | { type: 'slot_set'; at: number; name: string; value: unknown; form?: string }
  | { type: 'form_started'; at: number; form: string }
  | { type: 'form_ended'; at: number; form: string; reason: 'completed' | 'cancelled' | 'failed' }
  | { type: 'fallback'; at: number; reason: string }
  | { type: 'handoff'; at: number; reason: string }
  | { type: 'skill_ran'; at: number; skill: string; intent: string; ok: boolean }
  /**
   * What the knowledge skill did with a question: answered from `passages[0]` (the rest are the next best, offered
   * after a thumbs-down), asked which of `passages` was meant, or refused (`passages` = the closest topics offered).
   */
  | { type: 'knowledge'; at: number; outcome: 'answered' | 'clarified' | 'refused'; passages: string[]; score: number; answerId?: string }
  /** "Did this help?" on a knowledge answer (`answerId` of a `knowledge` event in this session). */
  | { type: 'feedback'; at: number; answerId: string; passageId: string; helpful: boolean };

/** A stored conversation. */
export interface SessionRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  events: SessionEvent[];
}

/** Persistence for conversations. Implementations must pass test/contract/session-store.contract.ts. */
export interface SessionStore {
  /** Creates an empty session with this id if none exists; returns the record. */
  create(id: string, now: number): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** Appends events in order; throws NotFoundError for an unknown session. */
  append(id: string, events: SessionEvent[], now: number): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Deletes sessions not updated since `olderThan` (epoch ms); returns how many. */
  deleteOlderThan(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
