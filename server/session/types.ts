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
  /** The customer asked to be called back (issue 12): stored with the conversation, sent with its transcript. */
  /** `phone` is masked (`••••4567`): the full number went to the bank's system only (`sent`), never to a store. */
  | { type: 'callback_requested'; at: number; ticket: string; time: string; phone: string; sent: boolean }
  | { type: 'skill_ran'; at: number; skill: string; intent: string; ok: boolean }
  /**
   * What the knowledge skill did with a question: answered from `passages[0]` (the rest are the next best, offered
   * after a thumbs-down), asked which of `passages` was meant, or refused (`passages` = the closest topics offered).
   */
  | { type: 'knowledge'; at: number; outcome: 'answered' | 'clarified' | 'refused'; passages: string[]; score: number; answerId?: string }
  /** "Did this help?" on a knowledge answer (`answerId` of a `knowledge` event in this session). */
  | { type: 'feedback'; at: number; answerId: string; passageId: string; helpful: boolean }
  /** A member of staff took the conversation over from the bot (live hand-off, server/console/live/). */
  | { type: 'agent_joined'; at: number; agentId: string; agentName: string }
  /** What the agent wrote to the customer (the bot stays silent while an agent is in). */
  | { type: 'agent_uttered'; at: number; agentId: string; text: string }
  /** The agent handed the conversation back to the bot, or closed it. */
  | { type: 'agent_left'; at: number; agentId: string; reason: 'hand_back' | 'closed' };

/**
 * Who may reach a conversation, as an opaque string the ownership stage (server/session/ownership.ts) computes and
 * compares: never a credential itself, only a hash of one (e.g. `anon:<sha256 of the session secret>`,
 * `sub:<sha256 of issuer and subject>`, `rest`). Stores keep it verbatim and never interpret it.
 */
export type SessionOwner = string;

/** A stored conversation. */
export interface SessionRecord {
  id: string;
  /** The owner it was created for; `null` only for conversations stored before owners existed (nobody can resume them). */
  owner: SessionOwner | null;
  createdAt: number;
  updatedAt: number;
  events: SessionEvent[];
}

/**
 * Persistence for conversations. Implementations must pass test/contract/session-store.contract.ts. The app wraps
 * every store in the masking step (server/session/masking-session-store.ts), so events arrive with personal data
 * already masked: stores persist them as given.
 */
export interface SessionStore {
  /**
   * Creates an empty session with this id and owner if none exists; returns the record. An existing session is
   * returned unchanged (its owner included): the caller compares owners, a store never re-assigns one.
   */
  create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * The owner of a session without reading its events (the ownership check runs before every access): `undefined`
   * when there is no such session, `null` for a conversation stored before owners existed.
   */
  getOwner(id: string): Promise<SessionOwner | null | undefined>;
  /** Appends events in order; throws NotFoundError for an unknown session. */
  append(id: string, events: SessionEvent[], now: number): Promise<void>;
  /** Deletes a session and its events for good (rows removed, not flagged); returns whether it existed. */
  delete(id: string): Promise<boolean>;
  /**
   * Ids of every stored conversation, least recently updated first (reports such as `moneta kb report`). Optional: a
   * store that cannot enumerate leaves it out, and the report says so.
   */
  listIds?(): Promise<string[]>;
  /** Deletes sessions not updated since `olderThan` (epoch ms); returns how many. */
  deleteOlderThan(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
