/**
 * Reranker benchmark (`npm run bench:kb-rerank`): recall@1 of the served retrieval path (the configured embedder, the
 * NLU's intent boost as the knowledge skill applies it) without and with the cross-encoder over its top k, in the same
 * run, on the dev half (where the fusion weight and k are chosen), the test half and the blind set (reported only);
 * plus the reranker's latency for one batch of k candidates (p50/p99) next to the retrieval call it follows.
 * Writes bench/results/kb-rerank.json (not with `--dev-only`, which prints dev figures only; `--latency` times the
 * reranker alone, CPU time and wall clock per call, and writes nothing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../server/config/index.ts';
import { loadTransformerNlu } from '../server/nlu/transformer-nlu.ts';
import { createKnowledgeBase } from '../server/rag/knowledge-base.ts';
import type { HybridHit } from '../server/rag/hybrid-retriever.ts';
import { parsePassages, readKnowledgeFiles } from '../server/rag/ingest.ts';
import { DEFAULT_RERANK_FUSION, TransformerCrossEncoderReranker } from '../server/rag/reranker.ts';
import { loadQuestions, type Question } from './kb-questions.ts';

const DEV_ONLY = process.argv.includes('--dev-only');
const DEPTH = 10;
const KS = [3, 4, 5, 6, 8, 10];
const WEIGHTS = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 100];
const config = loadConfig(process.env);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/**
 * `--latency`: the reranker alone, 360 calls per (dtype, k) on dev-half questions against real passages, timing
 * wall clock and the process's CPU time per call. On a shared machine the CPU time is the better estimate of the
 * idle latency (ONNX Runtime runs one intra-op thread), the wall clock includes waiting for a core.
 */
if (process.argv.includes('--latency')) {
  const passages = parsePassages(readKnowledgeFiles(config.knowledge.dir));
  const dev = loadQuestions(config.knowledge.dir).filter((q) => q.split === 'dev').map((q) => q.question);
  for (const dtype of ['fp32', 'q8'] as const) {
    const r = await TransformerCrossEncoderReranker.load(config.knowledge.rerankerModelDir, { dtype });
    for (const k of [3, 5, 8]) {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 400; i++) {
        const start = (i * 7) % (passages.length - k);
        // Every question text new to the call (a suffix after the first pass), so no cache is timed.
        const q = `${dev[i % dev.length]}${i >= dev.length ? ` ${i}` : ''}`;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await r.rerank(q, passages.slice(start, start + k));
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (i >= 40) {
          wall.push(ms);
          cpu.push((c.user + c.system) / 1000);
        }
      }
      process.stdout.write(`${dtype} k=${k}: CPU per call p50 ${r3(pct(cpu, 50))} / p99 ${r3(pct(cpu, 99))} ms; wall p50 ${r3(pct(wall, 50))} / p99 ${r3(pct(wall, 99))} ms\n`);
    }
    await r.dispose();
  }
  process.stdout.write(`load average ${os.loadavg().map(r3).join(' ')} on ${os.cpus().length} cores\n`);
  process.exit(0);
}

interface Row {
  q: Question;
  hits: HybridHit[];
  logits: number[];
}

const nlu = await loadTransformerNlu(config.nlu);
const kb = await createKnowledgeBase(config, { transformer: nlu.embedder });
const declared = new Set(kb.index.passages.flatMap((p) => p.metadata.intents));
const questions = loadQuestions(config.knowledge.dir).filter((q) => q.relevant.length > 0 && (!DEV_ONLY || q.split === 'dev'));
const ranking = await nlu.classifier.classify(questions.map((q) => q.question));

// The served retrieval path, once per question (its order is the "without reranker" baseline).
const retrieved: Array<{ q: Question; hits: HybridHit[] }> = [];
const retrievalMs: number[] = [];
for (const [i, q] of questions.entries()) {
  // As the knowledge skill does: boost with the predicted intent only when some passage declares it.
  const top = ranking[i]![0]!;
  const boost = declared.has(top.name) ? { intent: top.name, intentConfidence: top.confidence } : {};
  const t0 = performance.now();
  const hits = await kb.retriever.invoke(q.question, { k: DEPTH, ...boost });
  retrievalMs.push(performance.now() - t0);
  retrieved.push({ q, hits });
}

/** Recall@1 after reordering the top k by score + w × logit (w = 0: the retriever's own order). */
function recall1(subset: Row[], k: number, w: number): number {
  let right = 0;
  for (const r of subset) {
    let best = 0;
    let bestKey = -Infinity;
    for (let j = 0; j < Math.min(k, r.hits.length); j++) {
      const key = r.hits[j]!.score + w * r.logits[j]!;
      if (key > bestKey) {
        bestKey = key;
        best = j;
      }
    }
    if (r.hits[best] && r.q.relevant.includes(r.hits[best]!.id)) right++;
  }
  return r3(right / Math.max(1, subset.length));
}
const recallAt = (subset: Row[], k: number): number => r3(subset.filter((r) => r.hits.slice(0, k).some((h) => r.q.relevant.includes(h.id))).length / Math.max(1, subset.length));

const fusion = DEFAULT_RERANK_FUSION;
const variants = [];
for (const dtype of ['fp32', 'q8'] as const) {
  if (dtype === 'q8' && !fs.existsSync(path.join(config.knowledge.rerankerModelDir, 'onnx', 'model_quantized.onnx'))) continue;
  const reranker = await TransformerCrossEncoderReranker.load(config.knowledge.rerankerModelDir, { dtype });
  const rows: Row[] = [];
  for (const r of retrieved) rows.push({ ...r, logits: await reranker.rerank(r.q.question, r.hits) });
  // Latency of one rerank call of k candidates, timed apart from the accuracy pass (3 passes, the first a warm-up),
  // with the retrieval call it follows timed alongside as the same-run baseline.
  const rerankMs: Record<number, number[]> = {};
  const baselineMs: number[] = [];
  for (const k of [3, 5, 8]) {
    rerankMs[k] = [];
    for (let pass = 0; pass < 3; pass++) {
      for (const r of rows) {
        const t0 = performance.now();
        await reranker.rerank(r.q.question, r.hits.slice(0, k));
        if (pass > 0) rerankMs[k]!.push(performance.now() - t0);
        if (k === 5 && pass > 0) {
          const t1 = performance.now();
          await kb.retriever.invoke(`${r.q.question}${'?'.repeat(pass)}`, { k: 5 });
          baselineMs.push(performance.now() - t1);
        }
      }
    }
  }
  const splits = { dev: rows.filter((r) => r.q.split === 'dev'), test: rows.filter((r) => r.q.split === 'test'), blind: rows.filter((r) => r.q.split === 'blind') };
  // Grid on the dev half only.
  const grid: Array<{ k: number; weight: number; devRecall1: number }> = [];
  for (const k of KS) for (const weight of WEIGHTS) grid.push({ k, weight, devRecall1: recall1(splits.dev, k, weight) });
  const best = [...grid].sort((a, b) => b.devRecall1 - a.devRecall1 || a.k - b.k || a.weight - b.weight)[0]!;
  variants.push({
    dtype,
    reranker: reranker.modelId,
    bestOnDev: best,
    splits: Object.fromEntries(
      Object.entries(splits)
        .filter(([, s]) => s.length > 0)
        .map(([name, s]) => [
          name,
          {
            n: s.length,
            retrieverRecall1: recall1(s, 1, 0),
            rerankedRecall1: recall1(s, fusion.k, fusion.weight),
            rerankerAloneRecall1: recall1(s, fusion.k, 1e6),
            bestOnDevRecall1: recall1(s, best.k, best.weight),
            candidatesRecallAtK: recallAt(s, fusion.k),
          },
        ]),
    ),
    latencyMs: {
      retrievalP50: r3(pct(baselineMs, 50)),
      retrievalP99: r3(pct(baselineMs, 99)),
      rerank3P50: r3(pct(rerankMs[3]!, 50)),
      rerank3P99: r3(pct(rerankMs[3]!, 99)),
      rerank5P50: r3(pct(rerankMs[5]!, 50)),
      rerank5P99: r3(pct(rerankMs[5]!, 99)),
      rerank8P50: r3(pct(rerankMs[8]!, 50)),
      rerank8P99: r3(pct(rerankMs[8]!, 99)),
      samples: rerankMs[5]!.length,
    },
    grid,
  });
  await reranker.dispose();
}
const report = {
  date: new Date().toISOString().slice(0, 10),
  machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg().map(r3) },
  embedder: kb.embedder.modelId,
  served: fusion,
  variants,
};
await kb.dispose();
await nlu.dispose();

const lines = [`served retrieval ${report.embedder}; fusion in force k=${fusion.k} weight=${fusion.weight} (load average ${report.machine.loadavg.join(' ')})`];
for (const v of variants) {
  lines.push(
    '',
    `reranker ${v.reranker} ${v.dtype}: best on dev k=${v.bestOnDev.k} weight=${v.bestOnDev.weight} (dev R@1 ${v.bestOnDev.devRecall1})`,
    'split   n     retriever R@1  reranked R@1  reranker alone  best-on-dev  R@k (ceiling)',
    ...Object.entries(v.splits).map(
      ([name, s]) =>
        `${name.padEnd(6)} ${String(s.n).padStart(4)}   ${s.retrieverRecall1.toFixed(3).padStart(12)}  ${s.rerankedRecall1.toFixed(3).padStart(12)}  ${s.rerankerAloneRecall1.toFixed(3).padStart(14)}  ${s.bestOnDevRecall1.toFixed(3).padStart(11)}  ${s.candidatesRecallAtK.toFixed(3).padStart(13)}`,
    ),
    `latency: retrieval (same run) p50 ${v.latencyMs.retrievalP50} / p99 ${v.latencyMs.retrievalP99} ms; rerank 3 candidates p50 ${v.latencyMs.rerank3P50} / p99 ${v.latencyMs.rerank3P99} ms; 5: ${v.latencyMs.rerank5P50} / ${v.latencyMs.rerank5P99} ms; 8: ${v.latencyMs.rerank8P50} / ${v.latencyMs.rerank8P99} ms`,
  );
}
if (!DEV_ONLY) {
  const out = path.join(PROJECT_ROOT, 'bench', 'results', 'kb-rerank.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  lines.push(`written ${path.relative(process.cwd(), out)}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
