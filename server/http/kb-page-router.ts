/**
 * Read-only knowledge passage pages (`GET /kb/<id>`), the target of the widget's source links (issue 12): the passage's
 * Markdown rendered on the server with the widget's own parser (web/src/markdown.ts) into escaped HTML — every text
 * node escaped, links only through `safeHref` — with no inline script or style, so a strict CSP holds. Unknown ids 404.
 */
import express, { type Router } from 'express';
import { parseMarkdown, safeHref, type Block, type Inline } from '../../web/src/markdown.ts';
import { parsePassages, readKnowledgeFiles, type Passage } from '../rag/ingest.ts';

/** Options for {@link createKbPageRouter}. */
export interface KbPageRouterOptions {
  /** The knowledge directory (`config.knowledge.dir`). */
  dir: string;
  /** Name shown in the page title and header. */
  siteName?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function inlineHtml(nodes: readonly Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.type) {
        case 'text':
          return escapeHtml(n.text);
        case 'br':
          return '<br>';
        case 'code':
          return `<code>${escapeHtml(n.text)}</code>`;
        case 'strong':
          return `<strong>${inlineHtml(n.children)}</strong>`;
        case 'em':
          return `<em>${inlineHtml(n.children)}</em>`;
        case 'link': {
          const href = safeHref(n.href);
          const inner = inlineHtml(n.children);
          return href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${inner}</a>` : inner;
        }
      }
    })
    .join('');
}

/** Renders Markdown (the widget's subset) as safe HTML. */
export function markdownToHtml(markdown: string): string {
  const blocks: Block[] = parseMarkdown(markdown);
  return blocks
    .map((b) =>
      b.type === 'paragraph'
        ? `<p>${inlineHtml(b.children)}</p>`
        : `<${b.ordered ? 'ol' : 'ul'}>${b.items.map((it) => `<li>${inlineHtml(it)}</li>`).join('')}</${b.ordered ? 'ol' : 'ul'}>`,
    )
    .join('\n');
}

const STYLESHEET = `body{margin:0;font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1f2b;background:#fff}
main{max-width:42rem;margin:0 auto;padding:1.25rem 1rem 3rem}
header{border-bottom:1px solid #7b8598;padding:.75rem 1rem;font-weight:600;color:#0b5cad}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0 1rem}
a{color:#0b5cad}
code{background:#eef1f6;padding:0 .25em;border-radius:4px}
.meta{color:#4f5869;font-size:.875rem;margin-top:2rem;border-top:1px solid #7b8598;padding-top:.75rem}`;

function page(siteName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(siteName)}</title>
<link rel="stylesheet" href="/kb/assets/passage.css">
</head>
<body>
<header>${escapeHtml(siteName)} · Help article</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** The router: `/kb/assets/passage.css` and `/kb/:id`. Passages are read once, when the router is created. */
export function createKbPageRouter(options: KbPageRouterOptions): Router {
  const siteName = options.siteName ?? 'Moneta Bank';
  let passages: Map<string, Passage>;
  try {
    passages = new Map(parsePassages(readKnowledgeFiles(options.dir)).map((p) => [p.id, p]));
  } catch {
    passages = new Map(); // no knowledge folder: every id is unknown (the knowledge base reports the problem itself)
  }
  const router = express.Router();
  router.get('/kb/assets/passage.css', (_req, res) => {
    res.type('text/css; charset=utf-8').setHeader('cache-control', 'public, max-age=3600');
    res.send(STYLESHEET);
  });
  router.get('/kb/:id', (req, res) => {
    const passage = passages.get(String(req.params.id));
    res.setHeader('x-content-type-options', 'nosniff');
    if (!passage) {
      res.status(404).type('text/html; charset=utf-8');
      res.send(page(siteName, 'Article not found', '<h1>Article not found</h1><p>This help article does not exist or has been removed.</p>'));
      return;
    }
    const reviewed = typeof passage.metadata.lastReviewed === 'string' ? passage.metadata.lastReviewed : '';
    const body = `<article><h1>${escapeHtml(passage.title)}</h1>\n${markdownToHtml(passage.text)}\n${
      reviewed ? `<p class="meta">Last reviewed ${escapeHtml(reviewed)}.</p>` : ''
    }</article>`;
    res.type('text/html; charset=utf-8').setHeader('cache-control', 'public, max-age=300');
    res.send(page(siteName, passage.title, body));
  });
  return router;
}
