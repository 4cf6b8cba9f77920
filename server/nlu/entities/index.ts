/**
 * Rule-based entity extraction for forms and `/model/parse`: money amounts with currency, durations, ages,
 * percentages, counts, yes/no and dates — each with its character span.
 */
import { shortReplyIntent } from '../short-replies.ts';
import type { Entity, EntityExtractor } from '../types.ts';
import { findNumbers, parseNumber, type NumberMatch } from './numbers.ts';

export { findNumbers, parseNumber };
export type { NumberMatch };

const EXTRACTOR = 'moneta.rules';

// ---------------------------------------------------------------------------------------------------------------
// Currencies

/** ISO code for symbols, codes and words customers use. DM is kept distinct: the German credit data is in DM. */
const CURRENCY_WORDS: Array<[RegExp, string]> = [
  [/^(?:usd|us\$|dollars?|bucks?|us dollars?)$/i, 'USD'],
  [/^(?:eur|euros?)$/i, 'EUR'],
  [/^(?:gbp|pounds?|quid|sterling|pounds? sterling)$/i, 'GBP'],
  [/^(?:chf|swiss francs?|francs?)$/i, 'CHF'],
  [/^(?:jpy|yen)$/i, 'JPY'],
  [/^(?:dm|deutsche ?marks?|d-?marks?|marks)$/i, 'DEM'],
  [/^(?:ntd|nt\$|twd|nt dollars?|new taiwan dollars?)$/i, 'TWD'],
  [/^(?:cad|canadian dollars?)$/i, 'CAD'],
  [/^(?:aud|australian dollars?)$/i, 'AUD'],
];
const CURRENCY_SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY' };

const CURRENCY_AFTER =
  /^\s*(usd|us dollars?|dollars?|bucks?|eur|euros?|gbp|pounds? sterling|pounds?|quid|sterling|chf|swiss francs?|francs?|jpy|yen|dm|deutsche ?marks?|d-?marks?|marks|ntd|nt dollars?|new taiwan dollars?|twd|cad|canadian dollars?|aud|australian dollars?|€|£|\$|¥)(?![a-z])/i;
const CURRENCY_BEFORE = /(us\$|nt\$|usd|eur|gbp|chf|jpy|dm|twd|cad|aud|\$|€|£|¥)\s*$/i;

function currencyOf(token: string): string | undefined {
  const symbol = CURRENCY_SYMBOLS[token];
  if (symbol) return symbol;
  if (/^us\$$/i.test(token)) return 'USD';
  if (/^nt\$$/i.test(token)) return 'TWD';
  for (const [re, code] of CURRENCY_WORDS) if (re.test(token)) return code;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Units after a number

const DURATION_UNIT =
  /^\s*(?:-\s*)?(years?|yrs?|y|months?|mos?|mths?|m|weeks?|wks?|w|days?|d)(?![a-z])/i;
const AGE_AFTER = /^\s*(?:-\s*)?(?:years?|yrs?|y)[\s-]*(?:old|of age)\b|^\s*(?:yo|y\/o|y\.o\.)(?![a-z])/i;
const AGE_BEFORE = /\b(?:i'?m|i am|im|aged?|age is|age of|turning|turned)\s*(?:just\s+|about\s+|nearly\s+|almost\s+)?$/i;
const PERCENT_AFTER = /^\s*(%|percent|per cent|pct|percentage points?|pp)(?![a-z])/i;

const UNIT_MONTHS: Record<string, number> = { y: 12, m: 1, w: 12 / 52, d: 12 / 365 };

function unitMonths(unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('y')) return UNIT_MONTHS.y!;
  if (u.startsWith('mo') || u.startsWith('mth') || u === 'm') return UNIT_MONTHS.m!;
  if (u.startsWith('w')) return UNIT_MONTHS.w!;
  return UNIT_MONTHS.d!;
}

// ---------------------------------------------------------------------------------------------------------------
// Public parsers

/** A money amount: value in the currency's units; currency as an ISO-like code when stated. */
export interface Amount {
  value: number;
  currency?: string;
}

/** A span of time; `months` is the canonical value (fractions allowed), `days` kept when given in days/weeks. */
export interface Duration {
  months: number;
  days?: number;
  text: string;
}

/**
 * Finds the first money amount. Accepts "2,500 euros", "$3k", "€1.2m", "twenty thousand dollars", "3k", and bare
 * numbers ("5000") — a bare number is an amount without currency.
 */
export function parseAmount(text: string): Amount | undefined {
  const amounts = extractEntities(text).filter((e) => e.entity === 'amount');
  if (amounts.length) {
    const a = amounts[0]!;
    return a.currency ? { value: a.value as number, currency: a.currency as string } : { value: a.value as number };
  }
  const plain = extractEntities(text).find((e) => e.entity === 'number');
  return plain ? { value: plain.value as number } : undefined;
}

const HALF_YEAR_PATTERNS: Array<[RegExp, number]> = [
  [/\b(?:a|one)\s+year\s+and\s+a\s+half\b/i, 18],
  [/\bhalf\s+a\s+year\b/i, 6],
  [/\ba\s+year\b/i, 12],
  [/\ba\s+month\b/i, 1],
  [/\ba\s+week\b/i, 12 / 52],
  [/\ba\s+decade\b/i, 120],
];

/** Finds the first duration: "two years", "18 months", "1.5 years", "a year and a half", "6 weeks", "24m". */
export function parseDuration(text: string): Duration | undefined {
  const found = extractEntities(text).find((e) => e.entity === 'duration');
  if (!found) return undefined;
  return found.days !== undefined
    ? { months: found.value as number, days: found.days as number, text: text.slice(found.start, found.end) }
    : { months: found.value as number, text: text.slice(found.start, found.end) };
}

/** Finds a percentage, in percent points: "5%" → 5, "four and a half percent" → 4.5, "0.5 per cent" → 0.5. */
export function parsePercentage(text: string): number | undefined {
  return extractEntities(text).find((e) => e.entity === 'percentage')?.value as number | undefined;
}

/**
 * Finds an age in years: "I'm 34", "34 years old", "aged 34", or a bare number from 14 to 120 ("34") when the
 * whole answer is just that number (the form asked for an age).
 */
export function parseAge(text: string): number | undefined {
  const explicit = extractEntities(text).find((e) => e.entity === 'age');
  if (explicit) return explicit.value as number;
  const trimmed = text.trim();
  const numbers = findNumbers(trimmed);
  if (numbers.length === 1) {
    const n = numbers[0]!;
    const rest = (trimmed.slice(0, n.start) + trimmed.slice(n.end))
      .replace(/\b(?:years?|yrs?|old|about|around|roughly|approx(?:imately)?|just|nearly|almost|i'?m|im|i am|age[d]?)\b|[\s.!,~]/gi, '');
    if (rest === '' && Number.isInteger(n.value) && n.value >= 14 && n.value <= 120) return n.value;
  }
  return undefined;
}

/** Counts such as "two kids", "3", "none", "no dependants" → 2, 3, 0, 0. */
export function parseCount(text: string): number | undefined {
  if (/^\s*(?:none|nobody|no one|zero|nil|no\b.*|not any.*)\s*[.!]?\s*$/i.test(text)) return 0;
  const n = findNumbers(text)[0];
  return n && Number.isInteger(n.value) && n.value >= 0 ? n.value : undefined;
}

// Strong words decide on their own ("yes, please"); first-person phrases only when they are the whole answer ("I do"),
// so "I am 34" is not read as a yes.
const YES = /^(?:y|yes|yeah|yea|yep|yup|ya|sure|of course|ofc|certainly|definitely|absolutely|correct|affirmative|ok|okay|that's right|that is right|please do|go ahead|👍)(?![\w'])/i;
const NO = /^(?:n|no|nope|nah|not really|never|negative|not at all|no way|👎)(?![\w'])/i;
const YES_WHOLE = /^(?:i do|i have|i am|i'm|it is|true|right|yes i do|yes i have)[\s.!]*$/i;
const NO_WHOLE = /^(?:i don'?t|i do not|i haven'?t|i have not|i'?m not|i am not|none|false|it isn'?t|it is not)[\s.!]*$/i;

/** Yes/no answers: "yeah sure" → true, "nope" → false, anything else → undefined. */
export function parseYesNo(text: string): boolean | undefined {
  // Whole short replies first ("10-4", "you're right", "nah"): the same list the policy uses outside forms.
  const short = shortReplyIntent(text);
  if (short === 'affirm') return true;
  if (short === 'deny') return false;
  const t = text.trim().toLowerCase().replace(/^(?:um+|uh+|well|hmm+)[,\s]+/, '');
  if (NO.test(t) || NO_WHOLE.test(t)) return false;
  if (YES.test(t) || YES_WHOLE.test(t)) return true;
  return undefined;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3)));
}

function isoDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

interface DateMatch {
  value: string;
  start: number;
  end: number;
}

function findDates(text: string, now: Date): DateMatch[] {
  const out: DateMatch[] = [];
  const push = (value: string | undefined, start: number, end: number) => {
    if (value && !out.some((o) => start < o.end && end > o.start)) out.push({ value, start, end });
  };
  for (const m of text.matchAll(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g)) {
    push(isoDate(+m[1]!, +m[2]! - 1, +m[3]!), m.index, m.index + m[0].length);
  }
  // Day first (European and UK usage, as the sample bank): 05/03/2024 is 5 March.
  for (const m of text.matchAll(/\b(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})\b/g)) {
    const year = m[3]!.length === 2 ? 2000 + +m[3]! : +m[3]!;
    push(isoDate(year, +m[2]! - 1, +m[1]!), m.index, m.index + m[0].length);
  }
  const dayMonth = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\.?(?:,?\\s+(\\d{4}))?\\b`, 'gi');
  for (const m of text.matchAll(dayMonth)) {
    push(isoDate(m[3] ? +m[3] : now.getUTCFullYear(), monthIndex(m[2]!), +m[1]!), m.index, m.index + m[0].length);
  }
  const monthDay = new RegExp(`\\b${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`, 'gi');
  for (const m of text.matchAll(monthDay)) {
    push(isoDate(m[3] ? +m[3] : now.getUTCFullYear(), monthIndex(m[1]!), +m[2]!), m.index, m.index + m[0].length);
  }
  const relative: Array<[RegExp, number]> = [
    [/\btoday\b/i, 0],
    [/\btomorrow\b/i, 1],
    [/\byesterday\b/i, -1],
  ];
  for (const [re, offset] of relative) {
    const m = re.exec(text);
    if (m) {
      const d = new Date(now.getTime() + offset * 86_400_000);
      push(d.toISOString().slice(0, 10), m.index, m.index + m[0].length);
    }
  }
  for (const m of text.matchAll(/\b(\d+|a|one|two|three|four|five|six|seven|ten)\s+(days?|weeks?)\s+ago\b/gi)) {
    const n = parseNumber(m[1]!) ?? 1;
    const days = n * (m[2]!.toLowerCase().startsWith('w') ? 7 : 1);
    push(new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10), m.index, m.index + m[0].length);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Finds the first date as ISO `YYYY-MM-DD`: "2024-05-01", "1 May 2024", "May 1st", "05/03/2024" (day first), "yesterday". */
export function parseDate(text: string, now: Date = new Date()): string | undefined {
  return findDates(text, now)[0]?.value;
}

// ---------------------------------------------------------------------------------------------------------------
// The extractor

function rounded(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * All entities in the text, left to right. Each number is classified by its neighbours: a currency makes it an
 * amount, a time unit a duration, "years old"/"I'm" an age, "%" a percentage; otherwise it is a plain number
 * (and a count when it is a whole number). Yes/no answers and dates are added too.
 */
export function extractEntities(text: string, now: Date = new Date()): Entity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const input = text.length > 10_000 ? text.slice(0, 10_000) : text;
  const entities: Entity[] = [];
  const dates = findDates(input, now);
  const insideDate = (start: number, end: number) => dates.some((d) => start < d.end && end > d.start);
  const taken: Array<[number, number]> = [];

  // Phrases with no digits ("a year and a half") come first so their words are not read as numbers.
  for (const [re, months] of HALF_YEAR_PATTERNS) {
    for (const m of input.matchAll(new RegExp(re.source, 'gi'))) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      // "for a year" is a duration; "a year old" is not, nor is the rate in "3,000 a month".
      if (/^\s*old\b/i.test(input.slice(end))) continue;
      if (/(?:\d|\bk|dollars?|euros?|pounds?|bucks|quid|€|\$|£)\s*$/i.test(input.slice(0, start))) continue;
      taken.push([start, end]);
      entities.push({ entity: 'duration', value: rounded(months), start, end, extractor: EXTRACTOR, unit: 'month' });
    }
  }

  for (const n of findNumbers(input)) {
    if (taken.some(([s, e]) => n.start < e && n.end > s) || insideDate(n.start, n.end)) continue;
    const after = input.slice(n.end);
    const before = input.slice(0, n.start);

    const percent = PERCENT_AFTER.exec(after);
    if (percent) {
      const halfPercent = /^\s*and\s+a\s+half/i.test(after);
      entities.push({ entity: 'percentage', value: n.value, start: n.start, end: n.end + percent[0].length, extractor: EXTRACTOR, unit: 'percent' });
      if (halfPercent) entities.at(-1)!.value = n.value + 0.5;
      continue;
    }
    const halfThen = /^\s*and\s+a\s+half\s+(%|percent|per cent|years?|months?)/i.exec(after);
    if (halfThen) {
      const unit = halfThen[1]!.toLowerCase();
      const end = n.end + halfThen[0].length;
      if (unit.startsWith('y') || unit.startsWith('m')) {
        const months = (n.value + 0.5) * unitMonths(unit);
        entities.push({ entity: 'duration', value: rounded(months), start: n.start, end, extractor: EXTRACTOR, unit: 'month' });
      } else {
        entities.push({ entity: 'percentage', value: n.value + 0.5, start: n.start, end, extractor: EXTRACTOR, unit: 'percent' });
      }
      continue;
    }

    const age = AGE_AFTER.exec(after);
    if (age || (AGE_BEFORE.test(before) && !DURATION_UNIT.test(after) && !CURRENCY_AFTER.test(after))) {
      if (n.value >= 0 && n.value <= 130 && !n.scaled) {
        const end = age ? n.end + age[0].length : n.end;
        entities.push({ entity: 'age', value: n.value, start: n.start, end, extractor: EXTRACTOR, unit: 'year' });
        continue;
      }
    }

    const currencyAfter = CURRENCY_AFTER.exec(after);
    const currencyBefore = CURRENCY_BEFORE.exec(before);
    // "18m" reads as months only when no currency is attached; with a currency "m" is millions.
    const scaledMonth = /^\d+(?:\.\d+)?\s?m$/i.test(input.slice(n.start, n.end)) && !currencyBefore && !currencyAfter;
    const duration = scaledMonth ? null : DURATION_UNIT.exec(after);
    if (scaledMonth || (duration && !currencyBefore)) {
      const raw = scaledMonth ? n.value / 1e6 : n.value;
      const unit = scaledMonth ? 'm' : duration![1]!;
      const end = scaledMonth ? n.end : n.end + duration![0].length;
      // Bare "m"/"d"/"w"/"y" after a space is too ambiguous ("5 m" could be metres); accept only when attached.
      if (scaledMonth || duration![1]!.length > 1 || !/^\s/.test(after)) {
        const months = raw * unitMonths(unit);
        const entity: Entity = { entity: 'duration', value: rounded(months), start: n.start, end, extractor: EXTRACTOR, unit: 'month' };
        if (/^(?:d|w)/i.test(unit)) entity.days = Math.round(raw * (unit.toLowerCase().startsWith('w') ? 7 : 1));
        entities.push(entity);
        continue;
      }
    }

    if (currencyBefore || currencyAfter) {
      const currency = currencyOf((currencyBefore?.[1] ?? currencyAfter![1]!).toLowerCase() === '$' ? '$' : (currencyBefore?.[1] ?? currencyAfter![1]!));
      const start = currencyBefore ? n.start - currencyBefore[0].length : n.start;
      const end = currencyAfter && !currencyBefore ? n.end + currencyAfter[0].length : n.end;
      const negative = /-\s*$/.test(input.slice(0, start));
      entities.push({
        entity: 'amount',
        value: negative ? -n.value : n.value,
        start: negative ? input.slice(0, start).lastIndexOf('-') : start,
        end,
        extractor: EXTRACTOR,
        ...(currency ? { currency } : {}),
      });
      continue;
    }

    if (n.scaled) {
      // "3k" without a currency is still money in a banking chat.
      entities.push({ entity: 'amount', value: n.value, start: n.start, end: n.end, extractor: EXTRACTOR });
      continue;
    }
    entities.push({ entity: 'number', value: n.value, start: n.start, end: n.end, extractor: EXTRACTOR });
  }

  for (const d of dates) entities.push({ entity: 'date', value: d.value, start: d.start, end: d.end, extractor: EXTRACTOR });

  const yesNo = parseYesNo(input);
  if (yesNo !== undefined && input.trim().split(/\s+/).length <= 6) {
    const start = input.length - input.trimStart().length;
    entities.push({ entity: 'boolean', value: yesNo, start, end: input.trimEnd().length, extractor: EXTRACTOR });
  }
  return entities.sort((a, b) => a.start - b.start);
}

/** The rule-based extractor as an `EntityExtractor` stage for the NLU pipeline. */
export class RuleEntityExtractor implements EntityExtractor {
  readonly name = EXTRACTOR;
  constructor(private readonly clock: () => Date = () => new Date()) {}
  extract(text: string): Entity[] {
    return extractEntities(text, this.clock());
  }
}
