import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startNode } from '../support/server.js';
import { byTestId, launchBrowser, login, logout, openPage } from './support.js';

let node: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;

beforeAll(async () => {
  [node, browser] = await Promise.all([startNode(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe('审计管理员 reads the audit ledger', () => {
  it('sees the ledger verified and the sign-ins just made', async () => {
    const { context, page } = await openPage(browser);
    try {
      for (const username of ['member', 'developer']) {
        await login(page, node.url, username);
        await logout(page);
      }
      await login(page, node.url, 'auditor');
      await page.click(byTestId('nav-audit'));

      const status = page.locator(byTestId('audit-verify-status'));
      await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('verified');

      const events = page.locator(byTestId('audit-event'));
      await events.first().waitFor();
      const actions = await events.evaluateAll((rows) =>
        rows.map((r) => r.getAttribute('data-action') ?? ''),
      );
      const loginAction = actions.find((a) => /login/i.test(a));
      expect(loginAction, `actions seen: ${actions.join(', ')}`).toBeDefined();

      // Filtering by action keeps only that action.
      await page
        .locator(byTestId('audit-filter-action'))
        .locator('xpath=descendant-or-self::input')
        .first()
        .fill(loginAction ?? '');
      await page.keyboard.press('Enter');
      await expect
        .poll(async () => {
          const seen = await events.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
          return seen.length > 0 && seen.every((a) => a === loginAction);
        })
        .toBe(true);
    } finally {
      await context.close();
    }
  });
});
