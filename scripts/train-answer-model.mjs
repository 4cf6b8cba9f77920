#!/usr/bin/env node
// `npm run train:answer-model`: reproduces models/answer-model/model.json (deterministic). Exports the served
// retrieval path's candidates and features for the TUNING questions only (the dev half, both tuning-blind sets and
// CLINC150's messages unrelated to money, labelled with the pooled assessment's labels; never the test half or the blind sets), then fits the trees and chooses the
// thresholds by cross-validation with Debian's scikit-learn (/usr/bin/python3, python3-sklearn), then rebuilds
// models/manifest.json. Two passage classifiers fitted on the knowledge base's own questions (TF-IDF words, and the
// retrieval embedder's vectors) are fitted first; their probabilities are features. Rerun it after changing the knowledge base, the NLU, the retrieval encoder or the reranker:
// the model reads their scores.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.MONETA_PYTHON ?? '/usr/bin/python3';
const WORK = path.join(ROOT, 'data', 'answer-model');
const FEATURES = path.join(WORK, 'features.jsonl');
const OUT = path.join(ROOT, 'models', 'answer-model', 'model.json');
const run = (cmd, args, what) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) {
    process.stderr.write(`error: ${what} failed (see above)\n`);
    process.exit(1);
  }
};
const probe = spawnSync(PY, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
if (probe.status !== 0) {
  process.stderr.write(`error: ${PY} cannot import scikit-learn. On Debian 12: apt-get install -y python3-sklearn (or set MONETA_PYTHON).\n`);
  process.exit(1);
}
fs.mkdirSync(WORK, { recursive: true });
const MODEL_DIR = path.dirname(OUT);
// 1. The passage classifier, from the knowledge base's own titles and alternate questions (no tuning data).
run(PY, [path.join(MODEL_DIR, 'training', 'fit_passage_classifier.py'), path.join(ROOT, 'knowledge'), MODEL_DIR], 'fitting the passage classifier');
// 2. The embedding passage classifier, from the same texts embedded with the served retrieval embedder.
const KB_EMBEDDINGS = path.join(WORK, 'kb-embeddings.json');
run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'answer-model', 'export-kb-embeddings.ts'), KB_EMBEDDINGS], 'embedding the passages\' questions');
run(PY, [path.join(MODEL_DIR, 'training', 'fit_embedding_classifier.py'), KB_EMBEDDINGS, MODEL_DIR], 'fitting the embedding passage classifier');
// 3. Without the current model: the features are the retrieval path's own (plus the new classifier's), whatever
// model.json says.
run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'answer-model', 'export-features.ts'), FEATURES, MODEL_DIR], 'exporting the features');
const meta = JSON.parse(fs.readFileSync(`${FEATURES}.meta.json`, 'utf8'));
run(PY, [path.join(ROOT, 'models', 'answer-model', 'training', 'fit_answer_model.py'), FEATURES, OUT, '--rerank-k', String(meta.rerankK), ...(meta.reranker ? ['--reranker', meta.reranker] : []), ...(meta.passageClassifier ? ['--passage-classifier', meta.passageClassifier] : []), ...(meta.embeddingClassifier ? ['--embedding-classifier', meta.embeddingClassifier] : []), '--labels', meta.labels ?? 'original'], 'fitting');
run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'build-manifest.ts')], 'rebuilding models/manifest.json');
