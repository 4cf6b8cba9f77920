/** Page-object helpers for Moneta's widget in a real browser (Playwright locators pierce the open shadow root). */
import type { Locator, Page } from 'playwright-core';

/** Locators and actions for the widget on a page. */
export interface WidgetPage {
  launcher: Locator;
  dialog: Locator;
  input: Locator;
  log: Locator;
  quickReplies: Locator;
  userBubbles: Locator;
  botBubbles: Locator;
  /** Types a message and presses Enter. */
  send(text: string): Promise<void>;
  /** Waits for a bot text bubble matching `text`. */
  waitForBot(text: string | RegExp): Promise<Locator>;
  /** Waits for a user bubble with exactly this text. */
  waitForUser(text: string): Promise<Locator>;
  /** The id of the focused element inside the widget's shadow root, or its class name, or null. */
  focused(): Promise<string | null>;
  /** The session id stored by the widget (localStorage). */
  storedSessionId(): Promise<string | undefined>;
}

/** Builds the page object; `title` is the widget's configured title. */
export function widgetPage(page: Page, title = 'Moneta Assistant'): WidgetPage {
  const log = page.getByRole('log', { name: 'Conversation' });
  const w: WidgetPage = {
    launcher: page.locator('moneta-widget button.launcher'),
    dialog: page.getByRole('dialog', { name: title }),
    input: page.getByRole('textbox', { name: 'Type your message' }),
    log,
    quickReplies: page.getByRole('group', { name: 'Suggested replies' }).getByRole('button'),
    userBubbles: log.locator('.from-user .bubble'),
    botBubbles: log.locator('.from-bot .bubble'),
    async send(text) {
      await w.input.fill(text);
      await w.input.press('Enter');
    },
    async waitForBot(text) {
      const l = w.botBubbles.filter({ hasText: text }).last();
      await l.waitFor({ state: 'visible' });
      return l;
    },
    async waitForUser(text) {
      const l = w.userBubbles.filter({ hasText: text }).last();
      await l.waitFor({ state: 'visible' });
      return l;
    },
    focused: () =>
      page.evaluate(() => {
        const el = document.querySelector('moneta-widget')?.shadowRoot?.activeElement as HTMLElement | null | undefined;
        return el ? el.id || el.className || el.tagName : null;
      }),
    storedSessionId: () =>
      page.evaluate(() => {
        for (let i = 0; i < localStorage.length; i++) {
          const key = localStorage.key(i) ?? '';
          if (key.startsWith('moneta:') && key.endsWith(':session')) {
            return (JSON.parse(localStorage.getItem(key) ?? '{}') as { id?: string }).id;
          }
        }
        return undefined;
      }),
  };
  return w;
}

/** Clears the origin's localStorage (a fresh visitor) without loading the widget. */
export async function clearOriginStorage(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/healthz`);
  await page.evaluate(() => localStorage.clear());
}
