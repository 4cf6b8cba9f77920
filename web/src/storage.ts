/** Persists the session id and a transcript cache in localStorage, namespaced per server and tagged with the widget version. */
import type { BotMessage } from '../../server/contracts/chat-protocol.ts';

/** The subset of the Web Storage API the widget uses (localStorage in the browser; a Map-backed store elsewhere). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** One line of the conversation as the widget shows it. */
export type TranscriptEntry =
  | { from: 'user'; text: string; at: number }
  | { from: 'bot'; message: BotMessage; at: number }
  | { from: 'system'; text: string; at: number };

/** Stored-record format; bump when the shape changes so old records are discarded instead of misread. */
export const STORAGE_FORMAT = 1;

/**
 * Default number of transcript entries kept in the host page's localStorage for a redraw after a reload (older ones
 * are dropped first). The cache lives in the bank's origin, readable by any script there, so it holds only what a
 * redraw needs; the server keeps the full conversation for its owner. `data-history-limit` changes it (0 = none).
 */
export const MAX_CACHED_ENTRIES = 50;

interface SessionRecord {
  format: number;
  widget: string;
  id: string;
  savedAt: number;
}

interface HistoryRecord {
  format: number;
  widget: string;
  sessionId: string;
  entries: TranscriptEntry[];
}

/** An in-memory store for when localStorage is missing or throws (Safari private mode, sandboxed iframes). */
export class MemoryStore implements KeyValueStore {
  readonly #map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#map.set(key, value);
  }
  removeItem(key: string): void {
    this.#map.delete(key);
  }
}

/** Returns `window.localStorage` if it is usable, else a {@link MemoryStore}. */
export function defaultStore(): KeyValueStore {
  try {
    const ls = globalThis.localStorage;
    const probe = 'moneta:probe';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
    return ls;
  } catch {
    return new MemoryStore();
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Keeps only entries with the expected shape (the stored JSON may be stale, truncated or edited by hand). */
function validEntry(e: unknown): e is TranscriptEntry {
  if (!isObject(e) || typeof e.at !== 'number') return false;
  if (e.from === 'user' || e.from === 'system') return typeof e.text === 'string';
  if (e.from === 'bot') return isObject(e.message);
  return false;
}

/**
 * Session id and transcript cache for one server. Keys are `moneta:<server>:session` and `moneta:<server>:history`,
 * so two widgets for different servers on one page (or one origin) never share a conversation.
 * Every method swallows storage errors (quota, disabled storage): persistence is a convenience, never a failure.
 */
export class WidgetStorage {
  /** localStorage key of the session record. */
  readonly sessionKey: string;
  /** localStorage key of the transcript cache. */
  readonly historyKey: string;
  private readonly store: KeyValueStore;
  private readonly widgetVersion: string;
  private readonly maxEntries: number;

  /** @param maxEntries transcript entries kept for a reload (default {@link MAX_CACHED_ENTRIES}; 0 keeps none) */
  constructor(store: KeyValueStore, server: string, widgetVersion: string, maxEntries: number = MAX_CACHED_ENTRIES) {
    this.store = store;
    this.widgetVersion = widgetVersion;
    this.maxEntries = Math.max(0, Math.floor(maxEntries));
    this.sessionKey = `moneta:${server}:session`;
    this.historyKey = `moneta:${server}:history`;
  }

  #read(key: string): unknown {
    try {
      const raw = this.store.getItem(key);
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      return undefined;
    }
  }

  #write(key: string, value: unknown): void {
    try {
      this.store.setItem(key, JSON.stringify(value));
    } catch {
      // Quota exceeded or storage disabled: keep working without persistence.
    }
  }

  /** The stored session id, or `undefined` if none, malformed, or written in another storage format. */
  loadSession(): string | undefined {
    const rec = this.#read(this.sessionKey);
    if (!isObject(rec) || rec.format !== STORAGE_FORMAT) return undefined;
    return typeof rec.id === 'string' && rec.id !== '' ? rec.id : undefined;
  }

  /** Stores the session id confirmed by the server, tagged with the widget version. */
  saveSession(id: string, now = Date.now()): void {
    const rec: SessionRecord = { format: STORAGE_FORMAT, widget: this.widgetVersion, id, savedAt: now };
    this.#write(this.sessionKey, rec);
  }

  /** The cached transcript of `sessionId` (empty if the cache belongs to another session). */
  loadHistory(sessionId: string | undefined): TranscriptEntry[] {
    const rec = this.#read(this.historyKey);
    if (!isObject(rec) || rec.format !== STORAGE_FORMAT || !Array.isArray(rec.entries)) return [];
    if (sessionId !== undefined && rec.sessionId !== sessionId) return [];
    // A cache written under a larger limit (older widget) is cut to this one.
    return this.maxEntries === 0 ? [] : rec.entries.filter(validEntry).slice(-this.maxEntries);
  }

  /** Caches the transcript (the newest `maxEntries` entries; with 0, nothing is cached and any old cache is removed). */
  saveHistory(sessionId: string, entries: readonly TranscriptEntry[]): void {
    if (this.maxEntries === 0) {
      try {
        this.store.removeItem(this.historyKey);
      } catch {
        // ignore: see class comment
      }
      return;
    }
    const rec: HistoryRecord = {
      format: STORAGE_FORMAT,
      widget: this.widgetVersion,
      sessionId,
      entries: entries.slice(-this.maxEntries),
    };
    this.#write(this.historyKey, rec);
  }

  /** Forgets the session and its transcript. */
  clear(): void {
    try {
      this.store.removeItem(this.sessionKey);
      this.store.removeItem(this.historyKey);
    } catch {
      // ignore: see class comment
    }
  }
}
