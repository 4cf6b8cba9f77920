/**
 * Forms (slot filling) declared as data: each slot is a question with an input type, a parser and a "why we ask".
 * The credit and risk-profile questionnaires are FormSpecs; the dialogue engine owns asking, re-asking,
 * corrections and cancel, so skills only declare questions and consume the filled slots.
 */
import type { FormInput } from '../contracts/chat-protocol.ts';
import type { Entity } from '../nlu/types.ts';

/**
 * A parsed answer, or a short reason it does not fit (shown before the question is asked again). `expected` states the
 * allowed values as a phrase ("between 4 and 72 months") when the answer was understood but out of range, so other
 * messages can name the constraint ("I noted 500 months, but the duration must be between 4 and 72 months.").
 */
export type SlotParse<T = unknown> = { ok: true; value: T } | { ok: false; error: string; expected?: string };

export interface SlotParseContext {
  /** Entities the NLU found in the answer. */
  entities: Entity[];
  /** Slots filled so far (for cross-field checks). */
  filled: Readonly<Record<string, unknown>>;
}

/**
 * How a bare number (a `number` entity: no unit, no currency) may fill a slot from the starting message; by default it
 * never does, since "24" alone could be months, years, euros or a count.
 * - `'money'`: the message's only bare number that reads like a sum of money: at least 100 and not a year
 *   ("I have 20,000 to invest"; not "I have 2 kids", not "retiring in 2040", not "300 or 500");
 * - `{ before }`: a bare number right before one of these words, plural "s" optional ("2 dependants", "3 credits").
 */
export type BareNumberRule = 'money' | { before: readonly string[] };

/**
 * Which entities of the message that starts a form may fill a slot before its question is asked (Rasa's
 * `from_entity` slot mapping). The entity's own words are run through the slot's parser, so range and format checks
 * are the slot's; an out-of-range value is not kept but mentioned. An entity that two slots could take, or a slot
 * offered two different values, is left alone (the question is asked instead).
 */
export interface SlotPrefill {
  /** Entity types the slot takes, best first (`amount`, `duration`, `age`, `percentage`, `count`…; see nlu/types.ts). */
  entities: readonly string[];
  /** Whether (and how) a bare number may fill the slot too. */
  bareNumber?: BareNumberRule;
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
  /** Entities of the form's starting message that may answer this question in advance (see SlotPrefill). */
  prefill?: SlotPrefill;
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
