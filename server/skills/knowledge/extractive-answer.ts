/**
 * Grounded extractive answers from ONE passage: its direct-answer lead, or the paragraph that answers the question
 * better, quoted verbatim. Nothing is embedded at answer time (the passage was already chosen by retrieval), so
 * building an answer costs microseconds, and nothing is stitched together from two articles.
 */
import type { Bm25Index } from '../../rag/bm25-index.ts';
import type { KnowledgeHit } from '../../rag/types.ts';
import { sentences, stripMarkdown, terms } from '../../rag/text.ts';

/** One answerable block of a passage: a paragraph, or a list with the line that introduces it. */
export interface AnswerBlock {
  /** Position in the passage (0 = the lead, where authors put the direct answer). */
  position: number;
  /** Plain text (Markdown removed; list items keep a "- " marker on their own line). */
  text: string;
  /** Stemmed content terms of the block (for overlap scoring). */
  terms: ReadonlySet<string>;
  /** False when the block leans on something said before it ("It works the other way too", "the same rise"). */
  standalone: boolean;
}

/** An extractive answer: the quoted text and the one passage it came from. */
export interface ExtractiveAnswer {
  text: string;
  /** The cited passage (exactly one, or none when the passage had no usable text). */
  sources: Array<{ id: string; title: string }>;
  /** Which block was quoted (0 = the lead). */
  block: number;
}

/** Tuning for {@link extractAnswer}. */
export interface ExtractOptions {
  /** Cut the quoted block at a sentence (or list item) boundary past this many characters. Default 700. */
  maxChars?: number;
  /**
   * A later paragraph replaces the lead only when its share of the question's IDF-weighted terms beats the lead's by
   * at least this much (the lead is the author's direct answer; another paragraph must be clearly more on point).
   * Default 0.25.
   */
  leadMargin?: number;
}

/** First words that make a paragraph depend on the one before it. */
const LEANS_BACK_START =
  /^(?:it|this|that|these|those|they|them|such|also|and|but|or|so|however|then|here|there|both|either|neither|likewise|similarly|instead|otherwise|even so|in that case|if so|the same|in this case|for this reason|as a result|that said)\b/i;
/** Phrases anywhere in a paragraph that refer to something said earlier. */
const REFERS_BACK = /\b(?:the same|as above|above|the previous|the earlier|the former|the latter|this example|that example|the example)\b/i;

const blockCache = new WeakMap<object, AnswerBlock[]>();

/**
 * Splits a passage body into answer blocks: paragraphs separated by blank lines; a paragraph ending with ":" (a list's
 * introduction) is joined with the list that follows. Memoised per passage object (passages are immutable once
 * loaded).
 */
export function answerBlocks(passage: Pick<KnowledgeHit, 'text'> & object): AnswerBlock[] {
  const cached = blockCache.get(passage);
  if (cached) return cached;
  const raw = passage.text
    .split(/\n\s*\n/)
    .map((b) => stripMarkdown(b).replace(/^\s*[*+]\s+/gm, '- ').replace(/[ \t]+\n/g, '\n').trim())
    .filter((b) => b.length > 0);
  const merged: string[] = [];
  for (const b of raw) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && /:\s*$/.test(prev)) merged[merged.length - 1] = `${prev}\n${b}`;
    else merged.push(b);
  }
  const blocks = merged.map((text, position): AnswerBlock => {
    const first = sentences(text)[0] ?? text;
    return { position, text, terms: new Set(terms(text)), standalone: position === 0 || (!LEANS_BACK_START.test(first) && !REFERS_BACK.test(text)) };
  });
  blockCache.set(passage, blocks);
  return blocks;
}

/** Share of the question's IDF-weighted content terms found in the block (0..1). */
function overlap(qTerms: readonly string[], weights: readonly number[], total: number, block: AnswerBlock): number {
  if (total <= 0) return 0;
  let hit = 0;
  qTerms.forEach((t, i) => {
    if (block.terms.has(t)) hit += weights[i]!;
  });
  return hit / total;
}

/** Trailing sentences that only announce what comes next ("Here is an example …", "For example:") point at text the answer does not include. */
const TEASER = /^(?:here is|here are|here's|for example|for instance|below|the following|see below|as follows|let'?s look|consider)\b|:$/i;

/** The block without trailing teaser sentences (kept when nothing else would remain, or when a list follows). */
export function withoutTeaser(text: string): string {
  if (text.includes('\n')) return text;
  const parts = sentences(text);
  while (parts.length > 1 && TEASER.test(parts[parts.length - 1]!)) parts.pop();
  return parts.length === sentences(text).length ? text : parts.join(' ');
}

/** Cuts text at the last sentence or list-item boundary before `max` characters (never mid-sentence). */
export function cutAtBoundary(text: string, max: number): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  let out = '';
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length <= max) {
      out = next;
      continue;
    }
    if (!out) {
      // The first line alone is too long: keep whole sentences of it.
      for (const s of sentences(line)) {
        const more = out ? `${out} ${s}` : s;
        if (more.length > max && out) break;
        out = more;
      }
    }
    break;
  }
  return out || text.slice(0, max);
}

/**
 * The answer from one passage only (pass the loaded passage object: its blocks are memoised on it): its lead paragraph, unless another paragraph of the same passage covers clearly
 * more of the question and reads on its own. Verbatim (Markdown removed), cut at a sentence boundary.
 */
export function extractAnswer(
  question: string,
  top: Pick<KnowledgeHit, 'id' | 'title' | 'text'>,
  deps: { bm25: Pick<Bm25Index, 'idf'> },
  options: ExtractOptions = {},
): ExtractiveAnswer {
  const blocks = answerBlocks(top);
  if (!blocks.length) return { text: '', sources: [], block: -1 };
  const qTerms = [...new Set(terms(question))];
  const weights = qTerms.map((t) => deps.bm25.idf(t));
  const total = weights.reduce((a, b) => a + b, 0);
  const lead = blocks[0]!;
  const leadScore = overlap(qTerms, weights, total, lead);
  let chosen = lead;
  let best = leadScore + (options.leadMargin ?? 0.25);
  for (const b of blocks.slice(1)) {
    if (!b.standalone) continue;
    const s = overlap(qTerms, weights, total, b);
    if (s > best) {
      best = s;
      chosen = b;
    }
  }
  return { text: cutAtBoundary(withoutTeaser(chosen.text), options.maxChars ?? 700), sources: [{ id: top.id, title: top.title }], block: chosen.position };
}
