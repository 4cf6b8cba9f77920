/**
 * Forms (slot filling) declared as data: each slot is a question with an input type, a parser and a "why we ask".
 * The credit and risk-profile questionnaires are FormSpecs; the dialogue engine owns asking, re-asking,
 * corrections and cancel, so skills only declare questions and consume the filled slots.
 */
import type { FormInput } from '../contracts/chat-protocol.ts';
import type { Entity } from '../nlu/types.ts';

/** A parsed answer, or a short reason it does not fit (shown before the question is asked again). */
export type SlotParse<T = unknown> = { ok: true; value: T } | { ok: false; error: string };

export interface SlotParseContext {
  /** Entities the NLU found in the answer. */
  entities: Entity[];
  /** Slots filled so far (for cross-field checks). */
  filled: Readonly<Record<string, unknown>>;
}

export interface FormSlot<T = unknown> {
  /** Slot (feature / question) name, as sent in `form_question.slot`. */
  name: string;
  /** The question as asked in chat. */
  question: string;
  /** Answer to "why do you ask?" for this question. */
  why: string;
  input: FormInput;
  /** Turns the user's answer (text or a button payload) into a value. */
  parse(answer: string, ctx: SlotParseContext): SlotParse<T>;
  /** Skip the question when this returns false (e.g. no follow-up on a "no"). */
  askIf?(filled: Readonly<Record<string, unknown>>): boolean;
  /** Words that identify this slot in a correction ("actually, make the duration 24 months"). */
  aliases?: string[];
  /** Renders a stored value for confirmations ("duration: 24 months"). */
  format?(value: T): string;
}

export interface FormSpec {
  /** Form name as in `form_question.form` (e.g. "credit_risk", "risk_profile"). */
  name: string;
  /** Intents that start the form. */
  triggerIntents: string[];
  /** Said once when the form starts. */
  intro: string;
  slots: FormSlot[];
}
