/** Retrieval contracts (LangChain-style): documents, vector index, retriever. */
export interface KnowledgeDocument {
  id: string;
  title: string;
  text: string;
  metadata: Record<string, unknown>;
}

/** A search hit as returned by `POST /api/v1/knowledge/search` (CONTRACTS §4). */
export interface KnowledgeHit {
  id: string;
  title: string;
  text: string;
  score: number;
  [extra: string]: unknown;
}

/** Nearest-neighbour search over unit vectors. Implementations must pass test/contract/vector-index.contract.ts. */
export interface VectorIndex {
  /** Vector length every added vector and query must have. */
  readonly dimension: number;
  /** Adds (or replaces, for an id already present) one vector per id. */
  add(vectors: number[][], ids: number[]): Promise<void>;
  /**
   * The k nearest vectors by cosine similarity, best first; `score` is the cosine (1 = same direction).
   * `filter`, when given, restricts the search to ids it accepts.
   */
  searchByVector(query: number[], k: number, filter?: (id: number) => boolean): Promise<Array<{ id: number; score: number }>>;
  size(): number;
}

/** Options of {@link Retriever.invoke}. */
export interface RetrieveOptions {
  k?: number;
  /** Intent of the question, for the intent-aware boost. */
  intent?: string;
  filter?: Record<string, unknown>;
}

/** Finds the passages that answer a question, best first (LangChain's retriever shape). */
export interface Retriever {
  invoke(query: string, options?: RetrieveOptions): Promise<KnowledgeHit[]>;
}
