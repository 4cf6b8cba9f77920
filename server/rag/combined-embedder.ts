/** Two embedders as one: weighted concatenation, so one cosine is the weighted sum of the parts' cosines. */
import type { Embedder } from '../nlu/types.ts';

/**
 * Concatenates unit-length vectors from several embedders, part i scaled by √wᵢ (weights summing to 1). For unit
 * parts, the dot product of two combined vectors is Σ wᵢ·cosᵢ, so one HNSW index searches a weighted blend of, for
 * example, the hashed n-gram embedder (exact words, typos) and the transformer encoder (paraphrases), and the
 * result is still unit length. Measured in bench/kb.ts: better than either part alone on the knowledge questions.
 */
export class CombinedEmbedder implements Embedder {
  readonly dimension: number;
  readonly modelId: string;
  private readonly scales: number[];

  constructor(
    private readonly parts: ReadonlyArray<{ embedder: Embedder; weight: number }>,
    /** `ownsParts`: `dispose()` disposes the parts, except those listed in `keep` (shared with another owner). */
    private readonly options: { ownsParts?: boolean; keep?: readonly Embedder[] } = {},
  ) {
    const total = parts.reduce((s, p) => s + p.weight, 0);
    if (!parts.length || parts.some((p) => !(p.weight > 0)) || !(total > 0)) throw new RangeError('CombinedEmbedder needs positive weights');
    this.scales = parts.map((p) => Math.sqrt(p.weight / total));
    this.dimension = parts.reduce((s, p) => s + p.embedder.dimension, 0);
    this.modelId = `combined(${parts.map((p) => `${p.embedder.modelId}*${round(p.weight / total)}`).join('+')})`;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const outs = await Promise.all(this.parts.map((p) => p.embedder.embedDocuments(texts)));
    return texts.map((_, i) => outs.flatMap((rows, j) => unit(rows[i]!).map((x) => x * this.scales[j]!)));
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.embedDocuments([text]);
    return v!;
  }

  /** Releases the parts when this embedder owns them. */
  async dispose(): Promise<void> {
    if (!this.options.ownsParts) return;
    for (const p of this.parts) if (!this.options.keep?.includes(p.embedder)) await p.embedder.dispose?.();
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function unit(v: number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? v.map((x) => x / n) : v;
}
