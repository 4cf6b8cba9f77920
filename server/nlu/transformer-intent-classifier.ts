/** IntentClassifier backed by a local transformer model folder (Hugging Face layout, ONNX, loaded once). */
import type { IntentClassifier, IntentPrediction } from './types.ts';
import { TransformerIntentModel, type EncodedText, type LoadIntentModelOptions } from './transformer-intent-model.ts';

/** Turns one probability row into the full ranking, best first. */
export function rankingFromProbabilities(labels: readonly string[], probabilities: Float32Array): IntentPrediction[] {
  const ranking = labels.map((name, i) => ({ name, confidence: probabilities[i] ?? 0 }));
  return ranking.sort((a, b) => b.confidence - a.confidence);
}

/**
 * Classifies messages with the transformer's `logits` output. Labels are the model's own `config.id2label`; every
 * call is batched (one forward pass per chunk of up to `maxBatchSize` texts).
 */
export class TransformerIntentClassifier implements IntentClassifier {
  readonly name: string;
  readonly labels: readonly string[];
  private readonly owned: boolean;

  /** Wraps an already-loaded model (shared with e.g. a TransformerEmbedder); `dispose()` then leaves it loaded. */
  constructor(readonly model: TransformerIntentModel, options: { owned?: boolean } = {}) {
    if (model.labels.length === 0) {
      throw new Error(`The model in ${model.dir} has no id2label in config.json, so it cannot classify intents.`);
    }
    this.labels = model.labels;
    this.owned = options.owned ?? false;
    this.name = `transformer:${String(model.metadata?.name ?? 'model')}@${model.contentHash.slice(0, 8)}`;
  }

  /** Loads the model folder and returns a classifier that owns it. */
  static async load(dir: string, options: LoadIntentModelOptions = {}): Promise<TransformerIntentClassifier> {
    return new TransformerIntentClassifier(await TransformerIntentModel.load(dir, options), { owned: true });
  }

  /** Full ranking per text, best first. */
  async classify(texts: string[]): Promise<IntentPrediction[][]> {
    const encoded = await this.model.encode(texts);
    return encoded.map((e) => rankingFromProbabilities(this.labels, e.probabilities));
  }

  /** Ranking plus the sentence vector from the same forward pass (for the out-of-scope stage's neighbour check). */
  async classifyWithEmbeddings(texts: string[]): Promise<Array<{ ranking: IntentPrediction[]; embedding: EncodedText['embedding'] }>> {
    const encoded = await this.model.encode(texts);
    return encoded.map((e) => ({ ranking: rankingFromProbabilities(this.labels, e.probabilities), embedding: e.embedding }));
  }

  /** Releases the model if this classifier loaded it. */
  async dispose(): Promise<void> {
    if (this.owned) await this.model.dispose();
  }
}
