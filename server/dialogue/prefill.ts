/**
 * Prefilling a form from the message that starts it (Rasa's `from_entity` slot mappings): "I'd like to borrow 5,000
 * euros for 2 years" answers the amount and duration questions before they are asked. Slots declare which entities
 * they take (`FormSlot.prefill`); this module picks them conservatively and runs them through the slots' own parsers.
 */
import type { Entity } from '../nlu/types.ts';
import type { BareNumberRule, FormSlot, FormSpec, SlotPrefill } from './forms.ts';
import { slotLabel } from './slots.ts';

/** A slot answered from the starting message: its value and the user's words it came from. */
export interface PrefilledSlot {
  slot: FormSlot;
  value: unknown;
  /** The words of the message that gave the value ("2 years"), and where they start. */
  words: string;
  start: number;
}

/** A value the starting message gave for a slot that the slot's parser refused (e.g. out of range). */
export interface RejectedPrefill {
  slot: FormSlot;
  words: string;
  start: number;
  error: string;
  /** The allowed values as a phrase ("between 4 and 72 months"), when the parser said so. */
  expected?: string;
}

/** What the starting message answered in advance, each list in the order of the message. */
export interface PrefillResult {
  filled: PrefilledSlot[];
  rejected: RejectedPrefill[];
}

/** Entities from trigger payloads are not offered to slots: they name their slot themselves (`/intent{"age": 40}`). */
const TRIGGER_EXTRACTOR = 'trigger';

/** Smallest bare number read as money: "2 kids", "3 times" are not sums to invest or borrow. */
const MIN_BARE_MONEY = 100;

/** A four-digit whole number in this range, without separators, after a time preposition is a year ("retire in 2040"). */
const YEAR_LIKE = { min: 1900, max: 2100 };
const YEAR_BEFORE = /\b(?:in|by|until|till|since|from|before|after|around|year|early|late|mid)\s+$/i;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The value an entity stands for, as a comparison key (two mentions of the same amount are not ambiguous). */
function valueKey(entity: Entity): string {
  return JSON.stringify(entity.value);
}

/** The first of `candidates` when they all say the same value; undefined when there is none or they disagree. */
function single(candidates: readonly Entity[]): Entity | undefined {
  if (candidates.length === 0) return undefined;
  return new Set(candidates.map(valueKey)).size === 1 ? candidates[0] : undefined;
}

function readsLikeMoney(entity: Entity, text: string): boolean {
  const value = entity.value;
  if (typeof value !== 'number' || !(value >= MIN_BARE_MONEY)) return false;
  const yearLike =
    Number.isInteger(value) && value >= YEAR_LIKE.min && value <= YEAR_LIKE.max && /^\d{4}$/.test(text.slice(entity.start, entity.end)) && YEAR_BEFORE.test(text.slice(0, entity.start));
  return !yearLike;
}

function bareNumberFor(rule: BareNumberRule, bare: readonly Entity[], text: string): Entity | undefined {
  if (rule === 'money') {
    // Only when exactly one bare number reads like money: with two ("300 or 500") we cannot tell which is the sum,
    // while a small one beside it ("20,000 … 2 kids") is something else.
    const money = bare.filter((e) => readsLikeMoney(e, text));
    return money.length === 1 ? money[0] : undefined;
  }
  const nouns = rule.before.map((n) => n.trim()).filter(Boolean);
  if (nouns.length === 0) return undefined;
  const after = new RegExp(`^\\s+(?:${nouns.map(escapeRegExp).join('|')})s?\\b`, 'i');
  return single(bare.filter((e) => after.test(text.slice(e.end))));
}

/**
 * The entity a slot would take: the first entity type in its preference list that occurs (if its mentions agree),
 * else a bare number allowed by its rule. Two different values of the wanted type make the slot ambiguous.
 */
function pick(prefill: SlotPrefill, pool: readonly Entity[], text: string): Entity | undefined {
  const bare = pool.filter((e) => e.entity === 'number');
  // A money-like bare number next to a stated amount ("2,000 or 3,000 euros") is a rival value, not noise.
  const rivals = prefill.bareNumber === 'money' ? bare.filter((e) => readsLikeMoney(e, text)) : [];
  for (const type of prefill.entities) {
    const candidates = pool.filter((e) => e.entity === type);
    if (candidates.length > 0) return single([...candidates, ...rivals]);
  }
  return prefill.bareNumber ? bareNumberFor(prefill.bareNumber, bare, text) : undefined;
}

/**
 * Picks the slots the starting message answers. Rules, so that a guess never replaces a question:
 * - a slot only takes entity types it declares (an amount never fills a duration; a bare number only where allowed);
 * - a slot offered two different values takes neither; an entity two slots could take goes to neither;
 * - slots already filled (by a trigger payload) and slots not applicable given the answers so far are skipped;
 * - the value comes from the slot's own parser on the entity's words, so its range and format rules apply; a refusal
 *   is returned in `rejected` (to be mentioned) and nothing is stored.
 */
export function prefillFromMessage(spec: FormSpec, text: string, entities: readonly Entity[], alreadyFilled: Readonly<Record<string, unknown>>): PrefillResult {
  const pool = entities.filter((e) => e.extractor !== TRIGGER_EXTRACTOR && e.end > e.start && e.end <= text.length);
  const picks = new Map<FormSlot, Entity>();
  for (const slot of spec.slots) {
    if (!slot.prefill || slot.name in alreadyFilled) continue;
    const entity = pick(slot.prefill, pool, text);
    if (entity) picks.set(slot, entity);
  }
  const claims = new Map<Entity, number>();
  for (const entity of picks.values()) claims.set(entity, (claims.get(entity) ?? 0) + 1);

  const filled: Record<string, unknown> = { ...alreadyFilled };
  const result: PrefillResult = { filled: [], rejected: [] };
  for (const slot of spec.slots) {
    const entity = picks.get(slot);
    if (!entity || claims.get(entity)! > 1 || !(slot.askIf?.(filled) ?? true)) continue;
    const words = text.slice(entity.start, entity.end);
    const parsed = slot.parse(words, { entities: [{ ...entity, start: 0, end: words.length }], filled });
    if (parsed.ok) {
      filled[slot.name] = parsed.value;
      result.filled.push({ slot, value: parsed.value, words, start: entity.start });
    } else {
      result.rejected.push({ slot, words, start: entity.start, error: parsed.error, ...(parsed.expected ? { expected: parsed.expected } : {}) });
    }
  }
  // Echo the user's own order ("20,000 … for 15 years" → "amount 20,000, horizon 15 years").
  result.filled.sort((a, b) => a.start - b.start);
  result.rejected.sort((a, b) => a.start - b.start);
  return result;
}

/** "Please give…" → "please give…" (but "I need…" and "EUR…" stay). */
function lowerFirst(sentence: string): string {
  return /^[A-Z][a-z]/.test(sentence) ? sentence[0]!.toLowerCase() + sentence.slice(1) : sentence;
}

/**
 * The acknowledgement said before the first unanswered question: "Got it: amount 20,000, horizon 15 years." plus,
 * for each refused value, "I noted 500 months, but the duration must be between 4 and 72 months." Undefined when the
 * message answered nothing.
 */
export function prefillAcknowledgement(result: PrefillResult): string | undefined {
  const parts: string[] = [];
  if (result.filled.length > 0) {
    const items = result.filled.map(({ slot, value }) => `${slotLabel(slot)} ${slot.format ? slot.format(value) : String(value)}`);
    parts.push(`Got it: ${items.join(', ')}.`);
  }
  for (const r of result.rejected) {
    const why = r.expected ? `the ${slotLabel(r.slot)} must be ${r.expected}.` : lowerFirst(r.error);
    parts.push(`I noted ${r.words}, but ${why}`);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}
