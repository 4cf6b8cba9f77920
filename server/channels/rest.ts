/** The Rasa-compatible REST webhook (CONTRACTS §2): `POST /webhooks/rest/webhook` → the same replies as the socket. */
import express, { type Router } from 'express';
import { ValidationError } from '../errors.ts';
import { toRestReplies } from '../response/render.ts';
import { isWellFormedSender } from '../session/session-id.ts';
import type { ChatCore } from './handle-message.ts';

/** Options for `createRestWebhookRouter`. */
export interface RestChannelOptions {
  core: ChatCore;
}

/** Router with the REST webhook. Bad bodies → 400 `{ error }`; too long → 413; too many → 429. */
export function createRestWebhookRouter(options: RestChannelOptions): Router {
  const router = express.Router();
  router.post('/webhooks/rest/webhook', async (req, res) => {
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('Expected a JSON object body', [{ field: 'body', message: 'must be a JSON object like {"sender": "...", "message": "..."}' }]);
    }
    const { sender, message } = body as { sender?: unknown; message?: unknown };
    if (!isWellFormedSender(sender)) {
      throw new ValidationError('Invalid sender', [
        { field: 'sender', message: 'must be a string of 1 to 128 letters, digits or _ . : @ - (a session id)' },
      ]);
    }
    const outcome = await options.core.handleMessage({ channel: 'rest', sessionId: sender, owner: 'rest', message, ip: req.ip, missingMessage: 'reject' });
    if (outcome.error) throw outcome.error;
    res.json(toRestReplies(sender, outcome.replies));
  });
  return router;
}
