/** Skill contract: a capability that handles some intents and (optionally) owns forms. */
import type { BotMessage } from '../contracts/chat-protocol.ts';
import type { FormSpec } from '../dialogue/forms.ts';
import type { KnowledgeSignal } from '../dialogue/types.ts';
import type { ParseResult } from '../nlu/types.ts';
import type { SessionEvent } from '../session/types.ts';

/** What a skill sees for one turn. */
export interface SkillContext {
  sessionId: string;
  /** The parse of the current message. */
  parse: ParseResult;
  /** The user's text. */
  text: string;
  /** The intent the policy routed this turn on (may differ from `parse.intent`, e.g. "10-4" → affirm). */
  intent?: string;
  /** The conversation so far (read-only). */
  events: readonly SessionEvent[];
  /** When a form owned by this skill has just completed: its name and the filled slots. */
  completedForm?: { name: string; slots: Record<string, unknown> };
  now: number;
  signal?: AbortSignal;
  /** The knowledge search of this message made before routing (retrieval-first), reused instead of searching again. */
  knowledge?: KnowledgeSignal | undefined;
}

/** New events to append and replies to send, in order. */
export interface SkillResult {
  events: SessionEvent[];
  replies: BotMessage[];
}

export interface Skill {
  readonly name: string;
  /** Intents this skill answers directly. */
  readonly intents: readonly string[];
  /** Forms this skill declares; when one completes, `run` is called with `completedForm`. */
  readonly forms?: readonly FormSpec[];
  run(ctx: SkillContext): Promise<SkillResult>;
  /**
   * A second opinion on a message the classifier sent to the out-of-scope reply or the fallback: answer it only when
   * confident without the intent (e.g. a strong knowledge match), else return `undefined` and the policy's reply
   * stands. The policy asks the skill named in its `rescueSkill` option.
   */
  rescue?(ctx: SkillContext): Promise<SkillResult | undefined>;
  dispose?(): Promise<void>;
}
