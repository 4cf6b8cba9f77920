/** UI-independent chat state: the transcript, connection state and typing indicator, persisted for reloads. */
import type { BotMessage } from '../../server/contracts/chat-protocol.ts';
import type { TranscriptEntry, WidgetStorage } from './storage.ts';
import { sessionRequest, type CustomerTokenProvider } from './session-credential.ts';
import { ChatTransport, type ConnectionState, type TransportOptions } from './transport.ts';

/** A transcript entry with a stable key for rendering. */
export type KeyedEntry = TranscriptEntry & { key: number };

/** Snapshot the UI renders. A new object on every change (so it can be compared by identity). */
export interface ChatState {
  entries: readonly KeyedEntry[];
  connection: ConnectionState;
  /** True between sending a message and the first reply to it. */
  typing: boolean;
  sessionId: string | undefined;
}

/** Controller settings. */
export interface ChatControllerOptions extends Omit<TransportOptions, 'storage'> {
  storage: WidgetStorage;
  /** Hide the typing indicator after this long without a reply (ms). Default 30000. */
  typingTimeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Server base URL for `GET /api/v1/sessions/:id/messages`. When set, a resumed conversation is reconciled with the
   * server's copy (it wins when it holds more messages than the local cache, e.g. after storage was cleared).
   */
  server?: string;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A message of the server's history endpoint (same shape as a cached transcript entry). */
type ServerHistoryEntry = { from: 'user'; text: string; at: number } | { from: 'bot'; message: BotMessage; at: number };

const conversational = (e: TranscriptEntry): boolean => e.from === 'user' || e.from === 'bot';

/**
 * The server stores what the user sent (a quick reply's payload, e.g. `/portfolio_advice`); the widget shows the
 * button's title. Maps each user payload back to the title of the button offered just before it.
 */
export function withButtonTitles(entries: readonly ServerHistoryEntry[]): TranscriptEntry[] {
  const titles = new Map<string, string>();
  return entries.map((e) => {
    if (e.from === 'bot') {
      const m = e.message as { quick_replies?: unknown; custom?: { type?: unknown; input?: { options?: unknown } } };
      const buttons = [
        ...(Array.isArray(m.quick_replies) ? m.quick_replies : []),
        ...(m.custom?.type === 'form_question' && Array.isArray(m.custom.input?.options) ? m.custom.input.options : []),
      ] as Array<{ title?: unknown; payload?: unknown }>;
      for (const b of buttons) {
        if (typeof b?.payload === 'string' && typeof b.title === 'string') titles.set(b.payload, b.title);
      }
      return e;
    }
    const title = titles.get(e.text);
    titles.clear();
    return title ? { ...e, text: title } : e;
  });
}

/** Text shown after the visitor erased the conversation. */
export const ERASED_NOTE = 'Conversation deleted from this device and from our server. You can start a new one.';

/** Text shown when the server starts a new conversation although the client asked to resume one. */
export const NEW_CONVERSATION_NOTE = 'Your earlier conversation could not be resumed, so a new one has started.';

/**
 * Owns the conversation the widget displays. Subscribers get a fresh {@link ChatState} after each change.
 * The transcript is cached in storage after every change, so a reload shows it again at once.
 */
export class ChatController {
  readonly #storage: WidgetStorage;
  readonly #transport: ChatTransport;
  readonly #listeners = new Set<(s: ChatState) => void>();
  readonly #typingTimeoutMs: number;
  readonly #now: () => number;
  readonly #server: string | undefined;
  readonly #customerToken: CustomerTokenProvider | undefined;
  readonly #fetch: typeof fetch | undefined;
  #appends = 0;
  #state: ChatState;
  #nextKey = 1;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ChatControllerOptions) {
    this.#storage = options.storage;
    this.#typingTimeoutMs = options.typingTimeoutMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#server = options.server;
    this.#customerToken = options.customerToken;
    this.#fetch = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
    const storedId = this.#storage.loadSession();
    const cached = storedId === undefined ? [] : this.#storage.loadHistory(storedId);
    this.#state = {
      entries: cached.map((e) => ({ ...e, key: this.#nextKey++ })),
      connection: 'connecting',
      typing: false,
      sessionId: storedId,
    };
    this.#transport = new ChatTransport(options, {
      onState: (connection) => this.#update({ connection }),
      onSession: (id, resumed) => this.#onSession(id, resumed),
      onBotMessage: (m) => this.#onBotMessage(m),
    });
  }

  /** Current snapshot. */
  get state(): ChatState {
    return this.#state;
  }

  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (s: ChatState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects. */
  start(): void {
    this.#transport.start();
  }

  /** Disconnects and stops timers. */
  stop(): void {
    clearTimeout(this.#typingTimer);
    this.#transport.stop();
  }

  /**
   * Sends `payload` to the bot and shows `display` (default: the payload) as the user's bubble.
   * A quick reply sends its payload (e.g. `/credit_risk_assessment`) but shows its title.
   * @param options.silent do not show a bubble (used for the optional init payload)
   */
  send(payload: string, display: string = payload, options: { silent?: boolean } = {}): void {
    const text = payload.trim();
    if (text === '') return;
    if (!options.silent) this.#append({ from: 'user', text: display.trim() || text, at: this.#now() });
    this.#setTyping(true);
    this.#transport.send(text);
  }

  /**
   * Erases the conversation — on the server (`DELETE /api/v1/sessions/:id`, the right to erase) and on this device —
   * and starts a new one. Resolves false, changing nothing, if the server could not be reached or refused.
   */
  async erase(): Promise<boolean> {
    const id = this.#state.sessionId;
    if (id !== undefined && this.#server && this.#fetch) {
      try {
        const { url, headers } = sessionRequest(this.#server, id, await this.#customerToken?.());
        const res = await this.#fetch(url, { method: 'DELETE', headers, credentials: 'omit' });
        if (!res.ok && res.status !== 404) return false; // 404: already gone (expired or erased elsewhere)
      } catch {
        return false;
      }
    }
    clearTimeout(this.#typingTimer);
    this.#appends += 1; // cancels a history reconcile in flight
    this.#state = { ...this.#state, entries: [], typing: false, sessionId: undefined };
    this.#transport.newSession();
    this.#append({ from: 'system', text: ERASED_NOTE, at: this.#now() });
    return true;
  }

  #onSession(id: string, resumed: boolean): void {
    const hadOther = this.#state.sessionId !== undefined && this.#state.sessionId !== id;
    if (!resumed && hadOther && this.#state.entries.length > 0) {
      // The server did not resume (expired or erased): old messages belong to a conversation it no longer has.
      this.#state = { ...this.#state, entries: [], sessionId: id };
      this.#append({ from: 'system', text: NEW_CONVERSATION_NOTE, at: this.#now() });
      return;
    }
    this.#update({ sessionId: id });
    this.#persist();
    if (resumed) void this.#reconcile(id);
  }

  /** Fetches the server's copy of a resumed conversation; adopts it if it has more than the local cache. */
  async #reconcile(id: string): Promise<void> {
    if (!this.#server || !this.#fetch) return;
    const appendsBefore = this.#appends;
    try {
      const { url, headers } = sessionRequest(this.#server, id, await this.#customerToken?.());
      const res = await this.#fetch(`${url}/messages`, { headers: { ...headers, accept: 'application/json' }, credentials: 'omit' });
      if (!res.ok) return;
      const body = (await res.json()) as { messages?: unknown };
      if (!Array.isArray(body.messages)) return;
      const remote = withButtonTitles(
        body.messages.filter(
          (e): e is ServerHistoryEntry =>
            typeof e === 'object' && e !== null && typeof (e as { at?: unknown }).at === 'number' &&
            (((e as { from?: unknown }).from === 'user' && typeof (e as { text?: unknown }).text === 'string') ||
              ((e as { from?: unknown }).from === 'bot' && typeof (e as { message?: unknown }).message === 'object')),
        ),
      );
      // Only if nothing happened meanwhile, and the server knows more than we show.
      if (this.#appends !== appendsBefore || this.#state.sessionId !== id) return;
      if (remote.length <= this.#state.entries.filter(conversational).length) return;
      this.#update({ entries: remote.map((e) => ({ ...e, key: this.#nextKey++ })) });
      this.#persist();
    } catch {
      // Offline or an older server without the endpoint: the local cache is what we have.
    }
  }

  #onBotMessage(message: BotMessage): void {
    this.#setTyping(false);
    this.#append({ from: 'bot', message, at: this.#now() });
  }

  #append(entry: TranscriptEntry): void {
    this.#appends += 1;
    this.#update({ entries: [...this.#state.entries, { ...entry, key: this.#nextKey++ }] });
    this.#persist();
  }

  #persist(): void {
    const id = this.#state.sessionId;
    if (id === undefined) return; // nothing to tie the cache to yet; saved once the session is confirmed
    this.#storage.saveHistory(
      id,
      this.#state.entries.map(({ key: _key, ...e }) => e as TranscriptEntry),
    );
  }

  #setTyping(typing: boolean): void {
    clearTimeout(this.#typingTimer);
    if (typing) this.#typingTimer = setTimeout(() => this.#update({ typing: false }), this.#typingTimeoutMs);
    if (this.#state.typing !== typing) this.#update({ typing });
  }

  #update(patch: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l(this.#state);
  }
}
