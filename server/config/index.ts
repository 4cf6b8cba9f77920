/**
 * Moneta's one configuration object: every setting, its default and its validation. Only server/main.ts and the CLI
 * call `loadConfig(process.env)`; everything else receives the parsed object (or the slice it needs).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/** The nearest folder at or above `start` holding a package.json (the checkout root), else `fallback`. */
function findPackageRoot(start: string, fallback: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return fallback;
  }
}

/**
 * The checkout root (where package.json lives), so defaults work from any working directory. Searched upwards from this
 * module because it runs from server/config/ under tsx and from dist/chunks/ in the precompiled server (`npm start`).
 */
export const PROJECT_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)), path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const csvList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.url().optional());

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `MONETA_TRUST_PROXY`: off (`false`/`0`), a hop count (`1` = one proxy in front), or a comma-separated list of proxy
 * addresses/CIDRs (`10.0.0.0/8,127.0.0.1`, or Express's `loopback`/`linklocal`/`uniquelocal`). Never `true`: trusting
 * every hop lets a client pick its own address by sending X-Forwarded-For, which defeats the per-IP limits.
 */
const trustProxy = z
  .union([z.boolean(), z.number(), z.string(), z.array(z.string())])
  .transform((value, ctx): false | number | string[] => {
    if (value === false || value === 0 || (typeof value === 'string' && /^(false|0|no|off)$/i.test(value.trim()))) return false;
    if (value === true || (typeof value === 'string' && /^(true|yes)$/i.test(value.trim()))) {
      ctx.addIssue({ code: 'custom', message: 'must be a hop count (e.g. 1) or a list of proxy addresses/CIDRs (e.g. 10.0.0.0/8), not "true": trusting every hop lets clients choose their own address via X-Forwarded-For' });
      return z.NEVER;
    }
    if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value.trim()))) {
      const hops = Number(value);
      if (!Number.isInteger(hops) || hops < 0 || hops > 32) {
        ctx.addIssue({ code: 'custom', message: 'a hop count must be a whole number from 0 to 32' });
        return z.NEVER;
      }
      return hops === 0 ? false : hops;
    }
    const list = (Array.isArray(value) ? value : value.split(',')).map((x) => x.trim()).filter(Boolean);
    const bad = list.filter((entry) => {
      if (TRUST_PROXY_NAMES.has(entry)) return false;
      const [addr, prefix, ...rest] = entry.split('/');
      const family = net.isIP(addr ?? '');
      if (family === 0 || rest.length > 0) return true;
      return prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    });
    if (bad.length > 0 || list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must be a hop count or a comma-separated list of IP addresses/CIDRs; not understood: ${bad.join(', ') || '(empty)'}` });
      return z.NEVER;
    }
    return list;
  });

/** Maps env var names to config paths; the schema below validates the assembled object. */
export const ENV_VARS = {
  PORT: 'server.port',
  HOST: 'server.host',
  MONETA_PUBLIC_URL: 'server.publicUrl',
  MONETA_ALLOWED_ORIGINS: 'server.allowedOrigins',
  MONETA_MAX_MESSAGE_LENGTH: 'chat.maxMessageLength',
  MONETA_RATE_LIMIT_SESSION_PER_MIN: 'chat.rateLimitPerSessionPerMinute',
  MONETA_RATE_LIMIT_IP_PER_MIN: 'chat.rateLimitPerIpPerMinute',
  MONETA_FORM_INTERRUPT_THRESHOLD: 'chat.formInterruptThreshold',
  MONETA_TRUST_PROXY: 'server.trustProxy',
  MONETA_RATE_LIMIT_BACKEND: 'limits.backend',
  MONETA_RATE_LIMIT_HTTP_PER_MIN: 'limits.httpPerIpPerMinute',
  MONETA_RATE_LIMIT_CREDIT_PER_MIN: 'limits.creditPerIpPerMinute',
  MONETA_RATE_LIMIT_SUGGEST_PER_MIN: 'limits.suggestPerIpPerMinute',
  MONETA_RATE_LIMIT_OPTIMIZE_PER_MIN: 'limits.optimizePerIpPerMinute',
  MONETA_RATE_LIMIT_PARSE_PER_MIN: 'limits.parsePerIpPerMinute',
  MONETA_RATE_LIMIT_KNOWLEDGE_PER_MIN: 'limits.knowledgePerIpPerMinute',
  MONETA_RATE_LIMIT_SESSIONS_PER_MIN: 'limits.sessionsPerIpPerMinute',
  MONETA_OPTIMIZE_MAX_ASSETS: 'limits.optimizeMaxAssets',
  MONETA_OPTIMIZE_MAX_ROWS: 'limits.optimizeMaxRows',
  MONETA_OPTIMIZE_MAX_BYTES: 'limits.optimizeMaxBytes',
  MONETA_VERIFY_MODELS: 'models.verify',
  MONETA_WORKER_THREADS: 'workers.threads',
  MONETA_WORKER_TIMEOUT_MS: 'workers.taskTimeoutMs',
  MONETA_WORKER_MAX_QUEUE: 'workers.maxQueue',
  MONETA_WORKER_MAX_MEMORY_MB: 'workers.maxMemoryMb',
  MONETA_INFERENCE_OFFLOAD: 'inference.offload',
  MONETA_INFERENCE_THREADS: 'inference.threads',
  MONETA_INFERENCE_TIMEOUT_MS: 'inference.taskTimeoutMs',
  MONETA_SHUTDOWN_GRACE_MS: 'server.shutdownGraceMs',
  MONETA_LOG_HASH_SALT: 'log.hashSalt',
  MONETA_DATA_DIR: 'dataDir',
  MONETA_SESSION_STORE: 'session.store',
  MONETA_SESSION_RETENTION_DAYS: 'session.retentionDays',
  MONETA_NLU_CLASSIFIER: 'nlu.classifier',
  MONETA_INTENT_MODEL_DIR: 'nlu.modelDir',
  MONETA_INTENT_MODEL_DTYPE: 'nlu.dtype',
  MONETA_INTENT_ENSEMBLE: 'nlu.ensemble',
  MONETA_NLU_FALLBACK_THRESHOLD: 'nlu.fallbackThreshold',
  MONETA_KNOWLEDGE_DIR: 'knowledge.dir',
  MONETA_KNOWLEDGE_INDEX_DIR: 'knowledge.indexDir',
  MONETA_KNOWLEDGE_MIN_SCORE: 'knowledge.minScore',
  MONETA_KNOWLEDGE_RESCUE_MIN_SCORE: 'knowledge.rescueMinScore',
  MONETA_KNOWLEDGE_EMBEDDER: 'knowledge.embedder',
  MONETA_KNOWLEDGE_ROUTING: 'knowledge.routing',
  MONETA_RETRIEVAL_MODEL_DIR: 'knowledge.retrievalModelDir',
  MONETA_RERANKER_MODEL_DIR: 'knowledge.rerankerModelDir',
  MONETA_ANSWER_MODEL_DIR: 'knowledge.answerModelDir',
  MONETA_KNOWLEDGE_ON_STALE: 'knowledge.onStale',
  MONETA_LLM_PROVIDER: 'llm.provider',
  MONETA_LLM_BASE_URL: 'llm.baseUrl',
  MONETA_LLM_MODEL: 'llm.model',
  MONETA_LLM_API_KEY: 'llm.apiKey',
  MONETA_CREDIT_MODELS_DIR: 'credit.modelsDir',
  MONETA_CREDIT_DEFAULT_MODEL: 'credit.defaultModel',
  MONETA_TF_BACKEND: 'credit.tfBackend',
  MONETA_PORTFOLIO_CMA: 'portfolio.cmaPath',
  MONETA_FUND_REGION: 'portfolio.fundRegion',
  MONETA_HANDOFF_WEBHOOK_URL: 'handoff.webhookUrl',
  MONETA_HANDOFF_PHONE: 'handoff.phone',
  MONETA_HANDOFF_HOURS: 'handoff.hours',
  MONETA_HANDOFF_SECURE_MESSAGE_URL: 'handoff.secureMessageUrl',
  MONETA_CURRENCY: 'display.currency',
  MONETA_LOG_LEVEL: 'log.level',
  MONETA_DATASETS_DIR: 'datasetsDir',
  NODE_ENV: 'security.environment',
  MONETA_AUTH_JWKS_URL: 'auth.jwksUrl',
  MONETA_AUTH_PUBLIC_KEY: 'auth.publicKey',
  MONETA_AUTH_ISSUER: 'auth.issuer',
  MONETA_AUTH_AUDIENCE: 'auth.audience',
  MONETA_AUTH_ALGORITHMS: 'auth.algorithms',
  MONETA_REST_API_KEY: 'security.restApiKey',
  MONETA_REST_SENDERS_PER_IP_PER_HOUR: 'security.restSendersPerIpPerHour',
  MONETA_METRICS_TOKEN: 'security.metricsToken',
  MONETA_FRAME_ANCESTORS: 'security.frameAncestors',
  MONETA_SERVE_SOURCE_MAPS: 'security.serveSourceMaps',
  MONETA_DATABASE_URL: 'database.url',
  MONETA_DATABASE_POOL_SIZE: 'database.poolSize',
  MONETA_REDIS_URL: 'redis.url',
  MONETA_CONSOLE_ENABLED: 'console.enabled',
  MONETA_CONSOLE_SESSION_SECRET: 'console.sessionSecret',
  MONETA_CONSOLE_SESSION_HOURS: 'console.sessionHours',
  MONETA_CONSOLE_OIDC_ISSUER: 'console.oidc.issuer',
  MONETA_CONSOLE_OIDC_CLIENT_ID: 'console.oidc.clientId',
  MONETA_CONSOLE_OIDC_CLIENT_SECRET: 'console.oidc.clientSecret',
  MONETA_CONSOLE_OIDC_ROLE_CLAIM: 'console.oidc.roleClaim',
  MONETA_CONSOLE_OIDC_AGENT_ROLE: 'console.oidc.agentRole',
  MONETA_CONSOLE_OIDC_ANALYST_ROLE: 'console.oidc.analystRole',
  MONETA_CONSOLE_AGENT_HOURS: 'console.agentHours',
} as const;

/**
 * A connection URL for an optional engine. The error message never echoes the value: it may carry a password.
 * `protocols` is the accepted scheme (without the colon).
 */
const engineUrl = (protocols: RegExp, example: string) =>
  z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(z.url({ protocol: protocols, error: `expected a URL like ${example} (the value is not shown: it may contain a password)` }).optional());

export const configSchema = z.object({
  server: z
    .object({
      port: z.coerce.number().int().min(0).max(65535).default(3000),
      host: z.string().default('0.0.0.0'),
      /** Base URL the widget loader and demo page advertise; derived from the port when unset. */
      publicUrl: optionalUrl.optional(),
      /** Origins allowed to embed the widget (HTTP CORS + Socket.IO). `*` for demos. */
      allowedOrigins: csvList.or(z.array(z.string())).default(['*']),
      /** Grace period for in-flight turns on shutdown. */
      shutdownGraceMs: z.coerce.number().int().min(0).default(10_000),
      /** Behind a reverse proxy: which hops' X-Forwarded-For to believe (hop count or CIDR list; see `trustProxy`). */
      trustProxy: trustProxy.default(false),
    })
    .prefault({}),
  chat: z
    .object({
      maxMessageLength: z.coerce.number().int().min(1).max(100_000).default(2000),
      rateLimitPerSessionPerMinute: z.coerce.number().int().min(1).default(60),
      rateLimitPerIpPerMinute: z.coerce.number().int().min(1).default(600),
      /** Misses in a row before the fallback offers options and a hand-off. */
      fallbackMissesBeforeHandoff: z.coerce.number().int().min(1).default(2),
      /** In a form, a non-answer whose intent is at least this confident is handled as a new request, then the form resumes. */
      formInterruptThreshold: z.coerce.number().min(0).max(1).default(0.8),
    })
    .prefault({}),
  /** Per-client-address request limits per minute for the HTTP routes (chat's own limits are under `chat`). */
  limits: z
    .object({
      /** Where counters live: `memory` (per process) or `redis` (shared). Unset: `redis` when MONETA_REDIS_URL is set. */
      backend: z.enum(['memory', 'redis']).optional(),
      /** Every HTTP request except health checks (static files included). */
      httpPerIpPerMinute: z.coerce.number().int().min(1).default(1200),
      creditPerIpPerMinute: z.coerce.number().int().min(1).default(120),
      suggestPerIpPerMinute: z.coerce.number().int().min(1).default(120),
      optimizePerIpPerMinute: z.coerce.number().int().min(1).default(20),
      parsePerIpPerMinute: z.coerce.number().int().min(1).default(300),
      knowledgePerIpPerMinute: z.coerce.number().int().min(1).default(300),
      /** Session history and erase. */
      sessionsPerIpPerMinute: z.coerce.number().int().min(1).default(120),
      /** Size caps of one optimisation (POST /api/v1/portfolio/optimize): price columns, rows, CSV body bytes. */
      optimizeMaxAssets: z.coerce.number().int().min(2).default(500),
      optimizeMaxRows: z.coerce.number().int().min(3).default(5000),
      optimizeMaxBytes: z.coerce.number().int().min(1024).default(24 * 1024 * 1024),
    })
    .prefault({}),
  models: z
    .object({
      /** `manifest`: check every model file against models/manifest.json at start-up; `off`: your own models. */
      verify: z.enum(['manifest', 'off']).default('manifest'),
    })
    .prefault({}),
  /** The worker pool for CPU-heavy requests (server/workers/pool.ts). */
  workers: z
    .object({
      /** Threads; unset = one fewer than the cores, at least 1. */
      threads: z.coerce.number().int().min(1).max(64).optional(),
      /** Time budget of one heavy request; over it the worker is stopped and the client gets 503. */
      taskTimeoutMs: z.coerce.number().int().min(100).default(10_000),
      /** Heavy requests allowed to wait for a thread; more get 503 at once. */
      maxQueue: z.coerce.number().int().min(0).default(16),
      /** Heap limit of each worker thread (MB). */
      maxMemoryMb: z.coerce.number().int().min(64).default(1024),
    })
    .prefault({}),
  /**
   * Model inference (the NLU encoder, the retrieval encoder, the reranker) optionally in a worker pool of its own, so
   * a turn's forward passes do not hold the event loop and never queue behind a multi-second portfolio optimisation
   * (server/workers/model-session.ts). Off by default: the forward passes are ~1.5 ms of a knowledge turn's ~8 ms, so
   * one turn gets ~1.3 ms slower, while many concurrent turns get more throughput (docs/knowledge.md, bench:chat).
   */
  inference: z
    .object({
      /** `off` (default): in the event-loop thread; `on`: in the inference pool; `auto`: on with two or more cores. */
      offload: z.enum(['auto', 'on', 'off']).default('off'),
      /** Inference threads, each holding every model (~60 MB); default 1. */
      threads: z.coerce.number().int().min(1).max(16).default(1),
      /** Time budget of one forward pass; over it the thread is replaced and the turn gets a clear 503. */
      taskTimeoutMs: z.coerce.number().int().min(100).default(10_000),
      /** Forward passes allowed to wait for a thread; more get 503 at once. */
      maxQueue: z.coerce.number().int().min(0).default(512),
    })
    .prefault({}),
  dataDir: z.string().default('./data'),
  datasetsDir: z.string().default(path.resolve(PROJECT_ROOT, '..', 'shared', 'datasets')),
  session: z
    .object({
      /** Unset: `postgres` when `MONETA_DATABASE_URL` is set, else `sqlite` (see `sessionStoreKind`). */
      store: z.enum(['sqlite', 'memory', 'postgres']).optional(),
      retentionDays: z.coerce.number().min(0).default(30),
    })
    .prefault({}),
  /** Production mode (docs/operations.md): sessions and the credit audit log in PostgreSQL. */
  database: z
    .object({
      url: engineUrl(/^postgres(ql)?$/, 'postgres://moneta:PASSWORD@db.internal:5432/moneta').optional(),
      /** Connections per process (pg.Pool `max`). */
      poolSize: z.coerce.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
  /** Production mode: Socket.IO adapter, cross-process session lock and rate limits in Redis. */
  redis: z
    .object({
      url: engineUrl(/^rediss?$/, 'redis://:PASSWORD@cache.internal:6379/0').optional(),
    })
    .prefault({}),
  nlu: z
    .object({
      /** `transformer`: Moneta's own model in `modelDir` (npm run train:intent); `keyword`: the interim rule table. */
      classifier: z.enum(['transformer', 'keyword']).default('transformer'),
      modelDir: z.string().default(path.join(PROJECT_ROOT, 'models', 'intent')),
      dtype: z.enum(['fp32', 'q8']).default('fp32'),
      /** `auto`: serve the transformer + TF-IDF linear ensemble when the model folder has it (moneta.json → ensemble); `off`: transformer alone. */
      ensemble: z.enum(['auto', 'off']).default('auto'),
      /** Below this top-intent confidence the message goes to the fallback stage. */
      fallbackThreshold: z.coerce.number().min(0).max(1).default(0.4),
    })
    .prefault({}),
  knowledge: z
    .object({
      dir: z.string().default(path.join(PROJECT_ROOT, 'knowledge')),
      indexDir: z.string().default(path.join(PROJECT_ROOT, 'knowledge', '.index')),
      /**
       * Below this top-hit score (0..1) the knowledge skill says it does not know. Unset = the value tuned for the
       * active embedder by bench/kb.ts (see server/rag/knowledge-base.ts).
       */
      minScore: z.coerce.number().min(0).max(1).optional(),
      /**
       * When the NLU sends a message to the out-of-scope reply or the fallback, the knowledge skill still answers it
       * if the best passage scores at least this (0..1), or never with `off`. Unset = the value tuned for the active
       * embedder by `npm run bench:kb-rescue` (none tuned = off).
       */
      rescueMinScore: z.union([z.literal('off'), z.coerce.number().min(0).max(1)], { error: 'expected a number from 0 to 1, or "off"' }).optional(),
      /**
       * Sentence embedder for dense retrieval: `hashed` n-grams, Moneta's `transformer` encoder, both `combined`, or
       * `auto` (combined when the transformer's files exist, else hashed). See docs/knowledge.md for the figures.
       */
      embedder: z.enum(['auto', 'combined', 'retrieval', 'transformer', 'hashed']).default('auto'),
      /** Moneta's retrieval encoder (question → passage), a Hugging Face-style folder (`npm run train:retrieval`). */
      retrievalModelDir: z.string().default(path.join(PROJECT_ROOT, 'models', 'retrieval')),
      /**
       * Cross-encoder that rescores the retriever's top candidates (`npm run train:reranker`), a Hugging Face-style
       * folder; used when its files are present, `off` disables it. See server/rag/reranker.ts.
       */
      rerankerModelDir: z.string().trim().min(1).default(path.join(PROJECT_ROOT, 'models', 'reranker')),
      /**
       * The calibrated answer model (`npm run train:answer-model`, server/rag/answer-model.ts): decides from every
       * retrieval and NLU signal whether a passage answers; used when `model.json` is present, `off` disables it.
       */
      answerModelDir: z.string().trim().min(1).default(path.join(PROJECT_ROOT, 'models', 'answer-model')),
      /** At start-up, when the index does not match knowledge/ or the embedder: rebuild it, warn and serve it, or fail. */
      onStale: z.enum(['rebuild', 'report', 'fail']).default('rebuild'),
      /**
       * `retrieval-first` (default): every message is also searched in the knowledge base and one decision weighs the
       * NLU and the retrieval score; `classifier`: the NLU routes, the knowledge base only rescues what it rejects.
       */
      routing: z.enum(['retrieval-first', 'classifier']).default('retrieval-first'),
    })
    .prefault({}),
  llm: z
    .object({
      provider: z.enum(['none', 'ollama', 'openai']).default('none'),
      baseUrl: optionalUrl.optional(),
      model: z.string().default(''),
      apiKey: z.string().default(''),
    })
    .prefault({}),
  credit: z
    .object({
      modelsDir: z.string().default(path.join(PROJECT_ROOT, 'models', 'credit')),
      defaultModel: z.string().default('german'),
      tfBackend: z.enum(['auto', 'wasm', 'cpu', 'tensorflow']).default('auto'),
    })
    .prefault({}),
  portfolio: z
    .object({
      cmaPath: z.string().default(path.join(PROJECT_ROOT, 'models', 'portfolio', 'cma.json')),
      /** Where the suggestion's example funds are listed (`us`, `eu`: Xetra UCITS, `uk`: LSE); estimates are per asset class. */
      fundRegion: z.enum(['us', 'eu', 'uk']).default('us'),
    })
    .prefault({}),
  /**
   * Customer authentication (optional, docs/security.md): the bank's signed JWT, verified against a JWKS URL or one
   * public key, with issuer, audience and expiry checked. Unset = anonymous conversations only.
   */
  auth: z
    .object({
      jwksUrl: optionalUrl.optional(),
      /** A PEM public key (SPKI) or a JWK as JSON, instead of a JWKS URL. */
      publicKey: z.string().trim().optional(),
      issuer: z.string().trim().min(1).optional(),
      audience: z.string().trim().min(1).optional(),
      /** Accepted signature algorithms (asymmetric only: a public key must never verify an HMAC). */
      algorithms: csvList
        .or(z.array(z.string()))
        .default(['RS256', 'PS256', 'ES256', 'EdDSA'])
        .refine((list) => list.length > 0 && list.every((a) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(a)), {
          message: 'must list asymmetric JWS algorithms (RS256, PS256, ES256, EdDSA, …); HS* and none are refused',
        }),
    })
    .prefault({})
    .superRefine((auth, ctx) => {
      if (auth.jwksUrl && auth.publicKey) ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'set either MONETA_AUTH_JWKS_URL or MONETA_AUTH_PUBLIC_KEY, not both' });
      if (auth.jwksUrl || auth.publicKey) {
        if (!auth.issuer) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'is required when customer tokens are configured (the iss every token must carry)' });
        if (!auth.audience) ctx.addIssue({ code: 'custom', path: ['audience'], message: 'is required when customer tokens are configured (the aud every token must carry)' });
      }
    }),
  /** Access and hardening (docs/security.md, README "Production checklist"). */
  security: z
    .object({
      /** `NODE_ENV`; `production` turns off the widget's source map unless `serveSourceMaps` says otherwise. */
      environment: z.string().default('development'),
      /** When set, the REST webhook requires `Authorization: Bearer <key>` (or a customer JWT). Unset = open demo mode. */
      restApiKey: z.string().min(16, { message: 'must be at least 16 characters (use a random secret)' }).optional(),
      /** Without a REST key: distinct REST senders one client address may name per hour (against guessing senders). */
      restSendersPerIpPerHour: z.coerce.number().int().min(1).default(60),
      /** When set, `/metrics` requires `Authorization: Bearer <token>`; unset = served to loopback callers only. */
      metricsToken: z.string().min(16, { message: 'must be at least 16 characters (use a random secret)' }).optional(),
      /** CSP `frame-ancestors` for Moneta's own pages (space- or comma-separated sources). */
      frameAncestors: z
        .string()
        .transform((s) => s.split(/[\s,]+/).filter(Boolean))
        .or(z.array(z.string()))
        .default(["'self'"]),
      /** Serve `widget.js.map`; unset = yes except when `NODE_ENV=production`. */
      serveSourceMaps: bool.optional(),
    })
    .prefault({}),
  handoff: z
    .object({
      webhookUrl: optionalUrl.optional(),
      /** Contact details shown on the hand-off card (issue 12): the bank's phone number, opening hours, secure-message link. */
      phone: z.string().default('+49 30 1234 5678'),
      hours: z.string().default('Monday to Friday, 8:00–20:00'),
      secureMessageUrl: optionalUrl.optional(),
    })
    .prefault({}),
  display: z
    .object({
      /** ISO 4217 code customers' amounts are shown in (credit amounts, portfolio amounts given without a currency). */
      currency: z.string().regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 code such as EUR' }).default('EUR'),
    })
    .prefault({}),
  /** The staff console at /console (docs/console.md): sign-in, live hand-off, review and analytics. */
  console: z
    .object({
      enabled: bool.default(true),
      /**
       * Key (at least 32 characters) that signs staff session cookies. Unset: a random key per process, so staff sign in
       * again after a restart and several processes cannot share sessions — set it in production.
       */
      sessionSecret: z.string().min(32, { error: 'must be at least 32 characters (e.g. `openssl rand -base64 48`)' }).optional(),
      /** How long a staff sign-in lasts. */
      sessionHours: z.coerce.number().min(0.05).max(24).default(8),
      /** Single sign-on with the bank's OpenID Connect identity provider (authorization code + PKCE); off when `issuer` is unset. */
      oidc: z
        .object({
          issuer: optionalUrl.optional(),
          clientId: z.string().default(''),
          clientSecret: z.string().default(''),
          /** ID-token claim holding the user's roles (a string or an array of strings). */
          roleClaim: z.string().default('roles'),
          /** Values of `roleClaim` that map to Moneta's two roles. */
          agentRole: z.string().default('moneta-agent'),
          analystRole: z.string().default('moneta-analyst'),
        })
        .prefault({}),
      /**
       * When people staff the live hand-off queue, e.g. `Mon-Fri 08:00-20:00, Sat 09:00-13:00` (server local time), or
       * `always`. Outside these hours, or with no agent online, customers get the callback/ticket path.
       */
      agentHours: z.string().default('always'),
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Salt for the hashes that stand in for session ids and IPs in logs; random per process when unset. */
      hashSalt: z.string().optional(),
    })
    .prefault({}),
});

/** Where conversations are stored: `MONETA_SESSION_STORE` if set, else PostgreSQL when `MONETA_DATABASE_URL` is set, else SQLite. */
export function sessionStoreKind(config: MonetaConfig): 'sqlite' | 'memory' | 'postgres' {
  return config.session.store ?? (config.database.url ? 'postgres' : 'sqlite');
}

/** The validated configuration. */
export type MonetaConfig = z.output<typeof configSchema>;
/** A partial configuration (tests and the CLI pass overrides). */
export type MonetaConfigInput = z.input<typeof configSchema>;

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Builds the config from environment variables (only the ones in ENV_VARS) plus optional overrides.
 * Throws ConfigError naming each bad variable and what it accepts.
 */
export function loadConfig(env: Record<string, string | undefined> = {}, overrides: MonetaConfigInput = {}): MonetaConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, target] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, target, value);
  }
  const parsed = configSchema.safeParse(deepMerge(raw, overrides as Record<string, unknown>));
  if (!parsed.success) {
    const byPath = Object.fromEntries(Object.entries(ENV_VARS).map(([k, v]) => [v, k]));
    const lines = parsed.error.issues.map((issue) => {
      const p = issue.path.join('.');
      const envName = byPath[p];
      return `- ${envName ? `${envName} (${p})` : p}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration; fix these settings:\n${lines.join('\n')}`);
  }
  if (parsed.data.limits.backend === 'redis' && !parsed.data.redis.url) {
    throw new ConfigError('Invalid configuration; fix these settings:\n- MONETA_REDIS_URL (redis.url): required when MONETA_RATE_LIMIT_BACKEND=redis');
  }
  if (parsed.data.session.store === 'postgres' && !parsed.data.database.url) {
    throw new ConfigError('Invalid configuration; fix these settings:\n- MONETA_DATABASE_URL (database.url): required when MONETA_SESSION_STORE=postgres');
  }
  return parsed.data;
}
