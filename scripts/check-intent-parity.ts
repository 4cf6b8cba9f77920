// Checks that transformers.js (tokenizer.json + ONNX, fp32 and q8) reproduces torch's ids, logits and embeddings stored
// in <model dir>/reference.json by the training script. Prints a JSON summary; exits 1 on a mismatch.
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
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
process.stdout.write(JSON.stringify(summary) + '\n');
const ok = idMismatch === 0 && (summary.fp32_max_abs_prob_diff as number) < 1e-4 && (summary.fp32_max_abs_embedding_diff as number) < 1e-4;
process.exit(ok ? 0 : 1);
