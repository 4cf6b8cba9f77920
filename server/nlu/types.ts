/** NLU stage contracts: what a message means (intent ranking + entities) and sentence vectors for retrieval. */

/** An extracted value with its character span (CONTRACTS §3). */
export interface Entity {
  entity: 'amount' | 'duration' | 'age' | 'percentage' | 'count' | 'number' | 'boolean' | 'date' | string;
  value: unknown;
  start: number;
  end: number;
  extractor: string;
  /** Extra structure, e.g. `{ currency: 'EUR' }` for amounts or `{ unit: 'month' }` for durations. */
  [extra: string]: unknown;
}

export interface IntentPrediction {
  name: string;
  confidence: number;
}

/** The result of parsing one message (CONTRACTS §3 `/model/parse`). */
export interface ParseResult {
  text: string;
  intent: IntentPrediction;
  /** At least the top 5, best first. */
  intent_ranking: IntentPrediction[];
  entities: Entity[];
  /** Non-contract diagnostics (e.g. which stage decided out_of_scope). */
  [extra: string]: unknown;
}

/** Classifies text into the intent set; `classify` returns the full ranking, best first. */
export interface IntentClassifier {
  readonly name: string;
  /** Labels the classifier can produce (from the model's own config, never a second list). */
  readonly labels: readonly string[];
  classify(texts: string[]): Promise<IntentPrediction[][]>;
  dispose?(): Promise<void>;
}

/** Pulls typed values (amounts, durations, yes/no…) out of text. */
export interface EntityExtractor {
  readonly name: string;
  extract(text: string): Entity[];
}

/** Sentence embeddings (LangChain's Embeddings shape), unit-normalised. */
export interface Embedder {
  readonly dimension: number;
  /** Identifies the model so an index built with another model is detected as stale. */
  readonly modelId: string;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
  dispose?(): Promise<void>;
}

/** The whole NLU stage as the dialogue sees it. */
export interface NluPipeline {
  parse(text: string): Promise<ParseResult>;
  parseBatch?(texts: string[]): Promise<ParseResult[]>;
  dispose?(): Promise<void>;
}
