/** Reads the embedding options from the `<script>` tag's data attributes (pure: no DOM access here). */

/** Resolved widget options. */
export interface WidgetOptions {
  /** Server base URL without trailing slash, e.g. `https://bank.example` or `https://bank.example/chat`. */
  server: string;
  /** Origin part of `server` (what Socket.IO connects to). */
  origin: string;
  /** Socket.IO path on that origin: `/socket.io/` or `<base path>/socket.io/`. */
  socketPath: string;
  /** Header title. */
  title: string;
  /** Header subtitle. */
  subtitle: string;
  /** Colour scheme: `light`, `dark`, or `auto` (follows the visitor's `prefers-color-scheme`). */
  theme: 'light' | 'dark' | 'auto';
  /** Open the panel right away. */
  open: boolean;
  /** Which side the launcher sits on. */
  position: 'right' | 'left';
  /** Sent once (invisibly) the first time the panel opens on an empty conversation, e.g. `/greet`. */
  initPayload?: string;
  /** BCP 47 language tag sent as `customData.language`. */
  language: string;
  /** Transcript entries kept in localStorage for a redraw after reload (`data-history-limit`, default 50; 0 = none). */
  historyLimit: number;
  /**
   * Name of a global function on the host page returning the bank's customer token (JWT) or a promise of it
   * (`data-auth-token-function`); unset = anonymous conversations.
   */
  authTokenFunction?: string;
  /** Greeting shown as soon as the panel opens on an empty conversation. */
  greeting: string;
  /** Entry buttons shown with the greeting (title shown, payload sent). */
  entryButtons: EntryButton[];
}

/** An entry button of the opening screen. */
export interface EntryButton {
  title: string;
  payload: string;
}

/** The default opening: what Moneta does, as four buttons (the server's capability buttons). */
export const DEFAULT_ENTRY_BUTTONS: readonly EntryButton[] = [
  { title: 'Cards & account help', payload: '/banking_help' },
  { title: 'Explain a money topic', payload: '/financial_education' },
  { title: 'Check my credit risk', payload: '/credit_risk_assessment' },
  { title: 'Suggest a portfolio', payload: '/portfolio_advice' },
];

/** The default greeting of the opening screen. */
export const DEFAULT_GREETING =
  "Hi, I'm Moneta, your bank's virtual assistant. I can help with your cards and account, explain money topics, estimate your credit risk or suggest an investment portfolio. What would you like to do?";

/**
 * Reads `data-entry-buttons`: a JSON array of `{ "title", "payload" }` (at most six), or `""` for none. Anything
 * malformed falls back to the defaults rather than breaking the opening.
 */
export function parseEntryButtons(value: string | undefined): EntryButton[] {
  if (value === undefined) return [...DEFAULT_ENTRY_BUTTONS];
  if (value.trim() === '') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return [...DEFAULT_ENTRY_BUTTONS];
    const buttons = parsed
      .filter((b): b is EntryButton => typeof b === 'object' && b !== null && typeof b.title === 'string' && typeof b.payload === 'string' && b.title.trim() !== '' && b.payload.trim() !== '')
      .slice(0, 6)
      .map((b) => ({ title: b.title.trim(), payload: b.payload.trim() }));
    return buttons.length > 0 ? buttons : [...DEFAULT_ENTRY_BUTTONS];
  } catch {
    return [...DEFAULT_ENTRY_BUTTONS];
  }
}

/** Defaults for the optional attributes. */
export const DEFAULT_OPTIONS = {
  title: 'Moneta Assistant',
  subtitle: 'Usually replies instantly',
  theme: 'light',
  position: 'right',
  language: 'en',
  historyLimit: 50,
} as const;

const truthy = (v: string | undefined): boolean =>
  v !== undefined && !['false', '0', 'no', 'off'].includes(v.trim().toLowerCase());

/**
 * Resolves options from a script element's `dataset`.
 * @param dataset the script's data attributes (`data-server` → `server`, …)
 * @param scriptSrc the script's absolute `src` (its origin is the default server), if known
 * @param pageHref the host page URL, the last resort for the server
 * @throws Error when `data-server` is not an http(s) URL
 */
export function readOptions(
  dataset: Record<string, string | undefined>,
  scriptSrc: string | undefined,
  pageHref: string,
): WidgetOptions {
  let base: URL;
  if (dataset.server && dataset.server.trim() !== '') {
    base = new URL(dataset.server.trim(), pageHref);
  } else if (scriptSrc) {
    // Default: the server that served widget.js — the script's own origin (not its path).
    base = new URL('/', new URL(scriptSrc, pageHref));
  } else {
    base = new URL('/', pageHref);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`Moneta widget: data-server must be an http(s) URL, got "${dataset.server ?? ''}"`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const theme = dataset.theme === 'dark' || dataset.theme === 'auto' ? dataset.theme : DEFAULT_OPTIONS.theme;
  const options: WidgetOptions = {
    server: base.origin + basePath,
    origin: base.origin,
    socketPath: dataset.socketPath?.trim() || `${basePath}/socket.io/`,
    title: dataset.title?.trim() || DEFAULT_OPTIONS.title,
    subtitle: dataset.subtitle?.trim() ?? DEFAULT_OPTIONS.subtitle,
    theme,
    open: truthy(dataset.open),
    position: dataset.position === 'left' ? 'left' : DEFAULT_OPTIONS.position,
    language: dataset.language?.trim() || DEFAULT_OPTIONS.language,
    historyLimit: /^\d{1,4}$/.test(dataset.historyLimit?.trim() ?? '') ? Number(dataset.historyLimit!.trim()) : DEFAULT_OPTIONS.historyLimit,
    greeting: dataset.greeting?.trim() || DEFAULT_GREETING,
    entryButtons: parseEntryButtons(dataset.entryButtons),
  };
  const tokenFunction = dataset.authTokenFunction?.trim();
  // A plain global name only (no dots or calls): the widget looks it up on window, it never evaluates the attribute.
  if (tokenFunction && /^[A-Za-z_$][\w$]{0,63}$/.test(tokenFunction)) options.authTokenFunction = tokenFunction;
  const init = dataset.initPayload?.trim();
  if (init) options.initPayload = init;
  return options;
}
