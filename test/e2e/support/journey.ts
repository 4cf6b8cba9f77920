/**
 * Helpers for the customer-journey suite: accessibility checks with axe-core on every state (0 serious or critical
 * violations inside the widget), screenshots under test-output/ (gitignored), and answering a questionnaire the way a
 * customer would, with the control the widget shows.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../../server/config/index.ts';
import type { WidgetPage } from './widget-page.ts';

/** Where the suite writes its screenshots (gitignored). */
export const OUTPUT_DIR = path.join(PROJECT_ROOT, 'test-output', 'e2e-journeys');

/** A journey's recorder: `check(state)` runs axe on the widget and saves a screenshot named after the state. */
export function recorder(page: Page, viewport: string, journey: string) {
  const dir = path.join(OUTPUT_DIR, viewport);
  mkdirSync(dir, { recursive: true });
  return {
    /** Asserts 0 serious/critical axe violations in the widget (and the rest of `include`), then takes a screenshot. */
    async check(state: string, include = 'moneta-widget'): Promise<void> {
      const results = await new AxeBuilder({ page: page as never }).include(include).analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
        `${journey} / ${state}: accessibility`,
      ).toEqual([]);
      await page.screenshot({ path: path.join(dir, `${journey}-${state}.png`) });
    },
  };
}

/**
 * Answers whatever questionnaire is running until `result` appears, with the number field, the choice buttons or the
 * message box, as shown. Returns the "Question k of n" progress texts seen, in order.
 */
export async function answerQuestionnaire(
  page: Page,
  w: WidgetPage,
  result: Locator,
  numberFor: (slot: string, min: number, max: number) => number,
): Promise<string[]> {
  const question = page.locator('moneta-widget .form-question');
  const progress: string[] = [];
  for (let i = 0; i < 25; i++) {
    await question.or(result).first().waitFor({ state: 'attached' });
    if ((await result.count()) > 0) break;
    const p = question.locator('.form-progress');
    if ((await p.count()) > 0) progress.push((await p.textContent()) ?? '');
    const slot = (await question.getAttribute('data-slot')) ?? '';
    const input = await question.getAttribute('data-input');
    const users = await w.userBubbles.count();
    if (input === 'number') {
      const field = question.getByRole('spinbutton');
      const min = Number((await field.getAttribute('min')) ?? 1);
      const max = Number((await field.getAttribute('max')) ?? 1e9);
      await field.fill(String(numberFor(slot, min, max)));
      await field.press('Enter');
    } else if (input === 'choice') {
      await w.quickReplies.nth(1).click();
    } else {
      await w.send('skip');
    }
    await expect.poll(() => w.userBubbles.count()).toBe(users + 1);
  }
  return progress;
}
