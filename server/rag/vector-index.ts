/** Vector indexes: exact brute-force search (the test oracle) and HNSW approximate search (hnswlib-node). */
import hnswlib from 'hnswlib-node';
import { ValidationError } from '../errors.ts';
import type { VectorIndex } from './types.ts';

const { HierarchicalNSW } = hnswlib;

/** One search result: the vector's id and its cosine similarity to the query. */
export interface VectorHit {
  id: number;
  score: number;
}

function checkVector(v: unknown, dimension: number, what: string): asserts v is number[] {
  if (!Array.isArray(v) || v.length !== dimension) {
    throw new ValidationError(`${what} must be an array of ${dimension} numbers`, [
      { field: what, message: `has length ${Array.isArray(v) ? v.length : typeof v}, expected ${dimension}` },
    ]);
  }
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new ValidationError(`${what} must contain only finite numbers`, [{ field: what, message: 'contains a non-finite value' }]);
    }
  }
}

function checkBatch(vectors: number[][], ids: number[], dimension: number): void {
  if (vectors.length !== ids.length) {
    throw new ValidationError('vectors and ids must have the same length', [
      { field: 'ids', message: `has ${ids.length} entries for ${vectors.length} vectors` },
    ]);
  }
  vectors.forEach((v, i) => checkVector(v, dimension, `vectors[${i}]`));
  ids.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new ValidationError('ids must be non-negative integers', [{ field: `ids[${i}]`, message: `is ${id}` }]);
    }
  });
}

/** Scales to unit length so inner product = cosine; a zero vector stays zero. */
function unit(v: readonly number[]): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = n > 0 ? v[i]! / n : 0;
  return out;
}

/** Exact nearest neighbours by scanning every vector. O(n·d) per query: fine for thousands, and the oracle for HNSW. */
export class BruteForceVectorIndex implements VectorIndex {
  readonly dimension: number;
  private readonly vectors = new Map<number, Float32Array>();

  constructor(options: { dimension: number }) {
    this.dimension = options.dimension;
  }

  async add(vectors: number[][], ids: number[]): Promise<void> {
    checkBatch(vectors, ids, this.dimension);
    vectors.forEach((v, i) => this.vectors.set(ids[i]!, unit(v)));
  }

  async searchByVector(query: number[], k: number, filter?: (id: number) => boolean): Promise<VectorHit[]> {
    checkVector(query, this.dimension, 'query');
    const q = unit(query);
    const hits: VectorHit[] = [];
    for (const [id, v] of this.vectors) {
      if (filter && !filter(id)) continue;
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * v[i]!;
      hits.push({ id, score: dot });
    }
    // Ties broken by id so results are deterministic.
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, Math.max(0, Math.floor(k)));
  }

  size(): number {
    return this.vectors.size;
  }
}

/** Options for {@link HnswVectorIndex}; defaults follow hnswlib's recommendations for recall ≥ 0.99 at this scale. */
export interface HnswVectorIndexOptions {
  dimension: number;
  /** Initial capacity; the index doubles itself when full. Default 1024. */
  maxElements?: number;
  /** Graph degree (hnswlib `M`). Default 16. */
  m?: number;
  /** Candidate list size while building. Default 200. */
  efConstruction?: number;
  /** Candidate list size while searching (raised to k when k is larger). Default 100. */
  efSearch?: number;
  /** Seed of the level generator, so the same inserts in the same order give the same graph. Default 42. */
  seed?: number;
}

/**
 * Approximate nearest neighbours with hnswlib (Malkov & Yashunin, HNSW) in inner-product space over unit vectors,
 * so `score` is the cosine similarity. Deterministic for a given seed and insertion order; persisted with
 * {@link HnswVectorIndex.save} / {@link HnswVectorIndex.load}.
 */
export class HnswVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly options: Required<HnswVectorIndexOptions>;
  private readonly index: InstanceType<typeof HierarchicalNSW>;
  private readonly ids = new Set<number>();

  constructor(options: HnswVectorIndexOptions) {
    this.options = { maxElements: 1024, m: 16, efConstruction: 200, efSearch: 100, seed: 42, ...options };
    this.dimension = options.dimension;
    this.index = new HierarchicalNSW('ip', this.dimension);
    this.index.initIndex({
      maxElements: Math.max(1, this.options.maxElements),
      m: this.options.m,
      efConstruction: this.options.efConstruction,
      randomSeed: this.options.seed,
    });
    this.index.setEf(this.options.efSearch);
  }

  /** Reads an index written by {@link HnswVectorIndex.save}; `options` must give the same dimension. */
  static load(file: string, options: HnswVectorIndexOptions): HnswVectorIndex {
    const idx = new HnswVectorIndex({ ...options, maxElements: 1 });
    idx.index.readIndexSync(file);
    if (idx.index.getNumDimensions() !== options.dimension) {
      throw new ValidationError(`HNSW index ${file} has dimension ${idx.index.getNumDimensions()}, expected ${options.dimension}`);
    }
    idx.index.setEf(idx.options.efSearch);
    for (const id of idx.index.getIdsList()) idx.ids.add(id);
    return idx;
  }

  async add(vectors: number[][], ids: number[]): Promise<void> {
    checkBatch(vectors, ids, this.dimension);
    const needed = this.index.getCurrentCount() + ids.length;
    if (needed > this.index.getMaxElements()) {
      // Grow geometrically so repeated small adds stay amortised O(1) in resizes.
      this.index.resizeIndex(Math.max(needed, this.index.getMaxElements() * 2));
    }
    vectors.forEach((v, i) => {
      // addPoint with a label already present replaces its vector (hnswlib's update path).
      this.index.addPoint(Array.from(unit(v)), ids[i]!);
      this.ids.add(ids[i]!);
    });
  }

  async searchByVector(query: number[], k: number, filter?: (id: number) => boolean): Promise<VectorHit[]> {
    checkVector(query, this.dimension, 'query');
    const n = Math.min(Math.max(0, Math.floor(k)), this.ids.size);
    if (n === 0) return [];
    this.index.setEf(Math.max(this.options.efSearch, n));
    const { neighbors, distances } = this.index.searchKnn(Array.from(unit(query)), n, filter);
    // hnswlib's 'ip' distance is 1 − inner product.
    const hits = neighbors.map((id, i) => ({ id, score: 1 - distances[i]! }));
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits;
  }

  size(): number {
    return this.ids.size;
  }

  /** Capacity before the next resize. */
  capacity(): number {
    return this.index.getMaxElements();
  }

  /** Writes the graph and vectors to `file` (hnswlib's binary format). */
  save(file: string): void {
    this.index.writeIndexSync(file);
  }

  /** The stored (unit-length) vector for an id. */
  getVector(id: number): number[] {
    return this.index.getPoint(id);
  }
}
