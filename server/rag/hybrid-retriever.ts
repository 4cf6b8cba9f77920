/** Hybrid retrieval: dense (HNSW) + BM25 fused by reciprocal rank fusion, intent-aware boost, metadata filters. */
import type { Embedder } from '../nlu/types.ts';
import type { Bm25QueryOptions } from './bm25-index.ts';
import type { KnowledgeIndex } from './knowledge-index.ts';
import type { Passage } from './ingest.ts';
import type { KnowledgeHit, RetrieveOptions, Retriever } from './types.ts';

/** Which signals to use; `dense` and `bm25` alone exist for the benchmark's ablation. */
export type RetrievalMode = 'hybrid' | 'dense' | 'bm25';

/** Tuning knobs, all with defaults (see docs/knowledge.md for how they were chosen). */
export interface HybridRetrieverOptions {
  mode?: RetrievalMode;
  /** RRF constant k: 60 as in Cormack, Clarke & Büttcher (SIGIR 2009), robust across collections. */
  rrfK?: number;
  /** Weight of each list in the fusion. */
  denseWeight?: number;
  bm25Weight?: number;
  /** Weight of the intent list (passages whose front matter `intents` contains the query's intent). */
  intentWeight?: number;
  /** The intent list's weight is multiplied by intentConfidence^this. Default 4 (tuned with the NLU model in bench/kb.ts). */
  intentConfidencePower?: number;
  /** Passages taken from each list before fusion. */
  candidates?: number;
  /** Weight of the dense cosine (vs BM25 query coverage) in a hit's `relevance`. */
  relevanceDenseWeight?: number;
  /** BM25 query settings. */
  bm25?: Bm25QueryOptions;
}

/** Extra options of {@link HybridRetriever.invoke} beyond the Retriever contract. */
export interface HybridRetrieveOptions extends RetrieveOptions {
  /** Drop hits whose `score` is below this (the "I don't know" threshold). */
  minScore?: number;
  /**
   * How sure the caller is of `intent` (e.g. the NLU confidence), default 1. A passage that declares the intent gets
   * at least confidence^intentConfidencePower as its score: the classifier's judgement is evidence of relevance the
   * lexical signals cannot see ("it is gone" → lost_or_stolen_card), discounted like its RRF weight.
   */
  intentConfidence?: number;
  /**
   * The query's embedding from {@link HybridRetriever.embedQuery}, when the caller already has it (the answer model
   * reads it too): the query is then embedded once per turn.
   */
  queryVector?: number[];
}

/** A hit with the signals behind it (extra fields are allowed by CONTRACTS §4). */
export interface HybridHit extends KnowledgeHit {
  /** Best cosine similarity between the query and one of the passage's chunks. */
  dense: number;
  /** Share of the query's IDF-weighted terms found in the passage (0..1). */
  coverage: number;
  /** Raw BM25 score (0 when BM25 did not retrieve it). */
  bm25: number;
  /** Reciprocal-rank-fusion score that ordered the list. */
  rrf: number;
  /** 1-based ranks in each list (absent = not retrieved by that list). */
  ranks: { dense?: number; bm25?: number; intent?: number };
}

/** The contract shape of a hit (CONTRACTS §4): `{ id, title, text, score }`, shared by the HTTP API and the CLI. */
export function publicHit(h: KnowledgeHit): { id: string; title: string; text: string; score: number } {
  return { id: h.id, title: h.title, text: h.text, score: h.score };
}

/** Cap on query length processed; longer input is truncated (the HTTP API rejects it before). */
export const MAX_QUERY_CHARS = 4000;

/**
 * Passes when every filter key matches the passage's metadata (or id/title): a filter value (or any of a list of
 * values) must equal the metadata value (or one of its elements, for lists such as tags). Unknown keys match nothing.
 */
export function matchesFilter(p: Passage, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  for (const [key, want] of Object.entries(filter)) {
    if (want === undefined) continue;
    const have = key === 'id' ? p.id : key === 'title' ? p.title : p.metadata[key];
    const haveList = Array.isArray(have) ? have : have === undefined ? [] : [have];
    const wantList = Array.isArray(want) ? want : [want];
    if (!wantList.some((w) => haveList.includes(w))) return false;
  }
  return true;
}

/**
 * The knowledge retriever. `invoke` returns passages (chunks deduplicated to their passage) best first.
 *
 * Ordering is reciprocal rank fusion of the dense list and the BM25 list (plus the intent list when an intent is
 * given): RRF needs no score calibration between the two retrievers, which is why it is the standard way to fuse.
 * `score` is an absolute relevance in [0, 1] — a blend of the best chunk cosine and the BM25 query coverage —
 * because a rank fusion score says nothing about whether the best passage answers the question at all; the
 * knowledge skill's "I don't know" threshold applies to it. To keep `score` consistent with the order, it is made
 * non-increasing down the list (a hit never shows a higher score than a hit ranked above it).
 */
export class HybridRetriever implements Retriever {
  readonly options: Required<HybridRetrieverOptions>;

  constructor(
    private readonly index: KnowledgeIndex,
    private readonly embedder: Embedder,
    options: HybridRetrieverOptions = {},
  ) {
    this.options = {
      mode: 'hybrid',
      rrfK: 60,
      denseWeight: 1,
      bm25Weight: 1,
      intentWeight: 1,
      intentConfidencePower: 4,
      candidates: 50,
      relevanceDenseWeight: 0.5,
      bm25: {},
      ...options,
    };
  }

  /** The index searched. */
  get knowledgeIndex(): KnowledgeIndex {
    return this.index;
  }

  /** Intents that some passage declares in its front matter. */
  intents(): string[] {
    return [...new Set(this.index.passages.flatMap((p) => p.metadata.intents))].sort();
  }

  /** The query's embedding with this retriever's embedder, the text cut and trimmed as {@link invoke} does. */
  async embedQuery(query: string): Promise<number[]> {
    return this.embedder.embedQuery(query.slice(0, MAX_QUERY_CHARS).trim());
  }

  /** The embedder's model id (a classifier over query embeddings is only valid for the embedder it was fitted on). */
  get embedderModelId(): string {
    return this.embedder.modelId;
  }

  async invoke(query: string, options: HybridRetrieveOptions = {}): Promise<HybridHit[]> {
    const k = Math.max(0, Math.floor(options.k ?? 5));
    const text = query.slice(0, MAX_QUERY_CHARS).trim();
    if (!text || k === 0) return [];
    const { mode, rrfK, candidates } = this.options;
    const idx = this.index;
    const accept = options.filter ? (id: string) => matchesFilter(idx.byId.get(id)!, options.filter) : undefined;

    const qv = options.queryVector ?? (await this.embedder.embedQuery(text));
    const denseCos = (passageId: string): number => this.maxCosine(qv, passageId);

    const fused = new Map<string, { rrf: number; ranks: HybridHit['ranks']; bm25: number }>();
    const addList = (ids: string[], weight: number, key: keyof HybridHit['ranks'], bm25?: number[]): void => {
      ids.forEach((id, i) => {
        const e = fused.get(id) ?? { rrf: 0, ranks: {}, bm25: 0 };
        e.rrf += weight / (rrfK + i + 1);
        e.ranks[key] = i + 1;
        if (bm25) e.bm25 = bm25[i]!;
        fused.set(id, e);
      });
    };

    if (mode !== 'bm25') addList(await this.denseList(qv, candidates, accept), this.options.denseWeight, 'dense');
    if (mode !== 'dense') {
      const hits = idx.bm25.query(text, candidates, accept, this.options.bm25);
      addList(
        hits.map((h) => h.id),
        this.options.bm25Weight,
        'bm25',
        hits.map((h) => h.score),
      );
    }
    if (options.intent && this.options.intentWeight > 0) {
      const withIntent = idx.passages
        .filter((p) => p.metadata.intents.includes(options.intent!) && (!accept || accept(p.id)))
        .map((p) => ({ id: p.id, cos: denseCos(p.id) }))
        .sort((a, b) => b.cos - a.cos);
      // A predicted intent counts in proportion to the classifier's confidence (a gold intent has confidence 1):
      // a wrong, unsure prediction should not outvote both retrievers (measured in bench/kb.ts).
      const confidence = Math.min(1, Math.max(0, options.intentConfidence ?? 1));
      addList(
        withIntent.map((x) => x.id),
        this.options.intentWeight * confidence ** this.options.intentConfidencePower,
        'intent',
      );
    }

    const ranked = [...fused.entries()].sort((a, b) => b[1].rrf - a[1].rrf || (a[0] < b[0] ? -1 : 1)).slice(0, k);
    const hits: HybridHit[] = [];
    let cap = 1;
    for (const [id, e] of ranked) {
      const p = idx.byId.get(id)!;
      const dense = denseCos(id);
      const coverage = idx.bm25.coverage(text, id);
      const intentFloor =
        options.intent && p.metadata.intents.includes(options.intent)
          ? Math.min(1, Math.max(0, options.intentConfidence ?? 1)) ** this.options.intentConfidencePower
          : 0;
      const relevance = Math.max(this.relevance(dense, coverage), Math.min(1, Math.max(0, intentFloor)));
      cap = Math.min(cap, relevance);
      hits.push({ id, title: p.title, text: p.text, score: round4(cap), dense: round4(dense), coverage: round4(coverage), bm25: round4(e.bm25), rrf: Math.round(e.rrf * 1e6) / 1e6, ranks: e.ranks });
    }
    const min = options.minScore ?? 0;
    return min > 0 ? hits.filter((h) => h.score >= min) : hits;
  }

  /** Absolute relevance of a passage in [0, 1] from its two query-dependent signals. */
  relevance(dense: number, coverage: number): number {
    const w = this.options.relevanceDenseWeight;
    return Math.max(0, Math.min(1, w * Math.max(0, dense) + (1 - w) * coverage));
  }

  /** Dense candidates at passage level: nearest chunks from HNSW, each passage ranked by its best chunk. */
  private async denseList(qv: number[], passages: number, accept?: (id: string) => boolean): Promise<string[]> {
    const idx = this.index;
    const chunkFilter = accept ? (chunkId: number) => accept(idx.chunks[chunkId]!.passageId) : undefined;
    // Several chunks may belong to one passage: ask for more chunks than passages needed.
    const nChunks = Math.min(idx.chunks.length, passages * 3);
    const chunkHits = await idx.vectors.searchByVector(qv, nChunks, chunkFilter);
    const order: string[] = [];
    const seen = new Set<string>();
    for (const h of chunkHits) {
      const pid = idx.chunks[h.id]!.passageId;
      if (!seen.has(pid)) {
        seen.add(pid);
        order.push(pid);
      }
    }
    return order.slice(0, passages);
  }

  /** Exact best cosine between the query and the passage's chunks (a handful of dot products). */
  maxCosine(qv: readonly number[], passageId: string): number {
    const idx = this.index;
    const dim = idx.manifest.embedder.dimension;
    let best = -1;
    let qn = 0;
    for (const x of qv) qn += x * x;
    qn = Math.sqrt(qn) || 1;
    for (const c of idx.chunkIdsByPassage.get(passageId) ?? []) {
      let dot = 0;
      const off = c * dim;
      for (let i = 0; i < dim; i++) dot += qv[i]! * idx.chunkVectors[off + i]!;
      best = Math.max(best, dot / qn);
    }
    return best;
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
