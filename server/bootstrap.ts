/**
 * Builds Moneta's default dependencies from the config: session store, NLU pipeline, skills, feature routers, hand-off.
 * Feature engineers: construct your skill / router in the marked places below (minimal edits; others edit this too).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { verifyArtifacts } from './artifacts.ts';
import type { Router } from 'express';
import type { AppDeps } from './app.ts';
import { PROJECT_ROOT, sessionStoreKind, type MonetaConfig } from './config/index.ts';
import { openEngines, type Engines } from './db/engines.ts';
import { PostgresSessionStore } from './session/postgres-session-store.ts';
import { ConfigError } from './errors.ts';
import { handoffContact, WebhookHandoffNotifier } from './dialogue/handoff.ts';
import { findUnroutedIntents } from './dialogue/policy.ts';
import { RuleEntityExtractor } from './nlu/entities/index.ts';
import { KeywordIntentClassifier } from './nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline, type NluStage } from './nlu/pipeline.ts';
import { loadTransformerNlu } from './nlu/transformer-nlu.ts';
import type { Embedder, IntentClassifier } from './nlu/types.ts';
import type { MonetaLogger } from './observability/logger.ts';
import { MemorySessionStore } from './session/memory-session-store.ts';
import { SqliteSessionStore } from './session/sqlite-session-store.ts';
import type { SessionStore } from './session/types.ts';
import { ConversationSkill } from './skills/conversation/conversation-skill.ts';
import { CreditAssessmentSkill } from './skills/credit/credit-assessment-skill.ts';
import { CallbackRequestSkill } from './skills/handoff/callback-skill.ts';
import { PostgresCreditAuditLog, SqliteCreditAuditLog } from './skills/credit/audit-log.ts';
import { CreditService } from './skills/credit/credit-service.ts';
import { createKbPageRouter } from './http/kb-page-router.ts';
import { createCreditRouter } from './http/credit-router.ts';
import { PortfolioAdviceSkill } from './skills/portfolio/portfolio-advice-skill.ts';
import { createPortfolioAdvisorService } from './skills/portfolio/portfolio-advisor-service.ts';
import { createPortfolioAdviceRouter } from './http/portfolio-advice-router.ts';
import { createPortfolioRouter } from './http/portfolio-router.ts';
import { createKnowledgeSkill } from './skills/knowledge/knowledge-skill.ts';
import { startKnowledgeBase } from './rag/knowledge-base.ts';
import { loadConfiguredReranker } from './rag/reranker.ts';
import { createKnowledgeRouter } from './http/knowledge-router.ts';
import { createNluRouter } from './http/nlu-router.ts';
import type { Skill } from './skills/skill.ts';
import { createWorkerPool, type WorkerPool } from './workers/pool.ts';
import { createStaffConsole } from './console/staff-console.ts';

/**
 * The session store chosen by `sessionStoreKind(config)` (SQLite file under `config.dataDir` by default; PostgreSQL
 * needs the engines opened by `openEngines`).
 */
export function buildSessionStore(config: MonetaConfig, engines?: Pick<Engines, 'postgres'>, logger?: MonetaLogger['logger']): SessionStore {
  const kind = sessionStoreKind(config);
  if (kind === 'memory') return new MemorySessionStore();
  if (kind === 'postgres') {
    if (!engines?.postgres) throw new ConfigError('MONETA_DATABASE_URL: the PostgreSQL session store needs the database opened first.');
    return new PostgresSessionStore({ pool: engines.postgres.pool });
  }
  return new SqliteSessionStore({
    file: path.resolve(config.dataDir, 'sessions.sqlite'),
    // An upgraded file is reported: older socket conversations cannot be resumed any more (docs/security.md).
    onMigrate: (migration) => logger?.warn({ migration }, 'session database upgraded: conversations now have owners'),
  });
}

/**
 * Creates `dir` if needed and proves it writable, or throws a ConfigError naming MONETA_DATA_DIR, the reason and the fix
 * (SQLite would otherwise fail later with a bare EACCES / "unable to open database file").
 */
export async function checkDataDirWritable(dir: string): Promise<void> {
  const shownDir = path.isAbsolute(dir) && !path.relative(PROJECT_ROOT, dir).startsWith('..') ? path.relative(PROJECT_ROOT, dir) || '.' : dir;
  try {
    await fs.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.moneta-write-check-${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `MONETA_DATA_DIR (${shownDir}) is not writable (${code}): Moneta keeps its session store and credit audit log there. Point MONETA_DATA_DIR at a writable directory or give the server's user write access to it.`,
      { cause: error },
    );
  }
}

/** Builds everything `createApp` needs. Slow loads go into `loading`; /healthz turns OK once they all resolve. */
export async function buildDefaultDeps(config: MonetaConfig, monetaLogger: MonetaLogger): Promise<AppDeps> {
  // Fail loudly before anything loads: an unwritable data dir names MONETA_DATA_DIR (not a raw EACCES from SQLite),
  // and a model file that does not match models/manifest.json names the file and its rebuild command.
  await checkDataDirWritable(config.dataDir);
  await verifyArtifacts(config);
  // Production-mode engines first: an unreachable database stops start-up before minutes of model loading.
  const engines = await openEngines(config, monetaLogger.logger);
  try {
    return await buildDepsWith(config, monetaLogger, engines);
  } catch (error) {
    // A failed start must not leave pools open (they would keep the process alive).
    await engines.close().catch(() => undefined);
    throw error;
  }
}

/** Whether model inference runs in its own worker pool (`config.inference.offload`; `auto`: on two or more cores). */
export function inferenceOffloaded(config: MonetaConfig): boolean {
  const mode = config.inference.offload;
  return mode === 'on' || (mode === 'auto' && os.availableParallelism() >= 2);
}

async function buildDepsWith(config: MonetaConfig, monetaLogger: MonetaLogger, engines: Engines): Promise<AppDeps> {
  // Model inference has a pool of its own (latency-critical, must not wait behind an optimisation); its threads keep
  // the models loaded. Closed last, after the models' users, or at once when the start fails.
  const inference = inferenceOffloaded(config)
    ? createWorkerPool({ threads: config.inference.threads, taskTimeoutMs: config.inference.taskTimeoutMs, maxQueue: config.inference.maxQueue, maxMemoryMb: config.workers.maxMemoryMb, keepAlive: true })
    : undefined;
  try {
    return await assembleDeps(config, monetaLogger, engines, inference);
  } catch (error) {
    await inference?.close().catch(() => undefined);
    throw error;
  }
}

async function assembleDeps(config: MonetaConfig, monetaLogger: MonetaLogger, engines: Engines, inference: WorkerPool | undefined): Promise<AppDeps> {
  const { logger } = monetaLogger;
  const loading: Array<Promise<unknown>> = [];
  const disposers: Array<() => Promise<void>> = [];
  // The one pool for CPU-heavy work (optimiser; later batch scoring, inference): closed by MonetaApp.close().
  const workers = createWorkerPool({ ...config.workers });
  loading.push(workers.warmUp());

  // ---- NLU ---------------------------------------------------------------------------------------------------------
  // `transformer` (the default): Moneta's own model + out-of-scope stage; `keyword`: the interim rule table.
  let classifier: IntentClassifier;
  let sharedEmbedder: Embedder | undefined;
  const nluStages: NluStage[] = [];
  switch (config.nlu.classifier) {
    case 'keyword':
      classifier = new KeywordIntentClassifier();
      break;
    case 'transformer': {
      // Loads config.nlu.modelDir once (fails fast with a fix-it message when files are missing); the classifier,
      // the sentence embedder and the out-of-scope stage (thresholds from the model folder) share the one session.
      const transformer = await loadTransformerNlu(config.nlu, { offload: inference });
      classifier = transformer.classifier;
      sharedEmbedder = transformer.embedder; // reused by the knowledge base (one model session)
      nluStages.push(...transformer.stages);
      disposers.push(() => transformer.dispose());
      break;
    }
    default:
      throw new ConfigError(`MONETA_NLU_CLASSIFIER=${String(config.nlu.classifier)} is not available; use "transformer" or "keyword".`);
  }
  const nlu = new StagedNluPipeline({ classifier, entityExtractors: [new RuleEntityExtractor()], stages: nluStages });
  disposers.push(() => nlu.dispose());

  // ---- Skills ------------------------------------------------------------------------------------------------------
  const skills: Skill[] = [new ConversationSkill()];
  // Credit risk: the models load in the background (/healthz waits); assessments are audited under dataDir.
  const creditService = CreditService.load({
    modelsDir: config.credit.modelsDir,
    auditLog: engines.postgres
      ? await PostgresCreditAuditLog.open({ pool: engines.postgres.pool, logger })
      : new SqliteCreditAuditLog({ dir: config.dataDir }),
    tfBackend: config.credit.tfBackend,
  });
  loading.push(creditService);
  skills.push(new CreditAssessmentSkill({ service: creditService, currency: config.display.currency }));
  // Portfolio advice: the CMA loads now (a bad file fails start-up); the ten score portfolios are precomputed in `ready`.
  const portfolioAdvice = createPortfolioAdvisorService(config);
  loading.push(portfolioAdvice.ready);
  skills.push(new PortfolioAdviceSkill({ advisor: portfolioAdvice.advisor, currency: config.display.currency, fundRegion: config.portfolio.fundRegion }));
  // Knowledge: intents come from the passages' front matter at once; the index loads in the background (/healthz).
  // The cross-encoder reranker (models/reranker, when present) loads alongside, once; the knowledge base hands it on
  // to its users as `reranker`, and it is released on shutdown.
  const reranker = loadConfiguredReranker(config, { offload: inference });
  loading.push(reranker);
  disposers.push(async () => (await reranker.catch(() => undefined))?.dispose());
  const knowledge = startKnowledgeBase(config, { logger, reranker, offload: inference, ...(sharedEmbedder ? { transformer: sharedEmbedder } : {}) });
  loading.push(knowledge.ready);
  disposers.push(() => knowledge.dispose());
  const knowledgeSkill = createKnowledgeSkill(config, knowledge, logger);
  skills.push(knowledgeSkill);
  // Retrieval-first routing: thresholds are the loaded embedder's (turns wait for `ready`, so they are set in time).
  const knowledgeRouting =
    config.knowledge.routing === 'retrieval-first'
      ? { skill: knowledgeSkill, probe: knowledgeSkill.search, rejectedMinScore: Infinity, overrideMinScore: Infinity, overrideMaxConfidence: 0, nearMinScore: Infinity, suggestMinScore: Infinity }
      : undefined;
  if (knowledgeRouting) loading.push(knowledge.ready.then((kb) => Object.assign(knowledgeRouting, kb.routing)));

  // ---- Feature HTTP routers (mounted at /, each declares full paths like /api/v1/credit/assess) ---------------------
  const routers: Router[] = [];
  routers.push(createCreditRouter({ service: creditService }));
  routers.push(createNluRouter({ nlu }));
  routers.push(createKnowledgeRouter({ retriever: knowledge.retriever, maxQueryLength: config.chat.maxMessageLength }));
  routers.push(createPortfolioAdviceRouter({ advisor: portfolioAdvice.advisor, fundRegion: config.portfolio.fundRegion }));
  routers.push(createPortfolioRouter({
    pool: workers,
    caps: { maxAssets: config.limits.optimizeMaxAssets, maxRows: config.limits.optimizeMaxRows },
    maxCsvBytes: config.limits.optimizeMaxBytes,
  }));
  // Read-only passage pages, the targets of the widget's source links (issue 12).
  routers.push(createKbPageRouter({ dir: config.knowledge.dir }));

  // Every label the classifier can produce must have someone to answer it (fail fast, ARCHITECTURE principle 5).
  const unrouted = findUnroutedIntents(classifier.labels, skills);
  if (unrouted.length > 0) {
    throw new ConfigError(`The intent classifier can produce intents no skill handles: ${unrouted.join(', ')}. Add a skill for them or remove the labels.`);
  }

  const sessionStore = buildSessionStore(config, engines, logger);
  const handoffNotifier = config.handoff.webhookUrl ? new WebhookHandoffNotifier({ url: config.handoff.webhookUrl }) : undefined;
  // Call-back requests from the hand-off card: stored with the conversation, sent with the transcript (issue 12).
  skills.push(new CallbackRequestSkill({ notifier: handoffNotifier, contact: handoffContact(config.handoff) }));
  // Staff console (/console): sign-in, review, analytics; its archive groups questions with the NLU's sentence encoder.
  const staffConsole = config.console.enabled
    ? createStaffConsole({ config, logger, intents: () => classifier.labels, retriever: knowledge.retriever, embedder: sharedEmbedder, redis: engines.redis?.commands, postgres: engines.postgres?.pool })
    : undefined;
  logger.info({ classifier: classifier.name, skills: skills.map((s) => s.name), sessionStore: sessionStoreKind(config), redis: Boolean(engines.redis) }, 'dependencies built');

  return {
    sessionStore,
    nlu,
    skills,
    // Questions the classifier rejects but the knowledge base clearly answers get that answer (docs/knowledge.md).
    rescueSkill: knowledgeSkill,
    knowledgeRouting,
    routers,
    workers,
    handoffNotifier,
    staffConsole,
    ready: Promise.all(loading),
    dispose: async () => {
      for (const skill of skills) await skill.dispose?.();
      for (const dispose of disposers) await dispose();
      await inference?.close();
    },
    ...(engines.sessionLock ? { sessionLock: engines.sessionLock } : {}),
    ...(engines.rateLimiters ? { rateLimiters: engines.rateLimiters } : {}),
    ...(engines.socketAdapter ? { socketAdapter: engines.socketAdapter } : {}),
    dependencies: engines.dependencies,
    closeConnections: () => engines.close(),
  };
}
