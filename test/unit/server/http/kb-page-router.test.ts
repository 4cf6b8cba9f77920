/** The read-only passage pages behind the widget's source links: real knowledge files, escaped HTML, 404s, no inline script. */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../../server/config/index.ts';
import { createKbPageRouter, markdownToHtml } from '../../../../server/http/kb-page-router.ts';

let server: Server;
let url: string;
let hostileDir: string;
let hostileServer: Server;
let hostileUrl: string;

async function listen(app: express.Express): Promise<[Server, string]> {
  const s = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  const app = express();
  app.use(createKbPageRouter({ dir: path.join(PROJECT_ROOT, 'knowledge') }));
  [server, url] = await listen(app);
  // A passage with hostile content: markup, a script and a javascript: link must come out inert.
  hostileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kb-'));
  fs.mkdirSync(path.join(hostileDir, 'x'));
  fs.writeFileSync(
    path.join(hostileDir, 'x', 'evil.md'),
    '---\nid: evil-passage\ntitle: "<script>alert(1)</script> Fees"\ntopic: investing\ntags: [x]\nintents: []\nlast_reviewed: 2026-01-01\n---\n' +
      'Text with <img src=x onerror=alert(2)> and [a link](javascript:alert(3)) and [ok](https://bank.example/help).\n',
  );
  const hostile = express();
  hostile.use(createKbPageRouter({ dir: hostileDir }));
  [hostileServer, hostileUrl] = await listen(hostile);
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => hostileServer.close(r));
  fs.rmSync(hostileDir, { recursive: true, force: true });
});

describe('GET /kb/:id', () => {
  it('renders a real passage as an HTML page with its title, text and review date', async () => {
    const res = await fetch(`${url}/kb/inv-etf-what-is`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<h1>What is an ETF (exchange-traded fund)?</h1>');
    expect(html).toMatch(/<p>[^<]*exchange-traded fund/i);
    expect(html).toMatch(/Last reviewed \d{4}-\d{2}-\d{2}\./);
    expect(html).not.toMatch(/<script|style=|<style/i); // nothing a strict CSP would block
    const css = await fetch(`${url}/kb/assets/passage.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await fetch(`${url}/kb/no-such-passage`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Article not found');
  });

  it('escapes everything from the passage; only http(s)/mailto/tel links survive', async () => {
    const res = await fetch(`${hostileUrl}/kb/evil-passage`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).not.toMatch(/<script>alert|<img|javascript:/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Fees');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('<a href="https://bank.example/help" rel="noopener noreferrer">ok</a>');
  });
});

describe('markdownToHtml', () => {
  it('renders the subset: bold, italics, code, lists', () => {
    expect(markdownToHtml('**a** _b_ `c`\n\n- one\n- two')).toBe('<p><strong>a</strong> <em>b</em> <code>c</code></p>\n<ul><li>one</li><li>two</li></ul>');
  });
});
