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
  add(vectors: number[][], ids: number[]): Promise<void>;
  searchByVector(query: number[], k: number): Promise<Array<{ id: number; score: number }>>;
  size(): number;
}

export interface RetrieveOptions {
  k?: number;
  /** Intent of the question, for the intent-aware boost. */
  intent?: string;
  filter?: Record<string, unknown>;
}

export interface Retriever {
  invoke(query: string, options?: RetrieveOptions): Promise<KnowledgeHit[]>;
}
