/** Finds numbers in free text — digits ("2,500", "3k", "1.5m") and English number words ("twenty-five thousand"). */

/** A number found in text, with its character span. */
export interface NumberMatch {
  value: number;
  start: number;
  end: number;
  /** True when written with a magnitude suffix such as "k" or "million". */
  scaled: boolean;
}

const UNITS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, couple: 2, dozen: 12,
};
/** Articles count as "one" only before a scale ("a hundred", "a thousand"); "a couple"/"a dozen" ignore them. */
const ARTICLES = new Set(['a', 'an']);
const TENS: Record<string, number> = {
  twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const SCALES: Record<string, number> = { hundred: 100, thousand: 1e3, grand: 1e3, million: 1e6, billion: 1e9 };
const SUFFIX_SCALES: Record<string, number> = {
  k: 1e3, thousand: 1e3, grand: 1e3, m: 1e6, mn: 1e6, mil: 1e6, million: 1e6, b: 1e9, bn: 1e9, billion: 1e9,
};

// Digits with optional thousands separators (comma, apostrophe, thin/narrow no-break space) and decimals, or the
// European form "2.500,50"; then an optional magnitude suffix ("3k", "1.5 million").
const DIGIT_NUMBER =
  /(?<![\w.,])(?:(\d{1,3}(?:\.\d{3})+,\d{1,2})|(\d{1,3}(?:[,'\u2009\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))(?:\s?(k|mn|mil|m|bn|b|thousand|grand|million|billion)\b)?/gi;

const WORD = /[a-z]+/gi;

function parseDigitGroup(european: string | undefined, plain: string | undefined): number {
  if (european) return Number(european.replace(/\./g, '').replace(',', '.'));
  return Number((plain ?? '').replace(/[,'\u2009\u202f]/g, ''));
}

/** All digit-written numbers, left to right. */
function findDigitNumbers(text: string): NumberMatch[] {
  const out: NumberMatch[] = [];
  for (const m of text.matchAll(DIGIT_NUMBER)) {
    let value = parseDigitGroup(m[1], m[2]);
    const suffix = m[3]?.toLowerCase();
    // "5m" after a number could be minutes/metres in other contexts, but in a banking chat it is millions; a bare
    // "m" directly followed by "onths" never reaches here because of the \b after the suffix.
    if (suffix) value *= SUFFIX_SCALES[suffix] ?? 1;
    if (Number.isFinite(value)) out.push({ value, start: m.index, end: m.index + m[0].length, scaled: Boolean(suffix) });
  }
  return out;
}

interface WordToken {
  word: string;
  start: number;
  end: number;
}

function isNumberWord(w: string): boolean {
  return w in UNITS || w in TENS || w in SCALES;
}

/** Whether token i starts or continues a number: number words, or an article directly before a scale word. */
function isNumberTokenAt(tokens: WordToken[], i: number): boolean {
  const w = tokens[i]!.word;
  if (isNumberWord(w)) return true;
  const next = tokens[i + 1]?.word;
  return ARTICLES.has(w) && next !== undefined && (next in SCALES || next === 'couple' || next === 'dozen');
}

/** Parses a run of number words: "two thousand five hundred", "a hundred and five", "twenty-five", "a couple". */
function evaluateWordRun(words: string[]): number | undefined {
  if (!words.some((w) => w in UNITS || w in TENS || w in SCALES)) return undefined;
  let total = 0;
  let current = 0;
  let seen = false;
  for (const w of words) {
    if (w === 'and' || ARTICLES.has(w)) continue;
    if (w in UNITS) {
      current += UNITS[w]!;
      seen = true;
    } else if (w in TENS) {
      current += TENS[w]!;
      seen = true;
    } else if (w in SCALES) {
      const scale = SCALES[w]!;
      if (!seen && current === 0) current = 1;
      if (scale === 100) {
        current *= 100;
      } else {
        total += current * scale;
        current = 0;
      }
      seen = true;
    }
  }
  return total + current;
}

/** All number-word runs ("twenty five thousand"), left to right. */
function findWordNumbers(text: string): NumberMatch[] {
  const tokens: WordToken[] = [];
  for (const m of text.matchAll(WORD)) tokens.push({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  const out: NumberMatch[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (!isNumberTokenAt(tokens, i)) {
      i++;
      continue;
    }
    let j = i;
    const run: WordToken[] = [];
    while (j < tokens.length) {
      const t = tokens[j]!;
      const prev = run.at(-1);
      // Words must be adjacent: only spaces, hyphens or "and" between them.
      if (prev && !/^[\s-]*$/.test(text.slice(prev.end, t.start))) break;
      if (isNumberTokenAt(tokens, j) || (t.word === 'and' && run.length && j + 1 < tokens.length && isNumberTokenAt(tokens, j + 1))) {
        run.push(t);
        j++;
      } else break;
    }
    while (run.length && run.at(-1)!.word === 'and') run.pop();
    const value = evaluateWordRun(run.map((t) => t.word));
    if (value !== undefined && run.length) {
      out.push({ value, start: run[0]!.start, end: run.at(-1)!.end, scaled: run.some((t) => t.word in SCALES && t.word !== 'hundred') });
    }
    i = Math.max(j, i + 1);
  }
  return out;
}

/** Every number in the text (digits and words), left to right, non-overlapping. */
export function findNumbers(text: string): NumberMatch[] {
  const all = [...findDigitNumbers(text), ...findWordNumbers(text)].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: NumberMatch[] = [];
  for (const m of all) {
    const last = out.at(-1);
    if (last && m.start < last.end) continue;
    out.push(m);
  }
  return out;
}

/** The first number in the text, or undefined. `parseNumber("about 2,500")` → 2500; `"twenty five"` → 25. */
export function parseNumber(text: string): number | undefined {
  return findNumbers(text)[0]?.value;
}
