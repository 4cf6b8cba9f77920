/**
 * `npm run bench:credit`: per-applicant latency of the credit models, p50/p99 over many applicants, for
 *   - the typed-array evaluator (what the API and chat use for one applicant),
 *   - TensorFlow.js predict on one row (the baseline a naive implementation would use),
 *   - TensorFlow.js batch predict (per row, batches of 1,000; what the batch CLI uses),
 *   - a full assessment (probability + Integrated Gradients with 128 steps + reason texts),
 * with the ratio of each to the single-row TensorFlow.js baseline measured in the same run, and the largest difference
 * between the typed-array and TensorFlow.js probabilities. Writes bench/results/credit.json.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config/index.ts';
import { CreditModel } from '../models/credit/lib/credit-model.ts';
import type { Applicant } from '../models/credit/lib/schema.ts';
import { loadTf } from '../models/credit/lib/tf-runtime.ts';

const config = loadConfig(process.env);
const tf = await loadTf(config.credit.tfBackend);

/** Quantile of a sorted array (nearest rank). */
const q = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

function timings(label: string, n: number, run: (i: number) => void, warmup = 200): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < warmup; i++) run(i % n);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const result = { p50: q(ms, 0.5), p99: q(ms, 0.99), mean: ms.reduce((a, b) => a + b, 0) / n };
  process.stderr.write(`  ${label.padEnd(36)} p50 ${result.p50.toFixed(4)} ms  p99 ${result.p99.toFixed(4)} ms\n`);
  return result;
}

async function applicantsFor(model: CreditModel, n: number): Promise<Applicant[]> {
  const file = path.join(config.datasetsDir, model.dataset.trainingFile);
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const { reader, skipFirst } = model.dataset.createReader(lines[0]!);
  const out: Applicant[] = [];
  for (const line of lines.slice(skipFirst ? 1 : 0)) {
    const parsed = reader.parseLine(line);
    if (parsed.ok) out.push(parsed.record.applicant);
    if (out.length >= n) break;
  }
  return out;
}

const results: Record<string, unknown> = {};
for (const name of ['german', 'taiwan']) {
  const model = await CreditModel.load(path.join(config.credit.modelsDir, name));
  const applicants = await applicantsFor(model, 1000);
  const n = applicants.length;
  process.stderr.write(`${name} ${model.version}: ${n} applicants, backend ${tf.getBackend()}\n`);

  // Agreement between the two evaluation paths.
  const viaTf = await model.probabilitiesWithTf(tf, applicants);
  let maxDiff = 0;
  applicants.forEach((a, i) => {
    maxDiff = Math.max(maxDiff, Math.abs(model.probability(a) - viaTf[i]!));
  });

  const plain = timings('typed-array, one applicant', n, (i) => void model.probability(applicants[i]!));
  const validated = timings('validate + typed-array', n, (i) => {
    const checked = model.validate(applicants[i]!);
    if (checked.ok) model.probability(checked.applicant);
  });
  // TensorFlow.js single-row predict is asynchronous in our API; time it with awaited calls.
  for (let i = 0; i < 50; i++) await model.probabilitiesWithTf(tf, [applicants[i % n]!]);
  const tfMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await model.probabilitiesWithTf(tf, [applicants[i]!]);
    tfMs.push(performance.now() - t);
  }
  tfMs.sort((a, b) => a - b);
  const tfSingle = { p50: q(tfMs, 0.5), p99: q(tfMs, 0.99), mean: tfMs.reduce((a, b) => a + b, 0) / n };
  process.stderr.write(`  ${'TensorFlow.js, one row'.padEnd(36)} p50 ${tfSingle.p50.toFixed(4)} ms  p99 ${tfSingle.p99.toFixed(4)} ms\n`);
  const batchRuns: number[] = [];
  for (let r = 0; r < 20; r++) {
    const t = performance.now();
    await model.probabilitiesWithTf(tf, applicants);
    batchRuns.push((performance.now() - t) / n);
  }
  batchRuns.sort((a, b) => a - b);
  const tfBatch = { p50: q(batchRuns, 0.5), p99: q(batchRuns, 0.99) };
  process.stderr.write(`  ${'TensorFlow.js batch of 1,000, per row'.padEnd(36)} p50 ${tfBatch.p50.toFixed(4)} ms  p99 ${tfBatch.p99.toFixed(4)} ms\n`);
  const assess = timings('full assessment (IG, 128 steps)', Math.min(n, 300), (i) => void model.assess(applicants[i]!), 20);

  results[name] = {
    version: model.version,
    applicants: n,
    maxAbsDifferenceTypedArrayVsTfjs: maxDiff,
    msPerApplicant: {
      typedArray: plain,
      validateAndPredict: validated,
      tfjsSingleRow: tfSingle,
      tfjsBatchPerRow: tfBatch,
      fullAssessment: assess,
    },
    ratioToTfjsSingleRowP50: {
      typedArray: plain.p50 / tfSingle.p50,
      tfjsBatchPerRow: tfBatch.p50 / tfSingle.p50,
      fullAssessment: assess.p50 / tfSingle.p50,
    },
  };
  await model.dispose();
}

const out = {
  note: 'Latency per applicant in milliseconds (p50/p99); ratios are against TensorFlow.js single-row predict in the same run.',
  backend: tf.getBackend(),
  node: process.version,
  cpus: os.cpus().length,
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  results,
};
await fs.mkdir(path.join(import.meta.dirname, 'results'), { recursive: true });
await fs.writeFile(path.join(import.meta.dirname, 'results', 'credit.json'), `${JSON.stringify(out, null, 2)}\n`);
process.stderr.write('wrote bench/results/credit.json\n');
