/**
 * Retrieval-first routing's probe: every message (not a button payload) is searched in the knowledge base once, before
 * the policy decides, so one decision can weigh the NLU's intent and confidence against how well the knowledge base
 * answers; the knowledge skill then answers from the same hits (no second search).
 */
import type { KnowledgeSignal } from '../../dialogue/types.ts';
import type { ParseResult } from '../../nlu/types.ts';
import type { HybridHit } from '../../rag/hybrid-retriever.ts';
import type { KnowledgeBase } from '../../rag/knowledge-base.ts';
import { answerFeatures, type AnswerModel } from '../../rag/answer-model.ts';
import { DEFAULT_RERANK_FUSION, rerankHits, type Reranker, type RerankFusion } from '../../rag/reranker.ts';
import { terms } from '../../rag/text.ts';

/** A second-stage scorer of (question, passage) pairs (the cross-encoder in `server/rag/reranker.ts`). */
export type PassageReranker = Reranker;

/** The knowledge signal of one message, with the hits the skill answers from. */
export interface KnowledgeSearchResult extends KnowledgeSignal {
  hits: HybridHit[];
}

/** Options of {@link KnowledgeSearch}. */
export interface KnowledgeSearchOptions {
  knowledge: KnowledgeBase | Promise<KnowledgeBase>;
  /** Cross-encoder over the first hits; default: the knowledge base's (`KnowledgeBase.reranker`); `null` = none. */
  reranker?: Reranker | null | undefined;
  /** How the reranker's logit is fused with the retrieval score; default the reranker's dev-tuned fusion. */
  fusion?: RerankFusion;
  /** Hits kept. Default 5. */
  k?: number;
  /** Intents the passages declare (the intent boost applies to these only); default: read from the loaded base. */
  intents?: readonly string[];
  /**
   * The calibrated answer model (server/rag/answer-model.ts): re-orders the hits by the probability that each answers
   * the message and makes `score` that probability. Default: the knowledge base's; `null` = none.
   */
  answerModel?: AnswerModel | null | undefined;
}

/** The intents the knowledge skill answers: general money questions plus every intent a passage declares. */
export function knowledgeIntentSet(declared: Iterable<string>): Set<string> {
  return new Set(['financial_education', ...declared]);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Searches a message in the knowledge base (intent boost from the NLU when it predicts an intent some passage declares). */
export class KnowledgeSearch {
  private declared: ReadonlySet<string> | undefined;
  private knowledgeIntents: ReadonlySet<string> | undefined;

  constructor(private readonly options: KnowledgeSearchOptions) {
    if (options.intents) this.declared = new Set(options.intents);
  }


  /**
   * The signal for `text` (undefined for button payloads and messages without a content word, which retrieval cannot
   * judge). `score` is the best retrieval relevance among the hits (0..1), the quantity the thresholds are tuned on;
   * `margin` is how far the first hit leads the second (reranker probabilities when a reranker is configured).
   */
  async search(text: string, parse: { intent: ParseResult['intent']; intent_ranking?: ParseResult['intent_ranking']; trigger?: boolean | undefined }): Promise<KnowledgeSearchResult | undefined> {
    const question = text.trim();
    if (parse.trigger || question.startsWith('/') || terms(question).length === 0) return undefined;
    const kb = await this.options.knowledge;
    this.declared ??= new Set(kb.retriever.intents());
    const declared = this.declared;
    const { name, confidence } = parse.intent;
    const boost = this.declared.has(name) ? { intent: name, intentConfidence: confidence } : {};
    const answerModel = this.options.answerModel === null ? undefined : (this.options.answerModel ?? kb.answerModel);
    // The answer model's embedding classifier reads the same query vector the retriever searches with: embed once.
    const queryVector = answerModel?.embeddingClassifier ? await kb.retriever.embedQuery(question) : undefined;
    let hits: Array<HybridHit & { rerank?: number }> = await kb.retriever.invoke(question, { k: this.options.k ?? 5, ...boost, ...(queryVector ? { queryVector } : {}) });
    const score = hits[0]?.score ?? 0;
    // Without a reranker, the lead is the first hit's relative reciprocal-rank-fusion lead over the second (the
    // scores themselves are capped to be non-increasing, so their gap is often 0 even when the order is clear).
    let margin = hits.length > 1 && hits[0]!.rrf > 0 ? (hits[0]!.rrf - hits[1]!.rrf) / hits[0]!.rrf : 1;
    let reranked = false;
    const reranker = this.options.reranker === null ? undefined : (this.options.reranker ?? kb.reranker);
    if (answerModel) {
      // The answer model decides from every signal at once (its probabilities are calibrated on dev data): the
      // reranker's logits for the hits it was fitted with, then one probability per hit, best first.
      if (reranker && answerModel.rerankK > 1 && hits.length > 1) hits = await rerankHits(reranker, question, hits, { k: answerModel.rerankK, weight: 0 });
      const rows = answerFeatures(question, parse, hits, (id) => (kb.index.byId.get(id)?.metadata.intents as string[] | undefined) ?? [], (this.knowledgeIntents ??= knowledgeIntentSet(declared)), {
        lexical: answerModel.passageClassifier?.classify(question),
        embedding: queryVector && answerModel.embeddingClassifier?.classify(queryVector),
      });
      const p = answerModel.probabilities(rows);
      const ranked = hits.map((h, i) => ({ ...h, retrievalScore: h.score, score: Number(p[i]!.toFixed(4)) })).sort((a, b) => b.score - a.score);
      const top = ranked[0];
      const relevance = top ? kb.retriever.relevance(top.dense, top.coverage) : 0;
      return {
        question,
        hits: ranked.slice(0, this.options.k ?? 5),
        score: top?.score ?? 0,
        margin: ranked.length > 1 ? top!.score - ranked[1]!.score : 1,
        reranked: false,
        calibrated: true,
        relevance: Number(relevance.toFixed(4)),
      };
    }
    // The cross-encoder (server/rag/reranker.ts) re-orders the first few hits, fused with the retrieval score as its
    // author tuned it on the dev half; the lead is then the first hit's fused-score lead over the second.
    if (reranker && hits.length > 1) {
      const fusion = this.options.fusion ?? DEFAULT_RERANK_FUSION;
      hits = await rerankHits(reranker, question, hits, fusion);
      const key = (h: HybridHit & { rerank?: number }): number => h.score + fusion.weight * (h.rerank ?? 0);
      margin = hits.length > 1 ? key(hits[0]!) - key(hits[1]!) : 1;
      reranked = true;
    }
    // The answered passage's own relevance, without the NLU's intent floor: how much of the question it covers.
    const top = hits[0];
    const relevance = top && 'dense' in top ? kb.retriever.relevance(top.dense, top.coverage) : score;
    return { question, hits: hits.slice(0, this.options.k ?? 5), score, margin, reranked, relevance: Number(relevance.toFixed(4)) };
  }
}
