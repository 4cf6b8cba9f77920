/**
 * The answer model's second passage classifier: a multinomial logistic regression over the retriever's own query
 * embedding (the served combined embedder), one class per passage, fitted on the embeddings of the passages' titles
 * and alternate questions (`models/answer-model/training/fit_embedding_classifier.py`). The TF-IDF classifier
 * (server/rag/passage-classifier.ts) reads words; this one reads meaning, so paraphrases with no shared word still
 * land on the right sibling. It reuses the query vector the retriever computed for the turn (no second embedding);
 * about 0.2 ms (the hashed part of the query vector is sparse).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { beliefOver, type PassageBelief } from './passage-classifier.ts';

const fileSchema = z.object({
  format: z.literal('moneta-embedding-linear/1'),
  /** The embedder whose query vectors the weights read (`Embedder.modelId`). */
  embedderModelId: z.string(),
  labels: z.array(z.string()).min(2),
  dimension: z.number().int().min(1),
  /** Little-endian float32 file next to the JSON: `labels × dimension`, label-major. */
  weights: z.object({ file: z.string(), dtype: z.literal('float32') }),
  intercept: z.array(z.number()),
  /** Query vectors and scikit-learn's probabilities for them (the parity test). */
  reference: z.object({ rows: z.array(z.array(z.number())), probabilities: z.array(z.array(z.number())) }),
});

/** A loaded embedding passage classifier. */
export class EmbeddingPassageClassifier {
  private readonly index: Map<string, number>;
  /** The weights transposed to `dimension × labels` (see {@link probabilities}). */
  private readonly byDimension: Float32Array;

  private constructor(
    private readonly spec: z.infer<typeof fileSchema>,
    weights: Float32Array,
  ) {
    this.index = new Map(spec.labels.map((id, i) => [id, i]));
    const k = spec.labels.length;
    const d = spec.dimension;
    this.byDimension = new Float32Array(weights.length);
    for (let c = 0; c < k; c++) for (let i = 0; i < d; i++) this.byDimension[i * k + c] = weights[c * d + i]!;
  }

  /** Reads `<dir>/passage-classifier-embedding.json` and its weights; undefined when the folder has none. */
  static load(dir: string): EmbeddingPassageClassifier | undefined {
    const file = path.join(dir, 'passage-classifier-embedding.json');
    if (!fs.existsSync(file)) return undefined;
    const parsed = fileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new ConfigError(`${file} is not an embedding passage classifier: ${parsed.error.issues[0]?.message ?? 'invalid'}. Rebuild it with \`npm run train:answer-model\`.`);
    const spec = parsed.data;
    const buf = fs.readFileSync(path.join(dir, spec.weights.file));
    const weights = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (weights.length !== spec.labels.length * spec.dimension || spec.intercept.length !== spec.labels.length) {
      throw new ConfigError(`${file}: ${weights.length} weights for ${spec.labels.length} passages × ${spec.dimension} dimensions. Rebuild it with \`npm run train:answer-model\`.`);
    }
    return new EmbeddingPassageClassifier(spec, weights);
  }

  /** The embedder whose vectors it reads. */
  get embedderModelId(): string {
    return this.spec.embedderModelId;
  }

  /** The passage ids it knows, in its column order. */
  get passages(): readonly string[] {
    return this.spec.labels;
  }

  /** The rows and probabilities scikit-learn computed when fitting (for the parity test). */
  get reference(): { rows: number[][]; probabilities: number[][] } {
    return this.spec.reference;
  }

  /** Softmax of the logits for one query vector (of the embedder it was fitted with). */
  probabilities(queryVector: readonly number[]): Float64Array {
    const { dimension, labels, intercept } = this.spec;
    if (queryVector.length !== dimension) throw new ConfigError(`query vector has ${queryVector.length} dimensions, the embedding passage classifier expects ${dimension}`);
    // Weights are held dimension-major, so each non-zero coordinate of the query adds one contiguous row to the
    // logits. The hashed n-gram part of the combined embedding (1,024 of 1,408 dimensions) is mostly zeros, so this
    // skips about two thirds of the multiplications of a dense product, with the same result.
    const z = Float64Array.from(intercept);
    const w = this.byDimension;
    const k = labels.length;
    for (let i = 0; i < dimension; i++) {
      const x = queryVector[i]!;
      if (x === 0) continue;
      const base = i * k;
      for (let c = 0; c < k; c++) z[c]! += w[base + c]! * x;
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (z[c]! > max) max = z[c]!;
    let sum = 0;
    for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c]! - max);
    for (let c = 0; c < z.length; c++) z[c]! /= sum;
    return z;
  }

  /** The classifier's reading of one query vector. */
  classify(queryVector: readonly number[]): PassageBelief {
    return beliefOver(this.index, this.probabilities(queryVector));
  }
}
