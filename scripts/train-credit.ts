/**
 * `npm run train:credit`: reproduces the credit models in models/credit/<name>/ from ../shared/datasets (seeded).
 * For each model: chooses the MLP's architecture/regularisation and the baseline's penalty by cross-validation,
 * reports stratified cross-validated AUC, KS, Brier, log loss and a calibration table for the MLP and the
 * logistic-regression baseline (German: repeated 5×5; Taiwan: 5-fold), picks the cut-off, fits the final model on
 * all rows and writes the artifacts (model.json + weights.bin, preprocessing, schema, calibration, explanation
 * settings, policy, metrics.json, version.json, check.json).
 *
 * Usage: npm run train:credit [-- --model german|taiwan] [--quick] [--out <dir>]
 *   --quick   a smoke run (fewer folds and candidates) into a temporary folder unless --out is given.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/index.ts';
import { contentHash, VERSIONED_FILES, type DecisionPolicy, type ExplanationSettings, type ModelVersionInfo, type RiskBand } from '../models/credit/lib/credit-model.ts';
import { CREDIT_DATASETS, type CreditDataset, type ParsedRecord } from '../models/credit/lib/datasets/index.ts';
import { approvalRatesByGroup } from '../models/credit/lib/fairness.ts';
import { costOptimalThreshold, ksStatistic, rocAuc, type CostMatrix } from '../models/credit/lib/metrics.ts';
import type { MlpHyperParams } from '../models/credit/lib/mlp-trainer.ts';
import { serializeNetwork, toLayersModel } from '../models/credit/lib/network-io.ts';
import { encode } from '../models/credit/lib/preprocessing.ts';
import { applyPlatt } from '../models/credit/lib/calibration.ts';
import { parameterCount, ensembleLogit } from '../models/credit/lib/dense-network.ts';
import { splitByFold, stratifiedFolds } from '../models/credit/lib/random.ts';
import type { Applicant } from '../models/credit/lib/schema.ts';
import { fitAndPredictLogistic, fitMlp, predictMlp, referenceApplicant, scorePredictions, summarise, type FoldMetrics } from '../models/credit/lib/training.ts';
import { loadTf, type TfModule } from '../models/credit/lib/tf-runtime.ts';

const SEMVER = '1.0.0';
/** german.doc's cost matrix: accepting a bad applicant costs 5, rejecting a good one costs 1. */
const GERMAN_COSTS: CostMatrix = { badAccepted: 5, goodRejected: 1 };

/** Everything that differs between the two models' training runs. */
interface ModelPlan {
  dataset: CreditDataset;
  /** MLP candidates tried in the selection stage. */
  candidates: MlpHyperParams[];
  /** Logistic-regression penalties tried (λ on the summed log loss; scikit-learn's C = 1/λ). */
  lambdas: number[];
  /** Selection stage: folds and how many of them are run (Taiwan uses one split to save time). */
  selection: { folds: number; use: number; seed: number };
  /** Reporting stage: repeats × folds, seeds distinct from the selection's. */
  report: { repeats: number; folds: number; seeds: number[] };
  /** How the cut-off is chosen. */
  threshold: 'german-cost-matrix' | 'max-ks';
  finalSeed: number;
}

const germanBase = { learningRate: 0.01, batchSize: 0, maxEpochs: 400, patience: 40, members: 5 };
const taiwanBase = { learningRate: 0.003, batchSize: 512, maxEpochs: 40, patience: 4, members: 3 };

function plans(quick: boolean): Record<string, ModelPlan> {
  return {
    german: {
      dataset: CREDIT_DATASETS.german!,
      candidates: (quick
        ? [{ hidden: [16], dropout: 0.3, l2: 1e-3 }]
        : [
            { hidden: [8], dropout: 0.2, l2: 1e-3 },
            { hidden: [16], dropout: 0.3, l2: 1e-3 },
            { hidden: [16], dropout: 0.3, l2: 3e-3 },
            { hidden: [32], dropout: 0.5, l2: 1e-3 },
            { hidden: [32], dropout: 0.5, l2: 3e-3 },
            { hidden: [32, 16], dropout: 0.3, l2: 1e-3 },
            // Ten inner folds: each member learns on 90% of the rows, and the ensemble is twice as large.
            { hidden: [16], dropout: 0.3, l2: 1e-3, members: 10 },
            { hidden: [32], dropout: 0.5, l2: 1e-3, members: 10 },
          ]
      ).map((c) => ({ ...germanBase, ...c })),
      lambdas: [3, 10, 30],
      selection: { folds: 5, use: quick ? 2 : 5, seed: 11 },
      report: quick ? { repeats: 1, folds: 5, seeds: [1001] } : { repeats: 5, folds: 5, seeds: [1001, 1002, 1003, 1004, 1005] },
      threshold: 'german-cost-matrix',
      finalSeed: 42,
    },
    taiwan: {
      dataset: CREDIT_DATASETS.taiwan!,
      candidates: (quick
        ? [{ hidden: [32], dropout: 0.2, l2: 1e-5, maxEpochs: 3 }]
        : [
            { hidden: [32], dropout: 0.2, l2: 1e-5 },
            { hidden: [64, 32], dropout: 0.3, l2: 1e-5 },
          ]
      ).map((c) => ({ ...taiwanBase, ...c })),
      lambdas: [0.3, 3, 30],
      selection: { folds: 5, use: 1, seed: 21 },
      report: { repeats: 1, folds: quick ? 2 : 5, seeds: [2001] },
      threshold: 'max-ks',
      finalSeed: 42,
    },
  };
}

const log = (message: string): void => {
  process.stderr.write(`[train:credit ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

async function readRecords(datasetsDir: string, dataset: CreditDataset): Promise<ParsedRecord[]> {
  const file = path.join(datasetsDir, dataset.trainingFile);
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const { reader, skipFirst } = dataset.createReader(lines[0] ?? '');
  return lines.slice(skipFirst ? 1 : 0).map((line, i) => {
    const parsed = reader.parseLine(line);
    if (!parsed.ok) throw new Error(`${file}:${i + 1 + (skipFirst ? 1 : 0)}: ${parsed.error}`);
    if (parsed.record.label === undefined) throw new Error(`${file}:${i + 1}: no label`);
    return parsed.record;
  });
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

function roundDeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? round(v, 6) : v))) as T;
}

/** Mean cross-validated AUC of each MLP candidate and each LR penalty on the selection folds. */
async function selectHyperParams(tf: TfModule, plan: ModelPlan, applicants: Applicant[], labels: Float64Array) {
  const { schema } = plan.dataset;
  const folds = stratifiedFolds(labels, plan.selection.folds, plan.selection.seed);
  const mlp: Array<{ params: MlpHyperParams; auc: number; aucs: number[] }> = [];
  for (const [ci, params] of plan.candidates.entries()) {
    const aucs: number[] = [];
    for (let f = 0; f < plan.selection.use; f++) {
      const { train, test } = splitByFold(folds, f);
      const model = await fitMlp(tf, schema, applicants, labels, train, params, 100 * ci + f);
      aucs.push(rocAuc(test.map((i) => labels[i]!), predictMlp(model, applicants, test).calibrated));
    }
    mlp.push({ params, auc: aucs.reduce((a, b) => a + b, 0) / aucs.length, aucs });
    log(`  candidate ${JSON.stringify({ hidden: params.hidden, dropout: params.dropout, l2: params.l2, members: params.members })}: AUC ${mlp.at(-1)!.auc.toFixed(4)}`);
  }
  const lr: Array<{ lambda: number; auc: number }> = [];
  for (const lambda of plan.lambdas) {
    const aucs: number[] = [];
    for (let f = 0; f < plan.selection.use; f++) {
      const { train, test } = splitByFold(folds, f);
      aucs.push(rocAuc(test.map((i) => labels[i]!), fitAndPredictLogistic(schema, applicants, labels, train, test, lambda)));
    }
    lr.push({ lambda, auc: aucs.reduce((a, b) => a + b, 0) / aucs.length });
  }
  const bestMlp = mlp.reduce((a, b) => (b.auc > a.auc ? b : a));
  const bestLr = lr.reduce((a, b) => (b.auc > a.auc ? b : a));
  log(`  chose MLP ${JSON.stringify(bestMlp.params.hidden)} dropout ${bestMlp.params.dropout} l2 ${bestMlp.params.l2}; LR λ=${bestLr.lambda}`);
  return { mlp, lr, bestMlp: bestMlp.params, bestLambda: bestLr.lambda };
}

/** The reporting cross-validation: MLP (calibrated and raw) and LR, fold metrics and pooled out-of-fold predictions. */
async function crossValidate(tf: TfModule, plan: ModelPlan, applicants: Applicant[], labels: Float64Array, params: MlpHyperParams, lambda: number) {
  const { schema } = plan.dataset;
  const n = labels.length;
  const mlpFolds: FoldMetrics[] = [];
  const rawFolds: FoldMetrics[] = [];
  const lrFolds: FoldMetrics[] = [];
  const pooled = { labels: [] as number[], mlp: [] as number[], raw: [] as number[], lr: [] as number[], rows: [] as number[] };
  const epochs: number[] = [];
  for (const [r, seed] of plan.report.seeds.entries()) {
    const folds = stratifiedFolds(labels, plan.report.folds, seed);
    for (let f = 0; f < plan.report.folds; f++) {
      const { train, test } = splitByFold(folds, f);
      const testLabels = test.map((i) => labels[i]!);
      const model = await fitMlp(tf, schema, applicants, labels, train, params, seed * 10 + f);
      epochs.push(...model.bestEpochs);
      const { calibrated, raw } = predictMlp(model, applicants, test);
      const lr = fitAndPredictLogistic(schema, applicants, labels, train, test, lambda);
      mlpFolds.push(scorePredictions(testLabels, calibrated));
      rawFolds.push(scorePredictions(testLabels, raw));
      lrFolds.push(scorePredictions(testLabels, lr));
      pooled.labels.push(...testLabels);
      pooled.mlp.push(...calibrated);
      pooled.raw.push(...raw);
      pooled.lr.push(...lr);
      pooled.rows.push(...test);
      log(`  repeat ${r + 1} fold ${f + 1}: MLP AUC ${mlpFolds.at(-1)!.auc.toFixed(4)} Brier ${mlpFolds.at(-1)!.brier.toFixed(4)} | LR AUC ${lrFolds.at(-1)!.auc.toFixed(4)} Brier ${lrFolds.at(-1)!.brier.toFixed(4)}`);
    }
  }
  void n;
  return {
    mlp: summarise(mlpFolds, pooled.labels, pooled.mlp),
    mlpUncalibrated: summarise(rawFolds, pooled.labels, pooled.raw),
    lr: summarise(lrFolds, pooled.labels, pooled.lr),
    foldAucs: { mlp: mlpFolds.map((m) => round(m.auc)), lr: lrFolds.map((m) => round(m.auc)) },
    pooled,
    meanBestEpoch: epochs.reduce((a, b) => a + b, 0) / epochs.length,
  };
}

/** The KS-maximising cut-off (Youden's J on the ROC curve). */
function maxKsThreshold(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]!;
  const neg = labels.length - pos;
  let tp = 0;
  let fp = 0;
  let best = { gap: -1, threshold: 0.5 };
  for (let i = 0; i < order.length; i++) {
    if (labels[order[i]!] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && probs[next] === probs[order[i]!]) continue;
    const gap = tp / pos - fp / neg;
    // Reject everything at or above this score: the cut-off sits halfway to the next lower score.
    const threshold = next === undefined ? probs[order[i]!]! : (probs[order[i]!]! + probs[next]!) / 2;
    if (gap > best.gap) best = { gap, threshold };
  }
  return best.threshold;
}

function bandsFor(threshold: number, rule: string): RiskBand[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const low = threshold / 2;
  return [
    { name: 'low', from: 0, to: low, description: `Below ${pct(low)}: less than half the ${pct(threshold)} cut-off.` },
    { name: 'medium', from: low, to: threshold, description: `${pct(low)} to ${pct(threshold)}: under the cut-off, but within a factor of two of it.` },
    { name: 'high', from: threshold, to: 1.000001, description: `${pct(threshold)} or more: at or above the cut-off (${rule}).` },
  ];
}

/** A few synthetic applicants (the reference and single-feature changes to it) — no rows of the data set. */
function checkApplicants(plan: ModelPlan, reference: Applicant): Applicant[] {
  const out: Applicant[] = [{ ...reference }];
  for (const spec of plan.dataset.schema.features) {
    if (out.length >= 10) break;
    if (spec.type === 'categorical') {
      const other = spec.options.find((o) => o.value !== reference[spec.name]);
      if (other) out.push({ ...reference, [spec.name]: other.value });
    } else {
      out.push({ ...reference, [spec.name]: spec.integer ? Math.round((spec.min + (reference[spec.name] as number)) / 2) : ((reference[spec.name] as number) * 2 + spec.min) / 3 });
    }
  }
  return out;
}

async function writeJson(file: string, value: unknown): Promise<Buffer> {
  const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await fs.writeFile(file, bytes);
  return bytes;
}

async function trainModel(tf: TfModule, plan: ModelPlan, datasetsDir: string, outDir: string): Promise<Record<string, unknown>> {
  const started = performance.now();
  const { dataset } = plan;
  const records = await readRecords(datasetsDir, dataset);
  const applicants = records.map((r) => r.applicant);
  const labels = Float64Array.from(records, (r) => r.label!);
  const defaults = labels.reduce((a, b) => a + b, 0);
  log(`${dataset.name}: ${records.length} rows, ${defaults} defaults (${((100 * defaults) / records.length).toFixed(1)}%)`);

  log(`${dataset.name}: selection (${plan.selection.use} of ${plan.selection.folds} folds, seed ${plan.selection.seed})`);
  const t0 = performance.now();
  const selection = await selectHyperParams(tf, plan, applicants, labels);
  const selectionSeconds = (performance.now() - t0) / 1000;

  log(`${dataset.name}: reporting cross-validation (${plan.report.repeats}×${plan.report.folds})`);
  const t1 = performance.now();
  const cv = await crossValidate(tf, plan, applicants, labels, selection.bestMlp, selection.bestLambda);
  const cvSeconds = (performance.now() - t1) / 1000;

  // Cut-off from the pooled out-of-fold calibrated probabilities.
  const germanCost = costOptimalThreshold(cv.pooled.labels, cv.pooled.mlp, GERMAN_COSTS);
  const lrCost = costOptimalThreshold(cv.pooled.labels, cv.pooled.lr, GERMAN_COSTS);
  const threshold = plan.threshold === 'german-cost-matrix' ? germanCost.threshold : maxKsThreshold(cv.pooled.labels, cv.pooled.mlp);
  const thresholdRule =
    plan.threshold === 'german-cost-matrix'
      ? 'the cost-optimal cut-off for the data set’s cost matrix, where lending to someone who defaults costs five times as much as turning away someone who repays'
      : 'the cut-off that best separates defaulters from payers (maximum Kolmogorov–Smirnov distance); this data set has no published cost matrix';
  const fairnessOutOfFold = approvalRatesByGroup(
    cv.pooled.rows.map((r) => dataset.protectedGroups(records[r]!)),
    cv.pooled.mlp,
    threshold,
    cv.pooled.labels,
  );

  log(`${dataset.name}: final fit on all ${records.length} rows`);
  const t2 = performance.now();
  const allRows = Array.from({ length: records.length }, (_, i) => i);
  const final = await fitMlp(tf, dataset.schema, applicants, labels, allRows, selection.bestMlp, plan.finalSeed);
  const finalSeconds = (performance.now() - t2) / 1000;
  const reference = referenceApplicant(dataset.schema, applicants);
  const referenceProbability = applyPlatt(final.calibration, ensembleLogit(final.network, encode(final.preprocessing, reference)));

  // Artifacts.
  const dir = path.join(outDir, dataset.name);
  await fs.mkdir(dir, { recursive: true });
  const { modelJson, weights } = await serializeNetwork(tf, final.network);
  const explanation: ExplanationSettings = { method: 'integrated-gradients', steps: 128, reference, referenceProbability, minContribution: 0.005 };
  const policy: DecisionPolicy = { threshold, thresholdRule, bands: bandsFor(threshold, thresholdRule) };
  const files: Record<string, Buffer> = {};
  files['model.json'] = await writeJson(path.join(dir, 'model.json'), modelJson);
  await fs.writeFile(path.join(dir, 'weights.bin'), weights);
  files['weights.bin'] = Buffer.from(weights);
  files['preprocessing.json'] = await writeJson(path.join(dir, 'preprocessing.json'), roundDeepKeep(final.preprocessing));
  files['schema.json'] = await writeJson(path.join(dir, 'schema.json'), dataset.schema);
  files['calibration.json'] = await writeJson(path.join(dir, 'calibration.json'), final.calibration);
  files['explanation.json'] = await writeJson(path.join(dir, 'explanation.json'), explanation);
  files['policy.json'] = await writeJson(path.join(dir, 'policy.json'), policy);
  const digests = Object.fromEntries(VERSIONED_FILES.map((name) => [name, createHash('sha256').update(files[name]!).digest('hex')]));
  const hash = contentHash(digests);
  const versionInfo: ModelVersionInfo = { name: dataset.name, semver: SEMVER, version: `${SEMVER}+${hash.slice(0, 12)}`, contentHash: hash, files: digests };
  await writeJson(path.join(dir, 'version.json'), versionInfo);

  // Stored predictions for the load test: synthetic applicants scored by TensorFlow.js (the batch path) at training time.
  const checks = checkApplicants(plan, reference);
  // preprocessing.json is rounded on disk; encode with the saved version so the check matches what serving sees.
  const savedPre = JSON.parse(files['preprocessing.json']!.toString('utf8')) as typeof final.preprocessing;
  const layers = toLayersModel(tf, final.network);
  const checkRows = checks.map((a) => encode(savedPre, a));
  const logits = tf.tidy(() =>
    (layers.predict(tf.tensor2d(checkRows.flatMap((r) => Array.from(r)), [checks.length, savedPre.columns.length])) as import('@tensorflow/tfjs').Tensor).dataSync(),
  );
  layers.dispose();
  await writeJson(path.join(dir, 'check.json'), {
    note: 'Synthetic applicants (the reference applicant with one input changed), their encodings and TensorFlow.js probabilities at training time.',
    version: versionInfo.version,
    applicants: checks,
    encoded: checkRows.map((r) => Array.from(r, (v) => round(v, 6))),
    probabilities: Array.from(logits, (z) => applyPlatt(final.calibration, z)),
  });

  const summary = {
    cvAuc: round(cv.mlp.auc.mean),
    cvAucStd: round(cv.mlp.auc.std),
    ks: round(cv.mlp.ks.mean),
    brier: round(cv.mlp.brier.mean),
    logLoss: round(cv.mlp.logLoss.mean),
    baseline: { name: 'logistic regression (L2)', cvAuc: round(cv.lr.auc.mean), ks: round(cv.lr.ks.mean), brier: round(cv.lr.brier.mean), logLoss: round(cv.lr.logLoss.mean) },
    threshold: round(threshold),
    evaluation: plan.report.repeats > 1 ? `repeated stratified ${plan.report.folds}-fold cross-validation (${plan.report.repeats}×${plan.report.folds})` : `stratified ${plan.report.folds}-fold cross-validation`,
  };
  const metrics = roundDeep({
    model: dataset.name,
    version: versionInfo.version,
    summary,
    dataset: { file: dataset.trainingFile, rows: records.length, defaults, defaultRate: defaults / records.length },
    inputs: { features: dataset.schema.features.map((f) => f.name), encodedColumns: final.preprocessing.columns.length, excluded: dataset.schema.excluded },
    selection: {
      scheme: `stratified ${plan.selection.folds}-fold split (seed ${plan.selection.seed}), ${plan.selection.use} fold(s) used; reporting folds use different seeds`,
      mlpCandidates: selection.mlp.map((m) => ({ hidden: m.params.hidden, dropout: m.params.dropout, l2: m.params.l2, members: m.params.members, auc: m.auc })),
      chosenMlp: selection.bestMlp,
      lrCandidates: selection.lr,
      chosenLambda: selection.bestLambda,
    },
    crossValidation: {
      scheme: summary.evaluation,
      seeds: plan.report.seeds,
      mlp: cv.mlp,
      mlpBeforeCalibration: { note: 'class-weighted network output before Platt scaling', ...cv.mlpUncalibrated },
      logisticRegression: cv.lr,
      foldAucs: cv.foldAucs,
      meanBestEpoch: cv.meanBestEpoch,
    },
    threshold: {
      chosen: threshold,
      rule: thresholdRule,
      germanCostMatrix: { costs: GERMAN_COSTS, mlp: germanCost, logisticRegression: lrCost },
      ...(plan.threshold === 'max-ks' ? { ksAtThreshold: ksStatistic(cv.pooled.labels, cv.pooled.mlp) } : {}),
    },
    fairnessOutOfFold: { threshold, note: 'approval = out-of-fold probability below the cut-off, pooled over the reporting folds', attributes: fairnessOutOfFold },
    final: {
      architecture: { hidden: selection.bestMlp.hidden, members: selection.bestMlp.members, activation: 'relu', dropout: selection.bestMlp.dropout, l2: selection.bestMlp.l2 },
      parameters: parameterCount(final.network),
      bestEpochs: final.bestEpochs,
      calibration: final.calibration,
      referenceProbability,
    },
  });
  await writeJson(path.join(dir, 'metrics.json'), metrics);
  const seconds = (performance.now() - started) / 1000;
  log(`${dataset.name}: MLP CV AUC ${summary.cvAuc} (LR ${summary.baseline.cvAuc}), Brier ${summary.brier} (LR ${summary.baseline.brier}), cut-off ${summary.threshold}; ${seconds.toFixed(0)} s; version ${versionInfo.version}`);
  return { model: dataset.name, version: versionInfo.version, seconds: { total: seconds, selection: selectionSeconds, crossValidation: cvSeconds, final: finalSeconds }, summary };
}

/** Rounds the fitted statistics so preprocessing.json stays readable (the rounded values are what serving uses). */
function roundDeepKeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v))) as T;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
  const config = loadConfig(process.env);
  const quick = values.quick ?? false;
  const outDir = values.out ?? (quick ? await fs.mkdtemp(path.join(os.tmpdir(), 'moneta-credit-')) : config.credit.modelsDir);
  const allPlans = plans(quick);
  const names = values.model ? [values.model] : Object.keys(allPlans);
  for (const name of names) if (!allPlans[name]) throw new Error(`unknown model "${name}"; use ${Object.keys(allPlans).join(' or ')}`);
  const tf = await loadTf(config.credit.tfBackend);
  log(`TensorFlow.js ${tf.version.tfjs} on the ${tf.getBackend()} backend; data from ${config.datasetsDir}; writing to ${outDir}`);
  const started = performance.now();
  const runs = [];
  for (const name of names) runs.push(await trainModel(tf, allPlans[name]!, config.datasetsDir, outDir));
  const run = {
    note: 'Wall-clock times of the last `npm run train:credit`; they vary with machine load (the artifacts do not).',
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    quick,
    totalSeconds: round((performance.now() - started) / 1000, 1),
    models: runs,
  };
  if (!values.model) await writeJson(path.join(outDir, 'training-run.json'), run);
  else await writeJson(path.join(outDir, `training-run-${values.model}.json`), run);
  log(`done in ${run.totalSeconds} s`);
}

await main();
