/**
 * Retrieval-first routing's probe: every message (not a button payload) is searched in the knowledge base once, before
 * the policy decides, so one decision can weigh the NLU's intent and confidence against how well the knowledge base
 * answers; the knowledge skill then answers from the same hits (no second search).
 */
import type { KnowledgeSignal } from '../../dialogue/types.ts';
import type { ParseResult } from '../../nlu/types.ts';
import type { HybridHit } from '../../rag/hybrid-retriever.ts';
import type { KnowledgeBase } from '../../rag/knowledge-base.ts';
import { terms } from '../../rag/text.ts';

/**
 * A second-stage scorer of (question, passage) pairs, e.g. the cross-encoder in `server/rag/reranker.ts` (structurally
 * the same interface): one score per candidate, higher = more relevant, comparable within one call.
 */
export interface PassageReranker {
  readonly modelId: string;
  rerank(query: string, candidates: ReadonlyArray<{ id: string; title: string; text: string }>): Promise<number[]>;
}

/** The knowledge signal of one message, with the hits the skill answers from. */
export interface KnowledgeSearchResult extends KnowledgeSignal {
  hits: HybridHit[];
}

/** Options of {@link KnowledgeSearch}. */
export interface KnowledgeSearchOptions {
  knowledge: KnowledgeBase | Promise<KnowledgeBase>;
  /** Optional cross-encoder over the first `rerankTop` hits; absent = retrieval order. */
  reranker?: PassageReranker | undefined;
  /** Hits re-scored by the reranker. Default 5. */
  rerankTop?: number;
  /** Hits kept. Default 5. */
  k?: number;
  /** Intents the passages declare (the intent boost applies to these only); default: read from the loaded base. */
  intents?: readonly string[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Searches a message in the knowledge base (intent boost from the NLU when it predicts an intent some passage declares). */
export class KnowledgeSearch {
  private declared: ReadonlySet<string> | undefined;

  constructor(private readonly options: KnowledgeSearchOptions) {
    if (options.intents) this.declared = new Set(options.intents);
  }

  /** The reranker in use (bench and docs report it), if any. */
  get reranker(): PassageReranker | undefined {
    return this.options.reranker;
  }

  /**
   * The signal for `text` (undefined for button payloads and messages without a content word, which retrieval cannot
   * judge). `score` is the best retrieval relevance among the hits (0..1), the quantity the thresholds are tuned on;
   * `margin` is how far the first hit leads the second (reranker probabilities when a reranker is configured).
   */
  async search(text: string, parse: { intent: ParseResult['intent']; trigger?: boolean | undefined }): Promise<KnowledgeSearchResult | undefined> {
    const question = text.trim();
    if (parse.trigger || question.startsWith('/') || terms(question).length === 0) return undefined;
    const kb = await this.options.knowledge;
    this.declared ??= new Set(kb.retriever.intents());
    const { name, confidence } = parse.intent;
    const boost = this.declared.has(name) ? { intent: name, intentConfidence: confidence } : {};
    let hits = await kb.retriever.invoke(question, { k: Math.max(this.options.k ?? 5, this.options.rerankTop ?? 5), ...boost });
    const score = hits[0]?.score ?? 0;
    // Without a reranker, the lead is the first hit's relative reciprocal-rank-fusion lead over the second (the
    // scores themselves are capped to be non-increasing, so their gap is often 0 even when the order is clear).
    let margin = hits.length > 1 && hits[0]!.rrf > 0 ? (hits[0]!.rrf - hits[1]!.rrf) / hits[0]!.rrf : 1;
    let reranked = false;
    const reranker = this.options.reranker;
    if (reranker && hits.length > 1) {
      const n = Math.min(hits.length, this.options.rerankTop ?? 5);
      const head = hits.slice(0, n);
      const scores = await reranker.rerank(question, head.map((h) => kb.index.byId.get(h.id) ?? h));
      const order = head.map((h, i) => ({ h, p: sigmoid(scores[i] ?? -Infinity) })).sort((a, b) => b.p - a.p);
      hits = [...order.map((o) => ({ ...o.h, rerank: Number(o.p.toFixed(4)) })), ...hits.slice(n)];
      margin = order.length > 1 ? order[0]!.p - order[1]!.p : order[0]!.p;
      reranked = true;
    }
    return { question, hits: hits.slice(0, this.options.k ?? 5), score, margin, reranked };
  }
}
