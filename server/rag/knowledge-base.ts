/** Start-up wiring of retrieval: pick the embedder, open (or rebuild) the persisted index, make the retriever. */
import fs from 'node:fs';
import path from 'node:path';
import type { MonetaConfig } from '../config/index.ts';
import { ConfigError, isMonetaError, ModelNotReadyError } from '../errors.ts';
import type { Embedder } from '../nlu/types.ts';
import { CombinedEmbedder } from './combined-embedder.ts';
import { HashedNgramEmbedder } from './hashed-ngram-embedder.ts';
import { HybridRetriever, type HybridRetrieverOptions } from './hybrid-retriever.ts';
import { DEFAULT_CHUNKING, parsePassage, readKnowledgeFiles, type ChunkingOptions } from './ingest.ts';
import {
  buildKnowledgeIndex,
  loadKnowledgeIndex,
  openKnowledgeIndex,
  type BuildStats,
  type IndexLogger,
  type KnowledgeIndex,
} from './knowledge-index.ts';
import { AnswerModel } from './answer-model.ts';
import type { Reranker } from './reranker.ts';
import type { KnowledgeHit, RetrieveOptions, Retriever } from './types.ts';
import type { WorkerPool } from '../workers/pool.ts';

/**
 * Retrieval settings tuned per embedder family with `npm run bench:kb` (figures in docs/knowledge.md). The score's
 * scale depends on the embedder (cosines of hashed n-grams run lower than a trained encoder's), so the "I don't know"
 * threshold and the weight of the dense cosine in the score are tuned for each.
 */
export interface EmbedderTuning {
  minScore: number;
  /**
   * Score at which the knowledge skill answers a message the NLU rejected (out of scope or unsure); absent = no
   * rescue with this embedder (it has not been measured).
   */
  rescueMinScore?: number;
  relevanceDenseWeight: number;
  chunking: ChunkingOptions;
  /** Fusion settings for this embedder (RRF weights, intent boost, …) over the retriever's defaults. */
  retriever?: HybridRetrieverOptions;
  /** Retrieval-first routing thresholds for this embedder (absent: derived from `minScore` / `rescueMinScore`). */
  routing?: Partial<RoutingThresholds>;
}

/** Retrieval-first routing thresholds on the retrieval score (see `KnowledgeRouting` in server/dialogue/policy.ts). */
export interface RoutingThresholds {
  /** Answer a message the NLU rejected (out of scope / unsure) from this score up. */
  rejectedMinScore: number;
  /** Answer instead of a dedicated intent (small talk, a questionnaire) from this score up … */
  overrideMinScore: number;
  /** … when the NLU's confidence in that intent is below this. */
  overrideMaxConfidence: number;
  /** Closest topics offered with the fallback reply from this score up. */
  nearMinScore: number;
  /** An out-of-scope message this close to a passage gets the closest topics and a person instead (the "I don't know" threshold). */
  suggestMinScore: number;
  /** Calibrated answer model only: the "Do you mean …?" thresholds (see `clarifiesCalibrated`). */
  clarifySum?: number;
  clarifyMinSecond?: number;
}

/**
 * Chunks for the retrieval encoder: it reads at most 64 tokens (kept short so it trains in minutes on 2 cores and
 * embeds a query in well under a millisecond), so chunks are cut to about that length (~320 characters).
 * scripts/export-kb-training-text.ts trains it on exactly these chunks.
 */
export const RETRIEVAL_CHUNKING: ChunkingOptions = { chunkSize: 320, chunkOverlap: 64, questionVectors: true };

/** Tuned settings by embedder `modelId` pattern (first match wins). */
export const TUNED_FOR_EMBEDDER: Array<{ match: RegExp } & EmbedderTuning> = [
  // Hashed n-grams + Moneta's retrieval encoder (models/retrieval), chosen on the dev half (docs/knowledge.md).
  // "I don't know" thresholds (minScore) here are the dev half's F1-optimal ones with the alternate questions indexed
  // (npm run bench:kb, "dev-tuned").
  // Rescue threshold: at most 1% of the NLU's out-of-scope validation messages score this high (npm run
  // bench:kb-rescue, bench/results/kb-rescue.json).
  {
    match: /^combined\(.*moneta-retrieval/,
    minScore: 0.351,
    rescueMinScore: 0.6315,
    relevanceDenseWeight: 0.7,
    chunking: RETRIEVAL_CHUNKING,
    // 20 candidates per list instead of 50: the same answers on the dev half end to end (bench:answers --tune,
    // CANDIDATES=50/20/12 all 84.5% first cited right) with a 60-chunk HNSW search instead of 150.
    retriever: { candidates: 20 },
    // Retrieval-first routing, chosen end to end on the dev half plus 475 CLINC150 messages that have nothing to do
    // with money (npm run bench:answers -- --tune): answering NLU-rejected messages from 0.6 instead of 0.6315 gives
    // 86.1% vs 84.5% first cited right on dev at the same 3.6% wrong, for 2.7% vs 2.3% of those messages cited.
    routing: { rejectedMinScore: 0.6, overrideMinScore: 0.7, overrideMaxConfidence: 0.6 },
  },
  // The retrieval encoder alone.
  { match: /^moneta-retrieval/, minScore: 0.439, relevanceDenseWeight: 0.7, chunking: RETRIEVAL_CHUNKING },
  // Hashed n-grams: the best chunk cosine alone separated unanswerable questions best (IDK F1 0.62 vs 0.34 for the
  // 50/50 blend with BM25 coverage). A title vector lowered recall@1.
  { match: /^hashed-ngram/, minScore: 0.249, relevanceDenseWeight: 1, chunking: DEFAULT_CHUNKING },
  // Hashed + NLU transformer (0.7/0.3), final NLU model: hybrid recall@1 0.695 vs 0.660 hashed alone; a 70/30
  // cosine/coverage blend separated unanswerable questions best.
  { match: /^combined\(/, minScore: 0.335, relevanceDenseWeight: 0.7, chunking: DEFAULT_CHUNKING },
  // Moneta's NLU transformer encoder alone (models/intent, max 64 tokens): a title vector per passage helped most
  // (hybrid recall@1 0.58 vs 0.55 without); 70/30 cosine/coverage.
  { match: /^moneta-intent/, minScore: 0.609, relevanceDenseWeight: 0.7, chunking: { ...DEFAULT_CHUNKING, titleVector: true } },
];
const FALLBACK_TUNING: EmbedderTuning = { minScore: 0.3, relevanceDenseWeight: 0.5, chunking: DEFAULT_CHUNKING };

/** The rescue threshold in force: the configured one (`off` disables it), else the embedder's tuned one. */
function rescueSetting(configured: number | 'off' | undefined, tuned: number | undefined): { rescueMinScore?: number } {
  if (configured === 'off') return {};
  const value = configured ?? tuned;
  return value === undefined ? {} : { rescueMinScore: value };
}

/**
 * The routing thresholds for a tuning: its own values, else the rescue threshold (or, without one, never answering
 * rejected messages). A configured `rescueMinScore` overrides `rejectedMinScore` (`off` = never).
 */
export function routingFor(tuning: EmbedderTuning, minScore: number, configuredRescue?: number | 'off'): RoutingThresholds {
  const rejected = configuredRescue === 'off' ? Infinity : (configuredRescue ?? tuning.routing?.rejectedMinScore ?? tuning.rescueMinScore ?? Infinity);
  return {
    rejectedMinScore: rejected,
    overrideMinScore: tuning.routing?.overrideMinScore ?? Math.max(rejected, 0.7),
    overrideMaxConfidence: tuning.routing?.overrideMaxConfidence ?? 0.6,
    nearMinScore: tuning.routing?.nearMinScore ?? minScore * 0.6,
    suggestMinScore: tuning.routing?.suggestMinScore ?? minScore,
  };
}

/**
 * The routing thresholds with the answer model: its own probabilities, except that a configured rescue setting still
 * decides when NLU-rejected messages are answered (a number is then a probability; `off` = never).
 */
function calibratedRouting(model: AnswerModel, tuning: EmbedderTuning, configuredRescue?: number | 'off'): RoutingThresholds {
  const { minScore: _answer, ...thresholds } = model.thresholds;
  const rejected = configuredRescue === 'off' ? Infinity : (configuredRescue ?? thresholds.rejectedMinScore);
  return { ...thresholds, rejectedMinScore: rejected, overrideMaxConfidence: tuning.routing?.overrideMaxConfidence ?? 0.6 };
}

/** The tuned settings for an embedder (by model id pattern), or conservative defaults for an unknown one. */
export function tuningFor(modelId: string): EmbedderTuning {
  return TUNED_FOR_EMBEDDER.find((t) => t.match.test(modelId)) ?? FALLBACK_TUNING;
}

/** The retriever options an embedder's tuning implies (its fusion settings plus the relevance blend). */
export function retrieverOptionsFor(tuning: EmbedderTuning): HybridRetrieverOptions {
  return { ...tuning.retriever, relevanceDenseWeight: tuning.relevanceDenseWeight };
}

/** The knowledge base as the rest of the server sees it. */
export interface KnowledgeBase {
  embedder: Embedder;
  /** The "I don't know" threshold in force: `config.knowledge.minScore`, else the embedder's tuned value. */
  minScore: number;
  /** The rescue threshold in force (`config.knowledge.rescueMinScore`, else the embedder's tuned value); absent = off. */
  rescueMinScore?: number;
  /** Retrieval-first routing thresholds in force (the rescue setting, when configured, sets `rejectedMinScore`). */
  routing: RoutingThresholds;
  index: KnowledgeIndex;
  retriever: HybridRetriever;
  /**
   * The cross-encoder that rescores the retriever's top candidates (server/rag/reranker.ts), when one is configured
   * and present; owned by whoever loaded it (server/bootstrap.ts), not disposed with the knowledge base.
   */
  reranker?: Reranker;
  /**
   * The calibrated answer model (server/rag/answer-model.ts), when `config.knowledge.answerModelDir` holds one: the
   * knowledge search then scores hits as probabilities, and `minScore` and `routing` are its thresholds.
   */
  answerModel?: AnswerModel;
  /** How the index was obtained at start-up, and why it was rebuilt if it was. */
  status: 'loaded' | 'rebuilt' | 'stale';
  reasons: string[];
  stats?: BuildStats;
  /** Milliseconds from call to ready. */
  startupMs: number;
  dispose(): Promise<void>;
}

/** True when `dir` holds a loadable encoder for `dtype` (the ONNX file and tokenizer.json). */
function modelFolderPresent(dir: string, dtype: 'fp32' | 'q8'): boolean {
  const file = dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx';
  return fs.existsSync(path.join(dir, 'onnx', file)) && fs.existsSync(path.join(dir, 'tokenizer.json'));
}

/** True when the NLU model folder has the ONNX file for the configured dtype. */
export function transformerModelPresent(config: MonetaConfig): boolean {
  return modelFolderPresent(config.nlu.modelDir, config.nlu.dtype);
}

/** True when Moneta's retrieval encoder (`config.knowledge.retrievalModelDir`, fp32) is present. */
export function retrievalModelPresent(config: MonetaConfig): boolean {
  return modelFolderPresent(config.knowledge.retrievalModelDir, 'fp32');
}

/** Weight of the NLU transformer's cosine in the combined embedder when there is no retrieval model (0.3 beat 0.5). */
export const TRANSFORMER_WEIGHT = 0.3;

/**
 * Weights of the parts of the combined embedder when the retrieval encoder is present, chosen on the dev half of
 * the question sets with `npm run bench:kb-tune` (docs/knowledge.md): hashed n-grams for exact words and typos, the
 * retrieval encoder for customer phrasings, the NLU encoder for paraphrases. Without the NLU model the other two
 * keep their ratio.
 */
export const RETRIEVAL_COMBINATION = { hashed: 0.5, retrieval: 0.35, transformer: 0.15 };

/**
 * The sentence embedder named by `config.knowledge.embedder`:
 * - `hashed`: the hashed n-gram embedder;
 * - `transformer`: the NLU's sentence encoder (`config.nlu.modelDir`);
 * - `retrieval`: Moneta's retrieval encoder (`config.knowledge.retrievalModelDir`), trained for question → passage;
 * - `combined`: hashed n-grams + the retrieval encoder + the NLU transformer ({@link RETRIEVAL_COMBINATION}) when the
 *   retrieval model exists, else hashed n-grams + the NLU transformer (transformer weight {@link TRANSFORMER_WEIGHT}), as one weighted vector
 *   ({@link CombinedEmbedder});
 * - `auto` (default): `combined` when either encoder exists, else `hashed` (a checkout without models still works).
 */
export async function createEmbedder(config: MonetaConfig, shared: { transformer?: Embedder; offload?: WorkerPool | undefined } = {}): Promise<Embedder> {
  const choice = config.knowledge.embedder;
  if (choice === 'hashed') return new HashedNgramEmbedder();
  // Loaded lazily so the hashed path never pays for importing onnxruntime.
  const loadEncoder = async (dir: string, dtype: 'fp32' | 'q8'): Promise<Embedder> => {
    const { TransformerEmbedder } = await import('../nlu/transformer-embedder.ts');
    return TransformerEmbedder.load(dir, { dtype, offload: shared.offload });
  };
  if (choice === 'retrieval' || ((choice === 'combined' || choice === 'auto') && retrievalModelPresent(config))) {
    if (!retrievalModelPresent(config)) {
      throw new ConfigError(
        `MONETA_KNOWLEDGE_EMBEDDER=retrieval, but there is no model in ${config.knowledge.retrievalModelDir} (onnx/model.onnx + tokenizer.json). Restore it (git checkout models/retrieval), retrain it with \`npm run train:retrieval\`, point MONETA_RETRIEVAL_MODEL_DIR at it, or use auto/hashed.`,
      );
    }
    const retrieval = await loadEncoder(config.knowledge.retrievalModelDir, 'fp32');
    if (choice === 'retrieval') return retrieval;
    // The NLU's encoder: the server's loaded one (shared, never disposed here), else loaded and owned here.
    const ownTransformer = !shared.transformer && transformerModelPresent(config) ? await loadEncoder(config.nlu.modelDir, config.nlu.dtype) : undefined;
    const transformer = shared.transformer ?? ownTransformer;
    return new CombinedEmbedder(
      [
        { embedder: new HashedNgramEmbedder(), weight: RETRIEVAL_COMBINATION.hashed },
        { embedder: retrieval, weight: RETRIEVAL_COMBINATION.retrieval },
        ...(transformer ? [{ embedder: transformer, weight: RETRIEVAL_COMBINATION.transformer }] : []),
      ],
      { ownsParts: true, ...(shared.transformer ? { keep: [shared.transformer] } : {}) },
    );
  }
  if (shared.transformer) {
    // The NLU's already-loaded encoder (one model session for both); not disposed here.
    if (choice === 'transformer') return shared.transformer;
    return new CombinedEmbedder([
      { embedder: new HashedNgramEmbedder(), weight: 1 - TRANSFORMER_WEIGHT },
      { embedder: shared.transformer, weight: TRANSFORMER_WEIGHT },
    ]);
  }
  if (!transformerModelPresent(config)) {
    if (choice === 'auto') return new HashedNgramEmbedder();
    throw new ConfigError(
      `MONETA_KNOWLEDGE_EMBEDDER=${choice}, but there is no model in ${config.nlu.modelDir} (onnx/${config.nlu.dtype === 'q8' ? 'model_quantized' : 'model'}.onnx + tokenizer.json). Train it, point MONETA_INTENT_MODEL_DIR at it, or use auto/hashed.`,
    );
  }
  const transformer = await loadEncoder(config.nlu.modelDir, config.nlu.dtype);
  if (choice === 'transformer') return transformer;
  return new CombinedEmbedder(
    [
      { embedder: new HashedNgramEmbedder(), weight: 1 - TRANSFORMER_WEIGHT },
      { embedder: transformer, weight: TRANSFORMER_WEIGHT },
    ],
    { ownsParts: true },
  );
}

/** Options for {@link createKnowledgeBase}. */
export interface CreateKnowledgeBaseOptions {
  logger?: IndexLogger;
  /** Use this embedder instead of the configured one (tests, benchmark). */
  embedder?: Embedder;
  /** The NLU's loaded transformer embedder, reused (not reloaded, not disposed) by `transformer`/`combined`/`auto`. */
  transformer?: Embedder;
  /** The inference pool the encoders this base loads run in (server/workers/model-session.ts); default: this thread. */
  offload?: WorkerPool | undefined;
  retriever?: HybridRetrieverOptions;
  /** The loaded reranker (or its loading), handed on as {@link KnowledgeBase.reranker}; never disposed here. */
  reranker?: Reranker | Promise<Reranker | undefined>;
  /** Use this answer model (`null` = none) instead of the configured folder's (tests, benchmark). */
  answerModel?: AnswerModel | null;
}

/**
 * Opens the knowledge base for serving (loads the index, or rebuilds it per `config.knowledge.onStale`). If a
 * rebuild fails because a knowledge file is malformed, the previous index (when one exists and was built with the
 * same embedder) is served and the problem logged, so one bad edit never takes the assistant down.
 */
export async function createKnowledgeBase(config: MonetaConfig, options: CreateKnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  const t0 = performance.now();
  const embedder = options.embedder ?? (await createEmbedder(config, { ...(options.transformer ? { transformer: options.transformer } : {}), offload: options.offload }));
  const indexOptions = {
    knowledgeDir: config.knowledge.dir,
    indexDir: config.knowledge.indexDir,
    embedder,
    chunking: tuningFor(embedder.modelId).chunking,
    onStale: config.knowledge.onStale,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  let opened: Awaited<ReturnType<typeof openKnowledgeIndex>>;
  try {
    opened = await openKnowledgeIndex(indexOptions);
  } catch (error) {
    const previous = isMonetaError(error) && error.code === 'validation_failed' ? tryLoad(config.knowledge.indexDir, embedder) : undefined;
    if (!previous) throw error;
    options.logger?.warn({ err: (error as Error).message }, 'knowledge files are invalid; serving the previous index');
    opened = { index: previous, status: 'stale', reasons: [(error as Error).message] };
  }
  const tuning = tuningFor(embedder.modelId);
  const retriever = new HybridRetriever(opened.index, embedder, { ...retrieverOptionsFor(tuning), ...options.retriever });
  const reranker = await options.reranker;
  const answerModel = options.answerModel !== undefined ? (options.answerModel ?? undefined) : config.knowledge.answerModelDir === 'off' ? undefined : AnswerModel.load(config.knowledge.answerModelDir);
  // The answer model's probabilities are only calibrated with the reranker it was fitted with.
  // Likewise with the embedder whose query vectors its embedding classifier reads.
  const sameReranker = (answerModel?.rerankerModelId ?? null) === (reranker?.modelId ?? null);
  const sameEmbedder = !answerModel?.embeddingClassifier || answerModel.embeddingClassifier.embedderModelId === embedder.modelId;
  const calibrated = answerModel && sameReranker && sameEmbedder ? answerModel : undefined;
  if (answerModel && !calibrated) {
    options.logger?.warn(
      { answerModel: answerModel.modelId, reranker: reranker?.modelId ?? null, embedder: embedder.modelId },
      `the answer model was fitted with another ${sameReranker ? 'embedder' : 'reranker'}; serving retrieval scores instead (refit with npm run train:answer-model)`,
    );
  }
  // A passage added since the classifier was fitted gets classifier probability 0, so the model under-rates it.
  const unknownToClassifier = calibrated?.passageClassifier?.missing(opened.index.byId.keys()) ?? [];
  if (unknownToClassifier.length > 0) options.logger?.warn({ passages: unknownToClassifier.slice(0, 10), count: unknownToClassifier.length }, 'passages added since the answer model was fitted are under-rated until it is refitted (npm run train:answer-model)');
  const minScore = config.knowledge.minScore ?? calibrated?.thresholds.minScore ?? tuning.minScore;
  return {
    embedder,
    ...(reranker ? { reranker } : {}),
    ...(calibrated ? { answerModel: calibrated } : {}),
    minScore,
    routing: calibrated ? calibratedRouting(calibrated, tuning, config.knowledge.rescueMinScore) : routingFor(tuning, minScore, config.knowledge.rescueMinScore),
    ...rescueSetting(config.knowledge.rescueMinScore, tuning.rescueMinScore),
    index: opened.index,
    retriever,
    status: opened.status,
    reasons: opened.reasons,
    ...(opened.stats ? { stats: opened.stats } : {}),
    startupMs: Math.round(performance.now() - t0),
    dispose: async () => {
      if (!options.embedder) await embedder.dispose?.();
    },
  };
}

/** `kb build`: incremental (or `full`) rebuild of the configured index. */
export async function buildConfiguredIndex(
  config: MonetaConfig,
  options: { full?: boolean; logger?: IndexLogger; embedder?: Embedder } = {},
): Promise<BuildStats> {
  const embedder = options.embedder ?? (await createEmbedder(config));
  try {
    const { stats } = await buildKnowledgeIndex({
      knowledgeDir: config.knowledge.dir,
      indexDir: config.knowledge.indexDir,
      embedder,
      chunking: tuningFor(embedder.modelId).chunking,
      ...(options.full ? { full: true } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return stats;
  } finally {
    if (!options.embedder) await embedder.dispose?.();
  }
}

function tryLoad(indexDir: string, embedder: Embedder): KnowledgeIndex | undefined {
  try {
    const index = loadKnowledgeIndex(indexDir);
    return index.manifest.embedder.modelId === embedder.modelId ? index : undefined;
  } catch {
    return undefined;
  }
}

/** Intents declared in the passages' front matter, read synchronously (invalid files are skipped here). */
export function declaredIntents(knowledgeDir: string): string[] {
  const intents = new Set<string>();
  for (const f of readKnowledgeFiles(knowledgeDir)) {
    for (const i of parsePassage(f.path, f.content).passage?.metadata.intents ?? []) intents.add(i);
  }
  return [...intents].sort();
}

/** A knowledge base that loads in the background while the server starts (see {@link startKnowledgeBase}). */
export interface KnowledgeService {
  /** Customer-service intents the passages declare, known before the index has loaded. */
  intents: string[];
  /** Resolves when the index is loaded (or rebuilt); rejects with the reason otherwise. */
  ready: Promise<KnowledgeBase>;
  /** A retriever usable at once: calls wait for `ready`. */
  retriever: Retriever;
  dispose(): Promise<void>;
}

/**
 * Starts loading the knowledge base without blocking: the intents come from a quick synchronous scan of the front
 * matter (so skills can be routed at boot), and the index opens in the background (`ready`, for /healthz).
 */
export function startKnowledgeBase(config: MonetaConfig, options: CreateKnowledgeBaseOptions = {}): KnowledgeService {
  const intents = declaredIntents(config.knowledge.dir);
  const ready = createKnowledgeBase(config, options);
  // Avoid an unhandled rejection before someone awaits `ready`; callers still see the error when they do.
  ready.catch(() => undefined);
  // Callers of the retriever get a 503-style error (not a bare 500) when the index could not be loaded.
  const usable = ready.catch((error: unknown) => {
    throw isMonetaError(error) && error.code === 'model_not_ready'
      ? error
      : new ModelNotReadyError(`The knowledge base is not available: ${(error as Error).message}`, { cause: error });
  });
  usable.catch(() => undefined);
  return {
    intents,
    ready,
    retriever: {
      invoke: async (query: string, opts?: RetrieveOptions): Promise<KnowledgeHit[]> => (await usable).retriever.invoke(query, opts),
    },
    dispose: async () => {
      const kb = await ready.catch(() => undefined);
      await kb?.dispose();
    },
  };
}
