/**
 * The console's HTTP surface under /console: the page and its assets, sign-in (local accounts and OIDC), and the
 * analyst's API (search, transcript, corrections, export, analytics, access log). Mounted before the CORS middleware,
 * so no customer origin is ever granted access, and guarded by `sameOriginOnly`.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { SignJWT } from 'jose';
import type { AuthOptions, StaffMe } from '../../contracts/console-api.ts';
import { UnauthorizedError, ValidationError } from '../../errors.ts';
import { assertAllowed, type RateLimiterFactory } from '../../limits/rate-limit.ts';
import type { Retriever } from '../../rag/types.ts';
import type { AccessLog } from '../access-log.ts';
import { parsePeriod, type ConsoleAnalytics } from '../analytics/analytics.ts';
import { ownOrigin, requireStaff, sameOriginOnly } from '../auth/guards.ts';
import type { OidcSignIn } from '../auth/oidc.ts';
import type { StaffSessions } from '../auth/staff-session.ts';
import type { StaffAccounts } from '../auth/staff-users.ts';
import { parseConversationFilter, type ReviewService } from '../review/review-service.ts';

/** Dependencies of the console router. */
export interface ConsoleRouterDeps {
  sessions: StaffSessions;
  users: StaffAccounts;
  oidc?: OidcSignIn | undefined;
  review: ReviewService;
  analytics: ConsoleAnalytics;
  accessLog: AccessLog;
  retriever?: Retriever | undefined;
  intents: () => readonly string[];
  rateLimiters: RateLimiterFactory;
  /** `config.server.publicUrl`. */
  publicUrl?: string | undefined;
  /** The built console (web/dist/console). */
  distDir: string;
  /** Extra agent routes (the live hand-off desk's HTTP endpoints). */
  agentRouter?: Router;
}

/** The page's Content-Security-Policy: nothing inline, nothing from elsewhere, never framed. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Builds the /console router. */
export function createConsoleRouter(deps: ConsoleRouterDeps): Router {
  const router = express.Router();
  const outer = express.Router();
  outer.use('/console', sameOriginOnly(deps.publicUrl), router);
  const analyst = requireStaff(deps.sessions, ['analyst']);
  const agent = requireStaff(deps.sessions, ['agent']);
  const anyone = requireStaff(deps.sessions, ['agent', 'analyst']);
  const loginLimiter = deps.rateLimiters({ name: 'console-login', points: 10, durationSeconds: 60 });
  router.use(express.json({ limit: '16kb' }));
  router.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });

  // ---- the page --------------------------------------------------------------------------------------------------
  const page = (_req: express.Request, res: express.Response): void => {
    const index = path.join(deps.distDir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain; charset=utf-8').send('The console is not built yet. Run `npm run build:web`, then reload.');
      return;
    }
    res.setHeader('content-security-policy', CONSOLE_CSP);
    res.sendFile(index);
  };
  router.get('/', page);
  router.use('/assets', express.static(path.join(deps.distDir, 'assets'), { fallthrough: false, maxAge: '1y', immutable: true }));

  // ---- sign-in -----------------------------------------------------------------------------------------------------
  router.get('/api/auth-options', async (_req, res) => {
    res.json({ local: (await deps.users.count()) > 0, oidc: deps.oidc !== undefined } satisfies AuthOptions);
  });
  router.post('/api/login', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string' || body.username.length > 64 || body.password.length > 256) {
      throw new ValidationError('Give a username and a password.', [{ field: 'username', message: 'and password are required strings' }]);
    }
    assertAllowed(await loginLimiter.consume(`${req.ip ?? ''}|${body.username}`), 'Too many sign-in attempts: wait a minute and try again.');
    const staff = await deps.users.verify(body.username, body.password);
    if (!staff) throw new UnauthorizedError('Wrong username or password.');
    await deps.accessLog.write(staff, 'sign_in', undefined, 'local');
    res.setHeader('set-cookie', await deps.sessions.issue(staff));
    res.json({ id: staff.id, name: staff.name, roles: staff.roles, via: staff.via } satisfies StaffMe);
  });
  router.post('/api/logout', (_req, res) => {
    res.setHeader('set-cookie', deps.sessions.clear());
    res.status(204).end();
  });
  router.get('/api/me', anyone, (req, res) => {
    const s = req.staff!;
    res.json({ id: s.id, name: s.name, roles: s.roles, via: s.via } satisfies StaffMe);
  });
  router.get('/auth/oidc/start', async (req, res) => {
    if (!deps.oidc) throw new ValidationError('Single sign-on is not configured.', [{ field: 'oidc', message: 'set MONETA_CONSOLE_OIDC_ISSUER' }]);
    const { url, cookie } = await deps.oidc.start(`${ownOrigin(req, deps.publicUrl)}/console/auth/oidc/callback`);
    res.setHeader('set-cookie', cookie);
    res.redirect(302, url);
  });
  router.get('/auth/oidc/callback', async (req, res) => {
    if (!deps.oidc) throw new ValidationError('Single sign-on is not configured.', [{ field: 'oidc', message: 'set MONETA_CONSOLE_OIDC_ISSUER' }]);
    const staff = await deps.oidc.finish(new URL(req.originalUrl, ownOrigin(req, deps.publicUrl)), req.headers.cookie);
    await deps.accessLog.write(staff, 'sign_in', undefined, 'oidc');
    res.setHeader('set-cookie', [await deps.sessions.issue(staff), deps.oidc.clearFlow()]);
    // A SameSite=Strict cookie set during a cross-site redirect chain is not sent until a same-site navigation: continue
    // with one (no script: the page's CSP forbids inline code).
    res.setHeader('content-security-policy', CONSOLE_CSP);
    res
      .type('text/html; charset=utf-8')
      .send('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/console/"><title>Signed in</title></head><body><p><a href="/console/">Continue to the Moneta console</a></p></body></html>');
  });

  // ---- agent -------------------------------------------------------------------------------------------------------
  router.get('/api/socket-ticket', agent, async (req, res) => {
    const s = req.staff!;
    // The staff Socket.IO namespace lives under /socket.io/, where the /console-scoped cookie is not sent: a one-minute
    // ticket, fetched same-origin with the cookie, authenticates the handshake instead.
    const ticket = await new SignJWT({ name: s.name, roles: s.roles, via: s.via })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(s.id)
      .setAudience('moneta-staff-socket')
      .setExpirationTime('60s')
      .sign(deps.sessions.key);
    res.json({ ticket });
  });
  if (deps.agentRouter) router.use('/api/live', agent, deps.agentRouter);
  router.post('/api/suggest', agent, async (req, res) => {
    const query = (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || query.trim() === '' || query.length > 2000) throw new ValidationError('Invalid query', [{ field: 'query', message: 'must be 1–2000 characters' }]);
    const hits = deps.retriever ? await deps.retriever.invoke(query, { k: 3 }) : [];
    res.json(hits.map((h) => ({ id: h.id, title: h.title, text: h.text })));
  });

  // ---- analyst -----------------------------------------------------------------------------------------------------
  router.get('/api/conversations', analyst, async (req, res) => {
    res.json(await deps.review.search(parseConversationFilter(req.query)));
  });
  router.get('/api/conversations/:id', analyst, async (req, res) => {
    const id = String(req.params.id);
    const view = await deps.review.transcript(id);
    await deps.accessLog.write(req.staff!, 'read_transcript', id);
    res.json(view);
  });
  router.post('/api/conversations/:id/corrections', analyst, async (req, res) => {
    const id = String(req.params.id);
    const result = await deps.review.correct(id, req.body, req.staff!.id);
    await deps.accessLog.write(req.staff!, 'correct', id, JSON.stringify({ seq: result.seq, ...result.correction }));
    res.status(201).json(result);
  });
  router.get('/api/intents', analyst, (_req, res) => {
    res.json([...deps.intents()].sort());
  });
  router.post('/api/passages', analyst, async (req, res) => {
    const query = (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || query.trim() === '' || query.length > 2000) throw new ValidationError('Invalid query', [{ field: 'query', message: 'must be 1–2000 characters' }]);
    const hits = deps.retriever ? await deps.retriever.invoke(query, { k: 5 }) : [];
    res.json(hits.map((h) => ({ id: h.id, title: h.title })));
  });
  router.get('/api/export/intents.jsonl', analyst, async (req, res) => {
    await deps.accessLog.write(req.staff!, 'export', undefined, 'intents.jsonl');
    res.type('application/x-ndjson; charset=utf-8').setHeader('content-disposition', 'attachment; filename="console-corrections.jsonl"');
    res.send(await deps.review.exportIntentJsonl());
  });
  router.get('/api/export/passage-questions.yaml', analyst, async (req, res) => {
    await deps.accessLog.write(req.staff!, 'export', undefined, 'passage-questions.yaml');
    res.type('text/yaml; charset=utf-8').setHeader('content-disposition', 'attachment; filename="passage-questions.yaml"');
    res.send(await deps.review.exportPassageQuestionsYaml());
  });
  router.get('/api/analytics', analyst, async (req, res) => {
    const period = parsePeriod(req.query);
    await deps.accessLog.write(req.staff!, 'read_analytics', undefined, `${period.from}..${period.to}`);
    res.json(await deps.analytics.report(period));
  });
  router.get('/api/access-log', analyst, async (_req, res) => {
    res.json(await deps.accessLog.recent());
  });
  return outer;
}
