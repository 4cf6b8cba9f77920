/**
 * The Rasa-compatible Socket.IO channel (CONTRACTS §1): `session_request` → `session_confirm`, `user_uttered` → one
 * `bot_uttered` per reply, in order. A thin adapter over ChatCore; never throws into Socket.IO.
 */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/chat-protocol.ts';
import { BadRequestError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { errorReplies } from '../response/render.ts';
import { isIssuedSessionId, newSessionId } from '../session/session-id.ts';
import type { ChatCore, TurnOutcome } from './handle-message.ts';

/** The Socket.IO room holding every socket of one conversation (on every process, with the Redis adapter). */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/** The typed Socket.IO server Moneta runs. */
export type MonetaIoServer = Server<ClientToServerEvents, ServerToClientEvents>;
type MonetaSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Options for `attachSocketIoChannel`. */
export interface SocketIoChannelOptions {
  core: ChatCore;
  logger: Logger;
  /** Client address for per-IP limits (default: the socket's remote address). */
  clientIp?: (socket: MonetaSocket) => string | undefined;
}

/**
 * Attaches the chat protocol to every connection. A socket is bound to one conversation: the id it was confirmed
 * (or first used) with. A `user_uttered` naming another id gets an error event, so conversations never mix.
 */
export function attachSocketIoChannel(io: MonetaIoServer, options: SocketIoChannelOptions): void {
  const { core, logger } = options;
  const clientIp = options.clientIp ?? ((s: MonetaSocket) => s.handshake.address);

  io.on('connection', (socket) => {
    let sessionId: string | undefined;
    const send = (outcome: TurnOutcome): void => {
      for (const message of outcome.error ? errorReplies(outcome.error) : outcome.replies) socket.emit('bot_uttered', message);
    };
    // Replies go to every socket of the conversation (two tabs; with the Redis adapter, on every process); errors
    // concern only the message's sender.
    const deliverTo = (id: string) => (outcome: TurnOutcome): void => {
      if (outcome.error) {
        if (socket.connected) send(outcome);
        return;
      }
      for (const message of outcome.replies) io.to(sessionRoom(id)).emit('bot_uttered', message);
    };
    const bind = (id: string): void => {
      if (sessionId !== undefined && sessionId !== id) void socket.leave(sessionRoom(sessionId));
      sessionId = id;
      void socket.join(sessionRoom(id));
    };

    socket.on('session_request', (data) => {
      try {
        const requested = data && typeof data === 'object' ? data.session_id : undefined;
        // Only ids this server could have issued are resumed; anything else (null, forged, malformed) gets a new one.
        bind(isIssuedSessionId(requested) ? requested : newSessionId());
        socket.emit('session_confirm', sessionId!);
      } catch (error) {
        logger.error({ err: error }, 'session_request failed');
      }
    });

    socket.on('user_uttered', (data) => {
      try {
        const payload = data && typeof data === 'object' ? data : undefined;
        if (!payload) {
          send({ error: new BadRequestError('A user_uttered event must be an object with a message.') });
          return;
        }
        const claimed = payload.session_id;
        if (sessionId === undefined) {
          // No handshake yet: adopt a well-formed id (Rasa clients send it with every message) or start a new one.
          bind(isIssuedSessionId(claimed) ? claimed : newSessionId());
          if (sessionId !== claimed) socket.emit('session_confirm', sessionId!);
        } else if (claimed !== undefined && claimed !== null && claimed !== sessionId) {
          send({ error: new BadRequestError('This connection belongs to another conversation. Reconnect to switch conversations.') });
          return;
        }
        void core.handleMessage(
          { channel: 'socketio', sessionId: sessionId!, owner: 'socket', message: payload.message, ip: clientIp(socket), missingMessage: 'greet' },
          deliverTo(sessionId!),
        );
      } catch (error) {
        logger.error({ err: error }, 'user_uttered failed');
      }
    });
  });
}
