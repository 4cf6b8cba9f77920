/**
 * NLU benchmark (`npm run bench:nlu`): on the seeded validation split (rebuilt by models/intent/training/data.py from
 * ../shared/datasets), the served system (transformer + TF-IDF linear ensemble) and the transformer alone (fp32 and
 * q8, each with its own out-of-scope thresholds) against a classical baseline
 * measured in the same run (TF-IDF word + char n-grams + logistic regression, scikit-learn, with a confidence threshold
 * tuned the same way): accuracy, BANKING77-subset accuracy, macro-F1, OOS recall, false-OOS rate on in-scope messages,
 * single-message latency p50/p99, throughput in batches of 32, size on disk, peak memory; ratios vs the baseline.
 * Writes bench/results/nlu.json. Needs /usr/bin/python3 with scikit-learn (Debian python3-sklearn).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, PROJECT_ROOT } from '../server/config/index.ts';
import { RuleEntityExtractor } from '../server/nlu/entities/index.ts';
import { outOfScopeReason } from '../server/nlu/out-of-scope-stage.ts';
import { StagedNluPipeline } from '../server/nlu/pipeline.ts';
import { ensembleMetadata, loadTransformerNlu } from '../server/nlu/transformer-nlu.ts';
import type { IntentPrediction } from '../server/nlu/types.ts';

const OOS = 'out_of_scope';
const PY = process.env.MONETA_PYTHON ?? '/usr/bin/python3';
const config = loadConfig(process.env);
const modelDir = config.nlu.modelDir;

interface Baseline {
  labels: string[];
  probs: number[][];
  fit_seconds: number;
  latency_ms: number[];
  throughput_batch32_per_s: number;
  peak_rss_mb: number;
  pickled_bytes: number;
  n_parameters: number;
  val_intents: string[];
  val_sources: string[];
  val_texts: string[];
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const round = (x: number, d = 4): number => Number(x.toFixed(d));

function macroF1(gold: string[], pred: string[]): number {
  const labels = [...new Set([...gold, ...pred])];
  const f: number[] = [];
  for (const l of labels) {
    let tp = 0, fp = 0, fn = 0;
    gold.forEach((g, i) => {
      if (pred[i] === l && g === l) tp++;
      else if (pred[i] === l) fp++;
      else if (g === l) fn++;
    });
    if (tp + fp + fn > 0) f.push((2 * tp) / (2 * tp + fp + fn));
  }
  return f.reduce((a, b) => a + b, 0) / f.length;
}

/** Every figure for one system, from its final predictions (after its out-of-scope decision). */
function score(gold: string[], sources: string[], rawTop: string[], final: string[]) {
  const idx = (pred: (i: number) => boolean) => gold.map((_, i) => i).filter(pred);
  const acc = (ids: number[], p: string[]) => ids.filter((i) => p[i] === gold[i]).length / Math.max(ids.length, 1);
  const all = idx(() => true);
  const b77 = idx((i) => sources[i] === 'banking77');
  const inScope = idx((i) => gold[i] !== OOS);
  const oos = idx((i) => gold[i] === OOS);
  const generic = idx((i) => sources[i] === 'clinc150_oos');
  const flagged = (i: number) => final[i] === OOS;
  return {
    accuracy: round(acc(all, final)),
    banking77_accuracy: round(acc(b77, final)),
    banking77_accuracy_without_oos_stage: round(acc(b77, rawTop)),
    in_scope_accuracy: round(acc(inScope, final)),
    macro_f1: round(macroF1(gold, final)),
    oos_recall: round(oos.filter(flagged).length / oos.length),
    generic_oos_recall_clinc_oos_val: round(generic.filter(flagged).length / Math.max(generic.length, 1)),
    false_oos_rate_in_scope: round(inScope.filter(flagged).length / inScope.length),
    n: { val: all.length, banking77: b77.length, in_scope: inScope.length, oos: oos.length, generic_oos: generic.length },
  };
}

function dirSize(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((s, f) => s + dirSize(path.join(p, f)), 0);
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);

// 1. Baseline (python, same split, same run).
process.stderr.write('baseline: TF-IDF + logistic regression (python, scikit-learn)…\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-bench-nlu-'));
execFileSync('nice', ['-n', '10', PY, path.join(PROJECT_ROOT, 'models/intent/training/baseline.py'), '--out', path.join(tmp, 'baseline.json'), '--model-cache', path.join(PROJECT_ROOT, 'models/intent/.train-cache/baseline-model.pkl')], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, OPENBLAS_NUM_THREADS: '1', MONETA_DATASETS_DIR: config.datasetsDir },
});
const base = JSON.parse(fs.readFileSync(path.join(tmp, 'baseline.json'), 'utf8')) as Baseline;
const texts = base.val_texts;
const gold = base.val_intents;
const sources = base.val_sources;

// Baseline OOS: its out_of_scope class plus a confidence threshold tuned on the same split with the same constraint.
const meta = JSON.parse(fs.readFileSync(path.join(modelDir, 'moneta.json'), 'utf8')) as { trainedWith?: { max_fpr?: number } };
const maxFpr = meta.trainedWith?.max_fpr ?? 0.04;
const baseRank = base.probs.map((row) => row.map((c, j) => ({ name: base.labels[j]!, confidence: c })).sort((a, b) => b.confidence - a.confidence));
const baseTop = baseRank.map((r) => r[0]!.name);
let bestT = 0;
let bestRecall = -1;
for (let t = 0; t <= 0.9; t += 0.01) {
  const flag = baseRank.map((r) => r[0]!.name === OOS || r[0]!.confidence < t);
  const ins = gold.map((g, i) => (g !== OOS ? flag[i] : undefined)).filter((x) => x !== undefined);
  const oos = gold.map((g, i) => (g === OOS ? flag[i] : undefined)).filter((x) => x !== undefined);
  const fpr = ins.filter(Boolean).length / ins.length;
  const rec = oos.filter(Boolean).length / oos.length;
  if (fpr <= maxFpr && rec > bestRecall) [bestRecall, bestT] = [rec, t];
}
const baseFinal = baseRank.map((r) => (r[0]!.name === OOS || r[0]!.confidence < bestT ? OOS : r[0]!.name));
const baselineScores = score(gold, sources, baseTop, baseFinal);

// 2. The served system (transformer + TF-IDF linear ensemble, when the model folder has it) and the transformer alone,
// fp32 and q8, each through the real pipeline (classifier → entities → out-of-scope stage with its own thresholds).
const results: Record<string, unknown> = {};
const hasEnsemble = ensembleMetadata(modelDir) !== undefined;
type SystemSpec = { key: string; dtype: 'fp32' | 'q8'; ensemble: 'auto' | 'off' };
const system = (key: string, dtype: SystemSpec['dtype'], ensemble: SystemSpec['ensemble']): SystemSpec => ({ key, dtype, ensemble });
const systems: SystemSpec[] = [
  ...(hasEnsemble ? [system('served_ensemble_fp32', 'fp32', 'auto')] : []),
  system('transformer_fp32', 'fp32', 'off'),
  ...(hasEnsemble ? [system('served_ensemble_q8', 'q8', 'auto')] : []),
  system('transformer_q8', 'q8', 'off'),
];
let linearMember: Record<string, unknown> | undefined;
for (const { key, dtype, ensemble } of systems) {
  if (dtype === 'q8' && !fs.existsSync(path.join(modelDir, 'onnx', 'model_quantized.onnx'))) continue;
  process.stderr.write(`${key}…\n`);
  const t0 = performance.now();
  const nlu = await loadTransformerNlu({ modelDir, dtype, ensemble });
  const loadMs = performance.now() - t0;
  const pipeline = new StagedNluPipeline({ classifier: nlu.classifier, entityExtractors: [new RuleEntityExtractor()], stages: nlu.stages });
  if (nlu.linear && !linearMember) {
    // The linear member alone, served by the TypeScript reimplementation (arg-max, no out-of-scope stage).
    const linear = nlu.linear;
    const ls = performance.now();
    const probs = linear.probabilities(texts);
    const perMsgMs = (performance.now() - ls) / texts.length;
    const top = probs.map((p) => linear.labels[p.indexOf(Math.max(...p))]!);
    const sc = score(gold, sources, top, top);
    linearMember = { accuracy: sc.accuracy, banking77_accuracy: sc.banking77_accuracy, macro_f1: sc.macro_f1, features: linear.featureCount, mean_ms_per_message: round(perMsgMs, 3) };
  }
  const rankings: IntentPrediction[][] = await nlu.classifier.classify(texts);
  const parsed = [];
  for (let i = 0; i < texts.length; i += 32) parsed.push(...(await pipeline.parseBatch(texts.slice(i, i + 32))));
  const rawTop = rankings.map((r) => r[0]!.name);
  const final = parsed.map((p) => p.intent.name);
  // single-message latency through the whole pipeline (tokenise, model, entities, OOS stage), after warm-up
  // (texts the model saw in its most recent batch are answered from a small cache, so time texts in an order where the
  // previous call never contained them: each text differs from the one before, and the last batch was texts' tail)
  for (const t of texts.slice(300, 320)) await pipeline.parse(t);
  const lat: number[] = [];
  for (const t of texts.slice(0, 300)) {
    const s = performance.now();
    await pipeline.parse(t);
    lat.push(performance.now() - s);
  }
  const s32 = performance.now();
  let n32 = 0;
  for (let i = 0; i < Math.min(texts.length, 640); i += 32) {
    await pipeline.parseBatch(texts.slice(i, i + 32));
    n32 += Math.min(32, texts.length - i);
  }
  const perS = n32 / ((performance.now() - s32) / 1000);
  const onnxFile = path.join(modelDir, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
  const linearFiles = ensemble === 'auto' ? ['tfidf-linear.json', 'tfidf-linear.bin'] : [];
  const sizeBytes = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'knn.bin', ...linearFiles]
    .map((f) => path.join(modelDir, f))
    .filter((f) => fs.existsSync(f))
    .reduce((s, f) => s + fs.statSync(f).size, fs.statSync(onnxFile).size);
  const sc = score(gold, sources, rawTop, final);
  results[key] = {
    ...sc,
    classifier: nlu.classifier.name,
    oos_decision: nlu.stages.map((s) => ('thresholds' in s ? s.thresholds : s.name)),
    latency_ms: { p50: round(quantile(lat, 0.5), 3), p99: round(quantile(lat, 0.99), 3) },
    throughput_batch32_per_s: Math.round(perS),
    size_on_disk_bytes: sizeBytes,
    load_ms: Math.round(loadMs),
    ratios_vs_baseline: {
      accuracy: round(sc.accuracy / baselineScores.accuracy),
      banking77_accuracy: round(sc.banking77_accuracy / baselineScores.banking77_accuracy),
      macro_f1: round(sc.macro_f1 / baselineScores.macro_f1),
      oos_recall: round(sc.oos_recall / Math.max(baselineScores.oos_recall, 1e-9)),
      latency_p50: round(quantile(lat, 0.5) / quantile(base.latency_ms, 0.5)),
      throughput_batch32: round(perS / base.throughput_batch32_per_s),
      size: round(sizeBytes / base.pickled_bytes),
    },
  };
  await pipeline.dispose();
}
clearInterval(sampler);

const baseline = {
  ...baselineScores,
  description: 'TF-IDF word 1-2-grams + char_wb 2-4-grams, sublinear tf; multinomial logistic regression (scikit-learn); out_of_scope class + confidence threshold tuned on validation',
  confidence_threshold: round(bestT, 2),
  latency_ms: { p50: round(quantile(base.latency_ms, 0.5), 3), p99: round(quantile(base.latency_ms, 0.99), 3) },
  throughput_batch32_per_s: Math.round(base.throughput_batch32_per_s),
  size_on_disk_bytes: base.pickled_bytes,
  peak_rss_mb: Math.round(base.peak_rss_mb),
  fit_seconds: Math.round(base.fit_seconds),
};
const out = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((x) => round(x, 2)) },
  model_dir: path.relative(PROJECT_ROOT, modelDir) || modelDir,
  model_dir_bytes: dirSize(path.join(modelDir, 'onnx')),
  split: 'seeded validation split from models/intent/training/data.py (BANKING77 stratified 15%, own utterances 15%, CLINC150 official val/oos_val)',
  transformer_peak_rss_mb: Math.round(peakRss / 2 ** 20),
  baseline,
  ...(linearMember ? { linear_member_alone_ts: linearMember } : {}),
  ...results,
};
fs.mkdirSync(path.join(PROJECT_ROOT, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(PROJECT_ROOT, 'bench/results/nlu.json'), JSON.stringify(out, null, 1) + '\n');
const row = (name: string, r: Record<string, unknown>) => {
  name = name.replace('served_ensemble', 'ensemble');
  const l = r.latency_ms as { p50: number; p99: number };
  return `${name.padEnd(18)} acc ${r.accuracy}  b77 ${r.banking77_accuracy}  F1 ${r.macro_f1}  OOS rec ${r.oos_recall}  false-OOS ${r.false_oos_rate_in_scope}  p50 ${l.p50} ms  p99 ${l.p99} ms  ${r.throughput_batch32_per_s}/s@32`;
};
process.stdout.write([row('baseline', baseline), ...Object.entries(results).map(([k, v]) => row(k, v as Record<string, unknown>))].join('\n') + '\n');
process.stdout.write('wrote bench/results/nlu.json\n');
fs.rmSync(tmp, { recursive: true, force: true });
