/**
 * Builds the transformer NLU parts from the config: one shared model load serving the intent classifier, the sentence
 * embedder and the out-of-scope stage (thresholds from the model folder). Used by bootstrap, the CLI and the bench.
 */
import type { MonetaConfig } from '../config/index.ts';
import { OutOfScopeStage } from './out-of-scope-stage.ts';
import type { NluStage } from './pipeline.ts';
import { TransformerEmbedder } from './transformer-embedder.ts';
import { TransformerIntentClassifier } from './transformer-intent-classifier.ts';
import { TransformerIntentModel } from './transformer-intent-model.ts';

/** The loaded transformer NLU. `dispose()` releases the one model session. */
export interface TransformerNlu {
  model: TransformerIntentModel;
  classifier: TransformerIntentClassifier;
  /** Undefined when the model folder has no `last_hidden_state` output. */
  embedder: TransformerEmbedder | undefined;
  /** Stages to run after classification (the out-of-scope stage when the folder has Moneta thresholds). */
  stages: NluStage[];
  dispose(): Promise<void>;
}

/**
 * Loads `config.nlu.modelDir` once (fails fast with a fix-it message when files are missing) and wires the parts.
 */
export async function loadTransformerNlu(nlu: Pick<MonetaConfig['nlu'], 'modelDir' | 'dtype'>): Promise<TransformerNlu> {
  const model = await TransformerIntentModel.load(nlu.modelDir, { dtype: nlu.dtype });
  const classifier = new TransformerIntentClassifier(model);
  let embedder: TransformerEmbedder | undefined;
  try {
    embedder = await TransformerEmbedder.create(model);
  } catch {
    embedder = undefined; // a classification-only export: no neighbour check, no embeddings
  }
  const oos = OutOfScopeStage.fromModelDir(model.dir, embedder);
  return {
    model,
    classifier,
    embedder,
    stages: oos ? [oos] : [],
    dispose: () => model.dispose(),
  };
}
