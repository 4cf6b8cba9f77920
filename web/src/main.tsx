/** Loader: reads the `<script>` tag's options, mounts the widget in a shadow root and connects. Entry of web/dist/widget.js. */
import chartistCss from 'chartist/dist/index.css?inline';
import { render } from 'preact';
import { ChatController } from './chat-controller.ts';
import { readOptions, type WidgetOptions } from './options.ts';
import { globalTokenProvider } from './session-credential.ts';
import { defaultStore, WidgetStorage } from './storage.ts';
import { App } from './ui/app.tsx';
import widgetCss from './ui/widget.css?inline';
import { WIDGET_VERSION } from './version.ts';

/** Handle returned by {@link mount}. */
export interface MonetaWidget {
  /** Resolved options. */
  readonly options: WidgetOptions;
  /** The chat state owner (transcript, connection). */
  readonly controller: ChatController;
  /** The `<moneta-widget>` host element. */
  readonly host: HTMLElement;
  /** Disconnects and removes the widget from the page. */
  unmount(): void;
}

/** The widget version. */
export const version = WIDGET_VERSION;

// Captured while the script executes: `document.currentScript` is null afterwards (and for module scripts).
const loaderScript: HTMLScriptElement | null =
  typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement
    ? document.currentScript
    : null;

function findScript(): HTMLScriptElement | null {
  if (loaderScript) return loaderScript;
  const candidates = document.querySelectorAll<HTMLScriptElement>('script[src*="widget.js"]');
  return candidates[candidates.length - 1] ?? null;
}

function applyStyles(root: ShadowRoot, css: string): void {
  // Constructable stylesheets are not blocked by a host page's CSP style-src; a <style> element is the fallback.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }
}

/**
 * Mounts the widget. Called automatically for `<script src=".../widget.js">`; call it yourself for more control.
 * @param overrides options that win over the script tag's data attributes
 */
export function mount(overrides: Partial<WidgetOptions> = {}): MonetaWidget {
  const script = findScript();
  const options: WidgetOptions = {
    ...readOptions({ ...(script?.dataset ?? {}) }, script?.src || undefined, location.href),
    ...overrides,
  };
  const host = document.createElement('moneta-widget');
  host.setAttribute('data-version', WIDGET_VERSION);
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow, chartistCss + '\n' + widgetCss);
  const mountPoint = document.createElement('div');
  shadow.appendChild(mountPoint);
  document.body.appendChild(host);

  const storage = new WidgetStorage(defaultStore(), options.server, WIDGET_VERSION, options.historyLimit);
  const customerToken = globalTokenProvider(options.authTokenFunction);
  const controller = new ChatController({
    origin: options.origin,
    socketPath: options.socketPath,
    storage,
    customData: { language: options.language },
    server: options.server,
    ...(customerToken ? { customerToken } : {}),
  });
  const onFirstOpen = () => {
    if (options.initPayload && controller.state.entries.length === 0) {
      controller.send(options.initPayload, options.initPayload, { silent: true });
    }
  };
  // The panel stays open across the site's page loads (per tab: sessionStorage), unless the tag says data-open.
  const openKey = `moneta:${options.server}:open`;
  const remembered = readSessionFlag(openKey);
  render(
    <App
      controller={controller}
      options={options}
      onFirstOpen={onFirstOpen}
      initiallyOpen={options.open || remembered}
      onOpenChange={(open) => writeSessionFlag(openKey, open)}
    />,
    mountPoint,
  );
  // Time to first render, read by the browser test (performance.getEntriesByName).
  performance.mark('moneta:first-render');
  controller.start();

  return {
    options,
    controller,
    host,
    unmount() {
      controller.stop();
      render(null, mountPoint);
      host.remove();
    },
  };
}

function readSessionFlag(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeSessionFlag(key: string, value: boolean): void {
  try {
    if (value) sessionStorage.setItem(key, '1');
    else sessionStorage.removeItem(key);
  } catch {
    // storage unavailable: the panel simply starts closed next time
  }
}

function autoMount(): void {
  const w = window as Window & { __monetaWidget?: MonetaWidget };
  if (w.__monetaWidget) return; // the script was included twice
  if (findScript()?.dataset.manual !== undefined) return; // data-manual: the page calls MonetaWidget.mount()
  try {
    w.__monetaWidget = mount();
  } catch (err) {
    console.error('[moneta] widget not started:', err instanceof Error ? err.message : err);
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', autoMount, { once: true });
  else autoMount();
}
