/**
 * Knowledge rescue (`npm run bench:kb-rescue`): when the NLU says `out_of_scope` or is unsure (below the fallback
 * threshold), should the assistant still answer from the knowledge base if retrieval finds a strong match?
 *
 * For every message the served NLU sends to the out-of-scope reply or the fallback, this measures the best
 * retrieval score (no intent boost) and whether that passage is right:
 * - negatives: the NLU validation split's out-of-scope messages (CLINC `oos_val` + out-of-scope domains), where a
 *   rescue is a false answer; the threshold is the lowest score that keeps false rescues at or below 1% of them;
 * - in-scope validation messages the NLU rejected (BANKING77 etc.): a rescue is right when the passage declares
 *   the message's gold intent;
 * - the knowledge question sets (dev half for the report next to the test half): right when the passage is labelled.
 * Writes bench/results/kb-rescue.json. The chosen threshold goes to `rescueMinScore` in `TUNED_FOR_EMBEDDER`
 * (server/rag/knowledge-base.ts). `SHOW=kb` (or `SHOW=val`) also prints the messages of those groups it would rescue.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../server/config/index.ts';
import { StagedNluPipeline } from '../server/nlu/pipeline.ts';
import { loadTransformerNlu } from '../server/nlu/transformer-nlu.ts';
import { createKnowledgeBase } from '../server/rag/knowledge-base.ts';
import { loadQuestions } from './kb-questions.ts';

const OOS = 'out_of_scope';
const PY = process.env.MONETA_PYTHON ?? '/usr/bin/python3';
const MAX_FALSE_RESCUE = 0.01;
const config = loadConfig(process.env);

interface Item {
  group: string;
  text: string;
  /** Passage ids that are right (empty: none is, a rescue is a false answer). */
  relevant: Set<string>;
}

// Validation split of the NLU (same seeded split as train:intent and bench:nlu).
const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-rescue-')), 'val.json');
execFileSync(
  PY,
  [
    '-c',
    'import json,sys; sys.path.insert(0, sys.argv[1]); from data import build_splits; ' +
      'json.dump([{"text": r["text"], "intent": r["intent"], "source": r["source"]} for r in build_splits()["val"]], open(sys.argv[2], "w"))',
    path.join(PROJECT_ROOT, 'models/intent/training'),
    dump,
  ],
  { env: { ...process.env, MONETA_DATASETS_DIR: config.datasetsDir }, stdio: ['ignore', 'inherit', 'inherit'] },
);
const val = JSON.parse(fs.readFileSync(dump, 'utf8')) as Array<{ text: string; intent: string; source: string }>;

const nlu = await loadTransformerNlu(config.nlu);
const pipeline = new StagedNluPipeline({ classifier: nlu.classifier, entityExtractors: [], stages: nlu.stages });
const kb = await createKnowledgeBase(config, { transformer: nlu.embedder });
const passagesFor = (intent: string): Set<string> => new Set(kb.index.passages.filter((p) => p.metadata.intents.includes(intent)).map((p) => p.id));

const items: Item[] = [
  ...val.map((r) => ({ group: r.intent === OOS ? 'val out-of-scope' : 'val in-scope', text: r.text, relevant: r.intent === OOS ? new Set<string>() : passagesFor(r.intent) })),
  ...loadQuestions(config.knowledge.dir).map((q) => ({ group: `kb ${q.split}`, text: q.question, relevant: new Set(q.relevant) })),
];

/** Messages the policy would not answer (out of scope or below the fallback threshold), with their best hit. */
const rejected: Array<Item & { score: number; right: boolean; intent: string }> = [];
const totals = new Map<string, number>();
for (const item of items) {
  totals.set(item.group, (totals.get(item.group) ?? 0) + 1);
  const parse = await pipeline.parse(item.text);
  if (parse.intent.name !== OOS && parse.intent.confidence >= config.nlu.fallbackThreshold) continue;
  const [top] = await kb.retriever.invoke(item.text, { k: 1 });
  rejected.push({ ...item, intent: parse.intent.name, score: top?.score ?? 0, right: top ? item.relevant.has(top.id) : false });
}

const negatives = rejected.filter((r) => r.group === 'val out-of-scope').map((r) => r.score).sort((a, b) => b - a);
const nNegatives = totals.get('val out-of-scope') ?? 0;
// Lowest threshold with at most MAX_FALSE_RESCUE of all out-of-scope messages rescued.
const allowed = Math.floor(MAX_FALSE_RESCUE * nNegatives);
const threshold = Number(((negatives[allowed] ?? 0) + 1e-4).toFixed(4));

const report = [...totals.keys()].map((group) => {
  const rows = rejected.filter((r) => r.group === group);
  const rescued = rows.filter((r) => r.score >= threshold);
  return {
    group,
    messages: totals.get(group)!,
    rejectedByNlu: rows.length,
    rescued: rescued.length,
    rescuedRight: rescued.filter((r) => r.right).length,
    rescuedWrong: rescued.filter((r) => !r.right).length,
  };
});

process.stdout.write(`threshold ${threshold} (≤ ${MAX_FALSE_RESCUE * 100}% of ${nNegatives} out-of-scope validation messages rescued)\n`);
process.stdout.write('group               messages  rejected-by-NLU  rescued  right  wrong\n');
for (const r of report) {
  process.stdout.write(`${r.group.padEnd(20)}${String(r.messages).padStart(8)}${String(r.rejectedByNlu).padStart(17)}${String(r.rescued).padStart(9)}${String(r.rescuedRight).padStart(7)}${String(r.rescuedWrong).padStart(7)}\n`);
}
const sweep = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6].map((t) => ({
  threshold: t,
  falseRescueOutOfScope: Number((negatives.filter((s) => s >= t).length / nNegatives).toFixed(4)),
  kbTestRescuedRight: rejected.filter((r) => r.group === 'kb test' && r.score >= t && r.right).length,
  kbTestRescuedWrong: rejected.filter((r) => r.group === 'kb test' && r.score >= t && !r.right).length,
}));
process.stdout.write(`sweep: ${JSON.stringify(sweep)}\n`);
if (process.env.SHOW) for (const r of rejected.filter((x) => x.group.startsWith(process.env.SHOW!) && x.score >= threshold)) process.stdout.write(`  ${r.score.toFixed(3)} ${r.right ? 'right' : 'WRONG'} [${r.intent}] ${r.text}\n`);

// End to end in the chat, per knowledge question: where the policy sends it and whether the first cited passage is
// right: routed to the knowledge skill (financial_education or a customer-service intent some passage declares;
// retrieval with the intent boost, "I don't know" below minScore), rejected (out of scope or unsure: the rescue
// answers when the best passage scores at least the threshold), or routed to another skill (a questionnaire, small talk).
const knowledgeIntents = new Set(['financial_education', ...kb.retriever.intents()]);
const endToEnd: Record<string, Record<string, number>> = {};
for (const q of loadQuestions(config.knowledge.dir)) {
  if (!q.relevant.length) continue;
  const parse = await pipeline.parse(q.question);
  const { name, confidence } = parse.intent;
  let outcome: string;
  if (name === OOS || confidence < config.nlu.fallbackThreshold) {
    const [top] = await kb.retriever.invoke(q.question, { k: 1 });
    outcome = top && top.score >= threshold ? (q.relevant.includes(top.id) ? 'rescued right' : 'rescued wrong') : 'rejected';
  } else if (knowledgeIntents.has(name)) {
    const boost = name === 'financial_education' ? {} : { intent: name, intentConfidence: confidence };
    const [top] = await kb.retriever.invoke(q.question, { k: 1, ...boost });
    outcome = !top || top.score < kb.minScore ? "I don't know" : q.relevant.includes(top.id) ? 'answered right' : 'answered wrong';
  } else outcome = `other skill`;
  const row = (endToEnd[q.split] ??= {});
  row[outcome] = (row[outcome] ?? 0) + 1;
}
for (const [split, row] of Object.entries(endToEnd)) {
  const n = Object.values(row).reduce((a, b) => a + b, 0);
  const right = (row['answered right'] ?? 0) + (row['rescued right'] ?? 0);
  process.stdout.write(
    `end to end, ${split} (${n} answerable): right first source ${right} (${((100 * right) / n).toFixed(1)}%; without rescue ${row['answered right'] ?? 0}, ${((100 * (row['answered right'] ?? 0)) / n).toFixed(1)}%) ${JSON.stringify(row)}\n`,
  );
}

fs.mkdirSync(path.join(PROJECT_ROOT, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(PROJECT_ROOT, 'bench/results/kb-rescue.json'),
  `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), embedder: kb.embedder.modelId, classifier: nlu.classifier.name, fallbackThreshold: config.nlu.fallbackThreshold, maxFalseRescue: MAX_FALSE_RESCUE, threshold, groups: report, sweep, endToEnd }, null, 1)}\n`,
);
await kb.dispose();
await nlu.dispose();
