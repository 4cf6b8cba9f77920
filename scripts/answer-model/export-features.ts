/**
 * Exports the answer model's training rows: for every TUNING question (the dev half, both tuning-blind sets, and
 * CLINC150 messages that have nothing to do with money), the served retrieval path's top candidates (NLU parse →
 * hybrid retrieval with the intent boost → cross-encoder over the top `RERANK_K`), their features
 * (`answerFeatures`, the same function the server calls) and whether each is a right answer. Never reads the test
 * half or the blind sets.
 *
 *   npx tsx scripts/answer-model/export-features.ts <out.jsonl> [<passage classifier dir>]
 */
import fs from 'node:fs';
import { answerFeatures } from '../../server/rag/answer-model.ts';
import { EmbeddingPassageClassifier } from '../../server/rag/embedding-passage-classifier.ts';
import { PassageClassifier } from '../../server/rag/passage-classifier.ts';
import { KnowledgeSearch, knowledgeIntentSet } from '../../server/skills/knowledge/knowledge-search.ts';
import { acceptedPassages, loadQuestions, loadTuningBlind, loadTuningBlind2, outOfScopeMessages } from '../../bench/kb-questions.ts';
import { loadServedKnowledge } from './served-knowledge.ts';

/**
 * Which labels say a candidate is right: the question sets' own (`original`) or those plus the pooled assessment's
 * additions (`pooled`, the default; ANSWER_LABELS=original to compare).
 */
const LABELS = process.env.ANSWER_LABELS === 'original' ? 'original' : 'pooled';

/** Hits the reranker scores when the answer model is served (the retriever's top 3; ANSWER_RERANK_K to try others). */
export const RERANK_K = Number(process.env.ANSWER_RERANK_K ?? 3);

const out = process.argv[2];
if (!out) throw new Error('usage: export-features.ts <out.jsonl>');
const { config, deps, kb } = await loadServedKnowledge();
const search = new KnowledgeSearch({ knowledge: kb, reranker: kb.reranker ?? null, fusion: { k: RERANK_K, weight: 0 }, k: 5, answerModel: null });
const knowledgeIntents = knowledgeIntentSet(kb.retriever.intents());
const intentsOf = (id: string): readonly string[] => (kb.index.byId.get(id)?.metadata.intents as string[] | undefined) ?? [];

// The passage classifier is fitted first (from the knowledge base's own questions, no tuning data), in the folder
// given as the second argument.
const classifierDir = process.argv[3];
const classifier = classifierDir ? PassageClassifier.load(classifierDir) : undefined;
if (classifierDir && !classifier) throw new Error(`no passage-classifier.json in ${classifierDir}`);
const embeddingClassifier = classifierDir ? EmbeddingPassageClassifier.load(classifierDir) : undefined;
if (embeddingClassifier && embeddingClassifier.embedderModelId !== kb.embedder.modelId) throw new Error(`the embedding classifier in ${classifierDir} was fitted for ${embeddingClassifier.embedderModelId}, not ${kb.embedder.modelId}`);

const questions = [
  ...loadQuestions(config.knowledge.dir).filter((q) => q.split === 'dev'),
  ...loadTuningBlind(config.knowledge.dir),
  // Labelled by the pooled assessment only: without it, every question would look unanswerable.
  ...(LABELS === 'pooled' ? loadTuningBlind2(config.knowledge.dir) : []),
  ...outOfScopeMessages(config.datasetsDir),
];
const lines: string[] = [];
for (const q of questions) {
  const parse = await deps.nlu.parse(q.question);
  const signal = await search.search(q.question, parse);
  const hits = signal?.hits ?? [];
  const queryVector = embeddingClassifier ? await kb.retriever.embedQuery(q.question) : undefined;
  const rows = answerFeatures(q.question, parse, hits, intentsOf, knowledgeIntents, {
    lexical: classifier?.classify(q.question),
    embedding: queryVector && embeddingClassifier?.classify(queryVector),
  });
  const relevant = acceptedPassages(q, LABELS);
  lines.push(
    JSON.stringify({
      id: q.id,
      question: q.question,
      set: q.set,
      relevant,
      intent: parse.intent.name,
      candidates: hits.map((h, i) => ({ id: h.id, label: relevant.includes(h.id) ? 1 : 0, features: rows[i] })),
    }),
  );
}
fs.writeFileSync(out, `${lines.join('\n')}\n`);
fs.writeFileSync(`${out}.meta.json`, `${JSON.stringify({ reranker: kb.reranker?.modelId ?? null, rerankK: kb.reranker ? RERANK_K : 0, passageClassifier: classifier ? 'passage-classifier.json' : null, embeddingClassifier: embeddingClassifier ? 'passage-classifier-embedding.json' : null, labels: LABELS, messages: lines.length })}\n`);
process.stdout.write(`${lines.length} questions → ${out} (reranker ${kb.reranker?.modelId ?? 'none'}, k ${RERANK_K})\n`);
await deps.dispose?.();
