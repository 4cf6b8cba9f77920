/** Launches Debian's headless Chromium through playwright-core with a fresh profile, for the browser tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Chromium binary (Debian package `chromium`); override with MONETA_CHROMIUM. */
export const CHROMIUM_PATH = process.env.MONETA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, deterministic headless run (no network side traffic, no first-run UI). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser with its own temporary profile. */
export interface TestBrowser {
  context: BrowserContext;
  /** Opens a page that records uncaught page errors (a test can assert there were none). */
  newPage(): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh user-data dir (deleted on close). */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'moneta-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    async newPage() {
      const page = (await context.newPage()) as Page & { errors: string[] };
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
