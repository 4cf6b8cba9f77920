/** A small, dependency-free local embedder: hashed word and character n-grams projected to a fixed dimension. */
import type { Embedder } from '../nlu/types.ts';
import { STOP_WORDS, stem, words } from './text.ts';

/** Options for {@link HashedNgramEmbedder}. */
export interface HashedNgramEmbedderOptions {
  /** Output dimension (number of hash buckets). Default 1024. */
  dimension?: number;
  /** Weight of each stemmed word bigram relative to a unigram. Default 0.5. */
  bigramWeight?: number;
  /** Total weight of one word's character n-grams relative to its unigram. Default 0.6. */
  charGramWeight?: number;
}

// FNV-1a, 32 bit (http://www.isthe.com/chongo/tech/comp/fnv/): fast, stable across runs and platforms.
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Sparse lexical features hashed into a dense, unit-length vector (the "hashing trick", Weinberger et al. 2009,
 * with a sign hash so collisions cancel on average). Features: stemmed content words, stemmed word bigrams, and
 * character 3–5-grams of each word (which keep some similarity under typos: "recieve" ~ "receive").
 *
 * It knows no synonyms, so it is a lexical baseline, not a semantic encoder: Moneta's own transformer sentence
 * encoder (server/nlu) replaces it as the default when its model files are present. It is stateless (no fitted
 * vocabulary or IDF), so re-embedding one file never changes the vectors of another (incremental indexing).
 */
export class HashedNgramEmbedder implements Embedder {
  readonly dimension: number;
  readonly modelId: string;
  private readonly bigramWeight: number;
  private readonly charGramWeight: number;

  constructor(options: HashedNgramEmbedderOptions = {}) {
    this.dimension = options.dimension ?? 1024;
    this.bigramWeight = options.bigramWeight ?? 0.5;
    this.charGramWeight = options.charGramWeight ?? 0.6;
    if (!Number.isInteger(this.dimension) || this.dimension < 8) throw new RangeError('dimension must be an integer ≥ 8');
    // Any change to the feature set must change this id, so indexes built with the old features are rebuilt.
    this.modelId = `hashed-ngram-v1:d${this.dimension}:b${this.bigramWeight}:c${this.charGramWeight}`;
  }

  /** Embeds many texts (synchronous work; returned as a promise to fit the Embedder contract). */
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedSync(t));
  }

  /** Embeds one query. */
  async embedQuery(text: string): Promise<number[]> {
    return this.embedSync(text);
  }

  /** The vector for one text, computed synchronously (used by sentence scoring in hot loops). */
  embedSync(text: string): number[] {
    const counts = new Map<string, number>();
    const add = (feature: string, weight: number): void => {
      counts.set(feature, (counts.get(feature) ?? 0) + weight);
    };
    const content = words(text).filter((w) => !STOP_WORDS.has(w));
    const stems = content.map(stem);
    for (const s of stems) add(`w:${s}`, 1);
    for (let i = 1; i < stems.length; i++) add(`b:${stems[i - 1]} ${stems[i]}`, this.bigramWeight);
    for (const w of content) {
      const padded = `<${w}>`;
      const grams: string[] = [];
      for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
      const each = this.charGramWeight / Math.max(1, grams.length);
      for (const g of grams) add(`c:${g}`, each);
    }
    const v = new Float64Array(this.dimension);
    for (const [feature, tf] of counts) {
      const h = fnv1a(feature);
      const sign = h & 0x80000000 ? -1 : 1;
      // Sublinear term frequency (1 + ln tf for whole counts) so one repeated word cannot dominate a passage.
      const w = tf >= 1 ? 1 + Math.log(tf) : tf;
      v[h % this.dimension]! += sign * w;
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    const out = new Array<number>(this.dimension);
    for (let i = 0; i < this.dimension; i++) out[i] = norm > 0 ? v[i]! / norm : 0;
    return out;
  }
}
