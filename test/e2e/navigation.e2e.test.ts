import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startNode } from '../support/server.js';
import { DEMO_USERS } from '../../src/cli/seed.js';
import { ROLES } from '../../src/platform/policy/permissions.js';
import { NAV } from '../../web/src/navigation.js';
import { ROLES as WEB_ROLES } from '../../web/src/types.js';
import { byTestId, expectedNav, launchBrowser, login, logout, navTestIds, openPage } from './support.js';

let node: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;

beforeAll(async () => {
  [node, browser] = await Promise.all([startNode(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe('console navigation follows permissions', () => {
  it('knows the same roles as the server', () => {
    expect([...WEB_ROLES]).toEqual([...ROLES]);
  });

  it.each(DEMO_USERS.map((u) => [u.username, u] as const))(
    '%s sees exactly its own menu',
    async (_, user) => {
      const { context, page } = await openPage(browser);
      try {
        await login(page, node.url, user.username);
        const expected = expectedNav([user.role]);
        expect(await navTestIds(page)).toEqual(expected);
        await page.locator(`${byTestId('home-roles')} ${byTestId(`role-${user.role}`)}`).waitFor();

        // Every page behind a permission the user lacks answers 403, whatever the address bar says.
        for (const entry of NAV.filter((e) => !expected.includes(e.testId))) {
          await page.goto(`${node.url}${entry.path}`);
          await page.waitForSelector(byTestId('forbidden'));
        }
        await logout(page);
      } finally {
        await context.close();
      }
    },
  );

  it('sends signed-out visitors to the login page', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${node.url}/users`);
      await page.waitForSelector(byTestId('login-submit'));
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await context.close();
    }
  });

  it('shows the server’s refusal of a wrong password in the chosen language', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(`${node.url}/login`);
      await page.fill(byTestId('login-username'), 'member');
      await page.fill(byTestId('login-password'), 'not-the-password');
      await page.click(byTestId('login-submit'));
      const zh = (await page.locator(byTestId('login-error')).textContent()) ?? '';
      expect(zh).toMatch(/[\u4e00-\u9fff]/);

      await page.click(byTestId('lang-switch'));
      await page.click(byTestId('login-submit'));
      await expect
        .poll(async () => (await page.locator(byTestId('login-error')).textContent()) ?? '')
        .toMatch(/^[^\u4e00-\u9fff]+$/);
      expect(await page.evaluate(() => localStorage.getItem('datong.lang'))).toBe('en');
    } finally {
      await context.close();
    }
  });
});
