/**
 * The generic form (slot-filling) mechanism for every questionnaire (CONTRACTS §1): asks each question as a text event
 * plus a `form_question` event, re-asks after an invalid answer, explains "why do you ask?", applies corrections
 * ("actually, make the duration 24 months"), leaves on "cancel", and hands the filled slots to the owning skill.
 */
import type { BotMessage } from '../contracts/chat-protocol.ts';
import type { Entity } from '../nlu/types.ts';
import { customMessage, quickReply, textMessage } from '../response/render.ts';
import type { SessionEvent } from '../session/types.ts';
import type { Skill } from '../skills/skill.ts';
import type { FormSlot, FormSpec, SlotParse } from './forms.ts';
import { prefillAcknowledgement, prefillFromMessage } from './prefill.ts';
import { slotLabel } from './slots.ts';
import type { PlanStep, TurnInput } from './types.ts';

/** A form and the skill that owns it (its `run` gets `completedForm`). */
export interface RegisteredForm {
  spec: FormSpec;
  skill: Skill;
}

/** The result of offering a message to the active form. */
export type FormOutcome =
  | { handled: true; steps: PlanStep[] }
  /** The message is not an answer; the policy may route it as an intent and then `reask`, or show `error` and re-ask. */
  | { handled: false; error: string };

const CANCEL =
  /^\s*(?:ok(?:ay)?[,\s]+)?(?:please\s+)?(?:cancel|stop|quit|exit|abort|never ?mind|forget (?:it|about it)|i (?:want|would like|'d like) to (?:stop|cancel|quit)|(?:let'?s )?stop (?:here|now)|i(?:'ve| have) changed my mind)(?:\s+(?:it|this|that|the (?:form|questionnaire|questions|assessment)|please|now|thanks))*[\s.!]*$/i;
const WHY =
  /^\s*(?:but\s+|and\s+|so\s+)?(?:why\??|why (?:do|would|did|are) (?:you|u) (?:ask|need|want|asking|needing)\b.*|why (?:is|does) (?:this|that|it) (?:matter|needed|relevant|important|necessary)\b.*|why (?:should|must|do) i (?:tell|answer|say|give|need)\b.*|what(?:'s| is| do you need) (?:this|that|it) for\b.*|what for|how is (?:this|that|it) relevant\b.*|why that|why this)[\s?.!]*$/i;
const CORRECTION_CUE =
  /\b(?:actually|change|changed|make|set|update|correct|correction|i meant|meant to say|should (?:be|have been)|instead|sorry|oops|wrong|mistake)\b/i;
/** Joining words between a slot's name and its new value ("change my age *to* 40", "duration *should be* 24"). */
const VALUE_LEAD = /^\s*(?:'s\b)?\s*[,:=]?\s*(?:(?:to|is|be|as|of|at|into|should be|must be|will be)\b|->|=)?\s*[,:]?\s*/i;

/** True when the message asks to leave the form. */
export const isCancelRequest = (text: string): boolean => CANCEL.test(text) || /^\/(?:cancel|stop)\b/.test(text.trim());
/** True when the message asks why the question is asked. */
export const isWhyRequest = (text: string): boolean => WHY.test(text) || /^\/why\b/.test(text.trim());

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A correction found in a message: which slot, and the part of the text that holds the new value. */
export interface DetectedCorrection {
  slot: FormSlot;
  valueText: string;
  /** Where `valueText` starts in the message (to keep entity spans aligned). */
  valueStart: number;
  /** The text without the slot's name and correction words, tried when `valueText` does not parse. */
  alternativeText: string;
}

/**
 * Finds "actually, make the duration 24 months" / "change my age to 40": a correction cue plus the name or an alias of
 * one of the form's slots (longest alias wins). Returns undefined when either is missing.
 */
export function detectCorrection(text: string, spec: FormSpec): DetectedCorrection | undefined {
  if (!CORRECTION_CUE.test(text)) return undefined;
  let best: { slot: FormSlot; start: number; end: number } | undefined;
  for (const slot of spec.slots) {
    const names = [...(slot.aliases ?? []), slot.name, slot.name.replace(/[_-]+/g, ' ')];
    for (const alias of names) {
      const match = new RegExp(`\\b${escapeRegExp(alias.toLowerCase())}s?\\b`, 'i').exec(text);
      if (match && (!best || match[0].length > best.end - best.start)) {
        best = { slot, start: match.index, end: match.index + match[0].length };
      }
    }
  }
  if (!best) return undefined;
  const after = text.slice(best.end);
  const lead = VALUE_LEAD.exec(after)?.[0].length ?? 0;
  const valueText = after.slice(lead).trim();
  const alternativeText = `${text.slice(0, best.start)} ${after}`.replace(new RegExp(CORRECTION_CUE.source, 'gi'), ' ').replace(/\b(?:my|the|it|please)\b/gi, ' ').replace(/\s+/g, ' ').trim();
  return { slot: best.slot, valueText, valueStart: best.end + lead, alternativeText };
}

/** The slots that apply given the answers so far (a slot with `askIf` returning false is skipped). */
export function applicableSlots(spec: FormSpec, filled: Readonly<Record<string, unknown>>): FormSlot[] {
  return spec.slots.filter((s) => s.askIf?.(filled) ?? true);
}

/** The next question to ask, or undefined when the form is complete. */
export function nextSlot(spec: FormSpec, filled: Readonly<Record<string, unknown>>): FormSlot | undefined {
  return applicableSlots(spec, filled).find((s) => !(s.name in filled));
}

/**
 * "Question k of n" for `slot`: k and n count the questions the customer is actually asked — answers given in advance
 * (prefilled from the opening message, or by a correction) are left out of both, so the count neither jumps nor stops
 * short (issue 12). `asked` are the slots already asked in this form (the tracker's `activeForm.asked`).
 */
export function formProgress(
  spec: FormSpec,
  slot: FormSlot,
  filled: Readonly<Record<string, unknown>>,
  asked: readonly string[] = [],
): { step: number; total: number } | undefined {
  const applicable = applicableSlots(spec, filled);
  if (!applicable.includes(slot)) return undefined;
  const answered = applicable.filter((s) => s !== slot && s.name in filled && asked.includes(s.name)).length;
  const remaining = applicable.filter((s) => s === slot || !(s.name in filled)).length;
  return { step: answered + 1, total: answered + remaining };
}

/** The text event (with quick replies for choices) and the `form_question` event for one question. */
export function questionMessages(
  spec: FormSpec,
  slot: FormSlot,
  filled: Readonly<Record<string, unknown>>,
  asked: readonly string[] = [],
): BotMessage[] {
  const progress = formProgress(spec, slot, filled, asked);
  const buttons = slot.input.type === 'choice' ? slot.input.options.map((o) => quickReply(o.title, o.payload)) : undefined;
  return [
    textMessage(slot.question, buttons),
    customMessage({
      type: 'form_question',
      form: spec.name,
      slot: slot.name,
      input: slot.input,
      ...(progress ?? {}),
    }),
  ];
}

/** A readable name for a form in messages: "credit_risk" → "credit risk questionnaire". */
export function formTitle(spec: FormSpec): string {
  return `${spec.name.replace(/[_-]+/g, ' ')} questionnaire`;
}

function formatValue(slot: FormSlot, value: unknown): string {
  return slot.format ? slot.format(value) : String(value);
}

/** Runs forms: starting, continuing with an answer, re-asking, completing. Stateless: state comes from the tracker. */
export class FormRunner {
  /**
   * Starts `form`: intro, then the first unanswered question. Trigger entities named like slots (`/intent{"age": 40}`)
   * prefill them silently (a client chose them); entities of the message a slot declares in `prefill` ("borrow 5,000
   * euros for 2 years") prefill it too, acknowledged before the first question ("Got it: amount 5,000 EUR, …").
   */
  start(form: RegisteredForm, input: TurnInput): PlanStep[] {
    const { spec } = form;
    const events: SessionEvent[] = [{ type: 'form_started', at: input.now, form: spec.name }];
    const filled: Record<string, unknown> = {};
    const set = (slot: FormSlot, value: unknown): void => {
      filled[slot.name] = value;
      events.push({ type: 'slot_set', at: input.now, name: slot.name, value, form: spec.name });
    };
    for (const entity of input.parse.entities.filter((e) => e.extractor === 'trigger')) {
      const slot = spec.slots.find((s) => s.name === entity.entity);
      if (!slot) continue;
      const parsed = slot.parse(String(entity.value), { entities: [], filled });
      if (parsed.ok) set(slot, parsed.value);
    }
    const prefilled = prefillFromMessage(spec, input.parse.text, input.parse.entities, filled);
    for (const { slot, value } of prefilled.filled) set(slot, value);
    const acknowledgement = prefillAcknowledgement(prefilled);
    const replies = [textMessage(spec.intro), ...(acknowledgement ? [textMessage(acknowledgement)] : [])];
    return [{ kind: 'reply', events, replies }, ...this.advance(form, filled, input.now)];
  }

  /** Offers the user's message to the active form (see FormOutcome). */
  continue(form: RegisteredForm, filled: Readonly<Record<string, unknown>>, input: TurnInput): FormOutcome {
    const { spec } = form;
    const { text, now } = input;
    const asked = input.state.activeForm?.asked ?? [];
    if (isCancelRequest(text)) return { handled: true, steps: [this.cancel(form, now)] };
    const current = nextSlot(spec, filled);
    if (!current) return { handled: true, steps: this.advance(form, filled, now, asked) };
    if (isWhyRequest(text)) {
      return { handled: true, steps: [{ kind: 'reply', events: [], replies: [textMessage(current.why), ...questionMessages(spec, current, filled, asked)] }] };
    }

    const correction = detectCorrection(text, spec);
    if (correction && correction.slot !== current) {
      const parsed = this.parseCorrection(correction, input.parse.entities, filled);
      if (!parsed.ok) {
        const label = slotLabel(correction.slot);
        const replies = [textMessage(`I couldn't change the ${label}: ${parsed.error}`), ...questionMessages(spec, current, filled, asked)];
        return { handled: true, steps: [{ kind: 'reply', events: [], replies }] };
      }
      const updated = { ...filled, [correction.slot.name]: parsed.value };
      const confirm = textMessage(`Got it: I've changed the ${slotLabel(correction.slot)} to ${formatValue(correction.slot, parsed.value)}.`);
      return {
        handled: true,
        steps: [
          { kind: 'reply', events: [{ type: 'slot_set', at: now, name: correction.slot.name, value: parsed.value, form: spec.name }], replies: [confirm] },
          ...this.advance(form, updated, now, asked),
        ],
      };
    }

    // A correction of the question being asked is just an answer ("actually, 40").
    const answerText = correction ? correction.valueText || text : text;
    let parsed = current.parse(answerText, { entities: input.parse.entities, filled });
    if (!parsed.ok && answerText !== text) parsed = current.parse(text, { entities: input.parse.entities, filled });
    if (!parsed.ok) return { handled: false, error: parsed.error };
    const updated = { ...filled, [current.name]: parsed.value };
    return {
      handled: true,
      steps: [
        { kind: 'reply', events: [{ type: 'slot_set', at: now, name: current.name, value: parsed.value, form: spec.name }], replies: [] },
        ...this.advance(form, updated, now, asked),
      ],
    };
  }

  /** The current question again, after `preface` (an error explanation or "Back to …"); `asked` as in formProgress. */
  reask(form: RegisteredForm, filled: Readonly<Record<string, unknown>>, preface: string | undefined, asked: readonly string[] = []): PlanStep {
    const slot = nextSlot(form.spec, filled);
    const replies = [...(preface ? [textMessage(preface)] : []), ...(slot ? questionMessages(form.spec, slot, filled, asked) : [])];
    return { kind: 'reply', events: [], replies };
  }

  /** Leaves the form, confirming to the user that nothing was submitted. */
  cancel(form: RegisteredForm, now: number): PlanStep {
    return {
      kind: 'reply',
      events: [{ type: 'form_ended', at: now, form: form.spec.name, reason: 'cancelled' }],
      replies: [textMessage(`OK, I've stopped the ${formTitle(form.spec)}; nothing was submitted. What else can I help you with?`)],
    };
  }

  /** Next question, or completion: `form_ended` then the owning skill's `run({ completedForm })`. */
  private advance(form: RegisteredForm, filled: Readonly<Record<string, unknown>>, now: number, asked: readonly string[] = []): PlanStep[] {
    const slot = nextSlot(form.spec, filled);
    if (slot) return [{ kind: 'reply', events: [], replies: questionMessages(form.spec, slot, filled, asked) }];
    const applicable = applicableSlots(form.spec, filled);
    const slots = Object.fromEntries(applicable.filter((s) => s.name in filled).map((s) => [s.name, filled[s.name]]));
    return [
      { kind: 'reply', events: [{ type: 'form_ended', at: now, form: form.spec.name, reason: 'completed' }], replies: [] },
      { kind: 'skill', skill: form.skill, intent: form.spec.triggerIntents[0] ?? form.spec.name, completedForm: { name: form.spec.name, slots } },
    ];
  }

  private parseCorrection(
    correction: DetectedCorrection,
    entities: Entity[],
    filled: Readonly<Record<string, unknown>>,
  ): SlotParse {
    // Only entities inside the value part belong to it ("change my age to 40": not a number elsewhere in the message).
    const end = correction.valueStart + correction.valueText.length;
    const own = entities
      .filter((e) => e.start >= correction.valueStart && e.end <= end)
      .map((e) => ({ ...e, start: e.start - correction.valueStart, end: e.end - correction.valueStart }));
    const others = { ...filled };
    delete others[correction.slot.name];
    const first = correction.valueText ? correction.slot.parse(correction.valueText, { entities: own, filled: others }) : undefined;
    if (first?.ok) return first;
    const second = correction.slot.parse(correction.alternativeText, { entities: [], filled: others });
    return second.ok || !first ? second : first;
  }
}
