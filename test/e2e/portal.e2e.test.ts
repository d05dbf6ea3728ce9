import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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

/** A demo entry of 省公安厅 that is 不予开放. */
const NOT_OPEN = '户籍人口基本信息';

/** The cards of the current search results, once they have loaded. */
async function cards(page: Page): Promise<{ name: string; openType: string }[]> {
  await page.locator(byTestId('portal-results-total')).filter({ hasText: /\d/ }).waitFor();
  return page.locator(byTestId('portal-card')).evaluateAll((els) =>
    els.map((e) => ({
      name: e.getAttribute('data-name') ?? '',
      openType: e.getAttribute('data-open-type') ?? '',
    })),
  );
}

async function search(page: Page, q: string) {
  await page.fill(byTestId('portal-search'), q);
  await page.click(byTestId('portal-search-submit'));
  await expect.poll(() => new URL(page.url()).searchParams.get('q') ?? '').toBe(q);
}

/** The console's catalog search (department staff). */
async function consoleSearch(page: Page, q: string) {
  // The search box's test id sits on its wrapper (it has a button).
  await page.fill(`${byTestId('catalog-search')} input`, q);
  await page.keyboard.press('Enter');
  await page.locator(`${byTestId('catalog-results')}[data-loading="false"]`).waitFor();
}

describe('开放数据门户', () => {
  it('shows an anonymous visitor open entries only', async () => {
    const { context, page } = await openPage(browser);
    const apiCalls: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) apiCalls.push({ url: r.url(), status: r.status() });
    });
    try {
      // Reached from the login page, without signing in.
      await page.goto(`${node.url}/login`);
      await page.click(byTestId('login-portal'));
      await page.locator(byTestId('portal')).waitFor();
      expect(new URL(page.url()).pathname).toBe('/portal');

      // Every open entry, and only those.
      await page.click(byTestId('portal-browse-all'));
      const results = await cards(page);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(['unconditional', 'conditional']).toContain(r.openType);
      expect(results.map((r) => r.name)).not.toContain(NOT_OPEN);

      await search(page, NOT_OPEN);
      await expect.poll(() => page.locator(byTestId('portal-results-total')).textContent()).toMatch(/\b0\b/);
      expect(await page.locator(`${byTestId('portal-card')}[data-name="${NOT_OPEN}"]`).count()).toBe(0);

      // An open entry's page: metadata and field dictionary, no session needed.
      await search(page, '企业');
      await page.locator(byTestId('portal-card-link')).first().click();
      const dataset = page.locator(byTestId('portal-dataset'));
      await dataset.waitFor();
      expect(await dataset.getAttribute('data-open-type')).not.toBe('none');
      expect(await page.locator(byTestId('portal-data-json')).getAttribute('href')).toBe('/data.json');
      expect(await page.locator(byTestId('portal-dcat')).getAttribute('href')).toBe('/catalog.ttl');
      expect(await page.locator(byTestId('portal-ckan')).getAttribute('href')).toBe(
        '/api/3/action/package_search',
      );
      // Nothing but the optional session probe was refused.
      expect(apiCalls.filter((c) => c.status >= 400 && !c.url.endsWith('/api/me'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('while department staff do find the not-open entry in the console', async () => {
    const { context, page } = await openPage(browser);
    try {
      await login(page, node.url, 'member');
      await page.click(byTestId('nav-catalog'));
      await consoleSearch(page, NOT_OPEN);
      const hit = page.locator(`${byTestId('catalog-result')}[data-name="${NOT_OPEN}"]`);
      await hit.waitFor();
      expect(await hit.getAttribute('data-open-type')).toBe('none');
    } finally {
      await context.close();
    }
  });
});
