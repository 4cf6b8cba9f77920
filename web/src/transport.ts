/** Socket.IO transport: the session_request/session_confirm handshake on every (re)connect, an outbox, reconnect with back-off. */
import { io, type Socket } from 'socket.io-client';
import type { BotMessage, ClientToServerEvents, ServerToClientEvents } from '../../server/contracts/chat-protocol.ts';
import type { CustomerTokenProvider } from './session-credential.ts';
import type { WidgetStorage } from './storage.ts';

/** What the widget shows about the connection. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** Callbacks the transport reports to (all optional). */
export interface TransportHandlers {
  /** The connection state changed. */
  onState?(state: ConnectionState): void;
  /** The server confirmed a session; `resumed` is true when it is the id this client asked to resume. */
  onSession?(sessionId: string, resumed: boolean): void;
  /** One `bot_uttered` event, in arrival order. */
  onBotMessage?(message: BotMessage): void;
}

/** Transport settings. */
export interface TransportOptions {
  /** Server origin, e.g. `https://bank.example`. */
  origin: string;
  /** Socket.IO path, default `/socket.io/`. */
  socketPath?: string;
  /** Where the session id lives between page loads. */
  storage: WidgetStorage;
  /** Sent with every `user_uttered` (Rasa's `customData`, e.g. `{ language: 'en' }`). */
  customData?: Record<string, unknown>;
  /** First reconnect delay in ms (doubles each attempt, ±50 % jitter). Default 1000. */
  reconnectionDelay?: number;
  /** Reconnect delay cap in ms. Default 15000. */
  reconnectionDelayMax?: number;
  /** The bank's customer token, asked for on every (re)connect and sent in the handshake (`auth.token`). */
  customerToken?: CustomerTokenProvider;
}

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * One chat connection. Messages sent before the session is confirmed, or while disconnected, wait in an outbox and
 * go out in order right after the next `session_confirm` — so a `user_uttered` never precedes the handshake on a
 * fresh connection (Socket.IO's own send buffer would flush before our `connect` handler runs).
 */
export class ChatTransport {
  readonly #opts: TransportOptions;
  readonly #handlers: TransportHandlers;
  #socket: ChatSocket | undefined;
  #ready = false;
  #outbox: string[] = [];
  #requested: string | null = null;
  #sessionId: string | undefined;
  #state: ConnectionState = 'connecting';
  #kickTimer: ReturnType<typeof setTimeout> | undefined;
  #kicks = 0;
  readonly #onOnline = (): void => {
    // Back online: try now instead of waiting out the current back-off delay (disconnect resets the Manager).
    const socket = this.#socket;
    if (!socket) return;
    if (socket.connected) {
      this.#setState(this.#ready ? 'online' : 'connecting'); // the connection survived the blip
      return;
    }
    this.#setState('reconnecting');
    socket.disconnect();
    socket.connect();
  };
  readonly #onOffline = (): void => this.#setState('offline');

  constructor(options: TransportOptions, handlers: TransportHandlers = {}) {
    this.#opts = options;
    this.#handlers = handlers;
  }

  /** The session id confirmed by the server on this connection, if any. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Messages waiting for a confirmed connection. */
  get pending(): number {
    return this.#outbox.length;
  }

  /** Opens the connection (idempotent). */
  start(): void {
    if (this.#socket) return;
    const socket: ChatSocket = io(this.#opts.origin, {
      path: this.#opts.socketPath ?? '/socket.io/',
      // socket.io-client's Manager backs off exponentially: delay·2^attempt, randomised ±50 %, capped.
      reconnection: true,
      reconnectionDelay: this.#opts.reconnectionDelay ?? 1000,
      reconnectionDelayMax: this.#opts.reconnectionDelayMax ?? 15_000,
      randomizationFactor: 0.5,
      withCredentials: false,
      // Called before each (re)connect, so a refreshed token is used after the old one expires.
      ...(this.#opts.customerToken
        ? {
            auth: (cb: (data: object) => void) => {
              this.#opts.customerToken!().then((token) => cb(token ? { token } : {}), () => cb({}));
            },
          }
        : {}),
    });
    this.#socket = socket;

    socket.on('connect', () => {
      this.#ready = false;
      this.#kicks = 0;
      // Ask to resume the stored conversation on every (re)connect; the server answers with it or a new id.
      this.#requested = this.#opts.storage.loadSession() ?? null;
      socket.emit('session_request', { session_id: this.#requested });
    });
    socket.on('session_confirm', (id: unknown) => {
      if (typeof id !== 'string' || id === '') return; // a malformed confirm must not wipe a good session
      const resumed = this.#requested !== null && this.#requested === id;
      this.#sessionId = id;
      this.#opts.storage.saveSession(id);
      this.#ready = true;
      this.#handlers.onSession?.(id, resumed);
      this.#setState('online');
      this.#flush();
    });
    socket.on('bot_uttered', (message: unknown) => {
      if (isObject(message)) this.#handlers.onBotMessage?.(message as unknown as BotMessage);
    });
    socket.on('disconnect', (reason) => {
      this.#ready = false;
      if (reason === 'io client disconnect') return;
      this.#setState(this.#browserOffline() ? 'offline' : 'reconnecting');
      // After a server-side disconnect Socket.IO does not reconnect by itself.
      if (reason === 'io server disconnect') this.#kick();
    });
    socket.on('connect_error', () => {
      this.#setState(this.#browserOffline() ? 'offline' : 'reconnecting');
      // `active` is false when the server refused the connection (middleware error): no automatic retry then.
      if (!socket.active) this.#kick();
    });
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.#onOnline);
      window.addEventListener('offline', this.#onOffline);
    }
  }

  /** Sends one user message (the text or a quick-reply payload); queued until the session is confirmed. */
  send(message: string): void {
    this.#outbox.push(message);
    this.#flush();
  }

  /**
   * Starts over with a new session: forgets the stored id, drops queued messages and reconnects, so the next
   * `session_request` carries `null` and the server opens a fresh conversation.
   */
  newSession(): void {
    this.#opts.storage.clear();
    this.#outbox = [];
    this.#sessionId = undefined;
    this.#ready = false;
    const socket = this.#socket;
    if (!socket) return;
    this.#setState('connecting');
    socket.disconnect();
    socket.connect();
  }

  /** Closes the connection and drops queued messages. */
  stop(): void {
    clearTimeout(this.#kickTimer);
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.#onOnline);
      window.removeEventListener('offline', this.#onOffline);
    }
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    this.#socket = undefined;
    this.#ready = false;
    this.#outbox = [];
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket || !this.#ready || !socket.connected || this.#sessionId === undefined) return;
    while (this.#outbox.length > 0) {
      const message = this.#outbox.shift() as string;
      socket.emit('user_uttered', {
        message,
        session_id: this.#sessionId,
        customData: this.#opts.customData ?? {},
      });
    }
  }

  /** Manual reconnect with the same exponential back-off the Manager uses, for the cases it does not cover. */
  #kick(): void {
    clearTimeout(this.#kickTimer);
    const base = this.#opts.reconnectionDelay ?? 1000;
    const max = this.#opts.reconnectionDelayMax ?? 15_000;
    const delay = Math.min(max, base * 2 ** this.#kicks) * (0.5 + Math.random());
    this.#kicks += 1;
    this.#kickTimer = setTimeout(() => this.#socket?.connect(), delay);
  }

  #browserOffline(): boolean {
    return typeof navigator !== 'undefined' && navigator.onLine === false;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#handlers.onState?.(state);
  }
}
