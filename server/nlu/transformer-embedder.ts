/** Embedder backed by the same local transformer folder: mean-pooled, unit-length sentence vectors, batched. */
import type { Embedder } from './types.ts';
import { TransformerIntentModel, type LoadIntentModelOptions } from './transformer-intent-model.ts';

/**
 * Sentence embeddings from the model's `last_hidden_state` (mean pooling over real tokens, then L2 normalisation).
 * `modelId` includes a hash of the ONNX file, so an index built with another model version is detected as stale.
 */
export class TransformerEmbedder implements Embedder {
  readonly dimension: number;
  readonly modelId: string;
  private readonly owned: boolean;

  /** `dimension` is measured from the model's own output (never assumed). Use {@link TransformerEmbedder.create}. */
  private constructor(readonly model: TransformerIntentModel, dimension: number, owned: boolean) {
    this.dimension = dimension;
    this.owned = owned;
    this.modelId = `${String(model.metadata?.name ?? 'transformer')}-${model.dtype}-${model.contentHash}`;
  }

  /** Wraps a loaded model (shared with the classifier; not disposed by this embedder unless `owned`). */
  static async create(model: TransformerIntentModel, options: { owned?: boolean } = {}): Promise<TransformerEmbedder> {
    const [probe] = await model.encode(['dimension probe']);
    if (!probe?.embedding) {
      throw new Error(`The model in ${model.dir} has no last_hidden_state output, so it cannot produce sentence embeddings.`);
    }
    return new TransformerEmbedder(model, probe.embedding.length, options.owned ?? false);
  }

  /** Loads the model folder and returns an embedder that owns it. */
  static async load(dir: string, options: LoadIntentModelOptions = {}): Promise<TransformerEmbedder> {
    return TransformerEmbedder.create(await TransformerIntentModel.load(dir, options), { owned: true });
  }

  /** One unit vector per text, in order (batched). */
  async embedDocuments(texts: string[]): Promise<number[][]> {
    const encoded = await this.model.encode(texts);
    return encoded.map((e) => Array.from(e.embedding!));
  }

  /** The unit vector of one query. */
  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.embedDocuments([text]);
    return v!;
  }

  /** Releases the model if this embedder loaded it. */
  async dispose(): Promise<void> {
    if (this.owned) await this.model.dispose();
  }
}
