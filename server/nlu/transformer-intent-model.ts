/**
 * Loads a Hugging Face–layout text encoder folder once (config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model[_quantized].onnx) and runs batched inference returning class probabilities and mean-pooled, unit-length
 * sentence vectors from the same forward pass. Nothing here depends on Moneta's own model sizes: labels come from
 * `config.id2label`, the vector size from the `last_hidden_state` output.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { ModelNotReadyError } from '../errors.ts';
import { openModelSession, type ModelSession, type PlainTensor } from '../workers/model-session.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { configureOfflineTransformers } from './transformers-runtime.ts';

/** Which ONNX variant to load: fp32 `onnx/model.onnx` or int8 `onnx/model_quantized.onnx`. */
export type IntentModelDtype = 'fp32' | 'q8';

/** How to load a model folder. */
export interface LoadIntentModelOptions {
  /** Default fp32. */
  dtype?: IntentModelDtype;
  /** Largest batch sent to the model at once (longer lists are chunked). Default 64. */
  maxBatchSize?: number;
  /** ONNX Runtime intra-op threads; default 1 (fastest for short single messages on a shared 2-core machine). */
  threads?: number;
  /** Run the forward passes in this pool (the inference pool, server/workers/model-session.ts); default: this thread. */
  offload?: WorkerPool | undefined;
}

/** Per-text output of one forward pass. */
export interface EncodedText {
  /** Softmax over `labels` (empty when the model has no `logits` output). */
  probabilities: Float32Array;
  /** Mean-pooled, L2-normalised `last_hidden_state` (undefined when the model has no such output). */
  embedding: Float32Array | undefined;
}

/**
 * Characters kept before tokenising. Only the first `model_max_length` tokens are used and every token spans at
 * least one character, so cutting a 10,000-character message here changes nothing but the time spent tokenising
 * (unless the message starts with thousands of spaces or control characters, which tokenize to nothing).
 */
const MAX_CHARS = 4000;

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * Budget of one offloaded forward pass over several texts (building the knowledge index embeds thousands of chunks in
 * batches; on a loaded 2-core machine one batch can wait and run for well over the per-turn budget). A single message,
 * a customer's turn, keeps the inference pool's budget (`MONETA_INFERENCE_TIMEOUT_MS`).
 */
const BULK_BUDGET_MS = 10 * 60_000;

/** The loaded model folder. Create with {@link TransformerIntentModel.load}; share one instance between users. */
export class TransformerIntentModel {
  /** Class names in logit order, from `config.id2label` (empty for an embedding-only model). */
  readonly labels: readonly string[];
  /** Short content hash of the ONNX file actually loaded (identifies the model version). */
  readonly contentHash: string;
  /** Optional Moneta metadata (`moneta.json`: thresholds, metrics), undefined for a foreign model folder. */
  readonly metadata: Record<string, unknown> | undefined;
  /** Largest number of tokens per text (`tokenizer_config.model_max_length`). */
  readonly maxLength: number;
  private disposed = false;
  /**
   * Outputs of the most recent call, by text. The pipeline asks for a batch's probabilities (classifier) and then for
   * each message's vector (out-of-scope stage): the second request is then served without another forward pass.
   * Results are deterministic, so a miss (e.g. interleaved requests) only costs time.
   */
  private recent = new Map<string, EncodedText>();

  private constructor(
    readonly dir: string,
    readonly dtype: IntentModelDtype,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: ModelSession,
    private readonly maxBatchSize: number,
    config: Record<string, unknown>,
    contentHash: string,
    metadata: Record<string, unknown> | undefined,
    maxLength: number,
  ) {
    const id2label = (config.id2label ?? {}) as Record<string, string>;
    this.labels = Object.keys(id2label)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => id2label[String(i)]!);
    this.contentHash = contentHash;
    this.metadata = metadata;
    this.maxLength = maxLength;
  }

  /**
   * Loads `dir` offline. Throws ModelNotReadyError naming the missing file and how to rebuild it when the folder is
   * incomplete.
   */
  static async load(dir: string, options: LoadIntentModelOptions = {}): Promise<TransformerIntentModel> {
    const abs = path.resolve(dir);
    const dtype = options.dtype ?? 'fp32';
    const onnxFile = path.join(abs, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
    const missing = [...REQUIRED_FILES.map((f) => path.join(abs, f)), onnxFile].filter((f) => !fs.existsSync(f));
    if (missing.length > 0) {
      throw new ModelNotReadyError(
        `Intent model folder ${abs} is incomplete (missing ${missing.map((m) => path.relative(abs, m)).join(', ')}). ` +
          'Restore the committed files (git checkout models/intent), retrain with `npm run train:intent`, or point ' +
          'MONETA_INTENT_MODEL_DIR at a Hugging Face-style folder with config.json, tokenizer.json, ' +
          'tokenizer_config.json and onnx/model.onnx.',
      );
    }
    configureOfflineTransformers(abs);
    const config = JSON.parse(fs.readFileSync(path.join(abs, 'config.json'), 'utf8')) as Record<string, unknown>;
    const tokConfig = JSON.parse(fs.readFileSync(path.join(abs, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const metaFile = path.join(abs, 'moneta.json');
    const metadata = fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>) : undefined;
    const contentHash = createHash('sha256').update(fs.readFileSync(onnxFile)).digest('hex').slice(0, 16);
    const threads = options.threads ?? 1;
    try {
      // An absolute path is used as a filesystem path as given (not resolved against the Hub).
      const tokenizer = await AutoTokenizer.from_pretrained(abs, { local_files_only: true });
      const model = await openModelSession({ dir: abs, dtype, threads }, options.offload);
      const maxLength = Number(tokConfig.model_max_length ?? config.max_position_embeddings ?? 512);
      return new TransformerIntentModel(abs, dtype, tokenizer, model, options.maxBatchSize ?? 64, config, contentHash, metadata, maxLength);
    } catch (error) {
      throw new ModelNotReadyError(`Could not load the intent model from ${abs}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Runs the model on `texts` (any length; chunked into batches) and returns one result per text, in order. */
  async encode(texts: readonly string[]): Promise<EncodedText[]> {
    if (this.disposed) throw new ModelNotReadyError('The intent model has been disposed.');
    const cached = texts.map((t) => this.recent.get(t));
    if (cached.every((c) => c !== undefined)) return cached as EncodedText[];
    const out: EncodedText[] = [];
    for (let i = 0; i < texts.length; i += this.maxBatchSize) {
      out.push(...(await this.encodeBatch(texts.slice(i, i + this.maxBatchSize))));
    }
    // Only one batch's worth is kept, so a long list never pins memory.
    this.recent = texts.length <= this.maxBatchSize ? new Map(texts.map((t, i) => [t, out[i]!])) : new Map();
    return out;
  }

  private async encodeBatch(texts: readonly string[]): Promise<EncodedText[]> {
    if (texts.length === 0) return [];
    const clean = texts.map((t) => (typeof t === 'string' ? t : String(t ?? '')).slice(0, MAX_CHARS));
    const inputs = this.tokenizer(clean, { padding: true, truncation: true, max_length: this.maxLength }) as Record<string, Tensor>;
    // forward() returns every graph output (logits and last_hidden_state), unlike the classification wrapper.
    const outputs = await this.model.forward(inputs as unknown as Record<string, PlainTensor>, texts.length > 1 ? { budgetMs: BULK_BUDGET_MS } : {});
    const logits = outputs.logits;
    const hidden = outputs.last_hidden_state;
    const mask = inputs.attention_mask!;
    const [batch, seq] = mask.dims as [number, number];
    const maskData = mask.data as BigInt64Array;
    const results: EncodedText[] = [];
    for (let b = 0; b < batch; b++) {
      results.push({
        probabilities: logits ? softmaxRow(logits.data as Float32Array, b, logits.dims[1]!) : new Float32Array(0),
        embedding: hidden ? meanPoolRow(hidden.data as Float32Array, maskData, b, seq, hidden.dims[2]!) : undefined,
      });
    }
    return results;
  }

  /** True when the forward passes run in the inference pool. */
  get offloaded(): boolean {
    return this.model.offloaded;
  }

  /** Releases the ONNX session. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }
}

function softmaxRow(data: Float32Array, row: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, data[row * n + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += out[j] = Math.exp(data[row * n + j]! - max);
  for (let j = 0; j < n; j++) out[j]! /= sum;
  return out;
}

/** Mean over the unmasked tokens, then L2 normalisation (what the `feature-extraction` pipeline's mean/normalize do). */
function meanPoolRow(data: Float32Array, mask: BigInt64Array, row: number, seq: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  let count = 0;
  for (let t = 0; t < seq; t++) {
    if (mask[row * seq + t] === 0n) continue;
    count++;
    const base = (row * seq + t) * dim;
    for (let d = 0; d < dim; d++) out[d]! += data[base + d]!;
  }
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    out[d]! /= Math.max(count, 1);
    norm += out[d]! * out[d]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < dim; d++) out[d]! /= norm;
  return out;
}
