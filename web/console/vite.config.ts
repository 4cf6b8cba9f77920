/** Vite build of the staff console (`npm run build:web`): a normal app entry served at /console, beside the widget. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const consoleDir = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: consoleDir,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  publicDir: false,
  logLevel: 'warn',
  build: {
    // Inside the widget's output folder, which the widget build empties first: build:web runs the widget, then this.
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Charts make the console larger than the widget; size matters less for staff on the bank's network.
    chunkSizeWarningLimit: 600,
    // No inline module-preload polyfill: the console's CSP forbids inline scripts.
    modulePreload: { polyfill: false },
  },
});
