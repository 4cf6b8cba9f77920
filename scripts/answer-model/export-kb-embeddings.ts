/**
 * Exports the training data of the answer model's embedding passage classifier: every passage's title and alternate
 * questions, embedded with the served retrieval embedder (the query path, as a customer's message is embedded), with
 * the passage id as label. Knowledge-base content only: no tuning or evaluation question.
 *
 *   npx tsx scripts/answer-model/export-kb-embeddings.ts <out.json>
 */
import fs from 'node:fs';
import { loadServedKnowledge } from './served-knowledge.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: export-kb-embeddings.ts <out.json>');
const { deps, kb } = await loadServedKnowledge();
const rows: Array<{ id: string; text: string; vector: number[] }> = [];
for (const passage of kb.index.passages) {
  for (const text of [passage.title, ...passage.metadata.questions]) {
    rows.push({ id: passage.id, text, vector: await kb.retriever.embedQuery(text) });
  }
}
fs.writeFileSync(out, JSON.stringify({ embedderModelId: kb.embedder.modelId, dimension: kb.embedder.dimension, rows }));
process.stdout.write(`${rows.length} texts of ${kb.index.passages.length} passages → ${out} (${kb.embedder.modelId})\n`);
await deps.dispose?.();
