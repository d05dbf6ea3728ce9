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

async function settled(page: Page) {
  await page.locator(`${byTestId('catalog-results')}[data-loading="false"]`).waitFor();
}

async function search(page: Page, q: string) {
  // The search box's test id sits on its wrapper (it has a button).
  await page.fill(`${byTestId('catalog-search')} input`, q);
  await page.keyboard.press('Enter');
  await settled(page);
}

/** Follows "load more" to the end and returns every hit's name and open type. */
async function allResults(page: Page): Promise<{ name: string; openType: string; tags: string[] }[]> {
  const more = page.locator(byTestId('catalog-load-more'));
  while ((await more.count()) > 0 && (await more.isEnabled())) {
    const before = await page.locator(byTestId('catalog-result')).count();
    await more.click();
    await expect.poll(() => page.locator(byTestId('catalog-result')).count()).toBeGreaterThan(before);
  }
  return page.locator(byTestId('catalog-result')).evaluateAll((els) =>
    els.map((e) => ({
      name: e.getAttribute('data-name') ?? '',
      openType: e.getAttribute('data-open-type') ?? '',
      tags: [...e.querySelectorAll('[data-testid="open-type"]')].map(
        (t) => t.getAttribute('data-value') ?? '',
      ),
    })),
  );
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
      await settled(page);
      expect(new URL(page.url()).pathname).toBe('/portal');

      const results = await allResults(page);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) {
        expect(['unconditional', 'conditional']).toContain(r.openType);
        expect(r.tags).toEqual([r.openType]);
      }
      expect(results.map((r) => r.name)).not.toContain(NOT_OPEN);
      // The 开放属性 facet has no 不予开放 bucket for the public.
      expect(await page.locator(byTestId('facet-openType-none')).count()).toBe(0);

      await search(page, NOT_OPEN);
      expect(await page.locator(`${byTestId('catalog-result')}[data-name="${NOT_OPEN}"]`).count()).toBe(0);

      // An open entry's detail: metadata and field dictionary, no session needed.
      await search(page, '');
      await page.locator(byTestId('catalog-result-link')).first().click();
      await page.locator(byTestId('entry-metadata')).waitFor();
      expect(
        await page
          .locator(`${byTestId('entry-metadata')} ${byTestId('open-type')}`)
          .getAttribute('data-value'),
      ).not.toBe('none');
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
      await search(page, NOT_OPEN);
      const hit = page.locator(`${byTestId('catalog-result')}[data-name="${NOT_OPEN}"]`);
      await hit.waitFor();
      expect(await hit.getAttribute('data-open-type')).toBe('none');
    } finally {
      await context.close();
    }
  });
});
