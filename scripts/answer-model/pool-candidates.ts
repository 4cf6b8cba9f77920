/**
 * The pool of the pooled assessment (knowledge/eval/pooled-assessment/README.md): for every question of every
 * evaluation and tuning set, the served retrieval path's five candidates (the only passages the chat can cite or offer
 * for it) plus its original labels. Assessors then judge each (question, passage) pair without seeing the ranking.
 *
 *   npx tsx scripts/answer-model/pool-candidates.ts <pool.json>
 */
import fs from 'node:fs';
import { KnowledgeSearch } from '../../server/skills/knowledge/knowledge-search.ts';
import { loadBlind2, loadQuestions, loadTuningBlind, loadTuningBlind2 } from '../../bench/kb-questions.ts';
import { loadServedKnowledge } from './served-knowledge.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: pool-candidates.ts <pool.json>');
const { config, deps, kb } = await loadServedKnowledge();
const search = new KnowledgeSearch({ knowledge: kb, reranker: kb.reranker ?? null, fusion: { k: 3, weight: 0 }, k: 5, answerModel: null });
const rows: Array<{ id: string; set: string; question: string; relevant: string[]; pool: string[] }> = [];
for (const q of [...loadQuestions(config.knowledge.dir), ...loadTuningBlind(config.knowledge.dir), ...loadTuningBlind2(config.knowledge.dir), ...loadBlind2(config.knowledge.dir)]) {
  const signal = await search.search(q.question, await deps.nlu.parse(q.question));
  const hits = (signal?.hits ?? []).map((h) => h.id);
  rows.push({ id: q.id, set: q.set, question: q.question, relevant: q.relevant, pool: [...new Set([...hits, ...q.relevant])] });
}
fs.writeFileSync(out, JSON.stringify(rows));
const unlabelled = rows.reduce((a, r) => a + r.pool.filter((p) => !r.relevant.includes(p)).length, 0);
process.stdout.write(`${rows.length} questions, ${unlabelled} unlabelled (question, passage) pairs → ${out}\n`);
await deps.dispose?.();
