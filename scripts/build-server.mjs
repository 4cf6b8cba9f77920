// `npm run build:server`: precompiles the `moneta` command (server/cli/main.ts and everything it imports) with esbuild
// into dist/ (gitignored), so `npm start` runs plain JavaScript instead of transpiling TypeScript through tsx's loader
// on every start. npm packages stay external (loaded from node_modules as usual); code splitting keeps each
// `import()` a separate chunk, so heavy modules only some commands need (transformers, TensorFlow.js) still load lazily.
// `npx moneta` / bin/moneta.mjs keep running the sources through tsx: nothing here can go stale for them.
// `--outdir <dir>` builds elsewhere (tests); it must lie inside the checkout, whose root the config finds upwards.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = at >= 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist');
if (path.relative(root, outdir).startsWith('..') || outdir === root) throw new Error(`--outdir must be a folder inside ${root}`);

// Chunk names carry content hashes: start clean so old chunks do not pile up.
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The worker pool's entry (server/workers/pool.ts loads worker.mjs from beside the bundle).
  entryPoints: { moneta: 'server/cli/main.ts', worker: 'server/workers/worker.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Stack traces in logs point at the TypeScript sources when run with --enable-source-maps (as `npm start` does).
  sourcemap: true,
  logLevel: 'warning',
});
