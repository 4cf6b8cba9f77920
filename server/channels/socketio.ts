/**
 * The Rasa-compatible Socket.IO channel (CONTRACTS §1, §8): `session_request` → `session_confirm`, `user_uttered` → one
 * `bot_uttered` per reply, in order. A thin adapter over ChatCore and the ownership stage; never throws into Socket.IO.
 */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/chat-protocol.ts';
import { BadRequestError, UnauthorizedError, isMonetaError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { errorReplies } from '../response/render.ts';
import type { Caller, OpenedSession, SessionOwnership } from '../session/ownership.ts';
import type { ChatCore, TurnOutcome } from './handle-message.ts';

/** The Socket.IO room holding every socket of one conversation (on every process, with the Redis adapter). */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/** What the handshake established for one connection. */
interface SocketData {
  caller: Caller;
}

/** The typed Socket.IO server Moneta runs. */
export type MonetaIoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type MonetaSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Options for `attachSocketIoChannel`. */
export interface SocketIoChannelOptions {
  core: ChatCore;
  ownership: SessionOwnership;
  logger: Logger;
  /** Client address for per-IP limits (default: the socket's remote address). */
  clientIp?: (socket: MonetaSocket) => string | undefined;
  now?: () => number;
}

/**
 * Attaches the chat protocol to every connection. A customer token, if the client sends one, travels in the
 * handshake (`auth: { token }`) and is verified before the connection is accepted; without one the client is
 * anonymous and proves ownership with the session reference it was issued. A socket is bound to one conversation:
 * the one it was confirmed with. A `user_uttered` naming another id gets an error event, so conversations never mix.
 */
export function attachSocketIoChannel(io: MonetaIoServer, options: SocketIoChannelOptions): void {
  const { core, logger, ownership } = options;
  const clientIp = options.clientIp ?? ((s: MonetaSocket) => s.handshake.address);
  const now = options.now ?? Date.now;

  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const token = auth && typeof auth === 'object' ? (auth as { token?: unknown }).token : undefined;
    if (token === undefined || token === null || token === '') {
      socket.data.caller = { kind: 'anonymous' };
      next();
      return;
    }
    ownership.customer(String(token)).then(
      (caller) => {
        socket.data.caller = caller;
        next();
      },
      (error: unknown) => {
        // The client sees the reason (connect_error), never the verifier's details.
        const message = isMonetaError(error) ? error.message : 'The sign-in token could not be checked.';
        const refused = new Error(message) as Error & { data?: unknown };
        refused.data = { code: isMonetaError(error) ? error.code : 'unauthorized' };
        next(refused);
      },
    );
  });

  io.on('connection', (socket) => {
    let session: OpenedSession | undefined;
    // Handlers that await the ownership stage run one after another, so a user_uttered sent right after a
    // session_request is handled after the session is settled, and turns reach ChatCore in arrival order.
    let queue: Promise<void> = Promise.resolve();
    const enqueue = (what: string, fn: () => Promise<void>): void => {
      queue = queue.then(fn).catch((error: unknown) => logger.error({ err: error }, `${what} failed`));
    };
    const send = (outcome: TurnOutcome): void => {
      for (const message of outcome.error ? errorReplies(outcome.error) : outcome.replies) socket.emit('bot_uttered', message);
    };
    // Replies go to every socket of the conversation (two tabs of its owner; with the Redis adapter, on every
    // process); errors concern only the message's sender. Only sockets that passed the ownership check join the room.
    const deliverTo = (id: string) => (outcome: TurnOutcome): void => {
      if (outcome.error) {
        if (socket.connected) send(outcome);
        return;
      }
      for (const message of outcome.replies) io.to(sessionRoom(id)).emit('bot_uttered', message);
    };
    const open = async (requested: unknown): Promise<OpenedSession> => {
      const opened = await ownership.open(requested, socket.data.caller);
      if (session !== undefined && session.sessionId !== opened.sessionId) await socket.leave(sessionRoom(session.sessionId));
      session = opened;
      await socket.join(sessionRoom(opened.sessionId));
      return opened;
    };

    socket.on('session_request', (data) =>
      enqueue('session_request', async () => {
        const requested = data && typeof data === 'object' ? data.session_id : undefined;
        // Only a conversation this client owns is resumed; anything else (null, forged, someone else's) gets a new one.
        const opened = await open(requested);
        socket.emit('session_confirm', opened.reference);
      }),
    );

    socket.on('user_uttered', (data) =>
      enqueue('user_uttered', async () => {
        const payload = data && typeof data === 'object' ? data : undefined;
        if (!payload) {
          send({ error: new BadRequestError('A user_uttered event must be an object with a message.') });
          return;
        }
        const claimed = payload.session_id;
        if (session === undefined) {
          // No handshake yet (Rasa clients send the id with every message): resume it if owned, else start a new one.
          const opened = await open(claimed);
          if (opened.reference !== claimed) socket.emit('session_confirm', opened.reference);
        } else if (claimed !== undefined && claimed !== null && claimed !== session.reference) {
          send({ error: new BadRequestError('This connection belongs to another conversation. Reconnect to switch conversations.') });
          return;
        }
        const { caller } = socket.data;
        if (caller.kind === 'customer' && caller.identity.expiresAt !== undefined && caller.identity.expiresAt <= now()) {
          send({ error: new UnauthorizedError('Your sign-in has expired. Please reload the page to continue.') });
          return;
        }
        const current = session!;
        void core.handleMessage(
          { channel: 'socketio', sessionId: current.sessionId, owner: current.owner, message: payload.message, ip: clientIp(socket), missingMessage: 'greet' },
          deliverTo(current.sessionId),
        );
      }),
    );
  });
}
