/**
 * Committed model artifacts and their SHA-256 manifest (models/manifest.json): which files each model loads, the
 * command that rebuilds them, and the check run at start-up so a corrupted or half-copied model stops the server with a
 * message naming the file and the fix, instead of loading silently or failing later on a request.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { MonetaConfig } from './config/index.ts';
import { PROJECT_ROOT } from './config/index.ts';
import { ModelNotReadyError } from './errors.ts';

/** One committed model: its folder (or file) in the repository, the files the server loads from it, how to rebuild it. */
export interface ArtifactSpec {
  name: string;
  /** Repository-relative folder (or single file) of the committed artifact. */
  path: string;
  /** Files inside `path` that are loaded (repository-relative to `path`; empty when `path` is itself the file). */
  files: string[];
  rebuild: string;
  /** The env variable that points the server at another copy. */
  variable: string;
}

/** The committed artifacts. The manifest hashes exactly these files; `npm run build:manifest` regenerates it. */
export const ARTIFACTS: ArtifactSpec[] = [
  {
    name: 'intent',
    path: 'models/intent',
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tfidf-linear.json', 'tfidf-linear.bin', 'knn.bin'],
    rebuild: 'npm run train:intent',
    variable: 'MONETA_INTENT_MODEL_DIR',
  },
  {
    name: 'retrieval',
    path: 'models/retrieval',
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'onnx/model.onnx'],
    rebuild: 'npm run train:retrieval',
    variable: 'MONETA_RETRIEVAL_MODEL_DIR',
  },
  {
    name: 'reranker',
    path: 'models/reranker',
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'moneta.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'],
    rebuild: 'npm run train:reranker',
    variable: 'MONETA_RERANKER_MODEL_DIR',
  },
  {
    name: 'answer-model',
    path: 'models/answer-model',
    files: ['model.json', 'passage-classifier.json', 'passage-classifier.bin', 'passage-classifier-embedding.json', 'passage-classifier-embedding.bin'],
    rebuild: 'npm run train:answer-model',
    variable: 'MONETA_ANSWER_MODEL_DIR',
  },
  ...['german', 'taiwan'].map((name) => ({
    name: `credit-${name}`,
    path: `models/credit/${name}`,
    files: ['model.json', 'weights.bin', 'calibration.json', 'preprocessing.json', 'schema.json', 'version.json', 'explanation.json', 'policy.json', 'check.json'],
    rebuild: 'npm run train:credit',
    variable: 'MONETA_CREDIT_MODELS_DIR',
  })),
  { name: 'portfolio-cma', path: 'models/portfolio/cma.json', files: [], rebuild: 'npm run build:cma', variable: 'MONETA_PORTFOLIO_CMA' },
];

/** models/manifest.json: per artifact, each file's SHA-256 and size. */
export interface ArtifactManifest {
  algorithm: 'sha256';
  /** How to regenerate this file. */
  regenerate: string;
  artifacts: Record<string, { path: string; rebuild: string; files: Record<string, { sha256: string; bytes: number }> }>;
}

/** Where the manifest lives. */
export const MANIFEST_PATH = path.join(PROJECT_ROOT, 'models', 'manifest.json');

/** SHA-256 of a file, streamed (no whole-file buffer; off the event loop's critical path in chunks). */
export function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        bytes += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

/** Builds the manifest from the committed files (`npm run build:manifest`). Artifacts whose folder is absent are skipped. */
export async function buildManifest(root = PROJECT_ROOT): Promise<ArtifactManifest> {
  const artifacts: ArtifactManifest['artifacts'] = {};
  for (const spec of ARTIFACTS) {
    const base = path.join(root, spec.path);
    const files: Record<string, { sha256: string; bytes: number }> = {};
    const list = spec.files.length ? spec.files : [''];
    const present = await Promise.all(list.map((f) => fs.access(path.join(base, f)).then(() => true, () => false)));
    if (!present.some(Boolean)) continue;
    for (const [k, f] of list.entries()) {
      if (!present[k]) throw new Error(`${path.join(spec.path, f)} is missing; rebuild it with \`${spec.rebuild}\` before building the manifest.`);
      files[f === '' ? path.basename(spec.path) : f] = await sha256File(path.join(base, f));
    }
    artifacts[spec.name] = { path: spec.path, rebuild: spec.rebuild, files };
  }
  return { algorithm: 'sha256', regenerate: 'npm run build:manifest', artifacts };
}

/** Where the running config loads each artifact from, for the artifacts this config uses. */
export function artifactLocations(config: MonetaConfig): Array<{ spec: ArtifactSpec; location: string }> {
  const byName = new Map(ARTIFACTS.map((a) => [a.name, a]));
  const out: Array<{ spec: ArtifactSpec; location: string }> = [];
  const add = (name: string, location: string): void => {
    const spec = byName.get(name);
    if (spec) out.push({ spec, location: path.resolve(location) });
  };
  if (config.nlu.classifier === 'transformer') add('intent', config.nlu.modelDir);
  if (config.knowledge.embedder !== 'hashed') add('retrieval', config.knowledge.retrievalModelDir);
  if (config.knowledge.rerankerModelDir !== 'off') add('reranker', config.knowledge.rerankerModelDir);
  if (config.knowledge.answerModelDir !== 'off') add('answer-model', config.knowledge.answerModelDir);
  for (const name of ['german', 'taiwan']) add(`credit-${name}`, path.join(config.credit.modelsDir, name));
  add('portfolio-cma', config.portfolio.cmaPath);
  return out;
}

/** A path for messages: repository-relative when inside the checkout, else relative to the variable that set it. */
function shown(spec: ArtifactSpec, location: string, file: string): string {
  const full = file ? path.join(location, file) : location;
  const rel = path.relative(PROJECT_ROOT, full);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  return file ? `${spec.variable}/${file}` : spec.variable;
}

/**
 * Checks every file the configured models load against models/manifest.json. Throws ModelNotReadyError naming the
 * file (repository-relative) and the command that rebuilds it. Optional artifacts (retrieval, reranker) whose folder
 * is absent are skipped: their loaders fall back as documented. `verify: 'off'` skips the check (own models).
 */
export async function verifyArtifacts(config: MonetaConfig, manifestPath = MANIFEST_PATH): Promise<void> {
  if (config.models.verify === 'off') return;
  let manifest: ArtifactManifest;
  try {
    manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as ArtifactManifest;
  } catch (error) {
    throw new ModelNotReadyError(`${path.relative(PROJECT_ROOT, manifestPath)} is missing or unreadable; regenerate it with \`npm run build:manifest\` (or set MONETA_VERIFY_MODELS=off).`, { cause: error });
  }
  for (const { spec, location } of artifactLocations(config)) {
    const entry = manifest.artifacts[spec.name];
    const exists = await fs.access(location).then(() => true, () => false);
    if (!exists && (spec.name === 'retrieval' || spec.name === 'reranker')) continue;
    if (!entry) continue;
    for (const [file, expected] of Object.entries(entry.files)) {
      const inside = spec.files.length ? file : '';
      let actual: { sha256: string; bytes: number };
      try {
        actual = await sha256File(inside ? path.join(location, inside) : location);
      } catch (error) {
        throw new ModelNotReadyError(`Model file ${shown(spec, location, inside)} is missing or unreadable. Rebuild it with \`${spec.rebuild}\`.`, { cause: error });
      }
      if (actual.sha256 !== expected.sha256) {
        throw new ModelNotReadyError(
          `Model file ${shown(spec, location, inside)} does not match its SHA-256 in models/manifest.json (corrupted, truncated or replaced: ${actual.bytes} bytes, expected ${expected.bytes}). ` +
            `Rebuild it with \`${spec.rebuild}\` and then \`npm run build:manifest\`, or restore the committed file (git checkout -- ${spec.path}). ` +
            `To run a different model on purpose, set MONETA_VERIFY_MODELS=off.`,
        );
      }
    }
  }
}
