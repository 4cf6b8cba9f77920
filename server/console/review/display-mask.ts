/**
 * The console's last line of defence for personal data: masking runs before storage (the session store's masking
 * step), and the console masks again whatever it shows, so a conversation stored before masking existed, or a pattern
 * the first pass missed, is never displayed in full. Card numbers (13–19 digits passing the Luhn check), IBANs,
 * e-mail addresses and phone numbers become placeholders.
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** IBAN: country code, two check digits, 11–30 alphanumerics, optionally in groups of four. */
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/gi;
/** Digit runs with optional single spaces or dashes: candidates for card numbers and phone numbers. */
const DIGIT_RUN = /\+?\d(?:[ -]?\d){6,22}/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The spans of personal data in `text`: `[start, end, placeholder]`, in order, not overlapping. */
export function personalDataSpans(text: string): Array<[number, number, string]> {
  const spans: Array<[number, number, string]> = [];
  const taken = (a: number, b: number): boolean => spans.some(([s, e]) => a < e && b > s);
  const scan = (re: RegExp, label: (m: string) => string | undefined): void => {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      const placeholder = label(m[0]);
      if (placeholder && !taken(start, end)) spans.push([start, end, placeholder]);
    }
  };
  scan(EMAIL, () => '[email]');
  scan(IBAN, (m) => (/\d{6,}/.test(m.replace(/\s/g, '')) ? '[iban]' : undefined));
  scan(DIGIT_RUN, (m) => {
    const digits = m.replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return '[card]';
    // 8+ digits written as one number or in phone-style groups (amounts like 20,000 have commas and stay).
    return digits.length >= 8 ? '[phone]' : undefined;
  });
  return spans.sort((a, b) => a[0] - b[0]);
}

/** `text` with card numbers, IBANs, e-mails and phone numbers replaced by `[card]`, `[iban]`, `[email]`, `[phone]`. */
export function maskForDisplay(text: string): string {
  let out = '';
  let at = 0;
  for (const [start, end, placeholder] of personalDataSpans(text)) {
    out += text.slice(at, start) + placeholder;
    at = end;
  }
  return out + text.slice(at);
}

/** Masks every string inside a JSON-like value (entity values, card fields). */
export function maskDeep<T>(value: T): T {
  if (typeof value === 'string') return maskForDisplay(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)])) as T;
  return value;
}
