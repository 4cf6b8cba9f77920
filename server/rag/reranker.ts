/**
 * Second-stage ranking: a cross-encoder reads the question and each candidate passage together and gives one
 * relevance logit per pair. The retriever's first stage scores the question and a passage separately (vectors, BM25),
 * which cannot tell apart siblings that share most of their words ("activate my card" vs "why can't I activate my
 * card?"); reading both texts at once can. Moneta's model (models/reranker, `npm run train:reranker`) is a 2-layer
 * BERT-style encoder, small enough to rescore the top few candidates in one batch within the answer's latency budget.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { openModelSession, type ModelSession } from '../workers/model-session.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { configSchema, type MonetaConfig } from '../config/index.ts';
import { ConfigError, ModelNotReadyError } from '../errors.ts';
import { configureOfflineTransformers } from '../nlu/transformers-runtime.ts';
import { stripMarkdown } from './text.ts';

/** A passage to rescore: the fields every retriever hit has. */
export interface RerankCandidate {
  id: string;
  title: string;
  /** The passage body (Markdown allowed; only its lead is read). */
  text: string;
}

/** Scores (question, passage) pairs. Implementations must be safe to share between concurrent turns. */
export interface Reranker {
  /** Identifies the model version (name + content hash of the ONNX file). */
  readonly modelId: string;
  /**
   * One relevance score per candidate, in the candidates' order (higher = more relevant; an unbounded logit, compare
   * only within one call or through a threshold calibrated for this `modelId`). An empty list gives an empty list.
   *
   * Do not order hits by this score alone: Moneta's model sees only a passage's title and lead, not the alternate
   * questions the retriever indexes, and alone it puts the right passage first less often than the retriever
   * (dev half: 0.73 vs 0.89 recall@1 over the top 3). Combine it with the retriever's score, as {@link rerankHits}
   * does with {@link DEFAULT_RERANK_FUSION} (dev 0.888 → 0.904, test 0.872 → 0.888; docs/knowledge.md, "Reranker").
   */
  rerank(query: string, candidates: readonly RerankCandidate[]): Promise<number[]>;
  /** Releases the model. */
  dispose(): Promise<void>;
}

/**
 * Input limits of the cross-encoder, shared with the trainer (scripts/export-reranker-training-data.ts writes the
 * passage texts with {@link rerankerPassageText}; models/reranker/training/train_reranker.py assembles the same ids).
 */
export const RERANKER_INPUT = {
  /** Characters of the passage body (after Markdown stripping) appended to its title: the lead paragraph or two. */
  leadChars: 480,
  /** Word pieces of the question kept (customers' questions are short; a long one must not crowd out the passage). */
  queryTokens: 32,
  /** Characters of the question tokenised (anything past `queryTokens` pieces is dropped anyway). */
  queryChars: 400,
};

/**
 * The passage side of the pair: its title (written as a customer's question) and the start of its body, where
 * Moneta's passages put their direct answer. Cut at a word boundary so training and serving see the same words.
 */
export function rerankerPassageText(title: string, text: string): string {
  const body = stripMarkdown(text).replace(/\s+/g, ' ').trim();
  let lead = body.slice(0, RERANKER_INPUT.leadChars);
  if (body.length > lead.length) {
    const cut = lead.lastIndexOf(' ');
    if (cut > 0) lead = lead.slice(0, cut);
  }
  return `${title.trim()} ${lead}`.trim();
}

/** How to load a cross-encoder folder. */
export interface LoadRerankerOptions {
  /** `fp32` (`onnx/model.onnx`, default) or int8 `q8` (`onnx/model_quantized.onnx`). */
  dtype?: 'fp32' | 'q8';
  /** ONNX Runtime intra-op threads; default 1 (a batch of a few short pairs gains nothing from more on 2 cores). */
  threads?: number;
  /** Run the forward passes in this pool (the inference pool); default: this thread. */
  offload?: WorkerPool | undefined;
}

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
/** Passage texts whose word pieces are kept (the knowledge base has a few hundred passages). */
const PIECE_CACHE_SIZE = 4096;

/**
 * Moneta's cross-encoder (or any Hugging Face BERT-style sequence classifier with one logit and the same pair
 * layout) served with @huggingface/transformers, offline. Loaded once; {@link dispose} releases the ONNX session.
 *
 * Input per candidate: `[CLS] question [SEP] title + lead [SEP]` with token types 0/1, at most `model_max_length`
 * pieces; the question is cut to {@link RERANKER_INPUT}.queryTokens pieces first. The pairs are assembled here rather
 * than by the tokenizer's pair mode, whose truncation cuts from the end and would drop the final `[SEP]`.
 */
export class TransformerCrossEncoderReranker implements Reranker {
  readonly modelId: string;
  /** The ONNX variant loaded. */
  readonly dtype: 'fp32' | 'q8';
  private disposed = false;
  private readonly pieces = new Map<string, number[]>();

  private constructor(
    readonly dir: string,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: ModelSession,
    /** Largest number of pieces per pair (`tokenizer_config.model_max_length`). */
    readonly maxLength: number,
    private readonly special: { cls: number; sep: number; pad: number },
    name: string,
    contentHash: string,
    dtype: 'fp32' | 'q8',
  ) {
    this.modelId = `${name}-${dtype}-${contentHash}`;
    this.dtype = dtype;
  }

  /** Loads `dir` offline; throws ModelNotReadyError naming what is missing and how to rebuild it. */
  static async load(dir: string, options: LoadRerankerOptions = {}): Promise<TransformerCrossEncoderReranker> {
    const abs = path.resolve(dir);
    const onnxFile = path.join(abs, 'onnx', options.dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
    const missing = [...REQUIRED_FILES.map((f) => path.join(abs, f)), onnxFile].filter((f) => !fs.existsSync(f));
    if (missing.length > 0) {
      throw new ModelNotReadyError(
        `Reranker model folder ${abs} is incomplete (missing ${missing.map((m) => path.relative(abs, m)).join(', ')}). ` +
          'Restore the committed files (git checkout models/reranker), retrain with `npm run train:reranker`, point ' +
          'MONETA_RERANKER_MODEL_DIR at a Hugging Face-style cross-encoder folder, or set it to "off".',
      );
    }
    configureOfflineTransformers(abs);
    const config = JSON.parse(fs.readFileSync(path.join(abs, 'config.json'), 'utf8')) as Record<string, unknown>;
    const tokConfig = JSON.parse(fs.readFileSync(path.join(abs, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const metaFile = path.join(abs, 'moneta.json');
    const meta = fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { name?: string }) : {};
    const contentHash = createHash('sha256').update(fs.readFileSync(onnxFile)).digest('hex').slice(0, 16);
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(abs, { local_files_only: true });
      const model = await openModelSession({ dir: abs, dtype: options.dtype ?? 'fp32', threads: options.threads ?? 1 }, options.offload);
      const id = (token: string): number => {
        const v = tokenizer.convert_tokens_to_ids(token);
        if (typeof v !== 'number' || v === tokenizer.convert_tokens_to_ids('[UNK]') && token !== '[UNK]') throw new Error(`the tokenizer has no ${token} token`);
        return v;
      };
      const maxLength = Number(tokConfig.model_max_length ?? config.max_position_embeddings ?? 128);
      return new TransformerCrossEncoderReranker(
        abs,
        tokenizer,
        model,
        maxLength,
        { cls: id('[CLS]'), sep: id('[SEP]'), pad: id('[PAD]') },
        meta.name ?? path.basename(abs),
        contentHash,
        options.dtype ?? 'fp32',
      );
    } catch (error) {
      throw new ModelNotReadyError(`Could not load the reranker from ${abs}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Word-piece ids of a text without special tokens (passage texts cached: the same few hundred recur). */
  private piecesOf(text: string, cache: boolean): number[] {
    const hit = cache ? this.pieces.get(text) : undefined;
    if (hit) return hit;
    const ids = this.tokenizer.encode(text, { add_special_tokens: false });
    if (cache) {
      if (this.pieces.size >= PIECE_CACHE_SIZE) this.pieces.clear();
      this.pieces.set(text, ids);
    }
    return ids;
  }

  /** The `[CLS] q [SEP] p [SEP]` ids and token types of one pair (the trainer builds exactly the same). */
  pairIds(query: string, candidate: RerankCandidate): { ids: number[]; types: number[] } {
    const q = this.piecesOf(String(query ?? '').slice(0, RERANKER_INPUT.queryChars), false).slice(0, RERANKER_INPUT.queryTokens);
    const p = this.piecesOf(rerankerPassageText(candidate.title, candidate.text), true);
    const { cls, sep } = this.special;
    const head = [cls, ...q, sep];
    const room = Math.max(0, this.maxLength - head.length - 1);
    const ids = [...head, ...p.slice(0, room), sep];
    const types = ids.map((_, i) => (i < head.length ? 0 : 1));
    return { ids, types };
  }

  async rerank(query: string, candidates: readonly RerankCandidate[]): Promise<number[]> {
    if (this.disposed) throw new ModelNotReadyError('The reranker has been disposed.');
    if (candidates.length === 0) return [];
    const pairs = candidates.map((c) => this.pairIds(query, c));
    const n = pairs.length;
    const t = Math.max(...pairs.map((p) => p.ids.length));
    const ids = new BigInt64Array(n * t).fill(BigInt(this.special.pad));
    const mask = new BigInt64Array(n * t);
    const types = new BigInt64Array(n * t);
    pairs.forEach((p, b) => {
      for (let i = 0; i < p.ids.length; i++) {
        ids[b * t + i] = BigInt(p.ids[i]!);
        mask[b * t + i] = 1n;
        types[b * t + i] = BigInt(p.types[i]!);
      }
    });
    const outputs = await this.model.forward({
      input_ids: { type: 'int64', data: ids, dims: [n, t] },
      attention_mask: { type: 'int64', data: mask, dims: [n, t] },
      token_type_ids: { type: 'int64', data: types, dims: [n, t] },
    });
    const logits = outputs.logits;
    if (!logits) throw new ModelNotReadyError(`The reranker in ${this.dir} has no logits output.`);
    const width = logits.dims[1] ?? 1;
    const data = logits.data as Float32Array;
    // One logit per pair; a two-class head (irrelevant, relevant) is read as the difference of its logits.
    return Array.from({ length: n }, (_, b) => (width === 1 ? data[b]! : data[b * width + width - 1]! - data[b * width]!));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }
}

/** True when `dir` holds a loadable cross-encoder (the fp32 ONNX file and the tokenizer files). */
export function rerankerModelPresent(dir: string): boolean {
  return [path.join('onnx', 'model.onnx'), ...REQUIRED_FILES].every((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * The reranker `config.knowledge.rerankerModelDir` names: loaded when its files are present (the default folder
 * may be absent in a checkout without models: then none), none for `off`. A folder set explicitly but missing is a
 * configuration error rather than a silent downgrade.
 */
export async function loadConfiguredReranker(config: MonetaConfig, options: { offload?: WorkerPool | undefined } = {}): Promise<Reranker | undefined> {
  const dir = config.knowledge.rerankerModelDir;
  if (dir === 'off') return undefined;
  if (!rerankerModelPresent(dir)) {
    const defaultDir = configSchema.parse({}).knowledge.rerankerModelDir;
    if (path.resolve(dir) === path.resolve(defaultDir)) return undefined;
    throw new ConfigError(
      `MONETA_RERANKER_MODEL_DIR=${dir} has no cross-encoder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). ` +
        'Point it at the model folder (`npm run train:reranker` builds models/reranker) or set it to "off".',
    );
  }
  const q8 = fs.existsSync(path.join(dir, 'onnx', 'model_quantized.onnx'));
  return TransformerCrossEncoderReranker.load(dir, { dtype: q8 ? SERVED_RERANKER_DTYPE : 'fp32', offload: options.offload });
}

/**
 * The variant served when the folder has both: int8 (`onnx/model_quantized.onnx`) ranked as well as fp32 on the dev
 * half (recall@1 after fusion 0.904 vs 0.898) and is 2.2× smaller (`npm run bench:kb-rerank`).
 */
export const SERVED_RERANKER_DTYPE = 'q8' as const;

/** A ranked item with a first-stage score, as the hybrid retriever returns it. */
export interface ScoredCandidate extends RerankCandidate {
  score: number;
}

/**
 * How the cross-encoder's logit and the retriever's order are combined, chosen on the dev half of the question sets
 * (`npm run bench:kb-rerank`). `weight` = 0 would keep the retriever's order; large = the reranker alone.
 */
export interface RerankFusion {
  /** Candidates rescored (the retriever's top `k`; the rest keep their order below them). */
  k: number;
  /** Multiplier of the reranker's logit added to the retriever's `score` (0..1). */
  weight: number;
}

/** Default fusion, chosen on the dev half (docs/knowledge.md, "Reranker"). */
export const DEFAULT_RERANK_FUSION: RerankFusion = { k: 3, weight: 0.02 };

/**
 * Reorders the retriever's hits: the top `fusion.k` by `score + weight × logit`, the rest after them unchanged. Each
 * returned hit carries `rerank` (the logit) so callers can log or threshold it. Stable for ties.
 */
export async function rerankHits<T extends ScoredCandidate>(
  reranker: Reranker,
  query: string,
  hits: readonly T[],
  fusion: RerankFusion = DEFAULT_RERANK_FUSION,
): Promise<Array<T & { rerank?: number }>> {
  const head = hits.slice(0, fusion.k);
  if (head.length < 2) return [...hits];
  const logits = await reranker.rerank(query, head);
  const order = head
    .map((h, i) => ({ h: { ...h, rerank: logits[i]! }, key: h.score + fusion.weight * logits[i]!, i }))
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .map((x) => x.h);
  return [...order, ...hits.slice(fusion.k)];
}
