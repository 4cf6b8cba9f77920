/**
 * The staff console's composition root: opens the console database and builds sign-in, the archive decorator, review,
 * analytics and the HTTP router from the config. `createApp` wraps the session store with it, mounts its router
 * before CORS and attaches it to Socket.IO.
 */
import path from 'node:path';
import type { Router } from 'express';
import type Database from 'better-sqlite3';
import { PROJECT_ROOT, sessionStoreKind, type MonetaConfig } from '../config/index.ts';
import { createRateLimiterFactory, type RateLimiterFactory } from '../limits/rate-limit.ts';
import type { Embedder } from '../nlu/types.ts';
import type { Logger } from '../observability/logger.ts';
import { readKnowledgeFiles, parsePassage } from '../rag/ingest.ts';
import type { Retriever } from '../rag/types.ts';
import type { SessionStore } from '../session/types.ts';
import type pg from 'pg';
import { PostgresAccessLog, SqliteAccessLog, type AccessLog } from './access-log.ts';
import { SqliteConsoleAnalytics, type ConsoleAnalytics } from './analytics/analytics.ts';
import { PostgresConsoleAnalytics } from './analytics/postgres-analytics.ts';
import { ArchivingSessionStore } from './archive/archiving-session-store.ts';
import { SqliteConversationArchive, type ConversationArchive } from './archive/conversation-archive.ts';
import { PostgresConversationArchive } from './archive/postgres-conversation-archive.ts';
import { OidcSignIn } from './auth/oidc.ts';
import { StaffSessions } from './auth/staff-session.ts';
import { PostgresStaffUserStore, StaffUserStore, type StaffAccounts } from './auth/staff-users.ts';
import { openConsoleDb } from './console-db.ts';
import { createConsoleRouter } from './http/console-router.ts';
import { ReviewService } from './review/review-service.ts';
import { PostgresReviewStore } from './review/postgres-review-store.ts';
import { SqliteReviewStore } from './review/review-store.ts';
import express from 'express';
import type { Redis } from 'ioredis';
import type { ChatCore } from '../channels/handle-message.ts';
import type { MonetaIoServer } from '../channels/socketio.ts';
import { parseAgentHours } from './live/agent-hours.ts';
import { HandoffDesk } from './live/handoff-desk.ts';
import { MemoryHandoffQueue, RedisHandoffQueue } from './live/handoff-queue.ts';

/** What the composition root needs from the console. */
export interface StaffConsole {
  /** The session store the app should use: the given one, also feeding the console's archive. */
  wrapStore(store: SessionStore): SessionStore;
  /** Mounted before CORS and the JSON body parser. */
  router: Router;
  /** The live hand-off desk (the processor queues hand-offs there). */
  desk: HandoffDesk;
  /**
   * Connects the desk to Socket.IO (the `/staff` namespace), the chat core and the app's outermost session store (so
   * agent messages pass the same masking step as every other event). Called once by createApp.
   */
  attach(io: MonetaIoServer, core: ChatCore, store: SessionStore): void;
  users: StaffAccounts;
  accessLog: AccessLog;
  db: Database.Database;
  close(): Promise<void>;
}

/** Options for `createStaffConsole`. */
export interface StaffConsoleOptions {
  config: MonetaConfig;
  logger: Logger;
  /** The console database file (default `<dataDir>/console.sqlite`). */
  file?: string;
  /** Intent labels the classifier knows (corrections must name one). */
  intents: () => readonly string[];
  retriever?: Retriever | undefined;
  embedder?: Embedder | undefined;
  rateLimiters?: RateLimiterFactory;
  /** The built console (default web/dist/console under the checkout). */
  distDir?: string;
  /** Redis commands connection: the hand-off queue is shared by every process (else in process memory). */
  redis?: Redis | undefined;
  /**
   * The shared PostgreSQL pool (production mode): staff accounts and the access log live there, seen by every process
   * (else in the console's SQLite file); with the PostgreSQL session store also the conversation archive, the
   * corrections and the analytics (`consoleArchivePool`).
   */
  postgres?: pg.Pool | undefined;
}

/**
 * The pool the conversation archive, corrections and analytics use: the shared one when the session store is
 * PostgreSQL (`sessionStoreKind`), else none (the console's SQLite file). An archive shared by processes whose
 * session stores are not would find conversations whose transcripts only one process can open.
 */
export function consoleArchivePool(config: MonetaConfig, postgres: pg.Pool | undefined): pg.Pool | undefined {
  return postgres && sessionStoreKind(config) === 'postgres' ? postgres : undefined;
}

/** The knowledge passages' ids and titles (front matter; read once). */
function passageTitles(knowledgeDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readKnowledgeFiles(knowledgeDir)) {
    const p = parsePassage(f.path, f.content).passage;
    if (p) out.set(p.id, p.title);
  }
  return out;
}

/** The console database path for a config. */
export function consoleDbFile(config: MonetaConfig): string {
  return path.resolve(config.dataDir, 'console.sqlite');
}

/** Builds the console. */
export function createStaffConsole(options: StaffConsoleOptions): StaffConsole {
  const { config, logger } = options;
  const db = openConsoleDb(options.file ?? consoleDbFile(config));
  const publicUrl = config.server.publicUrl;
  const secure = publicUrl?.startsWith('https:') ?? false;
  if (!config.console.sessionSecret) logger.warn('MONETA_CONSOLE_SESSION_SECRET is not set: staff sign-ins last until this process stops and are not shared between processes');
  const sessions = new StaffSessions({ secret: config.console.sessionSecret, hours: config.console.sessionHours, secure });
  const users: StaffAccounts = options.postgres ? new PostgresStaffUserStore(options.postgres) : new StaffUserStore(db);
  const accessLog: AccessLog = options.postgres ? new PostgresAccessLog(options.postgres) : new SqliteAccessLog(db);
  // The archive, corrections and analytics follow the session store: shared when sessions are (every process can then
  // open any transcript the search finds), else in this process's file.
  const shared = consoleArchivePool(config, options.postgres);
  const archive: ConversationArchive = shared ? new PostgresConversationArchive(shared) : new SqliteConversationArchive(db);
  let titles: Map<string, string> | undefined;
  const passages = (id: string): { id: string; title: string } | undefined => {
    titles ??= passageTitles(config.knowledge.dir);
    const title = titles.get(id);
    return title === undefined ? undefined : { id, title };
  };
  let store: SessionStore | undefined;
  const review = new ReviewService({
    store: shared ? new PostgresReviewStore(shared) : new SqliteReviewStore(db),
    sessions: () => {
      if (!store) throw new Error('the console is not attached to a session store (createApp calls wrapStore)');
      return store;
    },
    intents: options.intents,
    passages,
  });
  const analytics: ConsoleAnalytics = shared ? new PostgresConsoleAnalytics({ pool: shared, embedder: options.embedder }) : new SqliteConsoleAnalytics({ db, embedder: options.embedder });
  const { oidc: o } = config.console;
  const oidc = o.issuer
    ? new OidcSignIn({
        issuer: o.issuer,
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        roleClaim: o.roleClaim,
        agentRole: o.agentRole,
        analystRole: o.analystRole,
        key: sessions.key,
        secure,
      })
    : undefined;
  const desk = new HandoffDesk({
    queue: options.redis ? new RedisHandoffQueue(options.redis) : new MemoryHandoffQueue(),
    hours: parseAgentHours(config.console.agentHours),
    accessLog,
    key: sessions.key,
    publicUrl,
    retriever: options.retriever,
    logger,
  });
  // Agent HTTP routes (the same actions as the socket; e.g. for a bank's own tooling): 403 unless accepted by the caller.
  const agentRouter = express.Router();
  agentRouter.post('/:id/messages', async (req, res) => {
    await desk.agentMessage(req.staff!, String(req.params.id), (req.body as { text?: unknown } | undefined)?.text);
    res.status(204).end();
  });
  const router = createConsoleRouter({
    agentRouter,
    sessions,
    users,
    oidc,
    review,
    analytics,
    accessLog,
    retriever: options.retriever,
    intents: options.intents,
    rateLimiters: options.rateLimiters ?? createRateLimiterFactory(config.limits),
    publicUrl,
    distDir: options.distDir ?? path.join(PROJECT_ROOT, 'web', 'dist', 'console'),
  });
  return {
    wrapStore(inner) {
      store = new ArchivingSessionStore(inner, archive, (error) => logger.error({ err: error }, 'console archive update failed'));
      return store;
    },
    router,
    desk,
    attach(io, core, appStore) {
      desk.attach(io, core, appStore);
    },
    users,
    accessLog,
    db,
    async close() {
      db.close();
    },
  };
}
