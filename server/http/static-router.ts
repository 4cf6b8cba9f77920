/** Serves the widget script, the demo pages and the rasa-webchat bundle; a friendly 503 when the widget is not built. */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { PROJECT_ROOT } from '../config/index.ts';

/** Options for `createStaticRouter`. */
export interface StaticRouterOptions {
  /** Checkout root holding web/ and node_modules/ (default: the project root). */
  root?: string;
  /** Serve the widget's source map (`/widget/widget.js.map`); off in production (`config.security.serveSourceMaps`). */
  serveSourceMaps?: boolean;
}

interface StaticFile {
  route: string;
  file: string;
  type: string;
  /** Script loaded by other sites' pages. */
  crossOrigin: boolean;
  missing: string;
}

/**
 * The widget loader is embedded by other origins with a plain `<script>` tag: it is sent with
 * `Cross-Origin-Resource-Policy: cross-origin` (so host pages using COEP can load it) and CORS headers (set by the app's
 * cors middleware), and a short cache lifetime because its URL is not content-hashed.
 */
export function createStaticRouter(options: StaticRouterOptions = {}): Router {
  const root = options.root ?? PROJECT_ROOT;
  const files: StaticFile[] = [
    { route: '/widget.js', file: 'web/dist/widget.js', type: 'text/javascript; charset=utf-8', crossOrigin: true, missing: 'The chat widget is not built yet. Run `npm run build:web`, then reload.' },
    { route: '/', file: 'web/demo/index.html', type: 'text/html; charset=utf-8', crossOrigin: false, missing: 'The demo page is not available yet (web/demo/index.html is missing). The chat API is running: see /healthz.' },
    { route: '/rasa-demo.html', file: 'web/demo/rasa-demo.html', type: 'text/html; charset=utf-8', crossOrigin: false, missing: 'The rasa-webchat demo page is not available yet (web/demo/rasa-demo.html is missing).' },
    // The rasa-webchat set-up as a file of its own: the pages' CSP allows no inline script.
    { route: '/rasa-demo.js', file: 'web/demo/rasa-demo.js', type: 'text/javascript; charset=utf-8', crossOrigin: false, missing: 'web/demo/rasa-demo.js is missing.' },
    { route: '/vendor/rasa-webchat.js', file: 'node_modules/rasa-webchat/lib/index.js', type: 'text/javascript; charset=utf-8', crossOrigin: true, missing: 'rasa-webchat is not installed. Run `npm install`.' },
  ];
  const router = express.Router();
  for (const f of files) {
    const absolute = path.join(root, f.file);
    router.get(f.route, (_req, res, next) => {
      if (!fs.existsSync(absolute)) {
        res.status(503).type('text/plain; charset=utf-8').setHeader('retry-after', '30');
        res.send(f.missing);
        return;
      }
      res.setHeader('x-content-type-options', 'nosniff');
      if (f.crossOrigin) res.setHeader('cross-origin-resource-policy', 'cross-origin');
      res.sendFile(absolute, { headers: { 'content-type': f.type }, maxAge: f.crossOrigin ? 300_000 : 0 }, (err) => {
        if (err) next(err);
      });
    });
  }
  // Source maps (outside production) and any extra chunks the widget build emits.
  if (options.serveSourceMaps === false) {
    router.use('/widget', (req, _res, next) => {
      if (req.path.endsWith('.map')) next('router');
      else next();
    });
  }
  router.use('/widget', express.static(path.join(root, 'web', 'dist'), { fallthrough: true, maxAge: 300_000, setHeaders: (res) => res.setHeader('cross-origin-resource-policy', 'cross-origin') }));
  return router;
}
