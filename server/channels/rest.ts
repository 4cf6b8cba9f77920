/**
 * The Rasa-compatible REST webhook (CONTRACTS §2, §8): `POST /webhooks/rest/webhook` → the same replies as the socket,
 * for conversations REST itself created (or a signed-in customer's own).
 */
import express, { type Router } from 'express';
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors.ts';
import { assertAllowed, type RateLimiter } from '../limits/rate-limit.ts';
import { toRestReplies } from '../response/render.ts';
import type { SessionOwnership } from '../session/ownership.ts';
import { isWellFormedSender } from '../session/session-id.ts';
import type { ChatCore } from './handle-message.ts';

/** Options for `createRestWebhookRouter`. */
export interface RestChannelOptions {
  core: ChatCore;
  ownership: SessionOwnership;
  /**
   * In open demo mode (no REST key), the per-address budget of senders that are new or not REST's: someone probing
   * `customer-0…customer-299` spends one point per guess and gets 429 long before finding anything.
   */
  newSenderLimiter: RateLimiter;
}

/**
 * Router with the REST webhook. With `MONETA_REST_API_KEY` set it needs `Authorization: Bearer <key>` or a customer
 * token (401 otherwise). A sender that belongs to someone else (a widget conversation, another customer) is answered
 * 404, as if it did not exist. Bad bodies → 400 `{ error }`; too long → 413; too many → 429.
 */
export function createRestWebhookRouter(options: RestChannelOptions): Router {
  const { core, ownership } = options;
  const router = express.Router();
  router.post('/webhooks/rest/webhook', async (req, res) => {
    const { caller } = await ownership.fromAuthorization(req.get('authorization'));
    if (caller.kind === 'anonymous') {
      throw new UnauthorizedError(
        ownership.restKeyRequired
          ? 'The REST webhook needs "Authorization: Bearer <REST API key>" or a customer token.'
          : 'The REST webhook takes a REST API key or a customer token, not a widget session credential.',
      );
    }
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
    const opened = await ownership.openRest(sender, caller);
    if (caller.kind === 'rest' && !ownership.restKeyRequired && (!opened || opened.created) && req.ip) {
      assertAllowed(await options.newSenderLimiter.consume(req.ip), 'Too many new conversations from this address: please wait and try again.');
    }
    if (!opened) throw new NotFoundError('No such session.');
    const outcome = await core.handleMessage({ channel: 'rest', sessionId: sender, owner: opened.owner, message, ip: req.ip, missingMessage: 'reject' });
    if (outcome.error) throw outcome.error;
    res.json(toRestReplies(sender, outcome.replies));
  });
  return router;
}
