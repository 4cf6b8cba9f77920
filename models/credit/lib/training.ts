/**
 * The credit training recipe shared by cross-validation and the final fit: preprocessing fitted on the training rows,
 * an MLP ensemble with class weighting and early stopping, Platt scaling on the members' held-out logits; plus the
 * logistic-regression baseline on the same encoding. Also helpers to evaluate predictions fold by fold.
 */
import { applyPlatt, fitPlatt, sigmoid, type PlattCalibration } from './calibration.ts';
import { ensembleLogit, type EnsembleNetwork } from './dense-network.ts';
import { fitLogisticRegression, logisticLogit } from './logistic-regression.ts';
import { brierScore, calibrationTable, ksStatistic, logLoss, meanStd, rocAuc, type CalibrationBin } from './metrics.ts';
import { trainMlpEnsemble, type MlpHyperParams } from './mlp-trainer.ts';
import { encodeMatrix, fitPreprocessing, type Preprocessing } from './preprocessing.ts';
import type { Applicant, ModelSchema } from './schema.ts';
import type { TfModule } from './tf-runtime.ts';

/** A fitted MLP recipe: encoder, network, calibration. */
export interface FittedMlp {
  preprocessing: Preprocessing;
  network: EnsembleNetwork;
  calibration: PlattCalibration;
  bestEpochs: number[];
}

/** Fits the whole MLP recipe on `rows` of the data (nothing else is looked at). */
export async function fitMlp(
  tf: TfModule,
  schema: ModelSchema,
  applicants: readonly Applicant[],
  labels: ArrayLike<number>,
  rows: readonly number[],
  params: MlpHyperParams,
  seed: number,
): Promise<FittedMlp> {
  const preprocessing = fitPreprocessing(schema, rows.map((r) => applicants[r]!));
  const x = encodeMatrix(preprocessing, rows.map((r) => applicants[r]!));
  const local = Array.from({ length: rows.length }, (_, i) => i);
  const localLabels = Float32Array.from(rows, (r) => labels[r]!);
  const trained = await trainMlpEnsemble(tf, { x, width: preprocessing.columns.length, labels: localLabels, rows: local }, params, seed);
  const calibration = fitPlatt(trained.heldOutLogits, localLabels);
  return { preprocessing, network: trained.network, calibration, bestEpochs: trained.bestEpochs };
}

/** Calibrated probabilities and raw (uncalibrated, class-weighted) probabilities of the fitted MLP for some rows. */
export function predictMlp(model: FittedMlp, applicants: readonly Applicant[], rows: readonly number[]): { calibrated: Float64Array; raw: Float64Array } {
  const x = encodeMatrix(model.preprocessing, rows.map((r) => applicants[r]!));
  const d = model.preprocessing.columns.length;
  const calibrated = new Float64Array(rows.length);
  const raw = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const z = ensembleLogit(model.network, x.subarray(i * d, (i + 1) * d));
    calibrated[i] = applyPlatt(model.calibration, z);
    raw[i] = sigmoid(z);
  }
  return { calibrated, raw };
}

/** Fits the L2 logistic-regression baseline on `rows` (its own preprocessing fit on the same rows) and predicts `testRows`. */
export function fitAndPredictLogistic(
  schema: ModelSchema,
  applicants: readonly Applicant[],
  labels: ArrayLike<number>,
  rows: readonly number[],
  testRows: readonly number[],
  lambda: number,
): Float64Array {
  const preprocessing = fitPreprocessing(schema, rows.map((r) => applicants[r]!));
  const d = preprocessing.columns.length;
  const xTrain = encodeMatrix(preprocessing, rows.map((r) => applicants[r]!));
  const localLabels = Float64Array.from(rows, (r) => labels[r]!);
  const model = fitLogisticRegression(xTrain, localLabels, d, Array.from({ length: rows.length }, (_, i) => i), lambda);
  const xTest = encodeMatrix(preprocessing, testRows.map((r) => applicants[r]!));
  return Float64Array.from(testRows, (_, i) => sigmoid(logisticLogit(model, xTest, d, i)));
}

/** Metrics of one set of predictions. */
export interface FoldMetrics {
  auc: number;
  ks: number;
  brier: number;
  logLoss: number;
}

/** AUC, KS, Brier and log loss of probabilities against labels. */
export function scorePredictions(labels: ArrayLike<number>, probs: ArrayLike<number>): FoldMetrics {
  return { auc: rocAuc(labels, probs), ks: ksStatistic(labels, probs), brier: brierScore(labels, probs), logLoss: logLoss(labels, probs) };
}

/** Mean and standard deviation over folds of each metric, plus the calibration table of the pooled predictions. */
export interface MetricSummary {
  auc: { mean: number; std: number };
  ks: { mean: number; std: number };
  brier: { mean: number; std: number };
  logLoss: { mean: number; std: number };
  folds: number;
  calibrationTable: CalibrationBin[];
  /** Mean predicted probability vs. the observed default rate over all out-of-fold predictions. */
  meanPredicted: number;
  observedRate: number;
}

/** Summarises per-fold metrics and pooled out-of-fold predictions. */
export function summarise(folds: FoldMetrics[], pooledLabels: ArrayLike<number>, pooledProbs: ArrayLike<number>): MetricSummary {
  const pick = (k: keyof FoldMetrics) => meanStd(folds.map((f) => f[k]));
  let mp = 0;
  let obs = 0;
  for (let i = 0; i < pooledLabels.length; i++) {
    mp += pooledProbs[i]!;
    obs += pooledLabels[i]!;
  }
  return {
    auc: pick('auc'),
    ks: pick('ks'),
    brier: pick('brier'),
    logLoss: pick('logLoss'),
    folds: folds.length,
    calibrationTable: calibrationTable(pooledLabels, pooledProbs, 10),
    meanPredicted: mp / pooledLabels.length,
    observedRate: obs / pooledLabels.length,
  };
}

/** The reference applicant for explanations: the most common category and the median of each number. */
export function referenceApplicant(schema: ModelSchema, applicants: readonly Applicant[]): Applicant {
  const ref: Applicant = {};
  for (const spec of schema.features) {
    if (spec.type === 'categorical') {
      const counts = new Map<string, number>();
      for (const a of applicants) counts.set(a[spec.name] as string, (counts.get(a[spec.name] as string) ?? 0) + 1);
      // Ties break by schema order, so the choice is deterministic.
      ref[spec.name] = spec.options.map((o) => o.value).reduce((best, v) => ((counts.get(v) ?? 0) > (counts.get(best) ?? 0) ? v : best));
    } else {
      const sorted = applicants.map((a) => a[spec.name] as number).sort((a, b) => a - b);
      const mid = sorted.length / 2;
      const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      ref[spec.name] = spec.integer ? Math.round(median) : median;
    }
  }
  return ref;
}
