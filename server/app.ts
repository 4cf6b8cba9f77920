/**
 * The composition root: one HTTP server carrying Express 5 (REST, health, metrics, static files, feature routers) and
 * Socket.IO 4 (chat), with every dependency injected so tests build the same app with in-memory stores.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type Express, type Router } from 'express';
import { Server } from 'socket.io';
import { ChatCore } from './channels/handle-message.ts';
import { createRestWebhookRouter } from './channels/rest.ts';
import { attachSocketIoChannel, type MonetaIoServer } from './channels/socketio.ts';
import type { MonetaConfig } from './config/index.ts';
import { handoffContact, type HandoffNotifier } from './dialogue/handoff.ts';
import { RulePolicy, type KnowledgeRouting } from './dialogue/policy.ts';
import { MessageProcessor, systemClock, type Clock } from './dialogue/processor.ts';
import type { KnowledgeProbe, Policy } from './dialogue/types.ts';
import { createHealthRouter, type DependencyProbe, type Readiness } from './http/health-router.ts';
import { errorHandler, notFound, requestId } from './http/middleware.ts';
import { createSessionsRouter } from './http/sessions-router.ts';
import { createCustomerTokenVerifier, type CustomerTokenVerifier } from './auth/customer-token.ts';
import { SessionOwnership } from './session/ownership.ts';
import { MaskingSessionStore } from './session/masking-session-store.ts';
import { createStaticRouter } from './http/static-router.ts';
import { originGuard, socketOriginCheck } from './http/origin-guard.ts';
import { securityHeaders } from './http/security-headers.ts';
import { createRateLimiterFactory, type RateLimiterFactory } from './limits/rate-limit.ts';
import { createJsonBodyParsers, createRouteRateLimits } from './limits/route-limits.ts';
import type { NluPipeline } from './nlu/types.ts';
import type { MonetaLogger } from './observability/logger.ts';
import { createMetrics, type MonetaMetrics } from './observability/metrics.ts';
import { startRetentionJob, type RetentionJob } from './session/retention.ts';
import { KeyedLock, type SessionLock } from './session/session-lock.ts';
import type { SessionStore } from './session/types.ts';
import type { Skill } from './skills/skill.ts';
import type { WorkerPool } from './workers/pool.ts';
import type { StaffConsole } from './console/staff-console.ts';

/** The parts a running Moneta is built from (what `buildDefaultDeps` returns, what tests pass). */
export interface AppDeps {
  sessionStore: SessionStore;
  nlu: NluPipeline;
  skills: Skill[];
  /** One of `skills` asked for a second opinion before the out-of-scope reply or the fallback (`Skill.rescue`). */
  rescueSkill?: Skill | undefined;
  /** Retrieval-first routing: the probe searched for every message, and the thresholds the policy decides with. */
  knowledgeRouting?: (KnowledgeRouting & { probe: KnowledgeProbe }) | undefined;
  /** Feature routers (`create<Feature>Router(deps)`), mounted at `/`; they declare full paths. */
  routers?: Router[];
  handoffNotifier?: HandoffNotifier | undefined;
  /** Overrides the RulePolicy built from `skills` (tests, experiments). */
  policy?: Policy;
  /** Resolves when slow dependencies (models, indexes) are loaded; /healthz says "starting" until then. */
  ready?: Promise<unknown>;
  /** Releases models and other resources on shutdown (the session store is closed separately). */
  dispose?: () => Promise<void>;
  /** The worker pool for CPU-heavy requests; the app closes it on shutdown. */
  workers?: WorkerPool;
  /** Per-session lock (default: in process; `RedisSessionLock` when several processes share conversations). */
  sessionLock?: SessionLock;
  /** Installs a Socket.IO adapter (the Redis adapter in production mode) so rooms span processes. */
  socketAdapter?: (io: MonetaIoServer) => void;
  /** External dependencies reported by /healthz and required by /readyz. */
  dependencies?: DependencyProbe[];
  /** Closes connection pools, after the session store and `dispose` (graceful shutdown's last step). */
  closeConnections?: () => Promise<void>;
  /** Builds every rate limiter (chat and HTTP routes); default: the backend `config.limits.backend` names. */
  rateLimiters?: RateLimiterFactory;
  /** Verifies customer tokens; default: built from `config.auth` (none when it is not configured). */
  customerTokens?: CustomerTokenVerifier;
  /** The staff console (server/console/): archives conversations, serves /console (never to customers' origins). */
  staffConsole?: StaffConsole | undefined;
}

/** Options for `createApp`. */
export interface CreateAppOptions extends AppDeps {
  config: MonetaConfig;
  logger: MonetaLogger;
  clock?: Clock;
  /** A fresh registry per app by default, so several apps can run in one process (tests, bench). */
  metrics?: MonetaMetrics;
  /** Root for static files (default: the checkout). */
  staticRoot?: string;
}

/** A built app. `start` listens; `close` shuts down gracefully. */
export interface MonetaApp {
  app: Express;
  httpServer: http.Server;
  io: MonetaIoServer;
  metrics: MonetaMetrics;
  readiness: Readiness;
  /** The channel-independent chat core (benchmarks and in-process callers use it directly). */
  chat: ChatCore;
  /** The worker pool for CPU-heavy requests, when the deps have one. */
  workers: WorkerPool | undefined;
  /** Listens on `port` (0 = any free port) and resolves with the bound port and a local URL. */
  start(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /**
   * Graceful shutdown: stop accepting connections and turns, let in-flight turns finish (up to
   * `config.server.shutdownGraceMs`), disconnect sockets, close the session store and dispose models. Idempotent.
   */
  close(): Promise<void>;
}

/** Builds the app. Nothing listens until `start()`. */
export function createApp(options: CreateAppOptions): MonetaApp {
  const { config } = options;
  const { logger, hash } = options.logger;
  const metrics = options.metrics ?? createMetrics();
  const clock = options.clock ?? systemClock;
  const instrumentation = { metrics, logger };
  const readiness: Readiness = { status: options.ready ? 'starting' : 'ok' };
  const ready = options.ready?.then(
    () => {
      if (readiness.status === 'starting') readiness.status = 'ok';
    },
    (error: unknown) => {
      readiness.status = 'failed';
      throw error;
    },
  );
  // Turns wait on `ready`; keep an unobserved rejection from crashing the process (main.ts reports it).
  ready?.catch(() => undefined);

  // The console's archive sees what the store accepts (inside any masking step wrapped around the store).
  // Outermost: personal data is masked before events reach any store, the console's archive included.
  const sessionStore = new MaskingSessionStore(options.staffConsole ? options.staffConsole.wrapStore(options.sessionStore) : options.sessionStore);
  const policy = options.policy ?? new RulePolicy({
    skills: options.skills,
    ...(options.rescueSkill ? { rescueSkill: options.rescueSkill } : {}),
    ...(options.knowledgeRouting ? { knowledgeRouting: options.knowledgeRouting } : {}),
    fallbackThreshold: config.nlu.fallbackThreshold,
    fallbackMissesBeforeHandoff: config.chat.fallbackMissesBeforeHandoff,
    formInterruptThreshold: config.chat.formInterruptThreshold,
  });
  const processor = new MessageProcessor({
    store: sessionStore,
    nlu: options.nlu,
    policy,
    handoffNotifier: options.handoffNotifier,
    liveDesk: options.staffConsole?.desk,
    handoffContact: handoffContact(config.handoff),
    clock,
    instrumentation,
    hash,
    ...(options.knowledgeRouting ? { knowledgeProbe: options.knowledgeRouting.probe } : {}),
  });
  const lock: SessionLock = options.sessionLock ?? new KeyedLock();
  const rateLimiters = options.rateLimiters ?? createRateLimiterFactory(config.limits);
  // The ownership stage: every channel and session route asks it who may reach a conversation (CONTRACTS §8).
  const ownership = new SessionOwnership({
    store: sessionStore,
    customerTokens: options.customerTokens ?? createCustomerTokenVerifier(config.auth),
    restApiKey: config.security.restApiKey,
    now: () => clock.now(),
  });
  const core = new ChatCore({
    processor,
    lock,
    maxMessageLength: config.chat.maxMessageLength,
    rateLimitPerSessionPerMinute: config.chat.rateLimitPerSessionPerMinute,
    rateLimitPerIpPerMinute: config.chat.rateLimitPerIpPerMinute,
    rateLimiters,
    metrics,
    logger,
    hash,
    ...(ready ? { ready } : {}),
  });

  const allowAll = config.server.allowedOrigins.includes('*');
  const origin = allowAll ? '*' : config.server.allowedOrigins;

  const app = express();
  app.disable('x-powered-by');
  // A hop count or a CIDR list (config validation refuses `true`), so a client cannot choose its own req.ip.
  if (config.server.trustProxy !== false) app.set('trust proxy', config.server.trustProxy);
  app.use(requestId());
  app.use(securityHeaders({ frameAncestors: config.security.frameAncestors }));
  app.use(createRouteRateLimits({ limits: config.limits, factory: rateLimiters }));
  // MONETA_ALLOWED_ORIGINS enforced, not only advertised by CORS: other origins cannot make us change state (403).
  const originPolicy = { allowedOrigins: config.server.allowedOrigins, publicUrl: config.server.publicUrl };
  app.use(originGuard(originPolicy));
  // Before CORS: the console never grants customers' origins access (server/console/auth/guards.ts).
  if (options.staffConsole) app.use(options.staffConsole.router);
  app.use(cors({ origin, methods: ['GET', 'POST', 'DELETE', 'OPTIONS'], maxAge: 600 }));
  // Per-route JSON caps (server/limits/route-limits.ts). The default: a chat message is at most maxMessageLength
  // characters, 4 bytes per character plus envelope, floor 100 kB for feature APIs.
  app.use(createJsonBodyParsers({ defaultJsonBytes: Math.max(100_000, config.chat.maxMessageLength * 4 + 4096), optimizeMaxBytes: config.limits.optimizeMaxBytes }));
  app.use(createHealthRouter({ readiness, metrics, metricsToken: config.security.metricsToken, ...(options.dependencies ? { dependencies: options.dependencies } : {}) }));
  const newSenderLimiter = rateLimiters({ name: 'rest-new-senders', points: config.security.restSendersPerIpPerHour, durationSeconds: 3600 });
  app.use(createRestWebhookRouter({ core, ownership, newSenderLimiter }));
  app.use(createSessionsRouter({ store: sessionStore, core, ownership }));
  for (const router of options.routers ?? []) app.use(router);
  app.use(createStaticRouter({ ...(options.staticRoot ? { root: options.staticRoot } : {}), serveSourceMaps: config.security.serveSourceMaps ?? config.security.environment !== 'production' }));
  app.use(notFound());
  app.use(errorHandler({ logger, metrics }));

  const httpServer = http.createServer(app);
  const io: MonetaIoServer = new Server(httpServer, {
    path: '/socket.io/',
    cors: { origin, methods: ['GET', 'POST'] },
    // The handshake (long-polling and WebSocket) from an origin that is not allowed is refused before any event.
    allowRequest: socketOriginCheck(originPolicy),
    // Large enough for an oversized message to reach us and get a clear error instead of a silent disconnect.
    maxHttpBufferSize: Math.max(1_000_000, config.chat.maxMessageLength * 8),
  });
  options.socketAdapter?.(io);
  attachSocketIoChannel(io, {
    core,
    ownership,
    now: () => clock.now(),
    logger,
    ...(config.server.trustProxy !== false ? { clientIp: (s) => clientAddress(s.request, app.get('trust proxy fn') as TrustFn) ?? s.handshake.address } : {}),
  });
  // The console's live desk: the /staff namespace for agents (rooms span processes through the adapter).
  options.staffConsole?.attach(io, core, sessionStore);

  let retention: RetentionJob | undefined;
  let closing: Promise<void> | undefined;

  const start = (port = config.server.port, host = config.server.host): Promise<{ port: number; url: string }> =>
    new Promise((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        retention = startRetentionJob({ store: sessionStore, retentionDays: config.session.retentionDays, now: () => clock.now(), logger });
        const bound = (httpServer.address() as AddressInfo).port;
        const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
        resolve({ port: bound, url: `http://${shownHost}:${bound}` });
      });
    });

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      readiness.status = 'stopping';
      core.stopAccepting();
      retention?.stop();
      // Stop accepting connections; established sockets stay open so in-flight turns can deliver their replies.
      const serverClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      const drained = await lock.idle(config.server.shutdownGraceMs);
      if (!drained) logger.warn({ pending: lock.pending }, 'shutdown grace period over; some turns did not finish');
      await flushAndCloseSockets(io, 1000);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeAllConnections();
      await serverClosed;
      await options.workers?.close();
      await lock.close?.();
      await sessionStore.close();
      await options.staffConsole?.close();
      await options.dispose?.();
      // Pools last: the store and the audit log (flushed in dispose) use them until here.
      await options.closeConnections?.();
      logger.info('stopped');
    })());

  return { app, httpServer, io, metrics, readiness, chat: core, workers: options.workers, start, close };
}

/**
 * Closes every client connection without discarding queued packets: `io.close()` alone closes engine.io sockets with
 * `discard = true`, which would drop the replies of turns that just finished. `conn.close()` waits for the write buffer
 * to drain first. Bounded by `timeoutMs`.
 */
async function flushAndCloseSockets(io: MonetaIoServer, timeoutMs: number): Promise<void> {
  const closing = [...io.of('/').sockets.values()].map(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.conn.once('close', () => resolve());
        socket.conn.close();
      }),
  );
  await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

type TrustFn = (address: string, hop: number) => boolean;

/**
 * The client address Express would give `req.ip` under the same `trust proxy` setting (proxy-addr's rule): walk from
 * the socket's peer back through X-Forwarded-For while each hop is trusted. Socket.IO handshakes get the same per-IP key
 * as HTTP requests, and a client cannot pick it by sending its own X-Forwarded-For.
 */
function clientAddress(req: http.IncomingMessage, trust: TrustFn): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!peer) return undefined;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((x) => x.trim()).filter(Boolean).reverse();
  const chain = [peer, ...forwarded];
  let address = peer;
  for (let hop = 0; hop < chain.length - 1 && trust(chain[hop]!, hop); hop++) address = chain[hop + 1]!;
  return address;
}
