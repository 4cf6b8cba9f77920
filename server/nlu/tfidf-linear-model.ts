/**
 * A linear intent classifier over TF-IDF word and character n-gram features, reproducing scikit-learn's
 * `TfidfVectorizer` (analyzers `word` and `char_wb`, `sublinear_tf`, smooth idf, l2 norm) and
 * `LogisticRegression.predict_proba` exactly, from the files written by `models/intent/training/linear.py`
 * (`tfidf-linear.json` + its weight file). It is the optional second member of the served intent ensemble.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelNotReadyError } from '../errors.ts';
import { halfToFloat } from './half-float.ts';

/** One vectorizer as exported (`tfidf-linear.json` → `vectorizers[]`). */
export interface TfidfVectorizerSpec {
  analyzer: 'word' | 'char_wb';
  /** Inclusive n-gram range, as scikit-learn's `ngram_range`. */
  ngramRange: [number, number];
  /** Only `(?u)\b\w\w+\b` (scikit-learn's default) is supported for the word analyzer. */
  tokenPattern?: string;
  lowercase: boolean;
  sublinearTf: boolean;
  /** Only `l2` is supported. */
  norm: 'l2';
  /** Feature strings in column order. */
  vocabulary: string[];
  /** idf per column, as fitted by scikit-learn (`idf_`). */
  idf: number[];
}

/** The exported model file (`format: "moneta-tfidf-linear/1"`). */
export interface TfidfLinearSpec {
  format: 'moneta-tfidf-linear/1';
  /** Class names in the order of the weight columns. */
  labels: string[];
  /** Features are the vectorizers' columns concatenated in this order (scikit-learn `hstack`). */
  vectorizers: TfidfVectorizerSpec[];
  weights: {
    /** Little-endian file next to the JSON: `n_features × n_labels`, feature-major. */
    file: string;
    dtype: 'int8' | 'float16' | 'float32';
    /** `feature` (default): weight[f][c] = stored[f][c] × scales[f]; `label`: × scales[c]. */
    scaleAxis?: 'feature' | 'label';
    scales: number[];
    intercept: number[];
  };
  [extra: string]: unknown;
}

/** Python's `str.split()` whitespace (differs from JS `\s`: it includes U+001C–U+001F and U+0085, not U+FEFF). */
const PY_WHITESPACE = /[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
/** scikit-learn's default token_pattern `(?u)\b\w\w+\b`: runs of 2+ Python word characters (letters, numbers, `_`). */
const WORD_TOKEN = /[\p{L}\p{N}_]{2,}/gu;
const DEFAULT_TOKEN_PATTERN = '(?u)\\b\\w\\w+\\b';

/** scikit-learn's word analyzer: tokens, then n-grams joined by one space (unigrams first). */
export function wordNgrams(text: string, [minN, maxN]: [number, number]): string[] {
  const tokens = text.match(WORD_TOKEN) ?? [];
  const out: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' '));
  }
  return out;
}

/** scikit-learn's `_char_wb_ngrams`: character n-grams inside each space-padded word, counted in code points. */
export function charWbNgrams(text: string, [minN, maxN]: [number, number]): string[] {
  const out: string[] = [];
  for (const word of text.split(PY_WHITESPACE)) {
    if (word === '') continue;
    const w = Array.from(` ${word} `);
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(w.slice(offset, offset + n).join(''));
      while (offset + n < w.length) {
        offset++;
        out.push(w.slice(offset, offset + n).join(''));
      }
      if (offset === 0) break; // a word shorter than n is counted once (scikit-learn does the same)
    }
  }
  return out;
}

/** One fitted vectorizer: text → sparse l2-normalised TF-IDF row. */
class Vectorizer {
  private readonly index: Map<string, number>;

  constructor(private readonly spec: TfidfVectorizerSpec) {
    if (spec.norm !== 'l2') throw new Error(`unsupported norm ${String(spec.norm)}`);
    if (spec.analyzer === 'word' && (spec.tokenPattern ?? DEFAULT_TOKEN_PATTERN) !== DEFAULT_TOKEN_PATTERN) {
      throw new Error(`unsupported token_pattern ${spec.tokenPattern}`);
    }
    if (spec.vocabulary.length !== spec.idf.length) throw new Error('vocabulary and idf lengths differ');
    this.index = new Map(spec.vocabulary.map((t, i) => [t, i]));
  }

  get size(): number {
    return this.spec.vocabulary.length;
  }

  /** Column indices and values of the non-zero features. */
  transform(text: string): { cols: number[]; values: number[] } {
    const doc = this.spec.lowercase ? text.toLowerCase() : text;
    const grams = this.spec.analyzer === 'word' ? wordNgrams(doc, this.spec.ngramRange) : charWbNgrams(doc, this.spec.ngramRange);
    const counts = new Map<number, number>();
    for (const g of grams) {
      const j = this.index.get(g);
      if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    const cols: number[] = [];
    const values: number[] = [];
    let norm = 0;
    for (const [j, c] of counts) {
      const v = (this.spec.sublinearTf ? 1 + Math.log(c) : c) * this.spec.idf[j]!;
      cols.push(j);
      values.push(v);
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let k = 0; k < values.length; k++) values[k]! /= norm;
    return { cols, values };
  }
}

/** The loaded linear member. Create with {@link TfidfLinearModel.load}. */
export class TfidfLinearModel {
  /** Class names in output order (from the exported file, matched by name against the transformer's labels). */
  readonly labels: readonly string[];
  private readonly vectorizers: Vectorizer[];
  private readonly offsets: number[];
  private readonly nFeatures: number;
  private weights: Int8Array | Float32Array | undefined;
  /** Per-feature scales (all 1 when the file scales by label). */
  private readonly featureScales: Float64Array;
  /** Per-label scales (all 1 when the file scales by feature). */
  private readonly labelScales: Float64Array;
  private readonly intercept: Float64Array;

  private constructor(readonly file: string, spec: TfidfLinearSpec, weights: Int8Array | Float32Array) {
    this.labels = spec.labels;
    this.vectorizers = spec.vectorizers.map((v) => new Vectorizer(v));
    this.offsets = [];
    let n = 0;
    for (const v of this.vectorizers) {
      this.offsets.push(n);
      n += v.size;
    }
    this.nFeatures = n;
    const k = spec.labels.length;
    if (weights.length !== n * k) {
      throw new Error(`${spec.weights.file}: ${weights.length} weights, expected ${n} features × ${k} labels`);
    }
    const byLabel = spec.weights.scaleAxis === 'label';
    if (spec.weights.scales.length !== (byLabel ? k : n)) throw new Error(`expected ${byLabel ? k : n} scales, got ${spec.weights.scales.length}`);
    if (spec.weights.intercept.length !== k) throw new Error('intercept length differs from labels');
    this.weights = weights;
    this.featureScales = byLabel ? new Float64Array(n).fill(1) : Float64Array.from(spec.weights.scales);
    this.labelScales = byLabel ? Float64Array.from(spec.weights.scales) : new Float64Array(k).fill(1);
    this.intercept = Float64Array.from(spec.weights.intercept);
  }

  /** Reads `file` (JSON) and its weight file. Throws ModelNotReadyError with the reason when either is unusable. */
  static load(file: string): TfidfLinearModel {
    try {
      const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as TfidfLinearSpec;
      if (spec.format !== 'moneta-tfidf-linear/1') throw new Error(`unknown format ${String(spec.format)}`);
      const buf = fs.readFileSync(path.join(path.dirname(file), spec.weights.file));
      let weights: Int8Array | Float32Array;
      if (spec.weights.dtype === 'int8') {
        weights = new Int8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } else if (spec.weights.dtype === 'float16') {
        const half = new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        weights = Float32Array.from(half, halfToFloat);
      } else {
        weights = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      }
      return new TfidfLinearModel(file, spec, weights);
    } catch (error) {
      throw new ModelNotReadyError(`Could not load the TF-IDF linear intent model ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Sparse feature row (global column → value), exactly scikit-learn's `hstack([v.transform([text]) …])`. */
  features(text: string): Map<number, number> {
    const row = new Map<number, number>();
    this.vectorizers.forEach((v, i) => {
      const { cols, values } = v.transform(text);
      cols.forEach((c, k) => row.set(this.offsets[i]! + c, values[k]!));
    });
    return row;
  }

  /** Raw decision values (logits) per label for one text. */
  decision(text: string): Float64Array {
    const w = this.weights;
    if (!w) throw new ModelNotReadyError('The TF-IDF linear intent model has been disposed.');
    const k = this.labels.length;
    const acc = new Float64Array(k);
    for (const [col, value] of this.features(text)) {
      const x = value * this.featureScales[col]!;
      const base = col * k;
      for (let c = 0; c < k; c++) acc[c]! += x * w[base + c]!;
    }
    for (let c = 0; c < k; c++) acc[c] = acc[c]! * this.labelScales[c]! + this.intercept[c]!;
    return acc;
  }

  /** Class probabilities (softmax of the decision values, as `predict_proba` of a multinomial model). */
  probabilities(texts: readonly string[]): Float64Array[] {
    return texts.map((t) => softmax(this.decision(typeof t === 'string' ? t : String(t ?? ''))));
  }

  /** Number of features (columns). */
  get featureCount(): number {
    return this.nFeatures;
  }

  /** Drops the weights (the object is unusable afterwards). */
  dispose(): void {
    this.weights = undefined;
  }
}

function softmax(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const out = new Float64Array(z.length);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += out[i] = Math.exp(z[i]! - max);
  for (let i = 0; i < z.length; i++) out[i]! /= sum;
  return out;
}
