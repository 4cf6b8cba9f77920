/**
 * Tuning harness for knowledge retrieval (`npm run bench:kb-tune`): measures embedder blends and fusion settings on
 * the DEV half of the question sets only (the test half is never looked at here), printing recall@1/@5 and MRR for
 * dense, hybrid and hybrid + NLU intent. The chosen values go into server/rag/knowledge-base.ts; `npm run bench:kb`
 * then reports the test half.
 *
 *   npm run bench:kb-tune -- '<JSON list of trials>'
 *   trial = { "parts": { "hashed": 0.5, "retrieval": 0.5, "transformer": 0 }, "retriever": { ...HybridRetrieverOptions },
 *             "chunking": { "chunkSize": 900, "chunkOverlap": 150 } }
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/config/index.ts';
import type { Embedder } from '../server/nlu/types.ts';
import { CombinedEmbedder } from '../server/rag/combined-embedder.ts';
import { HashedNgramEmbedder } from '../server/rag/hashed-ngram-embedder.ts';
import { HybridRetriever, type HybridRetrieverOptions, type RetrievalMode } from '../server/rag/hybrid-retriever.ts';
import type { ChunkingOptions } from '../server/rag/ingest.ts';
import { retrieverOptionsFor, tuningFor } from '../server/rag/knowledge-base.ts';
import { buildKnowledgeIndex } from '../server/rag/knowledge-index.ts';
import { loadQuestions } from './kb-questions.ts';

interface Trial {
  name?: string;
  parts: Record<string, number>;
  retriever?: HybridRetrieverOptions;
  chunking?: ChunkingOptions;
  /** Print the dev questions whose relevant passage is not ranked first (hybrid + NLU intent). */
  misses?: boolean;
}

/** Memoises an embedder's vectors by text, so trials that share a part re-embed nothing. */
class MemoEmbedder implements Embedder {
  private memo = new Map<string, number[]>();
  constructor(private readonly inner: Embedder) {}
  get dimension(): number {
    return this.inner.dimension;
  }
  get modelId(): string {
    return this.inner.modelId;
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    const todo = [...new Set(texts.filter((t) => !this.memo.has(t)))];
    if (todo.length) (await this.inner.embedDocuments(todo)).forEach((v, i) => this.memo.set(todo[i]!, v));
    return texts.map((t) => this.memo.get(t)!);
  }
  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0]!;
  }
}

const config = loadConfig(process.env);
const trials = JSON.parse(process.argv[2] ?? '[]') as Trial[];
const questions = loadQuestions(config.knowledge.dir).filter((q) => q.split === 'dev');
const { TransformerEmbedder } = await import('../server/nlu/transformer-embedder.ts');
const parts: Record<string, () => Promise<Embedder>> = {
  hashed: async () => new HashedNgramEmbedder(),
  transformer: async () => TransformerEmbedder.load(config.nlu.modelDir),
  retrieval: async () => TransformerEmbedder.load(process.env.RETRIEVAL_DIR ?? config.knowledge.retrievalModelDir),
};
const loaded = new Map<string, Embedder>();
const part = async (name: string): Promise<Embedder> => {
  if (!loaded.has(name)) loaded.set(name, new MemoEmbedder(await parts[name]!()));
  return loaded.get(name)!;
};

const { loadTransformerNlu } = await import('../server/nlu/transformer-nlu.ts');
const nlu = await loadTransformerNlu(config.nlu);
const ranking = await nlu.classifier.classify(questions.map((q) => q.question));
const predicted = new Map(questions.map((q, i) => [q.id, ranking[i]!]));
await nlu.dispose();

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kb-tune-'));
const r3 = (x: number): string => x.toFixed(3);
process.stdout.write(`dev half: ${questions.length} questions (${questions.filter((q) => q.relevant.length).length} answerable)\n`);
try {
  for (const trial of trials) {
    const active = Object.entries(trial.parts).filter(([, w]) => w > 0);
    const embedder =
      active.length === 1 ? await part(active[0]![0]) : new CombinedEmbedder(await Promise.all(active.map(async ([n, w]) => ({ embedder: await part(n), weight: w }))));
    const { index } = await buildKnowledgeIndex({
      knowledgeDir: config.knowledge.dir,
      indexDir: path.join(work, String(Math.random())),
      embedder,
      chunking: trial.chunking ?? tuningFor(embedder.modelId).chunking,
      full: true,
    });
    const declared = new Set(index.passages.flatMap((p) => p.metadata.intents));
    const row: string[] = [];
    for (const [label, mode, useNlu] of [
      ['dense', 'dense', false],
      ['bm25', 'bm25', false],
      ['hybrid', 'hybrid', false],
      ['+nlu', 'hybrid', true],
    ] as Array<[string, RetrievalMode, boolean]>) {
      const retriever = new HybridRetriever(index, embedder, { ...retrieverOptionsFor(tuningFor(embedder.modelId)), ...trial.retriever, mode });
      const bySet = new Map<string, number[][]>();
      for (const q of questions) {
        if (!q.relevant.length) continue;
        const r = predicted.get(q.id)!;
        const p = r[0];
        const boost =
          useNlu && p && declared.has(p.name)
            ? { intent: p.name, intentConfidence: p.confidence }
            : {};
        const hits = await retriever.invoke(q.question, { k: 10, ...boost });
        const rank = hits.findIndex((h) => q.relevant.includes(h.id)) + 1;
        if (trial.misses && useNlu && rank !== 1) {
          process.stdout.write(`  miss r=${rank || '>10'} ${JSON.stringify(q.question)} want ${q.relevant.join('|')} got ${hits.slice(0, 3).map((h) => h.id).join(', ')}\n`);
        }
        const m = [rank === 1 ? 1 : 0, rank >= 1 && rank <= 5 ? 1 : 0, rank ? 1 / rank : 0];
        for (const key of ['all', q.set]) bySet.set(key, [...(bySet.get(key) ?? []), m]);
      }
      for (const [set, ms] of bySet) {
        const mean = (j: number): number => ms.reduce((s, m) => s + m[j]!, 0) / ms.length;
        row.push(`${label}/${set === 'customer-service' ? 'cs' : set === 'education' ? 'ed' : 'all'} ${r3(mean(0))}/${r3(mean(1))}/${r3(mean(2))}`);
      }
    }
    process.stdout.write(`\n${trial.name ?? JSON.stringify(trial)}\n  ${row.join('\n  ')}\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
