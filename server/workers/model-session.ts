/**
 * One ONNX model session, in this thread or in the inference worker pool. The NLU encoder, the retrieval encoder and
 * the cross-encoder reranker tokenise on the calling thread (microseconds) and hand the tensors to a `ModelSession`:
 * - local: the @huggingface/transformers model loaded here (scripts, benchmarks, `MONETA_INFERENCE_OFFLOAD=off`);
 * - offloaded (`MONETA_INFERENCE_OFFLOAD=on`): the same folder loaded once in a worker thread of the inference pool,
 *   so the forward passes do not hold the event loop while other conversations wait. Measured (docs/knowledge.md):
 *   the forward passes are only ~1.5 of the ~8 ms a knowledge turn holds the loop, so a single turn gets slower
 *   (three thread hops) while eight concurrent turns get ~25% more throughput; hence off by default.
 * Both return the graph's outputs as plain `{ type, data, dims }` tensors, so callers cannot tell them apart.
 */
import type { WorkerPool } from './pool.ts';

/** A tensor as it crosses the thread boundary (structured-clone safe): element type, flat data, shape. */
export interface PlainTensor {
  type: string;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array | number[];
  dims: number[];
}

/** Which ONNX file of a Hugging Face–layout folder to run, and how. */
export interface ModelSpec {
  /** Absolute folder path. */
  dir: string;
  dtype: 'fp32' | 'q8';
  /** ONNX Runtime intra-op threads. */
  threads: number;
}

/** A loaded model: `forward` runs the graph on named input tensors and returns every output. */
export interface ModelSession {
  /**
   * Runs the graph. `budgetMs` (offloaded only) replaces the inference pool's per-task budget, queue wait included:
   * bulk work such as embedding the knowledge base at start-up needs far longer than one customer's turn may take.
   */
  forward(inputs: Record<string, PlainTensor>, options?: { budgetMs?: number }): Promise<Record<string, PlainTensor | undefined>>;
  dispose(): Promise<void>;
  /** True when the forward passes run in the inference pool. */
  readonly offloaded: boolean;
}

/** Copies a tensor (the library's Tensor or a plain one) to its structured-clone-safe form. */
export function plainTensor(t: PlainTensor): PlainTensor {
  return { type: t.type, data: t.data, dims: [...t.dims] };
}

/**
 * Loads `spec` as a session: in the inference pool when `offload` is given (the worker loads the folder once per
 * thread and keeps it), else in this thread.
 */
export async function openModelSession(spec: ModelSpec, offload?: WorkerPool): Promise<ModelSession> {
  if (offload) {
    // Load now so a broken folder fails start-up, not the first customer's turn; model loading gets a minute.
    await offload.run('model.load', spec, { budgetMs: 60_000 });
    return {
      offloaded: true,
      forward: async (inputs, options = {}) => {
        const plain: Record<string, PlainTensor> = {};
        for (const [name, t] of Object.entries(inputs)) plain[name] = plainTensor(t);
        return offload.run('model.forward', { model: spec, inputs: plain }, options.budgetMs ? { budgetMs: options.budgetMs } : {});
      },
      // The worker's sessions live as long as its threads; the pool's close releases them.
      dispose: async () => undefined,
    };
  }
  const model = await loadLocalModel(spec);
  return {
    offloaded: false,
    forward: async (inputs) => runLocal(model, inputs),
    dispose: async () => {
      await model.dispose();
    },
  };
}

type LoadedModel = Awaited<ReturnType<typeof loadLocalModel>>;

/** The library, imported on first use only (the compute pool's threads and the hashed-only path never load it). */
let transformersLibrary: Promise<typeof import('@huggingface/transformers')> | undefined;
const transformers = (): Promise<typeof import('@huggingface/transformers')> => (transformersLibrary ??= import('@huggingface/transformers'));

/** The folder's ONNX session in this thread (the worker calls this too, once per folder). */
export async function loadLocalModel(spec: ModelSpec) {
  const { AutoModelForSequenceClassification } = await transformers();
  const { configureOfflineTransformers } = await import('../nlu/transformers-runtime.ts');
  configureOfflineTransformers(spec.dir);
  return AutoModelForSequenceClassification.from_pretrained(spec.dir, {
    dtype: spec.dtype,
    local_files_only: true,
    session_options: { intraOpNumThreads: spec.threads, interOpNumThreads: 1 },
  });
}

/** Runs a loaded model on plain tensors; outputs as plain tensors. */
export async function runLocal(model: LoadedModel, inputs: Record<string, PlainTensor>): Promise<Record<string, PlainTensor | undefined>> {
  const { Tensor } = await transformers();
  const tensors: Record<string, InstanceType<typeof Tensor>> = {};
  for (const [name, t] of Object.entries(inputs)) tensors[name] = t instanceof Tensor ? t : new Tensor(t.type as never, t.data as never, t.dims);
  const outputs = (await model.forward(tensors)) as Record<string, InstanceType<typeof Tensor> | undefined>;
  const out: Record<string, PlainTensor | undefined> = {};
  for (const [name, t] of Object.entries(outputs)) out[name] = t ? { type: t.type, data: t.data as PlainTensor['data'], dims: [...t.dims] } : undefined;
  return out;
}
