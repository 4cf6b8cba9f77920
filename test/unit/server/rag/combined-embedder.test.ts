import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../../../server/nlu/types.ts';
import { CombinedEmbedder } from '../../../../server/rag/combined-embedder.ts';
import { HashedNgramEmbedder } from '../../../../server/rag/hashed-ngram-embedder.ts';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('CombinedEmbedder', () => {
  const a = new HashedNgramEmbedder({ dimension: 64 });
  const b = new HashedNgramEmbedder({ dimension: 32, charGramWeight: 0 });
  const combined = new CombinedEmbedder([
    { embedder: a, weight: 0.7 },
    { embedder: b, weight: 0.3 },
  ]);

  it('has the summed dimension and a model id naming both parts and weights', () => {
    expect(combined.dimension).toBe(96);
    expect(combined.modelId).toBe(`combined(${a.modelId}*0.7+${b.modelId}*0.3)`);
  });

  it('gives unit vectors whose dot product is the weighted sum of the parts’ cosines', async () => {
    const [x, y] = await combined.embedDocuments(['my card was stolen yesterday', 'report a stolen card']);
    expect(dot(x!, x!)).toBeCloseTo(1, 6);
    const [ax, ay] = await a.embedDocuments(['my card was stolen yesterday', 'report a stolen card']);
    const [bx, by] = await b.embedDocuments(['my card was stolen yesterday', 'report a stolen card']);
    expect(dot(x!, y!)).toBeCloseTo(0.7 * dot(ax!, ay!) + 0.3 * dot(bx!, by!), 6);
    expect(await combined.embedQuery('my card was stolen yesterday')).toEqual(x);
  });

  it('rejects non-positive weights and disposes parts it owns', async () => {
    expect(() => new CombinedEmbedder([{ embedder: a, weight: 0 }])).toThrow(RangeError);
    let disposed = 0;
    const part: Embedder = { dimension: 2, modelId: 'p', embedDocuments: async (t) => t.map(() => [1, 0]), embedQuery: async () => [1, 0], dispose: async () => void disposed++ };
    await new CombinedEmbedder([{ embedder: part, weight: 1 }], { ownsParts: true }).dispose();
    await new CombinedEmbedder([{ embedder: part, weight: 1 }]).dispose();
    expect(disposed).toBe(1);
  });
});
