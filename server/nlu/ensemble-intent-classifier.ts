/**
 * The served intent ensemble: the transformer's probabilities combined with the TF-IDF linear member's as a weighted
 * geometric mean (log-linear pooling), renormalised. The weight is tuned on validation by the training script and
 * read from `moneta.json` (`ensemble.transformerWeight`), never hard-coded.
 */
import type { TfidfLinearModel } from './tfidf-linear-model.ts';
import { rankingFromProbabilities, type TransformerIntentClassifier } from './transformer-intent-classifier.ts';
import type { IntentClassifier, IntentPrediction } from './types.ts';

/** Floor on each member's probability before the log, as in training (`ensemble.py`), so one zero cannot veto. */
const EPS = 1e-9;

/**
 * Combines two members' probability rows (both in `labels` order) as p ∝ t^w · l^(1−w). Exported for tests and the
 * benchmark, which apply the same rule as the server.
 */
export function combineProbabilities(transformer: ArrayLike<number>, linear: ArrayLike<number>, transformerWeight: number): Float32Array {
  const n = transformer.length;
  const logs = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    logs[i] = transformerWeight * Math.log(transformer[i]! + EPS) + (1 - transformerWeight) * Math.log(linear[i]! + EPS);
    max = Math.max(max, logs[i]!);
  }
  const out = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.exp(logs[i]! - max);
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

/**
 * An IntentClassifier over the transformer and the linear member. Labels are the transformer's (`config.id2label`);
 * the linear member's columns are mapped onto them by name, and construction fails when the label sets differ.
 */
export class EnsembleIntentClassifier implements IntentClassifier {
  readonly name: string;
  readonly labels: readonly string[];
  /** For each transformer label, its column in the linear member's output. */
  private readonly columns: number[];

  constructor(
    readonly transformer: TransformerIntentClassifier,
    readonly linear: TfidfLinearModel,
    readonly transformerWeight: number,
  ) {
    if (!(transformerWeight >= 0 && transformerWeight <= 1)) throw new Error(`ensemble weight ${transformerWeight} is not in [0, 1]`);
    this.labels = transformer.labels;
    const at = new Map(linear.labels.map((l, i) => [l, i]));
    const missing = this.labels.filter((l) => !at.has(l));
    if (missing.length > 0 || linear.labels.length !== this.labels.length) {
      throw new Error(`${linear.file}: its labels differ from the transformer's config.id2label (missing: ${missing.slice(0, 5).join(', ') || 'none'})`);
    }
    this.columns = this.labels.map((l) => at.get(l)!);
    this.name = `ensemble(${transformer.name}, tfidf-linear, w=${transformerWeight})`;
  }

  /** Full ranking per text, best first: one transformer forward pass per batch plus the linear member per text. */
  async classify(texts: string[]): Promise<IntentPrediction[][]> {
    const encoded = await this.transformer.model.encode(texts);
    const linear = this.linear.probabilities(texts);
    return encoded.map((e, i) => {
      const l = linear[i]!;
      const aligned = this.columns.map((c) => l[c]!);
      return rankingFromProbabilities(this.labels, combineProbabilities(e.probabilities, aligned, this.transformerWeight));
    });
  }

  /** Releases both members (the transformer only if its classifier owns it). */
  async dispose(): Promise<void> {
    this.linear.dispose();
    await this.transformer.dispose();
  }
}
