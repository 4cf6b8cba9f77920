/**
 * The unmodified rasa-webchat 1.0.1 bundle (web/demo/rasa-demo.html) against the real Moneta server in headless
 * Chromium: a reply arrives and a quick reply round-trips (payload sent, title shown). rasa-webchat shows replies
 * 0.8–3 s after they arrive, so every step waits on a DOM condition rather than a fixed sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { startMoneta, type TestServer } from './support/moneta-server.ts';

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startMoneta();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('rasa-webchat 1.0.1 against Moneta', () => {
  it('gets a reply, follows a quick reply and resumes its own conversation after a reload', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${server.url}/rasa-demo.html`);

    // The launcher appears only after the server's session_confirm.
    await page.locator('button.rw-launcher').click();
    const input = page.locator('textarea.rw-new-message');
    await input.fill('hello');
    await input.press('Enter');
    await page.locator('.rw-from-client .rw-message-text', { hasText: 'hello' }).waitFor();
    await page.locator('.rw-from-response .rw-message-text', { hasText: "I'm Moneta" }).first().waitFor();

    const reply = page.locator('.rw-replies .rw-reply', { hasText: 'Cards & account help' });
    await reply.click();
    await page.locator('.rw-from-client .rw-message-text', { hasText: 'Cards & account help' }).waitFor();
    await page.locator('.rw-from-response .rw-message-text', { hasText: 'Ask me about your cards' }).waitFor();

    // The widget sent the button's payload; the server recorded it in the session rasa-webchat keeps.
    // rasa-webchat keeps the session reference it was confirmed with (`<id>.<secret>`, CONTRACTS §8) and re-sends it.
    const stored = (): Promise<string | undefined> =>
      page.evaluate(() => (JSON.parse(localStorage.getItem('chat_session') ?? '{}') as { session_id?: string }).session_id);
    const sessionId = await stored();
    expect(sessionId).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const history = async (): Promise<string[]> => {
      const [id] = sessionId!.split('.');
      const res = await fetch(`${server.url}/api/v1/sessions/${id}/messages`, { headers: { authorization: `Bearer ${sessionId}` } });
      expect(res.status).toBe(200);
      const { messages } = (await res.json()) as { messages: Array<{ from: string; text?: string }> };
      return messages.filter((m) => m.from === 'user').map((m) => m.text!);
    };
    expect(await history()).toEqual(expect.arrayContaining(['hello', '/banking_help']));
    // Without the secret, the same id is nobody's business: the same 404 as an unknown session.
    expect((await fetch(`${server.url}/api/v1/sessions/${sessionId!.split('.')[0]}/messages`)).status).toBe(404);

    // Reload and resume: the widget sends its stored reference, the server resumes that conversation.
    await page.reload();
    await page.locator('button.rw-launcher').waitFor();
    if (!(await input.isVisible())) await page.locator('button.rw-launcher').click();
    await input.fill('thanks');
    await input.press('Enter');
    await page.locator('.rw-from-response .rw-message-text', { hasText: "You're welcome" }).first().waitFor();
    expect(await stored()).toBe(sessionId);
    expect((await history()).slice(-1)).toEqual(['thanks']);
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
