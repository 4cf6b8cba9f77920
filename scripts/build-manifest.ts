// `npm run build:manifest`: writes models/manifest.json, the SHA-256 of every committed model file the server loads
// (server/artifacts.ts lists them), checked at start-up. Run it after rebuilding a model. `--check` only compares.
import fs from 'node:fs';
import { buildManifest, MANIFEST_PATH } from '../server/artifacts.ts';

const manifest = await buildManifest();
const text = `${JSON.stringify(manifest, null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = fs.existsSync(MANIFEST_PATH) ? fs.readFileSync(MANIFEST_PATH, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('models/manifest.json is out of date; run npm run build:manifest\n');
    process.exit(1);
  }
  process.stdout.write('models/manifest.json matches the committed models\n');
} else {
  fs.writeFileSync(MANIFEST_PATH, text);
  const files = Object.values(manifest.artifacts).reduce((n, a) => n + Object.keys(a.files).length, 0);
  process.stdout.write(`wrote models/manifest.json: ${Object.keys(manifest.artifacts).length} artifacts, ${files} files\n`);
}
