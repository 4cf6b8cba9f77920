/** Session endpoints: `DELETE /api/v1/sessions/:id` (the right to erase) and the message history for resuming clients. */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { BotMessage } from '../contracts/chat-protocol.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ChatCore } from '../channels/handle-message.ts';
import type { SessionOwnership } from '../session/ownership.ts';
import { isWellFormedSender } from '../session/session-id.ts';
import type { SessionStore } from '../session/types.ts';

/** Options for `createSessionsRouter`. */
export interface SessionsRouterOptions {
  store: SessionStore;
  core: ChatCore;
  ownership: SessionOwnership;
}

/** One entry of a conversation's history as a client shows it. */
export type HistoryEntry = { from: 'user'; text: string; at: number } | { from: 'bot'; message: BotMessage; at: number };

const FeedbackBody = z.object({ answerId: z.string().min(1).max(200), helpful: z.boolean() }).strict();

/** `{ answerId: string, helpful: boolean }`, else a 400 naming the field. */
function parseFeedback(body: unknown): z.infer<typeof FeedbackBody> {
  const parsed = FeedbackBody.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    'Invalid feedback',
    parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
  );
}

function checkId(id: string): string {
  if (!isWellFormedSender(id)) throw new ValidationError('Invalid session id', [{ field: 'id', message: 'is not a well-formed session id' }]);
  return id;
}

/**
 * Only the owner reaches a conversation (CONTRACTS §8): the path names the public session id, the credential travels
 * in `Authorization: Bearer …` (the anonymous session reference `<id>.<secret>`, a customer token, or the REST key;
 * none in open demo mode for REST conversations). Anyone else gets the same 404 as for a session that does not exist.
 */
export function createSessionsRouter(options: SessionsRouterOptions): Router {
  const { ownership } = options;
  const router = express.Router();
  /** The id if the request's credential owns it; otherwise the one 404 every "no" gets. */
  const owned = async (req: express.Request): Promise<string> => {
    const id = checkId(String(req.params.id));
    const { caller, reference } = await ownership.fromAuthorization(req.get('authorization'));
    if ((await ownership.authorize(id, caller, reference)) === undefined) throw new NotFoundError('No such session.');
    return id;
  };
  router.delete('/api/v1/sessions/:id', async (req, res) => {
    const id = await owned(req);
    // Under the session lock: a turn in progress finishes first and cannot write after the erase.
    const deleted = await options.core.withSession(id, () => options.store.delete(id));
    if (!deleted) throw new NotFoundError('No such session.');
    res.json({ deleted: true });
  });
  // "Did this help?" from HTTP clients (the widget sends `/feedback{…}` as a chat message instead).
  router.post('/api/v1/sessions/:id/feedback', async (req, res) => {
    const id = await owned(req);
    const body = parseFeedback(req.body);
    res.json({ recorded: true, answerId: body.answerId, helpful: body.helpful, ...(await options.core.recordFeedback(id, body.answerId, body.helpful)) });
  });
  router.get('/api/v1/sessions/:id/messages', async (req, res) => {
    const id = await owned(req);
    const record = await options.store.get(id);
    if (!record) throw new NotFoundError('No such session.');
    const history: HistoryEntry[] = [];
    for (const e of record.events) {
      if (e.type === 'user_uttered') history.push({ from: 'user', text: e.text, at: e.at });
      if (e.type === 'bot_uttered') history.push({ from: 'bot', message: e.message, at: e.at });
      // A live agent's messages reach the customer as bot_uttered text events; history shows them the same way.
      if (e.type === 'agent_uttered') history.push({ from: 'bot', message: { text: e.text }, at: e.at });
    }
    res.setHeader('cache-control', 'no-store');
    res.json({ sessionId: id, messages: history });
  });
  return router;
}
