// Writes what the reranker trainer reads (JSON to stdout): every knowledge passage with its title, tags, intents,
// topic, alternate questions (front matter `questions`) and its cross-encoder text exactly as the server builds it
// (rerankerPassageText), plus, for each title and alternate question, the served retriever's top candidates: the
// passages the reranker will have to choose between, i.e. its hard negatives. Never reads knowledge/eval/.
import { loadConfig } from '../server/config/index.ts';
import { createKnowledgeBase } from '../server/rag/knowledge-base.ts';
import { rerankerPassageText } from '../server/rag/reranker.ts';

const MINED = 12;
const config = loadConfig(process.env);
const log = (obj: object, msg?: string): void => void process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`);
const kb = await createKnowledgeBase(config, { logger: { info: log, warn: log } });
try {
  const passages = [];
  for (const p of kb.index.passages) {
    const queries = [p.title, ...p.metadata.questions];
    const mined: string[][] = [];
    for (const q of queries) mined.push((await kb.retriever.invoke(q, { k: MINED })).map((h) => h.id));
    passages.push({
      id: p.id,
      title: p.title,
      topic: p.metadata.topic,
      tags: p.metadata.tags,
      intents: p.metadata.intents,
      questions: p.metadata.questions,
      doc: rerankerPassageText(p.title, p.text),
      // mined[0] is for the title, mined[1 + i] for questions[i]
      mined,
    });
  }
  process.stdout.write(JSON.stringify({ embedder: kb.embedder.modelId, passages }) + '\n');
} finally {
  await kb.dispose();
}
