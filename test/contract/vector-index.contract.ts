/** Contract suite every VectorIndex implementation must pass (exact brute force and HNSW alike). */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../server/errors.ts';
import type { VectorIndex } from '../../server/rag/types.ts';
import { mulberry32 } from '../../models/credit/lib/random.ts';

/** Deterministic PRNG (mulberry32) so the random-vector cases are the same on every run. */
export const seededRandom = mulberry32;

/** `n` random Gaussian-ish vectors of length `dim` (sum of uniforms), not normalised. */
export function randomVectors(n: number, dim: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => rnd() + rnd() + rnd() - 1.5));
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Exact top-k ids by cosine, computed independently of any index. */
export function exactTopK(data: number[][], query: number[], k: number): number[] {
  return data
    .map((v, id) => ({ id, s: cosine(v, query) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

/** Runs the VectorIndex contract against indexes made by `makeIndex`. */
export function describeVectorIndex(name: string, makeIndex: (options: { dimension: number }) => VectorIndex): void {
  describe(`VectorIndex contract: ${name}`, () => {
    it('starts empty and returns nothing', async () => {
      const idx = makeIndex({ dimension: 4 });
      expect(idx.size()).toBe(0);
      expect(idx.dimension).toBe(4);
      expect(await idx.searchByVector([1, 0, 0, 0], 5)).toEqual([]);
    });

    it('finds a stored vector first, with cosine scores best first', async () => {
      const idx = makeIndex({ dimension: 3 });
      await idx.add([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], [10, 11, 12, 13]);
      expect(idx.size()).toBe(4);
      const hits = await idx.searchByVector([2, 0.2, 0], 4);
      expect(hits.map((h) => h.id)).toEqual([10, 12, 11, 13]);
      const q = [2, 0.2, 0];
      const stored: Record<number, number[]> = { 10: [1, 0, 0], 11: [0, 1, 0], 12: [1, 1, 0], 13: [0, 0, 1] };
      for (const h of hits) expect(h.score).toBeCloseTo(cosine(q, stored[h.id]!), 5);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    });

    it('returns min(k, size) hits', async () => {
      const idx = makeIndex({ dimension: 2 });
      await idx.add([[1, 0], [0, 1]], [0, 1]);
      expect(await idx.searchByVector([1, 1], 10)).toHaveLength(2);
      expect(await idx.searchByVector([1, 1], 1)).toHaveLength(1);
      expect(await idx.searchByVector([1, 1], 0)).toHaveLength(0);
    });

    it('replaces the vector of an id added again', async () => {
      const idx = makeIndex({ dimension: 2 });
      await idx.add([[1, 0], [0, 1]], [0, 1]);
      await idx.add([[-1, 0]], [0]);
      expect(idx.size()).toBe(2);
      const hits = await idx.searchByVector([-1, 0.1], 2);
      expect(hits[0]!.id).toBe(0);
      expect(hits[0]!.score).toBeGreaterThan(0.99);
    });

    it('restricts results to ids the filter accepts', async () => {
      const idx = makeIndex({ dimension: 2 });
      await idx.add([[1, 0], [0.9, 0.1], [0, 1]], [0, 1, 2]);
      const hits = await idx.searchByVector([1, 0], 3, (id) => id !== 0);
      expect(hits.map((h) => h.id)).toEqual([1, 2]);
    });

    it('rejects vectors of the wrong dimension, non-finite values and mismatched ids', async () => {
      const idx = makeIndex({ dimension: 3 });
      await expect(idx.add([[1, 0]], [0])).rejects.toBeInstanceOf(ValidationError);
      await expect(idx.add([[1, Number.NaN, 0]], [0])).rejects.toBeInstanceOf(ValidationError);
      await expect(idx.add([[1, 0, 0]], [0, 1])).rejects.toBeInstanceOf(ValidationError);
      await expect(idx.add([[1, 0, 0]], [-1])).rejects.toBeInstanceOf(ValidationError);
      await expect(idx.searchByVector([1, 0], 1)).rejects.toBeInstanceOf(ValidationError);
      expect(idx.size()).toBe(0);
    });

    it('grows past its initial capacity and keeps recall@10 ≥ 0.95 against exact search on random vectors', async () => {
      const dim = 32;
      const data = randomVectors(2500, dim, 7);
      const idx = makeIndex({ dimension: dim });
      // Two batches: the second forces a resize in implementations with a fixed initial capacity.
      await idx.add(data.slice(0, 1000), data.slice(0, 1000).map((_, i) => i));
      await idx.add(data.slice(1000), data.slice(1000).map((_, i) => i + 1000));
      expect(idx.size()).toBe(2500);
      const queries = randomVectors(50, dim, 99);
      let found = 0;
      for (const q of queries) {
        const truth = new Set(exactTopK(data, q, 10));
        const hits = await idx.searchByVector(q, 10);
        found += hits.filter((h) => truth.has(h.id)).length;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    });
  });
}
