/**
 * Exports the training data of the answer model's embedding passage classifier: every passage's title and alternate
 * questions, embedded with the served retrieval embedder (the query path, as a customer's message is embedded), with
 * the passage id as label. Knowledge-base content only: no tuning or evaluation question.
 *
 *   npx tsx scripts/answer-model/export-kb-embeddings.ts <out.json>
 */
import fs from 'node:fs';
import { loadConfig } from '../../server/config/index.ts';
import { createSilentLogger } from '../../server/observability/logger.ts';
import { buildDefaultDeps } from '../../server/bootstrap.ts';
import type { KnowledgeBase } from '../../server/rag/knowledge-base.ts';
import { KnowledgeSkill } from '../../server/skills/knowledge/knowledge-skill.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: export-kb-embeddings.ts <out.json>');
const config = loadConfig(process.env, { session: { store: 'memory' }, models: { verify: 'off' }, knowledge: { answerModelDir: 'off' } } as never);
const deps = await buildDefaultDeps(config, createSilentLogger());
await deps.ready;
const skill = deps.skills.find((s): s is KnowledgeSkill => s instanceof KnowledgeSkill)!;
const kb = (await (skill as unknown as { options: { knowledge: Promise<KnowledgeBase> } }).options.knowledge) as KnowledgeBase;
const rows: Array<{ id: string; text: string; vector: number[] }> = [];
for (const passage of kb.index.passages) {
  for (const text of [passage.title, ...passage.metadata.questions]) {
    rows.push({ id: passage.id, text, vector: await kb.retriever.embedQuery(text) });
  }
}
fs.writeFileSync(out, JSON.stringify({ embedderModelId: kb.embedder.modelId, dimension: kb.embedder.dimension, rows }));
process.stdout.write(`${rows.length} texts of ${kb.index.passages.length} passages → ${out} (${kb.embedder.modelId})\n`);
await deps.dispose?.();
