/** Grounded extractive answers: the sentences of the retrieved passages that best answer the question. */
import type { Embedder } from '../../nlu/types.ts';
import type { Bm25Index } from '../../rag/bm25-index.ts';
import type { KnowledgeHit } from '../../rag/types.ts';
import { sentences, stripMarkdown, terms } from '../../rag/text.ts';

/** One candidate sentence and why it was chosen. */
export interface ScoredSentence {
  passageId: string;
  /** Position in its passage (answers keep the passage's order). */
  position: number;
  text: string;
  score: number;
}

/** An extractive answer: the chosen sentences and the passages they came from (the citations). */
export interface ExtractiveAnswer {
  sentences: ScoredSentence[];
  text: string;
  sources: Array<{ id: string; title: string }>;
}

/** Tuning for {@link extractAnswer}. */
export interface ExtractOptions {
  /** At most this many sentences. Default 3. */
  maxSentences?: number;
  /** Stop adding sentences past this many characters. Default 600. */
  maxChars?: number;
  /** Keep a further sentence only when it scores at least this share of the best one. Default 0.6. */
  keepRatio?: number;
  /** Consider a second passage only when its score is at least this share of the top passage's. Default 0.9. */
  secondPassageRatio?: number;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Picks the most relevant sentences: each sentence of the top passage (and of the second when it is nearly as
 * relevant) is scored by cosine similarity with the question (same embedder as retrieval) plus IDF-weighted term
 * overlap, with a small bonus for a passage's first sentence (authors put the direct answer first). The chosen
 * sentences are returned in passage order, verbatim (Markdown removed): nothing is generated, so nothing is invented.
 */
export async function extractAnswer(
  question: string,
  hits: readonly KnowledgeHit[],
  deps: { embedder: Embedder; bm25: Bm25Index; topicOf?: (passageId: string) => unknown },
  options: ExtractOptions = {},
): Promise<ExtractiveAnswer> {
  const maxSentences = options.maxSentences ?? 3;
  const maxChars = options.maxChars ?? 600;
  const keepRatio = options.keepRatio ?? 0.6;
  const top = hits[0];
  if (!top) return { sentences: [], text: '', sources: [] };
  // A second passage may contribute when nearly as relevant and on the same topic (a customer-service passage
  // should not leak into an answer about credit reports, and vice versa).
  const topic = (h: KnowledgeHit): unknown => deps.topicOf?.(h.id);
  const passages = hits
    .slice(0, 2)
    .filter((h, i) => i === 0 || (h.score >= (options.secondPassageRatio ?? 0.9) * top.score && topic(h) === topic(top)));

  const candidates: Array<Omit<ScoredSentence, 'score'>> = [];
  for (const p of passages) {
    sentences(stripMarkdown(p.text)).forEach((text, position) => {
      // Headings and fragments ("Delivery options:") do not answer anything on their own.
      if (text.length >= 25 && !/:$/.test(text)) candidates.push({ passageId: p.id, position, text });
    });
  }
  if (!candidates.length) return { sentences: [], text: '', sources: [] };

  const qv = await deps.embedder.embedQuery(question);
  const svs = await deps.embedder.embedDocuments(candidates.map((c) => c.text));
  const qTerms = [...new Set(terms(question))];
  const qWeight = qTerms.reduce((s, t) => s + deps.bm25.idf(t), 0);
  const scored: ScoredSentence[] = candidates.map((c, i) => {
    const sTerms = new Set(terms(c.text));
    const overlap = qWeight > 0 ? qTerms.reduce((s, t) => s + (sTerms.has(t) ? deps.bm25.idf(t) : 0), 0) / qWeight : 0;
    const lead = c.position === 0 ? 0.1 : 0;
    // The second passage's sentences are discounted: the top passage is the one the question is about.
    const passageWeight = c.passageId === top.id ? 1 : 0.85;
    return { ...c, score: passageWeight * (0.5 * Math.max(0, dot(qv, svs[i]!)) + 0.5 * overlap + lead) };
  });

  const ranked = [...scored].sort((a, b) => b.score - a.score);
  const best = ranked[0]!;
  const chosen: ScoredSentence[] = [best];
  let chars = best.text.length;
  for (const s of ranked.slice(1)) {
    if (chosen.length >= maxSentences || s.score < keepRatio * best.score) break;
    if (chars + s.text.length > maxChars) continue;
    chosen.push(s);
    chars += s.text.length;
  }
  const order = passages.map((p) => p.id);
  chosen.sort((a, b) => order.indexOf(a.passageId) - order.indexOf(b.passageId) || a.position - b.position);
  const used = passages.filter((p) => chosen.some((s) => s.passageId === p.id));
  return {
    sentences: chosen,
    text: chosen.map((s) => s.text).join(' '),
    sources: used.map((p) => ({ id: p.id, title: p.title })),
  };
}
