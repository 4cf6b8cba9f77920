/**
 * Declaring form slots as data: `numberSlot`, `choiceSlot`, `yesNoSlot`, `textSlot` build FormSlots with parsing,
 * validation and formatting, so a questionnaire is a list of declarations (see CONTRACTS §1 and forms.ts).
 */
import {
  findNumbers,
  parseAge,
  parseAmount,
  parseCount,
  parseDuration,
  parseNumber,
  parsePercentage,
  parseYesNo,
} from '../nlu/entities/index.ts';
import type { FormSlot, SlotParse, SlotParseContext, SlotPrefill } from './forms.ts';

/** Fields every slot declaration shares. */
interface BaseSlotOptions<T> {
  name: string;
  question: string;
  why: string;
  /** Words that name this slot in a correction ("change my *age* to 40"); the name with spaces is always included. */
  aliases?: string[];
  askIf?: (filled: Readonly<Record<string, unknown>>) => boolean;
  /** Replaces the built-in parser entirely. */
  parse?: (answer: string, ctx: SlotParseContext) => SlotParse<T>;
  format?: (value: T) => string;
  /**
   * Entities of the form's starting message that may fill this slot before it is asked ("I'd like to borrow 5,000
   * euros for 2 years"); `false` turns a default mapping off. Default: by `kind` for `numberSlot`, none otherwise.
   */
  prefill?: SlotPrefill | false;
}

/** How a number answer is read: a plain number, or a value with a unit the entity parsers understand. */
export type NumberKind = 'number' | 'amount' | 'duration' | 'age' | 'percentage' | 'count';

/** Options for `numberSlot`. */
export interface NumberSlotOptions extends BaseSlotOptions<number> {
  min?: number;
  max?: number;
  /** Shown to the user and sent in `form_question.input.unit` (e.g. "months", "EUR"). */
  unit?: string;
  step?: number;
  /** Reject fractions. Default: true for `count`, `age` and `duration`, false otherwise. */
  integer?: boolean;
  /**
   * Which parser reads the answer. `duration` yields months ("2 years" → 24; a bare "24" is taken in months);
   * `amount` the money value ("3k" → 3000); `percentage` percent points; `age` years; `count` whole numbers ("none" → 0).
   */
  kind?: NumberKind;
}

const ok = <T>(value: T): SlotParse<T> => ({ ok: true, value });
const fail = (error: string, expected?: string): SlotParse<never> => (expected ? { ok: false, error, expected } : { ok: false, error });

/**
 * The natural prefill mapping of each number kind: the entity the extractor gives for that kind of value. A plain
 * `number` slot has none (a bare "24" could be anything); an `amount` also takes a lone bare number that reads like
 * money ("I have 20,000 to invest"); a `count` a number right before its unit or name ("2 dependants").
 */
export function defaultPrefill(kind: NumberKind, nouns: readonly string[] = []): SlotPrefill | undefined {
  switch (kind) {
    case 'amount':
      return { entities: ['amount'], bareNumber: 'money' };
    case 'duration':
      return { entities: ['duration'] };
    case 'age':
      return { entities: ['age'] };
    case 'percentage':
      return { entities: ['percentage'] };
    case 'count':
      return nouns.length ? { entities: ['count'], bareNumber: { before: nouns } } : { entities: ['count'] };
    default:
      return undefined;
  }
}

function rangeText(min: number | undefined, max: number | undefined, unit: string | undefined): string {
  const u = unit ? ` ${unit}` : '';
  if (min !== undefined && max !== undefined) return `between ${fmt(min)} and ${fmt(max)}${u}`;
  if (min !== undefined) return `of at least ${fmt(min)}${u}`;
  if (max !== undefined) return `of at most ${fmt(max)}${u}`;
  return '';
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(Number(n.toFixed(4)));
}

function readNumber(kind: NumberKind, answer: string): number | undefined {
  switch (kind) {
    case 'amount':
      return parseAmount(answer)?.value;
    case 'duration':
      // A bare number answers a question that already named the unit ("How many months…?").
      return parseDuration(answer)?.months ?? parseNumber(answer);
    case 'age':
      return parseAge(answer) ?? parseNumber(answer);
    case 'percentage':
      return parsePercentage(answer) ?? parseNumber(answer);
    case 'count':
      return parseCount(answer);
    default: {
      // parseNumber reads magnitudes only; a minus sign right before the first number makes it negative.
      const first = findNumbers(answer)[0];
      if (!first) return undefined;
      return /-\s*$/.test(answer.slice(0, first.start)) ? -first.value : first.value;
    }
  }
}

/** A number question (with optional range, unit and kind). Value: the number. */
export function numberSlot(options: NumberSlotOptions): FormSlot<number> {
  const kind = options.kind ?? 'number';
  const integer = options.integer ?? (kind === 'count' || kind === 'age' || kind === 'duration');
  const range = rangeText(options.min, options.max, options.unit);
  const parse =
    options.parse ??
    ((answer: string): SlotParse<number> => {
      // Two different numbers ("between 20 and 30") would make us guess; ask for one instead.
      const distinct = new Set(findNumbers(answer).map((n) => n.value));
      if (kind === 'number' && distinct.size > 1) return fail(`Please give just one number${range ? ` ${range}` : ''}.`);
      const value = readNumber(kind, answer);
      if (value === undefined || !Number.isFinite(value)) {
        return fail(`I need a number${range ? ` ${range}` : ''} here.`);
      }
      if (integer && !Number.isInteger(value)) return fail(`Please give a whole number${range ? ` ${range}` : ''}.`);
      if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
        return fail(`That is out of range: please give a number ${range}.`, range.replace(/^of /, ''));
      }
      return ok(value);
    });
  const aliases = withNameAlias(options.name, options.aliases);
  const prefill = options.prefill === false ? undefined : (options.prefill ?? defaultPrefill(kind, [...(options.unit ? [options.unit] : []), ...aliases]));
  return {
    name: options.name,
    question: options.question,
    why: options.why,
    input: {
      type: 'number',
      ...(options.min !== undefined ? { min: options.min } : {}),
      ...(options.max !== undefined ? { max: options.max } : {}),
      ...(options.unit !== undefined ? { unit: options.unit } : {}),
      ...(options.step !== undefined ? { step: options.step } : integer ? { step: 1 } : {}),
    },
    parse,
    aliases,
    format: options.format ?? ((v) => `${fmt(v)}${options.unit ? ` ${options.unit}` : ''}`),
    ...(options.askIf ? { askIf: options.askIf } : {}),
    ...(prefill ? { prefill } : {}),
  };
}

/** One option of a choice question. */
export interface ChoiceOption {
  title: string;
  /** Stored as the slot value and sent as the quick-reply payload. */
  payload: string;
  /** Other ways users say it ("rent", "renting", "tenant"). */
  synonyms?: string[];
}

/** Options for `choiceSlot`. */
export interface ChoiceSlotOptions extends BaseSlotOptions<string> {
  options: ChoiceOption[];
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/** Lower-case, straight quotes, punctuation removed, single spaces. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}'%$€£+-]+/gu, ' ')
    .trim();
}

/**
 * Matches an answer against options: exact payload, title or synonym first; then the option number ("2", "option 2",
 * "the second one"); then a title or synonym contained in the answer ("I rent my flat" → rent). When several options
 * are contained, the longest matching phrase wins; a tie is ambiguous and rejected.
 */
export function matchChoice(answer: string, options: readonly ChoiceOption[]): ChoiceOption | undefined {
  const raw = answer.trim();
  const byPayload = options.find((o) => o.payload.toLowerCase() === raw.toLowerCase());
  if (byPayload) return byPayload;
  const text = normalize(raw);
  if (!text) return undefined;
  const phrases = (o: ChoiceOption): string[] => [o.title, ...(o.synonyms ?? [])].map(normalize).filter(Boolean);
  const exact = options.find((o) => phrases(o).includes(text));
  if (exact) return exact;
  const numbered = /^(?:option |number |no |choice |#)?(\d{1,2})$/.exec(text);
  if (numbered) return options[Number(numbered[1]) - 1];
  const ordinal = /^(?:the )?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)(?: one| option)?$/.exec(text);
  if (ordinal) return ordinal[1] === 'last' ? options.at(-1) : options[ORDINALS.indexOf(ordinal[1]!)];
  // Each option's longest phrase found in the answer, with its span.
  const found: Array<{ option: ChoiceOption; start: number; end: number }> = [];
  for (const option of options) {
    let hit: { start: number; end: number } | undefined;
    for (const p of phrases(option)) {
      const at = findPhrase(text, p);
      if (at >= 0 && (!hit || p.length > hit.end - hit.start)) hit = { start: at, end: at + p.length };
    }
    if (hit) found.push({ option, ...hit });
  }
  if (found.length === 0) return undefined;
  const best = found.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
  // Another option mentioned outside the best match ("own or rent") makes the answer ambiguous; one inside it
  // ("free" within "live for free") does not.
  const ambiguous = found.some((f) => f !== best && (f.start < best.start || f.end > best.end));
  return ambiguous ? undefined : best.option;
}

/** Index of `phrase` as whole words in `text`, or -1. */
function findPhrase(text: string, phrase: string): number {
  if (!phrase) return -1;
  // Padding with spaces makes the match whole-word; the index in the padded text equals the index in `text`.
  return ` ${text} `.indexOf(` ${phrase} `);
}

function listTitles(options: readonly ChoiceOption[]): string {
  const titles = options.map((o) => o.title);
  return titles.length <= 1 ? (titles[0] ?? '') : `${titles.slice(0, -1).join(', ')} or ${titles.at(-1)}`;
}

/** A multiple-choice question; quick replies are generated from the options. Value: the chosen option's payload. */
export function choiceSlot(options: ChoiceSlotOptions): FormSlot<string> {
  const choices = options.options;
  return {
    name: options.name,
    question: options.question,
    why: options.why,
    input: { type: 'choice', options: choices.map(({ title, payload }) => ({ title, payload })) },
    parse:
      options.parse ??
      ((answer) => {
        const match = matchChoice(answer, choices);
        return match ? ok(match.payload) : fail(`Please choose one of: ${listTitles(choices)}.`);
      }),
    aliases: withNameAlias(options.name, options.aliases),
    format: options.format ?? ((v) => choices.find((c) => c.payload === v)?.title ?? String(v)),
    ...(options.askIf ? { askIf: options.askIf } : {}),
    ...(options.prefill ? { prefill: options.prefill } : {}),
  };
}

/** Options for `yesNoSlot`. */
export interface YesNoSlotOptions extends BaseSlotOptions<boolean> {
  yesTitle?: string;
  noTitle?: string;
}

/** A yes/no question with Yes/No buttons. Value: a boolean. */
export function yesNoSlot(options: YesNoSlotOptions): FormSlot<boolean> {
  const yes = options.yesTitle ?? 'Yes';
  const no = options.noTitle ?? 'No';
  return {
    name: options.name,
    question: options.question,
    why: options.why,
    input: { type: 'choice', options: [{ title: yes, payload: 'yes' }, { title: no, payload: 'no' }] },
    parse:
      options.parse ??
      ((answer) => {
        const value = parseYesNo(answer);
        return value === undefined ? fail(`Please answer ${yes} or ${no}.`) : ok(value);
      }),
    aliases: withNameAlias(options.name, options.aliases),
    format: options.format ?? ((v) => (v ? yes : no)),
    ...(options.askIf ? { askIf: options.askIf } : {}),
    ...(options.prefill ? { prefill: options.prefill } : {}),
  };
}

/** Options for `textSlot`. */
export interface TextSlotOptions extends BaseSlotOptions<string> {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Shown when `pattern` does not match. */
  patternHint?: string;
}

/** A free-text question. Value: the trimmed answer. */
export function textSlot(options: TextSlotOptions): FormSlot<string> {
  const minLength = options.minLength ?? 1;
  const maxLength = options.maxLength ?? 500;
  return {
    name: options.name,
    question: options.question,
    why: options.why,
    input: { type: 'text', maxLength },
    parse:
      options.parse ??
      ((answer) => {
        const value = answer.trim();
        if (value.length < minLength) return fail(`Please write at least ${minLength} character${minLength === 1 ? '' : 's'}.`);
        if (value.length > maxLength) return fail(`Please keep it under ${maxLength} characters.`);
        if (options.pattern && !options.pattern.test(value)) return fail(options.patternHint ?? 'That does not look right.');
        return ok(value);
      }),
    aliases: withNameAlias(options.name, options.aliases),
    format: options.format ?? ((v) => v),
    ...(options.askIf ? { askIf: options.askIf } : {}),
    ...(options.prefill ? { prefill: options.prefill } : {}),
  };
}

function withNameAlias(name: string, aliases: string[] | undefined): string[] {
  const spaced = name.replace(/[_-]+/g, ' ').toLowerCase();
  return [...new Set([...(aliases ?? []), spaced])];
}

/** A human label for a slot: its first alias, else its name with spaces. */
export function slotLabel(slot: Pick<FormSlot, 'name' | 'aliases'>): string {
  return slot.aliases?.[0] ?? slot.name.replace(/[_-]+/g, ' ');
}
