/** Dialogue stage contracts: what the policy sees for one turn and the plan of steps it returns. */
import type { BotMessage } from '../contracts/chat-protocol.ts';
import type { ParseResult } from '../nlu/types.ts';
import type { KnowledgeHit } from '../rag/types.ts';
import type { SessionEvent } from '../session/types.ts';
import type { TrackerState } from '../session/tracker.ts';
import type { Skill } from '../skills/skill.ts';

/** The policy's input for one turn. */
export interface TurnInput {
  sessionId: string;
  /** The user's message (or `/greet` for the synthetic greeting when a widget opens a new conversation). */
  text: string;
  parse: ParseResult;
  /** State derived from the log before this turn. */
  state: TrackerState;
  /** The log before this turn. */
  events: readonly SessionEvent[];
  now: number;
  /** How well the knowledge base answers this message (retrieval-first routing); absent for payloads or without a probe. */
  knowledge?: KnowledgeSignal | undefined;
}

/** What one knowledge search says about a message: the best passages and how sure retrieval is. */
export interface KnowledgeSignal {
  /** The text searched. */
  question: string;
  /** Passages best first (after the reranker, when one is configured). */
  hits: KnowledgeHit[];
  /** Best retrieval relevance among the hits (0..1): the quantity the routing thresholds are tuned on. */
  score: number;
  /** Lead of the first hit over the second: reranker probabilities when reranked, else the relative fusion-score lead (0..1). */
  margin: number;
  reranked: boolean;
  /** True when `score` and the hits' scores are the answer model's probabilities (server/rag/answer-model.ts). */
  calibrated?: boolean;
  /** The first passage's retrieval relevance without the NLU intent floor (0..1); absent when unknown. */
  relevance?: number;
}

/** Searches every message in the knowledge base before the policy decides (retrieval-first routing). */
export interface KnowledgeProbe {
  search(text: string, parse: ParseResult): Promise<KnowledgeSignal | undefined>;
}

/**
 * One step of a turn, executed in order by the processor:
 * - `reply`: append these events and send these messages (each message also becomes a `bot_uttered` event);
 * - `skill`: run a skill (answering `intent`, or consuming a just-completed form);
 * - `handoff`: hand the conversation to a person (webhook + `custom.handoff`);
 * - `rescue`: let `skill.rescue` answer a message the classifier could not place; when it declines (or fails), run
 *   `otherwise` (the out-of-scope reply or the fallback).
 */
export type PlanStep =
  | { kind: 'reply'; events: SessionEvent[]; replies: BotMessage[] }
  | { kind: 'skill'; skill: Skill; intent: string; completedForm?: { name: string; slots: Record<string, unknown> } }
  | { kind: 'handoff'; reason: string }
  | { kind: 'rescue'; skill: Skill; otherwise: PlanStep[] };

/** Turns a parsed message and the conversation state into steps. Pure: no I/O, so it is easy to table-test. */
export interface Policy {
  plan(input: TurnInput): PlanStep[];
  /**
   * Whether this turn's decision can use a knowledge search (retrieval-first routing). The processor skips the search
   * when the answer is no (a form answer, a confident greeting, a button payload), so those turns cost nothing extra.
   * Absent = always search.
   */
  wantsKnowledge?(input: TurnInput): boolean;
}
