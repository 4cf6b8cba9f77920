// Checks that transformers.js (tokenizer.json + ONNX, fp32 and q8) reproduces torch's ids, logits and embeddings stored
// in <model dir>/reference.json by the training script, and that the TypeScript TF-IDF linear member reproduces
// scikit-learn's features and probabilities (tfidf-linear-reference.json). Prints a JSON summary; exits 1 on a mismatch.
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { TfidfLinearModel } from '../server/nlu/tfidf-linear-model.ts';
import { TransformerIntentModel } from '../server/nlu/transformer-intent-model.ts';

const dir = path.resolve(process.argv[2] ?? 'models/intent');
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as {
  texts: Array<{ text: string; ids: number[]; logits: number[]; embedding: number[] }>;
};
const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
const summary: Record<string, number | boolean> = {};
let idMismatch = 0;
for (const r of ref.texts) {
  const ids = Array.from((tok(r.text, { truncation: true }).input_ids.data as BigInt64Array), Number);
  if (JSON.stringify(ids) !== JSON.stringify(r.ids)) {
    idMismatch++;
    process.stderr.write(`ids differ for ${JSON.stringify(r.text.slice(0, 40))}: js ${ids.slice(0, 12)} py ${r.ids.slice(0, 12)}\n`);
  }
}
summary.id_mismatches = idMismatch;
for (const dtype of ['fp32', 'q8'] as const) {
  if (dtype === 'q8' && !fs.existsSync(path.join(dir, 'onnx', 'model_quantized.onnx'))) continue;
  const model = await TransformerIntentModel.load(dir, { dtype });
  // batch of all texts at once: also checks that padding does not change results
  const out = await model.encode(ref.texts.map((r) => r.text));
  let maxProb = 0;
  let maxEmb = 0;
  let argmaxAgree = 0;
  out.forEach((o, i) => {
    const lg = ref.texts[i]!.logits;
    const m = Math.max(...lg);
    const e = lg.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((x) => x / s);
    p.forEach((x, j) => (maxProb = Math.max(maxProb, Math.abs(x - o.probabilities[j]!))));
    ref.texts[i]!.embedding.forEach((x, j) => (maxEmb = Math.max(maxEmb, Math.abs(x - o.embedding![j]!))));
    if (p.indexOf(Math.max(...p)) === o.probabilities.indexOf(Math.max(...o.probabilities))) argmaxAgree++;
  });
  summary[`${dtype}_max_abs_prob_diff`] = Number(maxProb.toExponential(2));
  summary[`${dtype}_max_abs_embedding_diff`] = Number(maxEmb.toExponential(2));
  summary[`${dtype}_argmax_agreement`] = argmaxAgree / out.length;
  await model.dispose();
}
// The ensemble's linear member (when present): the TypeScript TF-IDF features and probabilities against scikit-learn's.
let linearOk = true;
const linearFile = path.join(dir, 'tfidf-linear.json');
if (fs.existsSync(linearFile)) {
  const linear = TfidfLinearModel.load(linearFile);
  const lref = JSON.parse(fs.readFileSync(path.join(dir, 'tfidf-linear-reference.json'), 'utf8')) as {
    texts: Array<{ text: string; cols: number[]; values: number[]; served_proba: number[]; sklearn_proba: number[] }>;
  };
  let maxFeat = 0;
  let maxProb = 0;
  let maxSk = 0;
  let featureSetMismatch = 0;
  for (const r of lref.texts) {
    const row = linear.features(r.text);
    if (row.size !== r.cols.length) featureSetMismatch++;
    r.cols.forEach((c, i) => (maxFeat = Math.max(maxFeat, Math.abs((row.get(c) ?? Infinity) - r.values[i]!))));
    const [p] = linear.probabilities([r.text]);
    p!.forEach((x, j) => {
      maxProb = Math.max(maxProb, Math.abs(x - r.served_proba[j]!));
      maxSk = Math.max(maxSk, Math.abs(x - r.sklearn_proba[j]!));
    });
  }
  summary.linear_feature_set_mismatches = featureSetMismatch;
  summary.linear_max_abs_feature_diff = Number(maxFeat.toExponential(2));
  summary.linear_max_abs_prob_diff = Number(maxProb.toExponential(2));
  summary.linear_max_abs_prob_diff_vs_float_sklearn = Number(maxSk.toExponential(2));
  linearOk = featureSetMismatch === 0 && maxFeat < 1e-9 && maxProb < 1e-6;
}
process.stdout.write(JSON.stringify(summary) + '\n');
const ok = linearOk && idMismatch === 0 && (summary.fp32_max_abs_prob_diff as number) < 1e-4 && (summary.fp32_max_abs_embedding_diff as number) < 1e-4;
process.exit(ok ? 0 : 1);
