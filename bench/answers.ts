/**
 * `npm run bench:answers`: what a customer gets, end to end through the chat (ChatCore → NLU → retrieval-first
 * routing → knowledge skill, the served path, in process, memory store), for every knowledge question set:
 * first cited passage right, any offered passage right, wrong answers, refusals, clarifications, unanswerable
 * questions refused, and the knowledge turn's latency (p50/p99). Variants in the same run: retrieval-first routing vs
 * the classifier's routing (with the old rescue), and with vs without the reranker (when `models/reranker` exists).
 *
 *   npm run bench:answers                 # report: test half, blind sets, dev half; writes bench/results/answers.json
 *   npm run bench:answers -- --tune       # DEV HALF ONLY: sweep the routing/clarification thresholds, print the table
 *
 * Tuning never reads the test half or the blind sets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp, type AppDeps } from '../server/app.ts';
import { buildDefaultDeps } from '../server/bootstrap.ts';
import { loadConfig, PROJECT_ROOT } from '../server/config/index.ts';
import type { BotMessage, TextMessage } from '../server/contracts/chat-protocol.ts';
import { createSilentLogger } from '../server/observability/logger.ts';
import { MemorySessionStore } from '../server/session/memory-session-store.ts';
import { routingFor, tuningFor, type KnowledgeBase, type RoutingThresholds } from '../server/rag/knowledge-base.ts';
import { DEFAULT_CLARIFY_MARGIN, DEFAULT_CLARIFY_MARGIN_RERANKED, KnowledgeSkill } from '../server/skills/knowledge/knowledge-skill.ts';
import { acceptedPassages, loadBlind2, loadQuestions, loadTuningBlind, loadTuningBlind2, outOfScopeMessages, type Question } from './kb-questions.ts';

const TUNE = process.argv.includes('--tune');

interface Variant {
  name: string;
  routing: 'retrieval-first' | 'classifier';
  reranker: boolean;
  /** Decide with the calibrated answer model (when one is loaded); false = the score thresholds it replaced. */
  answerModel: boolean;
  thresholds?: Partial<RoutingThresholds>;
  minScore?: number;
  clarifyMargin?: number;
  clarifyMarginReranked?: number;
}

interface Outcome {
  kind: 'answered' | 'clarified' | 'refused';
  cited: string[];
  offered: string[];
  ms: number;
  /** CPU time of the process during the turn (user + system), less sensitive than wall time to a busy machine. */
  cpuMs?: number;
}

/** Reads what the customer got: citations, a "Do you mean" clarification, or neither (a refusal of some kind). */
function classify(replies: BotMessage[], ms: number): Outcome {
  const cited = replies.flatMap((r) => ('custom' in r && r.custom.type === 'citations' ? (r.custom.sources as Array<{ id: string }>).map((s) => s.id) : []));
  const payloadIds = (r: TextMessage): string[] =>
    (r.quick_replies ?? []).flatMap((q) => {
      const m = /^\/kb_passage(\{.*\})$/.exec(q.payload);
      return m ? [String((JSON.parse(m[1]!) as { id: string }).id)] : [];
    });
  const texts = replies.filter((r): r is TextMessage => 'text' in r);
  const clarification = texts.find((r) => r.quick_replies?.some((q) => q.payload === '/kb_something_else'));
  const offered = texts.flatMap(payloadIds);
  if (cited.length) return { kind: 'answered', cited, offered, ms };
  if (clarification) return { kind: 'clarified', cited, offered: payloadIds(clarification), ms };
  return { kind: 'refused', cited, offered, ms };
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : Number.NaN;
}

const pct = (n: number, d: number): number => (d ? Number(((100 * n) / d).toFixed(1)) : 0);

/** Right, wrong and refused for one question set under one set of labels (`acceptedPassages`). */
function quality(questions: Question[], outcomes: Outcome[], labels: 'original' | 'pooled') {
  let answerable = 0;
  let firstRight = 0;
  let anyRight = 0;
  let wrong = 0;
  let refusedAnswerable = 0;
  let clarifiedRight = 0;
  let unanswerable = 0;
  let unanswerableRefused = 0;
  questions.forEach((q, i) => {
    const o = outcomes[i]!;
    const accepted = acceptedPassages(q, labels);
    const ok = (id: string): boolean => accepted.includes(id);
    if (accepted.length) {
      answerable += 1;
      const right = o.kind === 'answered' ? ok(o.cited[0]!) : o.kind === 'clarified' && o.offered.some(ok);
      if (right) firstRight += 1;
      if (o.kind === 'clarified' && o.offered.some(ok)) clarifiedRight += 1;
      if (o.cited.some(ok) || o.offered.some(ok)) anyRight += 1;
      if (o.kind === 'answered' && !ok(o.cited[0]!)) wrong += 1;
      if (o.kind === 'refused') refusedAnswerable += 1;
    } else {
      unanswerable += 1;
      if (o.cited.length) wrong += 1;
      else unanswerableRefused += 1;
    }
  });
  return {
    answerable,
    unanswerable,
    firstCitedRight: pct(firstRight, answerable),
    anyOfferedRight: pct(anyRight, answerable),
    wrongAnswers: pct(wrong, questions.length),
    refusedAnswerable: pct(refusedAnswerable, answerable),
    clarifiedWithRightPassage: clarifiedRight,
    unanswerableRefused: pct(unanswerableRefused, unanswerable),
  };
}

/** The figures for one question set: under the original labels, and under the pooled assessment's when it has any. */
function score(questions: Question[], outcomes: Outcome[]) {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const cpu = outcomes.map((o) => o.cpuMs ?? 0).sort((a, b) => a - b);
  // A set labelled by the pooled assessment alone (tuning-blind-2) has no original labels to score against.
  const labels = questions.some((q) => q.relevant.length) ? 'original' : 'pooled';
  return {
    questions: questions.length,
    labels,
    ...quality(questions, outcomes, labels),
    clarificationRate: pct(outcomes.filter((o) => o.kind === 'clarified').length, questions.length),
    turnMs: { p50: Number(quantile(ms, 0.5).toFixed(2)), p99: Number(quantile(ms, 0.99).toFixed(2)) },
    turnCpuMs: { p50: Number(quantile(cpu, 0.5).toFixed(2)), p99: Number(quantile(cpu, 0.99).toFixed(2)) },
    ...(labels === 'original' && questions.some((q) => q.pooled?.length) ? { pooledLabels: quality(questions, outcomes, 'pooled') } : {}),
  };
}

const config = loadConfig({}, { session: { store: 'memory' }, chat: { rateLimitPerSessionPerMinute: 1e9, rateLimitPerIpPerMinute: 1e9 } } as never);
const logger = createSilentLogger();
const deps = await buildDefaultDeps(config, logger);
await deps.ready;
const knowledgeSkill = deps.skills.find((s): s is KnowledgeSkill => s instanceof KnowledgeSkill)!;
const kb = (await (knowledgeSkill as unknown as { options: { knowledge: Promise<KnowledgeBase> } }).options.knowledge) as KnowledgeBase;
const reranker = kb.reranker;
// Tuning only: the retriever's candidate depth per list (fewer = faster HNSW and BM25).
if (TUNE && process.env.CANDIDATES) (kb.retriever.options as { candidates: number }).candidates = Number(process.env.CANDIDATES);

/** The score-threshold routing the answer model replaced (the embedder's tuned thresholds), for the baselines. */
const thresholdTuning = tuningFor(kb.embedder.modelId);
const thresholdRouting = routingFor(thresholdTuning, thresholdTuning.minScore);
const calibrated = (v: Variant): boolean => v.answerModel && !!kb.answerModel && v.routing === 'retrieval-first';

/** An app for one variant, sharing the loaded models. */
function appFor(v: Variant) {
  const skill = new KnowledgeSkill({
    knowledge: kb,
    intents: knowledgeSkill.intents.filter((i) => !['financial_education', 'kb_passage', 'kb_something_else', 'feedback'].includes(i)),
    ...(v.minScore !== undefined ? { minScore: v.minScore } : !calibrated(v) ? { minScore: thresholdTuning.minScore } : {}),
    answerModel: calibrated(v) ? undefined : null,
    ...(v.clarifyMargin !== undefined ? { clarifyMargin: v.clarifyMargin } : {}),
    reranker: v.reranker ? undefined : null,
    ...(v.clarifyMarginReranked !== undefined ? { clarifyMarginReranked: v.clarifyMarginReranked } : {}),
  });
  const skills = deps.skills.map((s) => (s === knowledgeSkill ? skill : s));
  const routing = { ...(calibrated(v) ? kb.routing : thresholdRouting), ...v.thresholds };
  const variantDeps: AppDeps = {
    ...deps,
    // Each variant gets its own store, and closing it must not release the shared models.
    sessionStore: new MemorySessionStore(),
    dispose: async () => undefined,
    skills,
    rescueSkill: skill,
    knowledgeRouting: v.routing === 'retrieval-first' ? { skill, probe: skill.search, ...routing } : undefined,
  };
  return createApp({ config, logger, ...variantDeps });
}

async function run(v: Variant, questions: Question[]): Promise<Outcome[]> {
  const app = appFor(v);
  const out: Outcome[] = [];
  let n = 0;
  for (const q of questions) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await app.chat.handleMessage({ channel: 'bench', sessionId: `${v.name}-${n++}`, owner: 'bench', message: q.question, missingMessage: 'reject' });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (res.error) throw res.error;
    out.push({ ...classify(res.replies, ms), cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  await app.close().catch(() => undefined);
  return out;
}

const all = loadQuestions(config.knowledge.dir);
const blind2 = loadBlind2(config.knowledge.dir);
const tuningBlind2 = loadTuningBlind2(config.knowledge.dir);
const sets: Record<string, Question[]> = TUNE
  ? { dev: all.filter((q) => q.split === 'dev'), 'tuning-blind': loadTuningBlind(config.knowledge.dir), ...(tuningBlind2.length ? { 'tuning-blind-2': tuningBlind2 } : {}), oos: outOfScopeMessages(config.datasetsDir) }
  : {
      test: all.filter((q) => q.split === 'test'),
      blind: all.filter((q) => q.split === 'blind'),
      ...(blind2.length ? { 'blind-2': blind2 } : {}),
      dev: all.filter((q) => q.split === 'dev'),
      'tuning-blind': loadTuningBlind(config.knowledge.dir),
      ...(tuningBlind2.length ? { 'tuning-blind-2': tuningBlind2 } : {}),
    };

const base: Variant = { name: kb.answerModel ? 'answer model (served)' : 'retrieval-first', routing: 'retrieval-first', reranker: true, answerModel: true };
const variants: Variant[] = [];
if (TUNE) {
  const grid = JSON.parse(process.env.GRID ?? '{}') as { rejected?: number[]; minScore?: number[]; clarify?: number[]; override?: number[]; clarifyReranked?: number[]; reranker?: boolean[] };
  for (const rejected of grid.rejected ?? [kb.routing.rejectedMinScore])
    for (const minScore of grid.minScore ?? [kb.minScore])
      for (const clarifyMargin of grid.clarify ?? [DEFAULT_CLARIFY_MARGIN])
        for (const override of grid.override ?? [kb.routing.overrideMinScore])
          for (const clarifyMarginReranked of grid.clarifyReranked ?? [DEFAULT_CLARIFY_MARGIN_RERANKED])
            for (const withReranker of grid.reranker ?? [true])
              variants.push({
                ...base,
                reranker: withReranker,
                name: `rej=${rejected} min=${minScore} clar=${clarifyMargin} clarR=${clarifyMarginReranked} ovr=${override} rr=${withReranker && !!reranker}`,
                thresholds: { rejectedMinScore: rejected, overrideMinScore: override },
                minScore,
                clarifyMargin,
                clarifyMarginReranked,
              });
} else {
  variants.push(base);
  if (kb.answerModel) variants.push({ name: 'retrieval-first, score thresholds + reranker (before the answer model)', routing: 'retrieval-first', reranker: true, answerModel: false });
  if (reranker) variants.push({ name: 'retrieval-first, score thresholds, no reranker', routing: 'retrieval-first', reranker: false, answerModel: false });
  variants.push({ name: "classifier routing (previous: NLU decides, rescue)", routing: 'classifier', reranker: false, answerModel: false, clarifyMargin: 0 });
}

const results: Record<string, Record<string, ReturnType<typeof score>>> = {};
process.stdout.write(`embedder ${kb.embedder.modelId}; reranker ${reranker?.modelId ?? 'none'}; routing ${JSON.stringify(kb.routing)}; minScore ${kb.minScore}\n`);
process.stdout.write('variant | set | n | first cited right % | any offered right % | wrong % | refused (answerable) % | clarified % | unanswerable refused % | turn p50/p99 ms | turn CPU p50/p99 ms\n');
// A running server is warm: JIT-compiled code paths and model sessions. Without this, the first set measured pays the
// warm-up alone (1–2 ms on its p50). 150 tuning questions through the served variant, not counted.
await run(variants[0]!, loadTuningBlind(config.knowledge.dir).slice(0, 150));
for (const v of variants) {
  results[v.name] = {};
  for (const [set, questions] of Object.entries(sets)) {
    const outcomes = await run(v, questions);
    const s = score(questions, outcomes);
    // DEV HALF ONLY: list what went wrong, to study (never printed for the test half or the blind sets).
    if (TUNE && process.env.MISSES && (set === 'dev' || set === process.env.MISSES)) {
      questions.forEach((q, i) => {
        const o = outcomes[i]!;
        const right = o.kind === 'answered' ? q.relevant.includes(o.cited[0]!) : o.kind === 'clarified' ? o.offered.some((id) => q.relevant.includes(id)) : !q.relevant.length;
        if (!right) process.stdout.write(`  ${o.kind} ${JSON.stringify(q.question)} want ${q.relevant.join('|') || '-'} got ${(o.kind === 'answered' ? o.cited : o.offered).join(',')}\n`);
      });
    }
    results[v.name]![set] = s;
    process.stdout.write(
      `${v.name} | ${set}${s.labels === 'pooled' ? ' (pooled labels only)' : ''} | ${s.questions} | ${s.firstCitedRight} | ${s.anyOfferedRight} | ${s.wrongAnswers} | ${s.refusedAnswerable} | ${s.clarificationRate} | ${s.unanswerableRefused} | ${s.turnMs.p50}/${s.turnMs.p99} | ${s.turnCpuMs.p50}/${s.turnCpuMs.p99}\n`,
    );
    const p = s.pooledLabels;
    if (p) process.stdout.write(`${v.name} | ${set} (pooled labels) | ${s.questions} | ${p.firstCitedRight} | ${p.anyOfferedRight} | ${p.wrongAnswers} | ${p.refusedAnswerable} | ${s.clarificationRate} | ${p.unanswerableRefused} | | \n`);
  }
}
if (!TUNE) {
  fs.mkdirSync(path.join(PROJECT_ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(
    path.join(PROJECT_ROOT, 'bench/results/answers.json'),
    `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), embedder: kb.embedder.modelId, reranker: reranker?.modelId ?? null, routing: kb.routing, minScore: kb.minScore, results }, null, 1)}\n`,
  );
}
await deps.dispose?.();
