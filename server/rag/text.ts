/** Text normalisation shared by the BM25 index, the hashed n-gram embedder and sentence scoring. */
import { stemmer } from 'stemmer';

/**
 * English stop words: function words that carry no topic. A compact list in the spirit of Lucene's and NLTK's,
 * extended with the question and chat filler words customers type ("hi", "please", "pls") so that
 * "how do I …" and "can you tell me …" do not match every passage.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between both
  but by can cannot could couldn did didn do does doesn doing don down during each else ever few for from further get
  gets got had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its
  itself just let lets like me might more most much must mustn my myself need no nor not now of off on once only or
  other ought our ours ourselves out over own please pls plz same shall shan she should shouldn so some such than that
  the their theirs them themselves then there these they this those through to too under until up very want was wasn
  we were weren what when where which while who whom why will with won would wouldn you your yours yourself
  yourselves hi hello hey thanks thank tell know also ll re ve s t d m o y u ur im id ive youre whats`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-cases, strips accents and turns apostrophes into nothing ("don't" → "dont") before splitting. */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '');
}

/** Splits into lower-case alphanumeric words (digits kept: "3d secure", "24 hours"). */
export function words(text: string): string[] {
  return normalize(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

const stemCache = new Map<string, string>();

/** Porter stem with a small memo (the same few thousand words recur in every query). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^\d+$/.test(word) ? word : stemmer(word);
    if (stemCache.size < 100_000) stemCache.set(word, s);
  }
  return s;
}

/** Content terms: words minus stop words, stemmed. The unit BM25 and term-overlap scoring work on. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOP_WORDS.has(w)) out.push(stem(w));
  return out;
}

/** Strips Markdown syntax (headings, emphasis, links, list markers) so text reads as plain prose. */
export function stripMarkdown(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\n]+)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^\s*\|?[-:\s|]+\|?\s*$/gm, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/**
 * Splits plain text into sentences. List items and headings (one per line) count as sentences of their own;
 * within a line, splits after . ! ? followed by a space and a capital, digit or quote, keeping abbreviations
 * such as "e.g." and "i.e." intact.
 */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split(/\n+/)) {
    const line = rawLine.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();
    if (!line) continue;
    const parts = line
      .replace(/\b(e\.g|i\.e|etc|vs|approx|incl)\.\s/gi, (m) => m.replace('. ', '.\u0000'))
      .split(/(?<=[.!?])\s+(?=["“(]?[A-Z0-9])/)
      .map((s) => s.replace(/\u0000/g, ' ').trim())
      .filter(Boolean);
    out.push(...parts);
  }
  return out;
}
