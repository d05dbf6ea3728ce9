import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startNode } from '../support/server.js';
import { byTestId, launchBrowser, login, openPage } from './support.js';

let node: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;

beforeAll(async () => {
  [node, browser] = await Promise.all([startNode(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe('开发者 manages 应用 and their credentials', () => {
  it('creates an app, sees a new secret exactly once, and revokes the credential', async () => {
    const { context, page } = await openPage(browser);
    const name = `企业开办一件事-${Date.now().toString(36)}`;
    try {
      await login(page, node.url, 'developer');
      await page.click(byTestId('nav-apps'));
      await page.click(byTestId('app-create'));
      await page.fill(byTestId('app-name'), name);
      await page.fill(byTestId('app-description'), '端到端测试应用');
      await page.click(byTestId('app-form-submit'));
      const row = page.locator(`${byTestId('app-row')}[data-name="${name}"]`);
      await row.waitFor();

      await row.locator('[data-testid^="app-credentials-"]').click();
      await page.click(byTestId('credential-create'));
      const keyId = (await page.locator(byTestId('secret-key-id')).textContent())?.trim() ?? '';
      const secret = (await page.locator(byTestId('secret-value')).textContent())?.trim() ?? '';
      expect(keyId).not.toBe('');
      expect(secret.length).toBeGreaterThanOrEqual(16);
      await page.click(byTestId('secret-done'));
      await page.locator(byTestId('secret-value')).waitFor({ state: 'detached' });

      // Once the dialog is closed the secret is nowhere on the page, and the list never had it.
      const credential = page.locator(byTestId(`credential-row-${keyId}`));
      await credential.waitFor();
      expect(await credential.getAttribute('data-state')).toBe('active');
      expect(await page.content()).not.toContain(secret);

      await page.click(byTestId(`credential-revoke-${keyId}`));
      await page.click(byTestId('credential-revoke-confirm'));
      await expect.poll(() => credential.getAttribute('data-state')).toBe('revoked');
    } finally {
      await context.close();
    }
  });
});
