/** The widget UI: launcher, dialog panel, message log, quick replies, typing indicator and composer. */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { BotMessage, QuickReply } from '../../../server/contracts/chat-protocol.ts';
import type { ChatController, ChatState, KeyedEntry } from '../chat-controller.ts';
import { safeHref } from '../markdown.ts';
import type { WidgetOptions } from '../options.ts';
import { WidgetContext, type WidgetContextValue } from './context.ts';
import { CustomView, isTextOfError, isTextOfResult } from './custom-payloads.tsx';
import { MarkdownView } from './markdown-view.tsx';

/** Longest message the composer accepts (the server's default limit, CONTRACTS / issue 2). */
export const MAX_MESSAGE_LENGTH = 2000;

const STATUS_TEXT: Record<ChatState['connection'], string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Connection lost — reconnecting…',
  offline: 'You are offline — messages will be sent when you reconnect.',
};

function useChatState(controller: ChatController): ChatState {
  const [state, setState] = useState(controller.state);
  useEffect(() => controller.subscribe(setState), [controller]);
  return state;
}

const isQuickReply = (q: unknown): q is QuickReply =>
  typeof q === 'object' && q !== null && typeof (q as QuickReply).title === 'string' && typeof (q as QuickReply).payload === 'string';

/** Index of the first entry of the latest bot turn that comes after the last user message (or -1 if none). */
function latestTurnStart(entries: readonly KeyedEntry[]): number {
  let i = entries.length;
  while (i > 0 && entries[i - 1]?.from !== 'user') i -= 1;
  return i < entries.length ? i : -1;
}

/** Props of the root component. */
export interface AppProps {
  controller: ChatController;
  options: WidgetOptions;
  /** Called the first time the panel opens (used for the optional init payload). */
  onFirstOpen?: () => void;
  /** Whether the panel starts open (default `options.open`); the loader restores it across page loads. */
  initiallyOpen?: boolean;
  /** Called when the panel opens or closes. */
  onOpenChange?: (open: boolean) => void;
}

/** Root component of the widget (rendered inside the shadow root). */
export function App(props: AppProps) {
  const { controller, options } = props;
  const state = useChatState(controller);
  const [open, setOpen] = useState(props.initiallyOpen ?? options.open);
  const [draft, setDraft] = useState('');
  const [confirmErase, setConfirmErase] = useState(false);
  const [eraseFailed, setEraseFailed] = useState(false);
  const eraseRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmErase) eraseRef.current?.focus();
    else setEraseFailed(false);
  }, [confirmErase]);
  const erase = async () => {
    if (await controller.erase()) {
      setConfirmErase(false);
      inputRef.current?.focus();
    } else {
      setEraseFailed(true);
    }
  };
  // Bot messages that arrived while the panel was closed, for the launcher's badge.
  const botCount = state.entries.filter((e) => e.from === 'bot' && 'text' in e.message).length;
  const seenCount = useRef(botCount); // a restored transcript is not "new"
  if (open) seenCount.current = botCount;
  const unread = open ? 0 : Math.max(0, botCount - seenCount.current);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const logContentRef = useRef<HTMLDivElement>(null);
  const openedOnce = useRef(false);
  const wasOpen = useRef(open);

  // Focus management: the input on open, the launcher again on close (WAI-ARIA dialog pattern). A panel that starts
  // open (data-open, or restored on the next page) does not take focus from the host page on load.
  // A layout effect, not a plain effect: it runs in the same commit that hides the panel, so focus is never left on
  // the hidden dialog (or <body>) for a frame — assistive tech and a quick keyboard user could land there otherwise.
  const mounted = useRef(false);
  useLayoutEffect(() => {
    const userAction = mounted.current;
    mounted.current = true;
    if (open) {
      if (userAction) inputRef.current?.focus();
      if (!openedOnce.current) {
        openedOnce.current = true;
        props.onFirstOpen?.();
      }
    } else if (wasOpen.current) {
      launcherRef.current?.focus();
    }
    if (wasOpen.current !== open) props.onOpenChange?.(open);
    wasOpen.current = open;
  }, [open]);

  // The message box grows with its content (Shift+Enter for new lines), up to the stylesheet's max-height.
  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [draft]);

  // Reading position (issue 12). After the customer acts, the view follows the reply: a short reply scrolls to the
  // bottom; a reply taller than the log is scrolled to its START, so nobody starts reading mid-sentence. Content that
  // grows later (Chartist draws asynchronously) keeps that position. Once the customer scrolls away, nothing moves and
  // "Jump to latest" appears.
  const follow = useRef<'bottom' | 'free'>('bottom');
  const lastSetTop = useRef(-1);
  const [scrolledUp, setScrolledUp] = useState(false);
  const turnStartKey = (() => {
    const i = latestTurnStart(state.entries);
    return i === -1 ? undefined : state.entries[i]?.key;
  })();
  const place = () => {
    const log = logRef.current;
    if (!log || follow.current === 'free') return;
    let top = log.scrollHeight - log.clientHeight;
    // The first rendered entry of the latest reply (a result's hidden text twin has no element).
    const start =
      turnStartKey === undefined
        ? undefined
        : [...log.querySelectorAll<HTMLElement>('[data-key]')].find((el) => Number(el.dataset.key) >= turnStartKey);
    if (start) {
      const startTop = start.offsetTop - 8;
      if (top > startTop) top = Math.max(0, startTop); // the reply is taller than the view: show its beginning
    }
    if (Math.abs(log.scrollTop - top) >= 1) {
      lastSetTop.current = top;
      log.scrollTop = top;
    }
  };
  useLayoutEffect(place, [state.entries.length, state.typing, open]);
  useEffect(() => {
    const content = logContentRef.current;
    if (!content || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver(() => placeRef.current());
    ro.observe(content);
    return () => ro.disconnect();
  }, []);
  const placeRef = useRef(place);
  placeRef.current = place;
  const jumpToLatest = () => {
    const log = logRef.current;
    if (!log) return;
    follow.current = 'free';
    log.scrollTop = log.scrollHeight;
    setScrolledUp(false);
  };

  // Esc closes the panel from anywhere — also when focus fell to the page's <body> (e.g. after the button that had it
  // disappeared), where the panel's own key handler cannot hear it. Esc in the host page's own controls is left alone.
  // The listener stays registered for the widget's lifetime and reads the open state from a ref set during render: an
  // effect registered on opening runs only after the panel is already shown, and an Esc pressed in between was lost.
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!openRef.current || e.key !== 'Escape' || e.defaultPrevented) return;
      const active = document.activeElement;
      if (active && active !== document.body && active !== document.documentElement && active.tagName !== 'MONETA-WIDGET') return;
      setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const send = (payload: string, display?: string, sendOptions: { silent?: boolean } = {}) => {
    follow.current = 'bottom'; // the customer just acted: follow the answer
    setScrolledUp(false);
    controller.send(payload, display ?? payload, sendOptions);
  };
  /** A button was chosen: send it, and keep focus in the composer (the button itself is about to disappear). */
  const choose = (payload: string, display: string, sendOptions: { silent?: boolean } = {}) => {
    send(payload, display, sendOptions);
    if (!sendOptions.silent) inputRef.current?.focus();
  };
  const context: WidgetContextValue = { server: options.server, send: choose };
  const submit = (e?: Event) => {
    e?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    send(text.slice(0, MAX_MESSAGE_LENGTH));
    setDraft('');
    inputRef.current?.focus();
  };

  const turnStart = latestTurnStart(state.entries);
  const turn = turnStart === -1 ? [] : state.entries.slice(turnStart);
  const quickReplies: QuickReply[] = [];
  for (const [i, e] of turn.entries()) {
    const next = turn[i + 1];
    // A result's text twin is not shown; its buttons are the card's "What you can do next".
    if (e.from === 'bot' && next?.from === 'bot' && isTextOfResult(e.message, next.message)) continue;
    if (e.from === 'bot' && 'quick_replies' in e.message && Array.isArray(e.message.quick_replies)) {
      quickReplies.push(...e.message.quick_replies.filter(isQuickReply));
    }
  }
  // The opening (issue 12): greeting and entry buttons as soon as the panel opens, before anything is said.
  const opening = state.entries.length === 0;
  if (opening) quickReplies.push(...options.entryButtons.map((b) => ({ content_type: 'text' as const, ...b })));

  const panelId = 'moneta-panel';
  const titleId = 'moneta-title';
  const statusVisible = state.connection !== 'online';

  return (
    <WidgetContext.Provider value={context}>
    <div class={`root theme-${options.theme} pos-${options.position} ${open ? 'is-open' : ''}`}>
      <div
        id={panelId}
        class="panel"
        role="dialog"
        aria-modal="false"
        aria-labelledby={titleId}
        hidden={!open}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            if (confirmErase) setConfirmErase(false); // Esc backs out of the confirmation first
            else setOpen(false);
          }
        }}
      >
        <header class="header">
          <div class="header-text">
            <h2 id={titleId} class="title">{options.title}</h2>
            {options.subtitle ? <p class="subtitle">{options.subtitle}</p> : null}
          </div>
          <span class={`status-dot ${state.connection}`} role="img" aria-label={STATUS_TEXT[state.connection]} />
          <button
            type="button"
            class="icon-btn erase"
            aria-label="Delete this conversation"
            aria-expanded={confirmErase ? 'true' : 'false'}
            onClick={() => setConfirmErase(!confirmErase)}
          >
            <svg viewBox="0 0 24 24" width="19" height="19" aria-hidden="true" focusable="false">
              <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
          </button>
          <button type="button" class="icon-btn close" aria-label="Close chat" onClick={() => setOpen(false)}>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
              <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />
            </svg>
          </button>
        </header>
        {confirmErase ? (
          <div class="erase-confirm" role="group" aria-labelledby="moneta-erase-text">
            <p id="moneta-erase-text">
              Delete this conversation from this device and from our server? This cannot be undone.
            </p>
            {eraseFailed ? <p class="field-error" role="alert">Could not delete it just now. Please try again.</p> : null}
            <div class="erase-actions">
              <button type="button" class="btn-primary" ref={eraseRef} onClick={() => void erase()}>
                Delete
              </button>
              <button type="button" class="chip" onClick={() => setConfirmErase(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : null}
        <div class={`connection ${statusVisible ? '' : 'hidden'}`} role="status">
          {statusVisible ? STATUS_TEXT[state.connection] : ''}
        </div>
        <div class="log-wrap">
        <div
          ref={logRef}
          class="log"
          role="log"
          aria-live="polite"
          aria-relevant="additions"
          aria-label="Conversation"
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget as HTMLDivElement;
            const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
            if (Math.abs(el.scrollTop - lastSetTop.current) < 2) return; // our own scroll, not the customer's
            lastSetTop.current = -1;
            follow.current = fromBottom < 40 ? 'bottom' : 'free';
            setScrolledUp(fromBottom >= 40);
          }}
        >
          <div ref={logContentRef} class="log-content">
          {opening ? (
            <div class="msg from-bot opening">
              <span class="sr-only">Assistant: </span>
              <div class="bubble"><MarkdownView text={options.greeting} /></div>
            </div>
          ) : null}
          {state.entries.map((entry, index) => (
            <Entry
              key={entry.key}
              entry={entry}
              next={state.entries[index + 1]}
              active={turnStart !== -1 && index >= turnStart}
              turnHasQuickReplies={quickReplies.length > 0}
              onAnswer={choose}
            />
          ))}
          </div>
        </div>
        {scrolledUp ? (
          <button type="button" class="jump-latest" onClick={jumpToLatest}>
            Jump to latest <span aria-hidden="true">↓</span>
          </button>
        ) : null}
        </div>
        {state.typing ? (
          <div class="typing" role="status" aria-label={`${options.title} is typing`}>
            <span /><span /><span />
          </div>
        ) : null}
        {quickReplies.length > 0 ? (
          <div class="quick-replies" role="group" aria-label="Suggested replies">
            {quickReplies.map((q, i) => (
              <button type="button" class="chip" key={`${q.payload}-${i}`} onClick={() => choose(q.payload, q.title)}>
                {q.title}
              </button>
            ))}
          </div>
        ) : null}
        <form class="composer" onSubmit={submit}>
          <label for="moneta-input" class="sr-only">Type your message</label>
          <textarea
            id="moneta-input"
            ref={inputRef}
            rows={1}
            maxLength={MAX_MESSAGE_LENGTH}
            placeholder="Type your message…"
            value={draft}
            onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
            }}
          />
          <button type="submit" class="send" aria-label="Send message" disabled={draft.trim() === ''}>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
              <path d="M3 20l18-8L3 4v6l12 2-12 2z" fill="currentColor" />
            </svg>
          </button>
        </form>
      </div>
      <button
        ref={launcherRef}
        type="button"
        class="launcher"
        aria-label={
          open
            ? 'Close chat'
            : `Open chat: ${options.title}${unread > 0 ? ` (${unread} new message${unread === 1 ? '' : 's'})` : ''}`
        }
        aria-expanded={open ? 'true' : 'false'}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        {unread > 0 ? <span class="badge" aria-hidden="true">{unread > 9 ? '9+' : unread}</span> : null}
        {open ? (
          <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
          </svg>
        ) : (
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
            <path d="M4 5h16v11H8l-4 4z" fill="currentColor" />
          </svg>
        )}
      </button>
    </div>
    </WidgetContext.Provider>
  );
}

function Entry(props: {
  entry: KeyedEntry;
  next: KeyedEntry | undefined;
  active: boolean;
  turnHasQuickReplies: boolean;
  onAnswer: (payload: string, display: string) => void;
}) {
  const { entry } = props;
  if (entry.from === 'user') {
    return (
      <div class="msg from-user" data-key={entry.key}>
        <span class="sr-only">You said: </span>
        <p class="bubble">{entry.text}</p>
      </div>
    );
  }
  if (entry.from === 'system') {
    return <p class="msg system" data-key={entry.key}>{entry.text}</p>;
  }
  if (props.next?.from === 'bot' && isTextOfError(entry.message, props.next.message)) return null;
  if (props.next?.from === 'bot' && isTextOfResult(entry.message, props.next.message)) return null;
  return <BotEntry message={entry.message} entryKey={entry.key} {...props} />;
}

function BotEntry(props: {
  message: BotMessage;
  entryKey: number;
  active: boolean;
  turnHasQuickReplies: boolean;
  onAnswer: (payload: string, display: string) => void;
}) {
  const m = props.message as Partial<Record<'text' | 'attachment' | 'custom', unknown>>;
  if (typeof m.text === 'string') {
    return (
      <div class="msg from-bot" data-key={props.entryKey}>
        <span class="sr-only">Assistant: </span>
        <div class="bubble"><MarkdownView text={m.text} /></div>
      </div>
    );
  }
  if (typeof m.custom === 'object' && m.custom !== null && typeof (m.custom as { type?: unknown }).type === 'string') {
    return (
      <div class="msg from-bot custom" data-key={props.entryKey}>
        <CustomView
          payload={m.custom as { type: string }}
          active={props.active}
          turnHasQuickReplies={props.turnHasQuickReplies}
          onAnswer={props.onAnswer}
        />
      </div>
    );
  }
  const src = (m.attachment as { payload?: { src?: unknown } } | undefined)?.payload?.src;
  const href = typeof src === 'string' ? safeHref(src) : undefined;
  if (href && !href.startsWith('mailto:') && !href.startsWith('tel:')) {
    return (
      <div class="msg from-bot" data-key={props.entryKey}>
        <img class="image" src={href} alt="Image sent by the assistant" loading="lazy" referrerpolicy="no-referrer" />
      </div>
    );
  }
  return null;
}
