/**
 * Builds the transformer NLU parts from the config: one shared model load serving the intent classifier, the sentence
 * embedder and the out-of-scope stage (thresholds from the model folder). When the folder also ships the optional
 * TF-IDF linear member (`moneta.json` → `ensemble`), the classifier is the served ensemble of both. Used by bootstrap,
 * the CLI and the benchmarks.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MonetaConfig } from '../config/index.ts';
import { EnsembleIntentClassifier } from './ensemble-intent-classifier.ts';
import { OutOfScopeStage, type OutOfScopeThresholds } from './out-of-scope-stage.ts';
import type { NluStage } from './pipeline.ts';
import { TfidfLinearModel } from './tfidf-linear-model.ts';
import { TransformerEmbedder } from './transformer-embedder.ts';
import { TransformerIntentClassifier } from './transformer-intent-classifier.ts';
import { TransformerIntentModel } from './transformer-intent-model.ts';
import type { IntentClassifier } from './types.ts';
import type { WorkerPool } from '../workers/pool.ts';

/** `moneta.json` → `ensemble`: the optional linear member and what was tuned for the combination. */
export interface EnsembleMetadata {
  /** The linear member's JSON file, relative to the model folder. */
  member: string;
  /** w in p ∝ transformer^w · linear^(1−w). */
  transformerWeight: number;
  /** Out-of-scope thresholds tuned on the ensemble's probabilities (the transformer alone uses `outOfScope`). */
  outOfScope: OutOfScopeThresholds;
}

/** The loaded transformer NLU. `dispose()` releases the one model session (and the linear member, if loaded). */
export interface TransformerNlu {
  model: TransformerIntentModel;
  /** The served classifier: the ensemble when the folder has its linear member (and it is not turned off), else `transformer`. */
  classifier: IntentClassifier;
  /** The transformer alone (shares the session with `classifier`). */
  transformer: TransformerIntentClassifier;
  /** The linear member, when loaded. */
  linear: TfidfLinearModel | undefined;
  /** Undefined when the model folder has no `last_hidden_state` output. */
  embedder: TransformerEmbedder | undefined;
  /** Stages to run after classification (the out-of-scope stage when the folder has Moneta thresholds). */
  stages: NluStage[];
  dispose(): Promise<void>;
}

/** Which classifier to build: `auto` = the ensemble when its files exist, `off` = the transformer alone. */
export type EnsembleMode = 'auto' | 'off';

/** Reads `moneta.json` → `ensemble` when present and its member file exists (absent files → transformer only). */
export function ensembleMetadata(modelDir: string): EnsembleMetadata | undefined {
  const file = path.join(modelDir, 'moneta.json');
  if (!fs.existsSync(file)) return undefined;
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as { ensemble?: EnsembleMetadata | null };
  const e = meta.ensemble;
  if (!e || !fs.existsSync(path.join(modelDir, e.member))) return undefined;
  return e;
}

/**
 * Loads `config.nlu.modelDir` once (fails fast with a fix-it message when files are missing) and wires the parts.
 */
export async function loadTransformerNlu(
  nlu: Pick<MonetaConfig['nlu'], 'modelDir' | 'dtype'> & { ensemble?: EnsembleMode },
  options: { offload?: WorkerPool | undefined } = {},
): Promise<TransformerNlu> {
  const model = await TransformerIntentModel.load(nlu.modelDir, { dtype: nlu.dtype, offload: options.offload });
  const transformer = new TransformerIntentClassifier(model);
  let embedder: TransformerEmbedder | undefined;
  try {
    embedder = await TransformerEmbedder.create(model);
  } catch {
    embedder = undefined; // a classification-only export: no neighbour check, no embeddings
  }
  const ens = (nlu.ensemble ?? 'auto') === 'auto' ? ensembleMetadata(model.dir) : undefined;
  let linear: TfidfLinearModel | undefined;
  let classifier: IntentClassifier = transformer;
  if (ens) {
    linear = TfidfLinearModel.load(path.join(model.dir, ens.member));
    classifier = new EnsembleIntentClassifier(transformer, linear, ens.transformerWeight);
  }
  const oos = OutOfScopeStage.fromModelDir(model.dir, embedder, ens?.outOfScope);
  return {
    model,
    classifier,
    transformer,
    linear,
    embedder,
    stages: oos ? [oos] : [],
    dispose: async () => {
      linear?.dispose();
      await model.dispose();
    },
  };
}
