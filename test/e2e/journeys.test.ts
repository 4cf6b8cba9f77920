/**
 * Customer journeys through Moneta's widget in real Chromium against the real app (issue 12), each at 1280×800 and at
 * 360×640: the opening buttons, a knowledge answer with a clickable source, the full credit and portfolio journeys, a
 * hand-off with a call-back request, two fallbacks in a row, and keyboard-only use. Every journey asserts what the
 * customer sees by role and text, runs axe-core on each state (0 serious or critical violations) and saves screenshots
 * under test-output/e2e-journeys/<viewport>/. One server and one browser serve the whole file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config/index.ts';
import type { HandoffRequest } from '../../server/dialogue/handoff.ts';
import { EXAMPLE_FUNDS } from '../../server/skills/portfolio/fund-region.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { answerQuestionnaire, recorder } from './support/journey.ts';
import { startMoneta, type TestServer } from './support/moneta-server.ts';
import { clearOriginStorage, widgetPage, type WidgetPage } from './support/widget-page.ts';

let server: TestServer;
let browser: TestBrowser;
/**
 * The bank's system behind MONETA_HANDOFF_WEBHOOK_URL (a true external boundary): its live-agent desk is closed
 * (503 for a hand-off), its call-back queue takes requests (202 with its own reference).
 */
let bank: http.Server;
const bankReceived: HandoffRequest[] = [];

beforeAll(async () => {
  if (!existsSync(`${PROJECT_ROOT}/web/dist/widget.js`)) {
    throw new Error('web/dist/widget.js is missing: run `npm run build:web` first (`npm test` does).');
  }
  bank = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const request = JSON.parse(body) as HandoffRequest;
      if (!request.callback) return void res.writeHead(503).end('desk closed');
      bankReceived.push(request);
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ ticket: `CB-${1000 + bankReceived.length}` }));
    });
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(bank.address() as AddressInfo).port}/handoff`;
  // A euro-area bank: example funds listed in the EU (the US default is covered by the unit and integration tests).
  server = await startMoneta({ config: { handoff: { secureMessageUrl: 'https://bank.example/secure-message', webhookUrl }, portfolio: { fundRegion: 'eu' } } });
  browser = await launchBrowser();
}, 180_000); // the models load before /healthz is ready: slow on a loaded machine

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => bank?.close(resolve));
});

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 360, height: 640 },
] as const;

/** The element of the widget's shadow root that has focus: its id, else its text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('moneta-widget')?.shadowRoot?.activeElement as HTMLElement | null | undefined;
    return el ? el.id || el.textContent?.trim() || el.className : null;
  });

describe.each(VIEWPORTS)('journeys at $name ($width×$height)', (viewport) => {
  let page: Page & { errors: string[] };
  let w: WidgetPage;

  async function open(): Promise<void> {
    page = await browser.newPage();
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await clearOriginStorage(page, server.url);
    w = widgetPage(page);
    await page.goto(`${server.url}/`);
    await w.launcher.click();
    await w.dialog.waitFor({ state: 'visible' });
  }

  async function done(): Promise<void> {
    expect(page.errors, 'uncaught errors in the page').toEqual([]);
    await page.close();
  }

  it('opening: the greeting and four entry buttons show as soon as the panel opens', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'opening');
    await w.log.getByText("Hi, I'm Moneta, your bank's virtual assistant.").waitFor();
    const group = page.getByRole('group', { name: 'Suggested replies' });
    expect(await group.getByRole('button').allInnerTexts()).toEqual([
      'Cards & account help', 'Explain a money topic', 'Check my credit risk', 'Suggest a portfolio',
    ]);
    await rec.check('1-greeting');
    await group.getByRole('button', { name: 'Cards & account help' }).click();
    await w.waitForUser('Cards & account help');
    await w.waitForBot(/Ask me about your cards/);
    expect(await focused(page)).toBe('moneta-input'); // focus stays in the composer, not on <body>
    await rec.check('2-after-button');
    await done();
  });

  it('knowledge: an answer with its source as a link that opens the passage', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'knowledge');
    await w.send('What is an ETF?');
    await w.waitForBot(/exchange-traded fund/i);
    const sources = page.getByRole('complementary', { name: /Sources?/ }).last();
    const link = sources.getByRole('link', { name: /ETF/ });
    await link.waitFor();
    expect(await sources.getByRole('link').count()).toBeGreaterThan(0);
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^${server.url}/kb/[a-z0-9-]+$`));
    // An answer takes at most two bubbles: the passage, then its source (shown once, as a link).
    const turn = w.log.locator('.msg').filter({ has: page.locator('.bubble, .citations') });
    const all = await turn.evaluateAll((els) => els.map((e) => (e.classList.contains('from-user') ? 'user' : 'bot')));
    expect(all.slice(all.lastIndexOf('user') + 1).length).toBeLessThanOrEqual(2);
    expect(await w.log.getByText(/^Sources?:/).count()).toBe(0);
    await rec.check('1-answer');
    // "Did this help?": the vote is not a customer bubble; the reply acknowledges it.
    const feedback = sources.getByRole('group', { name: 'Did this help?' });
    const users = await w.userBubbles.count();
    const bots = await w.botBubbles.count();
    await feedback.getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => w.botBubbles.count()).toBe(bots + 1);
    expect(await w.userBubbles.count()).toBe(users);
    expect(await feedback.getByRole('button', { name: 'Yes' }).getAttribute('aria-pressed')).toBe('true');
    const [passage] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await passage.waitForLoadState();
    expect(passage.url()).toBe(href);
    await passage.getByRole('heading', { level: 1, name: /ETF/ }).waitFor();
    const article = recorder(passage, viewport.name, 'knowledge');
    await passage.setViewportSize({ width: viewport.width, height: viewport.height });
    await article.check('2-passage-page', 'main');
    await passage.close();
    await done();
  });

  it('credit: the full questionnaire to one result card, headline first, details collapsed', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'credit');
    await page.getByRole('group', { name: 'Suggested replies' }).getByRole('button', { name: 'Check my credit risk' }).click();
    await w.waitForBot(/estimate how likely a loan like yours/);
    await rec.check('1-first-question');
    const card = page.getByRole('region', { name: 'Credit risk estimate' });
    const progress = await answerQuestionnaire(page, w, card, (slot, min, max) =>
      slot === 'credit_amount' ? 2500 : slot === 'duration_months' ? 24 : slot === 'age' ? 35 : Math.min(max, min + 1),
    );
    // "Question k of n": one more each time, ending at n of n.
    const n = progress.length;
    expect(progress).toEqual(Array.from({ length: n }, (_, i) => `Question ${i + 1} of ${n}`));
    await card.waitFor();
    const headline = card.getByRole('heading', { level: 3 });
    expect(await headline.textContent()).toMatch(/^(Low|Medium|High) risk: (about \d+|fewer than 1) in 100 similar loans ran into trouble$/);
    await card.getByRole('img', { name: /^Gauge: estimated probability of default \d+\.\d%, risk band (low|medium|high); bands: low/ }).waitFor();
    const reasons = card.getByRole('listitem').filter({ hasText: /\((most common in the data|typical): [^)]+\)$/ });
    expect(await reasons.count()).toBeGreaterThan(0);
    expect(await reasons.count()).toBeLessThanOrEqual(4);
    expect(await card.getByRole('heading', { level: 4 }).first().textContent()).toMatch(/The main factors that kept your estimate from being lower|Factors in your favour/);
    expect(await card.getByRole('group', { name: 'What you can do next' }).getByRole('button').allInnerTexts()).toEqual([
      'Adjust the loan', "See how it's calculated", 'Talk to a person', 'Start again',
    ]);
    expect(await card.getByText(/not a credit decision/).first().isVisible()).toBe(true);
    // Customer's terms: no Deutsche Mark and no model jargon outside the collapsed details.
    const visible = await card.innerText();
    expect(visible).not.toMatch(/\bDM\b|Deutsche Mark|cut-off|integrated gradients/);
    expect(await card.locator('details.how').getAttribute('open')).toBeNull();
    // One result, once: the text version is not shown (nor read out) next to the card.
    expect(await w.botBubbles.filter({ hasText: /similar loans ran into trouble/ }).count()).toBe(0);
    // A long reply starts at its beginning: the card's top is in view, not its end.
    const [logBox, cardBox] = [await w.log.boundingBox(), await card.boundingBox()];
    expect(cardBox!.y).toBeGreaterThanOrEqual(logBox!.y - 1);
    expect(cardBox!.y).toBeLessThan(logBox!.y + logBox!.height / 2);
    await rec.check('2-result');
    if (viewport.name === 'phone') {
      expect(cardBox!.height, 'credit card height at 360×640').toBeLessThanOrEqual(1.5 * viewport.height);
      console.log(`[journeys] credit card at 360×640: ${Math.round(cardBox!.height)} px (${(cardBox!.height / viewport.height).toFixed(2)} screens)`);
    }
    // "See how it's calculated" opens the details in place, with the model version and the currency conversion.
    await card.getByRole('button', { name: "See how it's calculated" }).click();
    await card.getByText(/^Model: german v?\d/).waitFor();
    await card.getByText(/Deutsche Mark; your euro amounts were converted/).waitFor();
    await rec.check('3-details');
    // "Jump to latest" appears once the customer scrolls up, and takes them back down.
    await w.log.evaluate((el) => el.scrollBy(0, -el.scrollHeight));
    const jump = page.getByRole('button', { name: /Jump to latest/ });
    await jump.waitFor();
    await jump.click();
    await expect.poll(() => w.log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(2);
    await jump.waitFor({ state: 'hidden' });
    await done();
  });

  it('portfolio: the full questionnaire to one card with asset groups, a fan chart and the frontier', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'portfolio');
    await w.send('I have 20,000 to invest for 15 years');
    await w.waitForBot(/Got it: amount 20,000, horizon 15 years/);
    const card = page.getByRole('region', { name: 'Suggested portfolio' });
    const progress = await answerQuestionnaire(page, w, card, (_slot, min, max) => Math.min(max, Math.max(min, 10)));
    // The horizon and amount were answered in advance: 7 questions asked, counted 1 to 7.
    expect(progress).toEqual(Array.from({ length: 7 }, (_, i) => `Question ${i + 1} of 7`));
    await card.waitFor();
    expect(await card.getByRole('heading', { level: 3 }).textContent()).toMatch(/^[A-Z][a-z ]+ mix, risk score \d+ of 10: about \d+% /);
    const legend = card.getByRole('list', { name: 'Allocation' }).getByRole('listitem');
    expect(await legend.count()).toBeGreaterThan(1);
    expect(await legend.count()).toBeLessThanOrEqual(5);
    expect(await legend.first().innerText()).toMatch(/^(Stocks|Bonds|Cash|Real estate|Gold and commodities)\s+\d+%$/);
    await card.getByRole('img', { name: /^Allocation donut: \d+% (Stocks|Bonds)/ }).waitFor();
    await card.getByRole('img', { name: /^Fan chart of the range of outcomes over 15 years: poor case €[\d,]+, typical €[\d,]+, good case €[\d,]+$/ }).waitFor();
    // Currency on every amount.
    expect(await card.locator('.outcomes-title').textContent()).toBe('Range of outcomes after 15 years for €20,000');
    for (const v of await card.locator('.outcome-range dd').allInnerTexts()) expect(v).toMatch(/^€[\d,]+$/);
    for (const t of await card.locator('.fan-tick').allTextContents()) expect(t).toMatch(/^(€[\d.]+[kKM]?|now|\d+ yr)$/);
    await card.getByRole('img', { name: /^Efficient frontier chart; suggested portfolio at/ }).waitFor();
    expect(await card.getByText('Expected return a year').isVisible()).toBe(true);
    expect(await card.getByText(/^Volatility a year/).isVisible()).toBe(true);
    expect(await w.botBubbles.filter({ hasText: /risk score \d+ of 10/ }).count()).toBe(0);
    await rec.check('1-result');
    if (viewport.name === 'phone') {
      const top = (await card.boundingBox())!.y;
      const details = (await card.locator('details.how').boundingBox())!.y;
      expect(details - top, 'portfolio card height before "How this was calculated" at 360×640').toBeLessThanOrEqual(2.5 * viewport.height);
      console.log(`[journeys] portfolio card at 360×640 before "How this was calculated": ${Math.round(details - top)} px (${((details - top) / viewport.height).toFixed(2)} screens)`);
      // Frontier ticks stay legible on a phone.
      const size = await card.locator('.frontier .ct-label').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      expect(size).toBeGreaterThanOrEqual(12);
    }
    // Drill-down: the funds in each group, labelled as examples of the configured region's listed funds (EU here).
    await card.getByText('See the funds in each group').click();
    const table = card.getByRole('table', { name: /Funds in each asset group/ });
    await table.waitFor();
    expect(await table.getByRole('rowheader').count()).toBe(await legend.count());
    await card.getByText(/^Funds are examples of EU-listed funds for each asset class, not a recommendation/).waitFor();
    const cells = await table.getByRole('cell').allInnerTexts();
    const euTickers = Object.values(EXAMPLE_FUNDS.eu).map((f) => f.ticker);
    expect(cells.filter((c) => euTickers.includes(c.trim())).length).toBeGreaterThan(0);
    expect(cells.map((c) => c.trim())).not.toEqual(expect.arrayContaining(['VTI']));
    await rec.check('2-funds');
    await done();
  });

  it('hand-off: contact details, then a call-back request with a reference', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'handoff');
    await w.send('I want to talk to a person');
    await page.locator('moneta-widget .notice.handoff').filter({ hasText: 'No colleague available right now' }).waitFor();
    const contact = page.getByRole('region', { name: 'Contact our team' });
    await contact.getByRole('link', { name: '+49 30 1234 5678' }).waitFor();
    expect(await contact.getByRole('link', { name: '+49 30 1234 5678' }).getAttribute('href')).toBe('tel:+493012345678');
    expect(await contact.getByRole('link', { name: /Write to us in online banking/ }).getAttribute('href')).toBe('https://bank.example/secure-message');
    await contact.getByText('Monday to Friday, 8:00–20:00').waitFor();
    // The card says what its text twin says, so the text is not shown as well.
    expect(await w.botBubbles.filter({ hasText: /call us on/ }).count()).toBe(0);
    await rec.check('1-contact');
    await contact.getByRole('button', { name: 'Request a call back' }).click();
    const form = contact.getByRole('form', { name: 'Request a call back' });
    await form.waitFor();
    expect(await focused(page)).toMatch(/^moneta-cb-\d+-phone$/);
    await form.getByRole('button', { name: 'Request call back' }).click();
    await form.getByRole('alert').filter({ hasText: 'phone number' }).waitFor(); // nothing sent without a number
    await form.getByRole('textbox', { name: 'Phone number' }).fill('+49 170 1234567');
    await form.getByRole('combobox', { name: 'Preferred time' }).selectOption('afternoon');
    await form.getByRole('button', { name: 'Request call back' }).click();
    await form.getByRole('alert').filter({ hasText: 'tick the box' }).waitFor(); // nor without consent
    await form.getByRole('checkbox', { name: /I agree that the bank may call me/ }).check();
    await rec.check('2-form');
    await form.getByRole('button', { name: 'Request call back' }).click();
    await w.waitForUser('Please call me back: afternoon (12:00–17:00)');
    const confirm = await w.waitForBot(/We'll call you back in the afternoon \(12:00–17:00\) on the number ending 4567\. Your reference is (CB-\d+)\./);
    const ref = /Your reference is (\S+)\./.exec((await confirm.textContent()) ?? '')![1]!;
    await page.locator('moneta-widget .notice.handoff').filter({ hasText: 'Call back requested' }).waitFor();
    await page.getByRole('region', { name: 'Contact our team' }).last().getByText(ref).waitFor();
    await rec.check('3-requested');
    // The full number reached the bank's system, with the transcript.
    const sessionId = (await w.storedSessionId())!;
    const publicId = sessionId.split('.')[0]!; // the public id of the session reference
    const delivered = bankReceived.find((r) => r.ticket !== undefined && r.sessionId === publicId);
    expect(delivered).toMatchObject({ reason: 'callback_request', callback: { phone: '+491701234567', time: 'afternoon' } });
    // The conversation log keeps only the last four digits: in the event, in the stored message, and in the SQLite
    // file's bytes (main file and write-ahead log).
    const record = await server.store.get(publicId);
    expect(record?.events.filter((e) => e.type === 'callback_requested')).toEqual([
      { type: 'callback_requested', at: expect.any(Number), ticket: ref, time: 'afternoon', phone: '••••4567', sent: true },
    ]);
    expect(JSON.stringify(record?.events)).not.toMatch(/170\s*1234567/);
    const files = readdirSync(server.dataDir).filter((f) => /^sessions\.sqlite(-wal)?$/.test(f));
    expect(files).toContain('sessions.sqlite');
    let sawMasked = false;
    for (const f of files) {
      const bytes = readFileSync(path.join(server.dataDir, f));
      expect(bytes.includes('1701234567') || bytes.includes('170 1234567'), `phone number in ${f}`).toBe(false);
      sawMasked ||= bytes.includes('••••4567');
    }
    expect(sawMasked, 'the masked number is in the SQLite files (the right files were read)').toBe(true);
    await done();
  });

  it('fallback: two misses in a row get different replies, and the second offers a person', async () => {
    await open();
    const rec = recorder(page, viewport.name, 'fallback');
    // The same unintelligible message twice (a customer repeating themselves): two low-confidence misses in a row.
    await w.send('zorg quux plonk');
    await expect.poll(() => w.botBubbles.count()).toBe(1);
    const first = await w.botBubbles.nth(0).innerText();
    await rec.check('1-first-miss');
    await w.send('zorg quux plonk');
    await expect.poll(() => w.botBubbles.count()).toBeGreaterThanOrEqual(2);
    const second = await w.botBubbles.last().innerText();
    expect(second).not.toBe(first);
    await w.quickReplies.filter({ hasText: 'Talk to a person' }).waitFor();
    expect(await w.quickReplies.count()).toBeGreaterThan(1);
    await rec.check('2-second-miss');
    await done();
  });

  it('keyboard only: launcher, suggestion buttons before the composer, focus after a choice, Esc always closes', async () => {
    page = await browser.newPage();
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await clearOriginStorage(page, server.url);
    w = widgetPage(page);
    const rec = recorder(page, viewport.name, 'keyboard');
    await page.goto(`${server.url}/`);
    await w.launcher.waitFor();
    let onLauncher = false;
    for (let i = 0; i < 30 && !onLauncher; i++) {
      await page.keyboard.press('Tab');
      onLauncher = (await focused(page)) === 'launcher';
    }
    expect(onLauncher).toBe(true);
    await page.keyboard.press('Enter');
    await w.dialog.waitFor({ state: 'visible' });
    await expect.poll(() => focused(page)).toBe('moneta-input');
    // The suggestion buttons come right before the composer: one Shift+Tab reaches the last of them.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('Suggest a portfolio');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('Check my credit risk');
    await rec.check('1-on-button');
    await page.keyboard.press('Enter');
    await w.waitForUser('Check my credit risk');
    // The chosen button is gone with its turn: focus waits in the composer instead of falling to <body>.
    expect(await focused(page)).toBe('moneta-input');
    await w.waitForBot(/What is the loan for/);
    await w.quickReplies.first().waitFor();
    // The first question's choices sit right before the composer too: Shift+Tab, Enter, and focus is back in the composer.
    await page.keyboard.press('Shift+Tab');
    const choice = (await focused(page)) ?? '';
    expect(await w.quickReplies.allInnerTexts()).toContain(choice);
    await page.keyboard.press('Enter');
    await w.waitForUser(choice);
    // Focus is in the composer, or already in the next question's number field (the new reply) — never on <body>.
    expect(await focused(page)).toMatch(/^(moneta-input|moneta-num-\d+)$/);
    // A number question takes focus in its own field; Enter answers it.
    await w.waitForBot(/How much would you like to borrow/);
    await expect.poll(() => focused(page)).toMatch(/^moneta-num-\d+$/);
    await page.keyboard.type('3000');
    await page.keyboard.press('Enter');
    await w.waitForUser('3000 EUR');
    await rec.check('2-in-form');
    // Esc closes from anywhere: inside the panel, and after focus fell to the page.
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toBe('launcher');
    await page.keyboard.press('Enter');
    await w.dialog.waitFor({ state: 'visible' });
    await page.evaluate(() => (document.querySelector('moneta-widget')?.shadowRoot?.activeElement as HTMLElement | null)?.blur());
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await done();
  });
});
