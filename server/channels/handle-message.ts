/**
 * The one code path every channel uses: per-session ordering, input checks, rate limits, readiness, timing and error
 * mapping around the MessageProcessor. Channels only translate their wire format to and from this.
 */
import { performance } from 'node:perf_hooks';
import type { BotMessage } from '../contracts/chat-protocol.ts';
import { MonetaError, ModelNotReadyError, PayloadTooLargeError, ValidationError, isMonetaError } from '../errors.ts';
import type { MessageProcessor } from '../dialogue/processor.ts';
import type { Logger } from '../observability/logger.ts';
import type { MonetaMetrics } from '../observability/metrics.ts';
import { assertAllowed, createMemoryRateLimiterFactory, type RateLimiter, type RateLimiterFactory } from '../limits/rate-limit.ts';
import type { SessionLock } from '../session/session-lock.ts';
import type { SessionOwner } from '../session/types.ts';

/** A message as a channel received it. `message` is unchecked: it may be missing, empty, too long or not a string. */
export interface IncomingMessage {
  channel: 'socketio' | 'rest' | (string & {});
  /** Already validated by the channel (issued UUID or well-formed sender). */
  sessionId: string;
  /** The owner the channel authorised for this session (server/session/ownership.ts). */
  owner: SessionOwner;
  message: unknown;
  /** Client address for the per-IP limit. */
  ip?: string | undefined;
  /**
   * How to treat a missing message: `greet` (socket: rasa-webchat opens with a message-less `user_uttered`) or
   * `reject` (REST: a body without a message is a bad request).
   */
  missingMessage: 'greet' | 'reject';
}

/** The result of one message: replies to send, or an error (conversation state unchanged). */
export type TurnOutcome = { replies: BotMessage[]; error?: undefined } | { replies?: undefined; error: MonetaError };

/** Options for the `ChatCore` constructor. */
export interface ChatCoreOptions {
  processor: MessageProcessor;
  lock: SessionLock;
  maxMessageLength: number;
  rateLimitPerSessionPerMinute: number;
  rateLimitPerIpPerMinute: number;
  /** Builds the per-session and per-IP limiters (the app's one factory; default in-memory). */
  rateLimiters?: RateLimiterFactory;
  metrics: MonetaMetrics;
  logger: Logger;
  hash: (value: string) => string;
  /** Resolves once models and indexes are loaded; turns wait for it (they are queued, not refused). */
  ready?: Promise<unknown>;
}

/** Channel-independent message handling. */
export class ChatCore {
  private readonly sessionLimiter: RateLimiter;
  private readonly ipLimiter: RateLimiter;
  private closing = false;
  private turnCounter = 0;

  constructor(private readonly options: ChatCoreOptions) {
    const factory = options.rateLimiters ?? createMemoryRateLimiterFactory();
    this.sessionLimiter = factory({ name: 'chat-session', points: options.rateLimitPerSessionPerMinute, durationSeconds: 60 });
    this.ipLimiter = factory({ name: 'chat-ip', points: options.rateLimitPerIpPerMinute, durationSeconds: 60 });
  }

  /** Refuse messages arriving from now on (shutdown); those already received still finish. */
  stopAccepting(): void {
    this.closing = true;
  }

  /**
   * Handles one incoming message. Everything, including the checks, runs inside the session's lock, so replies and
   * error events leave in the order the messages arrived. `deliver` is called inside the lock with the outcome; channels
   * that push (Socket.IO) send from there so a later turn can never overtake an earlier one.
   */
  handleMessage(incoming: IncomingMessage, deliver?: (outcome: TurnOutcome) => void): Promise<TurnOutcome> {
    this.options.metrics.messagesTotal.inc({ channel: incoming.channel });
    // Decided on arrival: messages received before shutdown began still get answered (within the grace period).
    const refused = this.closing;
    return this.options.lock.run(incoming.sessionId, async () => {
      const outcome = await this.process(incoming, refused);
      deliver?.(outcome);
      return outcome;
    });
  }

  /** Records "Did this help?" for an answer of this conversation, under the session's lock (see MessageProcessor.recordFeedback). */
  recordFeedback(sessionId: string, answerId: string, helpful: boolean): Promise<{ passageId: string; next?: string }> {
    return this.options.lock.run(sessionId, () => this.options.processor.recordFeedback(sessionId, answerId, helpful));
  }

  /** Runs `fn` with the session's lock held (e.g. erasing a session while no turn is writing to it). */
  withSession<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    return this.options.lock.run(sessionId, fn);
  }

  private async process(incoming: IncomingMessage, refused: boolean): Promise<TurnOutcome> {
    const start = performance.now();
    const turnId = (this.turnCounter = (this.turnCounter + 1) % Number.MAX_SAFE_INTEGER);
    try {
      await this.consumeRateLimits(incoming);
      const text = this.check(incoming);
      if (refused) throw new ModelNotReadyError('Moneta is restarting. Please send your message again in a moment.');
      if (this.options.ready) await this.options.ready;
      const { processor } = this.options;
      const replies =
        text === undefined
          ? await processor.handleOpen({ sessionId: incoming.sessionId, channel: incoming.channel, owner: incoming.owner })
          : await processor.handleMessage({ sessionId: incoming.sessionId, text, channel: incoming.channel, owner: incoming.owner });
      this.options.metrics.stageDuration.observe({ stage: 'turn' }, (performance.now() - start) / 1000);
      return { replies };
    } catch (error) {
      const mapped = isMonetaError(error) && error.code !== 'internal' ? error : new MonetaError('internal', 'Sorry, something went wrong on my side. Please try again in a moment.', { cause: error });
      this.options.metrics.errorsTotal.inc({ code: mapped.code });
      const log = { turnId, code: mapped.code, channel: incoming.channel, sessionHash: this.options.hash(incoming.sessionId) };
      if (mapped.code === 'internal') this.options.logger.error({ ...log, err: error }, 'turn failed');
      else this.options.logger.info(log, 'message rejected');
      return { error: mapped };
    }
  }

  /** Returns the text to process, undefined for a message-less "open", or throws a 4xx MonetaError. */
  private check(incoming: IncomingMessage): string | undefined {
    const { message } = incoming;
    if (message === undefined || message === null) {
      if (incoming.missingMessage === 'greet') return undefined;
      throw new ValidationError('The request has no message', [{ field: 'message', message: 'is required' }]);
    }
    if (typeof message !== 'string') {
      throw new ValidationError('Messages must be text', [{ field: 'message', message: 'must be a string' }]);
    }
    if (message.trim() === '') {
      throw new ValidationError('Please type a message', [{ field: 'message', message: 'must not be empty' }]);
    }
    if (message.length > this.options.maxMessageLength) {
      throw new PayloadTooLargeError(`Messages can be at most ${this.options.maxMessageLength} characters; yours has ${message.length}. Please shorten it.`);
    }
    return message;
  }

  private async consumeRateLimits(incoming: IncomingMessage): Promise<void> {
    assertAllowed(await this.sessionLimiter.consume(incoming.sessionId));
    if (incoming.ip) assertAllowed(await this.ipLimiter.consume(incoming.ip));
  }
}
