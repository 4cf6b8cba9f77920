#!/usr/bin/env node
// `npm run train:reranker`: reproduces models/reranker/ (seeded). Exports the knowledge passages (title + lead as the
// server builds it, alternate questions, tags/intents) and the served retriever's top candidates for every title and
// alternate question (the hard negatives) from Node, fetches GloVe on demand into the shared gitignored cache, trains
// and exports with Debian's PyTorch (nice -n 10, 1 thread), then checks in Node that transformers.js reproduces
// torch's pair ids and logits. Needs /usr/bin/python3 with python3-torch (+ libopenblas0-pthread). Never reads
// knowledge/eval/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGloveCache } from './lib/glove-cache.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.env.MONETA_RERANKER_OUT ?? path.join(ROOT, 'models', 'reranker');
const CACHE = path.join(ROOT, 'models', 'intent', '.train-cache');
const PY = process.env.MONETA_PYTHON ?? '/usr/bin/python3';
const t0 = Date.now();
const step = (msg) => process.stderr.write(`\n[train:reranker ${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const fail = (msg) => {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(1);
};

const probe = spawnSync(PY, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  fail(`${PY} cannot import torch/numpy. On Debian 12: apt-get update && apt-get install -y python3-torch ` +
    'libopenblas0-pthread (or set MONETA_PYTHON).\n' + (probe.stderr ?? ''));
}
step(`python ${PY}, torch ${probe.stdout.trim()}`);
ensureGloveCache(CACHE, step);

step('exporting passages and mining the served retriever\'s candidates (knowledge/eval/ is never read)');
const work = path.join(ROOT, 'models', 'reranker', '.train-cache');
fs.mkdirSync(work, { recursive: true });
const kbJson = path.join(work, 'kb-rerank.json');
const exp = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'export-reranker-training-data.ts')], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (exp.status !== 0) fail('exporting the training data failed (see above)');
fs.writeFileSync(kbJson, exp.stdout);

const config = fs.readFileSync(path.join(ROOT, 'models', 'reranker', 'training', 'final-config.json'), 'utf8');
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', TORCH_THREADS: process.env.TORCH_THREADS ?? '1', PYTHONHASHSEED: '0' };
step('training (nice -n 10)');
const train = spawnSync('nice', ['-n', '10', PY, path.join(ROOT, 'models', 'reranker', 'training', 'train_reranker.py'),
  '--config', config, '--kb', kbJson, '--glove-cache', CACHE, '--out', OUT], { stdio: 'inherit', env });
if (train.status !== 0) fail('training failed (see above)');

step('checking transformers.js parity');
const parity = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'check-reranker-parity.ts'), OUT], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (parity.status !== 0) fail('parity check failed: the ONNX export or tokenizer.json does not match torch');
const metrics = JSON.parse(fs.readFileSync(path.join(OUT, 'metrics.json'), 'utf8'));
metrics.parity = JSON.parse(parity.stdout);
metrics.total_seconds = Math.round((Date.now() - t0) / 1000);
metrics.files = Object.fromEntries(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'onnx/model.onnx']
  .filter((f) => fs.existsSync(path.join(OUT, f))).map((f) => [f, fs.statSync(path.join(OUT, f)).size]));
fs.writeFileSync(path.join(OUT, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
step(`done in ${metrics.total_seconds}s: ${JSON.stringify(metrics.parity)}`);
