/** Parses the small Markdown subset bots may use (bold, italics, code, links, lists, line breaks) into a tree. */

/**
 * Inline node. The widget renders these with Preact as elements and text nodes — never through `innerHTML` —
 * so anything that looks like HTML in a message is shown as the literal characters.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'br' };

/** Block node: a paragraph (lines joined by `br`) or a bullet / numbered list. */
export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'list'; ordered: boolean; items: Inline[][] };

/** Link schemes a bot message may use; everything else (javascript:, data:, relative paths…) stays plain text. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** Longest text parsed as Markdown; the rest is appended as plain text (the parser is O(n²) in the worst case). */
export const MAX_MARKDOWN_LENGTH = 8000;

/** Deepest nesting of emphasis; deeper markers stay literal (guards against pathological input). */
const MAX_DEPTH = 4;

/**
 * Returns a normalised absolute URL if `raw` is a safe link target (http, https, mailto, tel), else `undefined`.
 * Uses the WHATWG URL parser, so tricks such as `java\tscript:` or upper-case schemes are normalised first.
 */
export function safeHref(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

const BULLET = /^\s{0,3}[-*•]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,3}[.)]\s+(.*)$/;
const BARE_URL = /^https?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?'"]/;

/** Parses `source` into blocks. Never throws; unknown syntax is kept as text. */
export function parseMarkdown(source: string): Block[] {
  const text = String(source ?? '').replace(/\r\n?/g, '\n');
  const head = text.slice(0, MAX_MARKDOWN_LENGTH);
  const tail = text.slice(MAX_MARKDOWN_LENGTH);
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;

  const flushParagraph = (): void => {
    if (paragraph.length === 0) return;
    const children: Inline[] = [];
    paragraph.forEach((line, i) => {
      if (i > 0) children.push({ type: 'br' });
      children.push(...parseInline(line, 0));
    });
    blocks.push({ type: 'paragraph', children });
    paragraph = [];
  };
  const flushList = (): void => {
    if (!list) return;
    blocks.push({ type: 'list', ordered: list.ordered, items: list.items.map((item) => parseInline(item, 0)) });
    list = undefined;
  };

  for (const line of head.split('\n')) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const item = bullet ?? numbered;
    if (item) {
      flushParagraph();
      const ordered = numbered !== null;
      if (list && list.ordered !== ordered) flushList();
      list ??= { ordered, items: [] };
      list.items.push(item[1] ?? '');
    } else if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else {
      flushList();
      paragraph.push(line);
    }
  }
  flushParagraph();
  flushList();
  if (tail) blocks.push({ type: 'paragraph', children: [{ type: 'text', text: tail }] });
  return blocks;
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const isSpace = (c: string | undefined): boolean => c === undefined || /\s/.test(c);

/**
 * Finds the closing `marker` for an emphasis opened at `from`, following CommonMark's flanking idea in a simplified
 * form: the content must not start or end with a space, and `_` must not be inside a word (so `credit_risk` stays).
 */
function findClose(s: string, from: number, marker: string): number {
  const open = from + marker.length;
  if (isSpace(s[open])) return -1;
  if (marker[0] === '_' && isWordChar(s[from - 1])) return -1;
  // -2: no valid closer anywhere after `from`. Whether a position closes does not depend on the opener, so a later
  // opener of the same marker cannot succeed either; the caller caches that to keep parsing linear on junk input.
  return scanClose(s, open, marker);
}

function scanClose(s: string, open: number, marker: string): number {
  let j = s.indexOf(marker, open + 1);
  while (j !== -1) {
    const nextIsSame = s[j + marker.length] === marker[0];
    const okEnd = !isSpace(s[j - 1]) && !(marker[0] === '_' && isWordChar(s[j + marker.length]));
    // A single `*` must not match half of a `**`.
    if (okEnd && !(marker.length === 1 && (nextIsSame || s[j - 1] === marker))) return j;
    j = s.indexOf(marker, j + 1);
  }
  return -2;
}

/** Parses one line of inline Markdown; inside a link label (`inLink`) no further links are made. */
export function parseInline(s: string, depth: number, inLink = false): Inline[] {
  const out: Inline[] = [];
  const noCloser = new Map<string, number>(); // marker → position from which no closer exists (see findClose)
  let buf = '';
  const pushText = (): void => {
    if (buf) out.push({ type: 'text', text: buf });
    buf = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    // Backslash escapes ASCII punctuation, as in CommonMark.
    if (c === '\\' && i + 1 < s.length && /[!-/:-@[-`{-~]/.test(s[i + 1] as string)) {
      buf += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        pushText();
        out.push({ type: 'code', text: s.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if ((c === '*' || c === '_') && depth < MAX_DEPTH) {
      const double = s[i + 1] === c;
      const marker = double ? c + c : c;
      const end = (noCloser.get(marker) ?? Infinity) <= i ? -2 : findClose(s, i, marker);
      if (end === -2 && !noCloser.has(marker)) noCloser.set(marker, i);
      if (end >= 0) {
        pushText();
        const children = parseInline(s.slice(i + marker.length, end), depth + 1, inLink);
        out.push(double ? { type: 'strong', children } : { type: 'em', children });
        i = end + marker.length;
        continue;
      }
    }
    if (c === '[' && !inLink) {
      const link = matchLink(s, i, depth);
      if (link) {
        pushText();
        out.push(...link.nodes);
        i = link.end;
        continue;
      }
    }
    if ((c === 'h' || c === 'H') && !inLink && !isWordChar(s[i - 1])) {
      const m = BARE_URL.exec(s.slice(i));
      const href = m ? safeHref(m[0]) : undefined;
      if (m && href) {
        pushText();
        out.push({ type: 'link', href, children: [{ type: 'text', text: m[0] }] });
        i += m[0].length;
        continue;
      }
    }
    buf += c;
    i += 1;
  }
  pushText();
  return out;
}

/** `[label](url)`; an unsafe url keeps the label as plain text and drops the target. */
function matchLink(s: string, i: number, depth: number): { nodes: Inline[]; end: number } | undefined {
  const close = s.indexOf('](', i + 1);
  if (close === -1) return undefined;
  const label = s.slice(i + 1, close);
  if (label.includes('[') || label.includes(']') || label === '') return undefined;
  const urlEnd = s.indexOf(')', close + 2);
  if (urlEnd === -1) return undefined;
  const target = s.slice(close + 2, urlEnd);
  const children = parseInline(label, depth + 1, true);
  const href = safeHref(target);
  return { nodes: href ? [{ type: 'link', href, children }] : children, end: urlEnd + 1 };
}

/** Plain text of a parsed message (for aria labels and previews). */
export function toPlainText(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.type) {
          case 'text':
          case 'code':
            return n.text;
          case 'br':
            return '\n';
          default:
            return inline(n.children);
        }
      })
      .join('');
  return blocks
    .map((b) => (b.type === 'paragraph' ? inline(b.children) : b.items.map((it) => `• ${inline(it)}`).join('\n')))
    .join('\n\n');
}
