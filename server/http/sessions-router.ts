/** Session endpoints: `DELETE /api/v1/sessions/:id` (the right to erase) and the message history for resuming clients. */
import express, { type Router } from 'express';
import type { BotMessage } from '../contracts/chat-protocol.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ChatCore } from '../channels/handle-message.ts';
import { isWellFormedSender } from '../session/session-id.ts';
import type { SessionStore } from '../session/types.ts';

/** Options for `createSessionsRouter`. */
export interface SessionsRouterOptions {
  store: SessionStore;
  core: ChatCore;
}

/** One entry of a conversation's history as a client shows it. */
export type HistoryEntry = { from: 'user'; text: string; at: number } | { from: 'bot'; message: BotMessage; at: number };

function checkId(id: string): string {
  if (!isWellFormedSender(id)) throw new ValidationError('Invalid session id', [{ field: 'id', message: 'is not a well-formed session id' }]);
  return id;
}

/**
 * The session id acts as the conversation's bearer token (as in Rasa): whoever holds it may read or erase that
 * conversation; ids are random UUIDs, so they cannot be guessed.
 */
export function createSessionsRouter(options: SessionsRouterOptions): Router {
  const router = express.Router();
  router.delete('/api/v1/sessions/:id', async (req, res) => {
    const id = checkId(req.params.id);
    // Under the session lock: a turn in progress finishes first and cannot write after the erase.
    const deleted = await options.core.withSession(id, () => options.store.delete(id));
    if (!deleted) throw new NotFoundError('No such session.');
    res.json({ deleted: true });
  });
  router.get('/api/v1/sessions/:id/messages', async (req, res) => {
    const id = checkId(req.params.id);
    const record = await options.store.get(id);
    if (!record) throw new NotFoundError('No such session.');
    const history: HistoryEntry[] = [];
    for (const e of record.events) {
      if (e.type === 'user_uttered') history.push({ from: 'user', text: e.text, at: e.at });
      if (e.type === 'bot_uttered') history.push({ from: 'bot', message: e.message, at: e.at });
    }
    res.setHeader('cache-control', 'no-store');
    res.json({ sessionId: id, messages: history });
  });
  return router;
}
