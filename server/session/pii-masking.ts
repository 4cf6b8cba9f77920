/**
 * Personal data in free text, masked before it is stored: payment card numbers (Luhn-checked), IBANs (ISO 13616
 * mod-97 checksum), e-mail addresses and phone numbers. Numbers keep their last four digits and say what they were,
 * e.g. `[card ••••1111]`, so a transcript stays readable for its owner and for staff without holding the data.
 */

/** A masked region of the original text. */
export interface MaskedSpan {
  start: number;
  end: number;
  kind: 'card' | 'iban' | 'email' | 'phone';
}

/** The masked text and where the originals were. */
export interface MaskResult {
  text: string;
  spans: MaskedSpan[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** Two letters, two check digits, then 11–30 letters/digits, optionally grouped with spaces or dashes. */
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}/g;
/** 13–19 digits, optionally grouped with single spaces or dashes (how people type card numbers). */
const CARD_CANDIDATE = /(?<![\d+])\d(?:[ -]?\d){12,18}(?![\d])/g;
/** A phone-like run: optional + or 00, digits with spaces, dots, dashes, slashes or brackets between them. */
const PHONE_CANDIDATE = /(?<![\w+])(?:\+|\b00)?\(?\d[\d ()./-]{5,22}\d(?![\w])/g;

/** True when `digits` passes the Luhn check (ISO/IEC 7812), which every payment card number satisfies. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True for a well-formed IBAN (compact, upper case): 15–34 characters whose mod-97 check (ISO 13616) gives 1. */
export function ibanValid(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

const lastFour = (s: string): string => s.replace(/[^0-9A-Za-z]/g, '').slice(-4);
const overlaps = (spans: MaskedSpan[], start: number, end: number): boolean => spans.some((s) => start < s.end && end > s.start);

/** Finds an IBAN at the start of `candidate`: the longest prefix (ending on a character) with a valid checksum. */
function ibanPrefix(candidate: string): string | undefined {
  for (let end = candidate.length; end >= 15; end -= 1) {
    const prefix = candidate.slice(0, end);
    if (!/[A-Za-z0-9]$/.test(prefix)) continue;
    if (ibanValid(prefix.replace(/[ -]/g, '').toUpperCase())) return prefix;
  }
  return undefined;
}

/**
 * Masks the personal data in `text`. Deterministic and conservative: a number is masked as a card only when the
 * Luhn check passes and as an IBAN only when mod-97 passes; other long digit runs (9–15 digits, or 8+ after a `+`)
 * count as phone numbers. Amounts such as "20,000" or "1 500" and dates are left alone.
 */
export function maskPersonalData(text: string): MaskResult {
  const spans: MaskedSpan[] = [];
  const replacements = new Map<number, string>();
  const add = (start: number, end: number, kind: MaskedSpan['kind'], replacement: string): void => {
    spans.push({ start, end, kind });
    replacements.set(start, replacement);
  };
  for (const m of text.matchAll(EMAIL)) add(m.index, m.index + m[0].length, 'email', '[email]');
  for (const m of text.matchAll(IBAN_CANDIDATE)) {
    const iban = ibanPrefix(m[0]);
    if (iban && !overlaps(spans, m.index, m.index + iban.length)) add(m.index, m.index + iban.length, 'iban', `[IBAN ••••${lastFour(iban)}]`);
  }
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (luhnValid(digits) && !overlaps(spans, m.index, m.index + m[0].length)) add(m.index, m.index + m[0].length, 'card', `[card ••••${digits.slice(-4)}]`);
  }
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    const raw = m[0].trimEnd();
    const digits = raw.replace(/\D/g, '');
    const international = raw.startsWith('+') || raw.startsWith('00');
    const plausible = digits.length <= 15 && (digits.length >= 9 || (international && digits.length >= 8));
    if (plausible && !overlaps(spans, m.index, m.index + raw.length)) add(m.index, m.index + raw.length, 'phone', `[phone ••••${digits.slice(-4)}]`);
  }
  if (spans.length === 0) return { text, spans };
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + replacements.get(span.start)!;
    at = span.end;
  }
  return { text: out + text.slice(at), spans };
}
