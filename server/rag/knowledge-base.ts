/** Start-up wiring of retrieval: pick the embedder, open (or rebuild) the persisted index, make the retriever. */
import type { MonetaConfig } from '../config/index.ts';
import { ConfigError } from '../errors.ts';
import type { Embedder } from '../nlu/types.ts';
import { HashedNgramEmbedder } from './hashed-ngram-embedder.ts';
import { HybridRetriever, type HybridRetrieverOptions } from './hybrid-retriever.ts';
import { buildKnowledgeIndex, openKnowledgeIndex, type BuildStats, type IndexLogger, type KnowledgeIndex } from './knowledge-index.ts';

/** The knowledge base as the rest of the server sees it. */
export interface KnowledgeBase {
  embedder: Embedder;
  index: KnowledgeIndex;
  retriever: HybridRetriever;
  /** How the index was obtained at start-up, and why it was rebuilt if it was. */
  status: 'loaded' | 'rebuilt' | 'stale';
  reasons: string[];
  stats?: BuildStats;
  /** Milliseconds from call to ready. */
  startupMs: number;
  dispose(): Promise<void>;
}

/**
 * The sentence embedder named by `config.knowledge.embedder`. `auto` uses Moneta's transformer sentence encoder
 * when its model files exist and otherwise the hashed n-gram embedder.
 */
export async function createEmbedder(config: MonetaConfig): Promise<Embedder> {
  const choice = config.knowledge.embedder;
  if (choice === 'hashed' || choice === 'auto') return new HashedNgramEmbedder();
  throw new ConfigError(
    'MONETA_KNOWLEDGE_EMBEDDER=transformer, but the transformer sentence encoder is not available in this build; use auto or hashed',
  );
}

/** Options for {@link createKnowledgeBase}. */
export interface CreateKnowledgeBaseOptions {
  logger?: IndexLogger;
  /** Use this embedder instead of the configured one (tests, benchmark). */
  embedder?: Embedder;
  retriever?: HybridRetrieverOptions;
}

/** Opens the knowledge base for serving (loads the index, or rebuilds it per `config.knowledge.onStale`). */
export async function createKnowledgeBase(config: MonetaConfig, options: CreateKnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  const t0 = performance.now();
  const embedder = options.embedder ?? (await createEmbedder(config));
  const opened = await openKnowledgeIndex({
    knowledgeDir: config.knowledge.dir,
    indexDir: config.knowledge.indexDir,
    embedder,
    onStale: config.knowledge.onStale,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const retriever = new HybridRetriever(opened.index, embedder, options.retriever);
  return {
    embedder,
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
      ...(options.full ? { full: true } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return stats;
  } finally {
    if (!options.embedder) await embedder.dispose?.();
  }
}
