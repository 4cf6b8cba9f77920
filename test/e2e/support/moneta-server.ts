/** Starts the real Moneta app (default dependencies, SQLite session store in a temp dir) on a free port for browser tests. */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type MonetaApp } from '../../../server/app.ts';
import { buildDefaultDeps } from '../../../server/bootstrap.ts';
import { loadConfig, PROJECT_ROOT, type MonetaConfigInput } from '../../../server/config/index.ts';
import { createSilentLogger } from '../../../server/observability/logger.ts';
import type { SessionStore } from '../../../server/session/types.ts';
import type { Skill } from '../../../server/skills/skill.ts';

/** A running server for one test file. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  app: MonetaApp;
  /** The app's session store (to check what a journey stored). */
  store: SessionStore;
  /** Temp data dir holding the SQLite session file. */
  dataDir: string;
  /** Stops the server (graceful) and, unless `keepData`, deletes the data dir. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Options for {@link startMoneta}. */
export interface StartMonetaOptions {
  /** Config overrides (port, host, data dir and log level are set by the harness). */
  config?: MonetaConfigInput;
  /** Skills added to the default ones (test fixtures such as a small questionnaire). */
  extraSkills?: Skill[];
  /** Reuse a data dir (to restart a server on the same SQLite file). */
  dataDir?: string;
  /** Listen on this port (to restart a server where clients expect it); default 0, any free port. */
  port?: number;
}

/**
 * Builds the app exactly as `npm start` does (`buildDefaultDeps` + `createApp`), with a temp data dir, quiet logs and
 * port 0, and waits until it is ready (/healthz OK).
 */
export async function startMoneta(options: StartMonetaOptions = {}): Promise<TestServer> {
  const overrides = options.config ?? {};
  const dir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'moneta-e2e-'));
  // A private copy of the knowledge index: several test files start servers at once, and a stale or missing shared
  // index would otherwise be rebuilt by all of them into the same directory.
  const indexDir = path.join(dir, 'knowledge-index');
  const shared = path.join(PROJECT_ROOT, 'knowledge', '.index');
  if (!existsSync(indexDir) && existsSync(path.join(shared, 'manifest.json'))) cpSync(shared, indexDir, { recursive: true });
  const config = loadConfig({}, {
    ...overrides,
    knowledge: { indexDir, ...(overrides.knowledge ?? {}) },
    dataDir: dir,
    server: { port: 0, host: '127.0.0.1', shutdownGraceMs: 2000, ...(overrides.server ?? {}) },
    log: { level: 'silent' },
  });
  const logger = createSilentLogger();
  const deps = await buildDefaultDeps(config, logger);
  const app = createApp({ config, logger, ...deps, skills: [...deps.skills, ...(options.extraSkills ?? [])] });
  const { port } = await app.start(options.port ?? 0, '127.0.0.1');
  await deps.ready;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    store: deps.sessionStore,
    dataDir: dir,
    async close(options = {}) {
      await app.close();
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
