/** Vite library build of the chat widget: one self-contained IIFE script, web/dist/widget.js (`npm run build:web`). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  root: webDir,
  // Library mode leaves process.env.NODE_ENV for a downstream bundler; this script runs directly in browsers.
  define: {
    'process.env.NODE_ENV': JSON.stringify('production'),
    __MONETA_WIDGET_VERSION__: JSON.stringify(pkg.version),
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: true,
    // Everything (Preact, socket.io-client, Chartist, CSS) is bundled: the embed is one <script> tag.
    lib: {
      entry: 'src/main.tsx',
      name: 'MonetaWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
    reportCompressedSize: true,
  },
});
