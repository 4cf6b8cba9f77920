// Writes the knowledge passages as the retrieval trainer sees them (JSON to stdout): id, title, intents, topic, the
// plain-text sentences, and each chunk's embedding text exactly as `kb build` embeds it with the retrieval encoder
// (same splitter and chunk size, same Markdown stripping), so training and serving see identical document text. Never reads knowledge/eval/.
import { loadConfig } from '../server/config/index.ts';
import { chunkEmbeddingText, parsePassages, readKnowledgeFiles, splitPassage } from '../server/rag/ingest.ts';
import { sentences, stripMarkdown } from '../server/rag/text.ts';
import { RETRIEVAL_CHUNKING } from '../server/rag/knowledge-base.ts';

const config = loadConfig(process.env);
const passages = parsePassages(readKnowledgeFiles(config.knowledge.dir));
const out = [];
for (const p of passages) {
  // Passage text only: the retrieval encoder learns question→passage matching; the alternate questions are not its input.
  const chunks = await splitPassage(p, { ...RETRIEVAL_CHUNKING, questionVectors: false });
  out.push({
    id: p.id,
    title: p.title,
    topic: p.metadata.topic,
    intents: p.metadata.intents,
    sentences: sentences(stripMarkdown(p.text)),
    chunks: chunks.map((c) => chunkEmbeddingText(c)),
  });
}
process.stdout.write(JSON.stringify({ passages: out }) + '\n');
