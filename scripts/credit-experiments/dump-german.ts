/**
 * Writes the German training rows (parsed applicants, labels) and the TypeScript trainer's stratified fold
 * assignments (selection seed 11, reporting seeds 1001–1005) to a JSON file for german-experiments.py.
 * Usage: npx tsx scripts/credit-experiments/dump-german.ts <out.json>   (the file stays outside the repository)
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../server/config/index.ts';
import { CREDIT_DATASETS } from '../../models/credit/lib/datasets/index.ts';
import { stratifiedFolds } from '../../models/credit/lib/random.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: dump-german.ts <out.json>');
const dataset = CREDIT_DATASETS.german!;
const file = path.join(loadConfig(process.env).datasetsDir, dataset.trainingFile);
const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
const { reader } = dataset.createReader(lines[0]!);
const records = lines.map((line, i) => {
  const parsed = reader.parseLine(line);
  if (!parsed.ok) throw new Error(`${file}:${i + 1}: ${parsed.error}`);
  return parsed.record;
});
const labels = Float64Array.from(records, (r) => r.label!);
const folds: Record<string, number[]> = {};
for (const seed of [11, 1001, 1002, 1003, 1004, 1005]) folds[seed] = Array.from(stratifiedFolds(labels, 5, seed));
fs.writeFileSync(
  out,
  JSON.stringify({
    applicants: records.map((r) => r.applicant),
    labels: Array.from(labels),
    folds,
    features: dataset.schema.features.map((f) => ({ name: f.name, type: f.type, options: f.type === 'categorical' ? f.options.map((o) => o.value) : undefined })),
  }),
);
process.stderr.write(`wrote ${records.length} rows and ${Object.keys(folds).length} fold assignments to ${out}\n`);
