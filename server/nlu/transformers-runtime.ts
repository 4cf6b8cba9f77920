/** The one place that configures @huggingface/transformers for Moneta: local files only, no network, no hub cache. */
import path from 'node:path';
import { env } from '@huggingface/transformers';

let configuredRoot: string | undefined;

/**
 * Makes every later model/tokenizer load offline: `allowRemoteModels = false` (a missing file fails at once instead
 * of trying the Hub), `useFSCache = false` (no probing of the library's own cache folder) and `localModelPath` set
 * to the parent folder of the model directory. Idempotent; call before the first load.
 */
export function configureOfflineTransformers(modelDir: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  const root = path.dirname(path.resolve(modelDir));
  if (configuredRoot !== root) {
    env.localModelPath = root + path.sep;
    configuredRoot = root;
  }
}
