import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { startNode } from '../support/server.js';
import { byTestId, launchBrowser, login, openPage } from './support.js';
import { DEMO_COMPANY_USCC } from '../../src/modules/opening/accounts-demo.js';
import { usccWithCheck } from '../../src/platform/validators/index.js';
import { createClient } from '../../examples/node-client.mjs';

/**
 * 开放 on the demo node (src/modules/opening/demo.ts): an anonymous visitor finds, previews,
 * charts and downloads open data; a company applies for a conditional dataset and reads it once
 * 市场监管局 and the platform approve; a citizen sees the access a department app made about them.
 */

let node: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [node, browser] = await Promise.all([startNode(), launchBrowser()]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await node?.stop();
});

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url);
  expect(res.status(), url).toBe(200);
  return (await res.json()) as T;
}

async function anonymous(): Promise<Page> {
  const { context, page } = await openPage(browser);
  contexts.push(context);
  return page;
}

async function signedIn(username: string): Promise<Page> {
  const page = await anonymous();
  await login(page, node.url, username);
  return page;
}

/** A POST with the page's cookie session (and its CSRF token). */
async function post<T>(page: Page, path: string, body: unknown, status = 201): Promise<T> {
  const { csrfToken } = await json<{ csrfToken: string }>(page.request, `${node.url}/api/me`);
  const res = await page.request.post(`${node.url}${path}`, {
    data: body,
    headers: { 'x-csrf-token': csrfToken },
  });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(status);
  return (await res.json()) as T;
}

async function entryId(page: Page, name: string): Promise<string> {
  const search = await json<{ items: { entryId: string; name: string }[] }>(
    page.request,
    `${node.url}/api/open/datasets?q=${encodeURIComponent(name)}`,
  );
  const id = search.items.find((e) => e.name === name)?.entryId ?? '';
  expect(id, name).not.toBe('');
  return id;
}

describe('开放 in the portal', () => {
  it('an anonymous visitor searches, previews, charts and downloads 企业登记基本信息', async () => {
    const page = await anonymous();
    await page.goto(`${node.url}/portal`);
    await page.locator(byTestId('portal-newest')).waitFor();
    await page.fill(byTestId('portal-search'), '企业登记');
    await page.click(byTestId('portal-search-submit'));
    const card = page.locator(`${byTestId('portal-card')}[data-name="企业登记基本信息"]`);
    await card.first().locator(byTestId('portal-card-link')).click();
    await page.locator(byTestId('portal-dataset')).waitFor();
    // 市场监管局's data product over it is offered; a visitor is asked to sign in first.
    await page.locator(`${byTestId('portal-product')}[data-name="市场主体统计服务"]`).waitFor();

    await page.click(byTestId('portal-tab-preview'));
    await expect.poll(() => page.locator(byTestId('portal-preview-row')).count()).toBe(100);
    // 法定代表人 is masked in the open version: no row shows a name in clear.
    const text = (await page.locator(byTestId('portal-preview-row')).first().textContent()) ?? '';
    expect(text).toMatch(/\*/);

    await page.click(byTestId('portal-tab-chart'));
    await page.locator(`${byTestId('portal-chart')} canvas`).waitFor();

    await page.click(byTestId('portal-tab-download'));
    const csvUrl = (await page.locator(byTestId('portal-download-csv')).getAttribute('href')) ?? '';
    const csv = await page.request.get(new URL(csvUrl, node.url).toString());
    expect(csv.status()).toBe(200);
    const csvBytes = await csv.body();
    expect([...csvBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csvText = csvBytes.toString('utf8');
    expect(csvText.split('\r\n').filter(Boolean)).toHaveLength(121);

    const xlsxUrl = (await page.locator(byTestId('portal-download-xlsx')).getAttribute('href')) ?? '';
    const xlsx = await page.request.get(new URL(xlsxUrl, node.url).toString());
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await xlsx.body()) as unknown as ArrayBuffer);
    expect(book.worksheets[0]!.actualRowCount).toBe(121);

    const jsonUrl = (await page.locator(byTestId('portal-download-json')).getAttribute('href')) ?? '';
    const records = (await (
      await page.request.get(new URL(jsonUrl, node.url).toString())
    ).json()) as unknown[];
    expect(records).toHaveLength(120);
  });

  it('a company applies for 市场监管行政处罚信息 (有条件开放) and reads it after approval', async () => {
    const company = await signedIn('company');
    const id = await entryId(company, '市场监管行政处罚信息');
    const rows = `${node.url}/api/open/datasets/${id}/rows?limit=5`;
    expect((await company.request.get(rows)).status()).toBe(404);

    await company.goto(`${node.url}/portal/${id}`);
    await company.click(byTestId('portal-apply'));
    await company.locator(byTestId('open-apply-purpose')).waitFor();
    await company.fill(byTestId('open-apply-purpose'), '企业合规风险评估');
    await company.fill(byTestId('open-apply-org'), '广州数据服务有限公司');
    await company.fill(byTestId('open-apply-uscc'), usccWithCheck('91440101MA5C5R2B0'));
    await company.fill(byTestId('open-apply-use'), '为客户提供供应商合规筛查');
    await company.fill(byTestId('open-apply-security'), '专人专机，访问留痕，不向第三方提供原始数据');
    await company.check(byTestId('open-apply-accept'));
    await company.click(byTestId('open-apply-submit'));
    await company.locator(byTestId('open-apply-purpose')).waitFor({ state: 'hidden' });

    // 市场监管局's approver, then the platform.
    const approver = await signedIn('approver');
    await approver.goto(`${node.url}/opening/applications`);
    const row = approver.locator(
      `${byTestId('open-app-row')}[data-entry="市场监管行政处罚信息"][data-status="submitted"]`,
    );
    await row.locator(byTestId('open-app-approve')).click();
    await approver.click(byTestId('open-app-approve-submit'));
    await expect.poll(() => row.count()).toBe(0);

    const platform = await signedIn('sysadmin');
    await platform.goto(`${node.url}/opening/applications?tab=review`);
    const review = platform.locator(
      `${byTestId('open-app-row')}[data-entry="市场监管行政处罚信息"][data-status="provider_approved"]`,
    );
    await review.locator(byTestId('open-app-review-approve')).click();
    await platform.click(byTestId('reason-submit'));
    await expect.poll(() => review.count()).toBe(0);

    // The company also applies for 市场监管局's data product on 企业登记基本信息.
    await company.goto(`${node.url}/portal/${await entryId(company, '企业登记基本信息')}`);
    await company.click(byTestId('portal-product-subscribe'));
    await company.locator(byTestId('product-subscribe-purpose')).waitFor();
    await company
      .locator(`${byTestId('product-subscribe-tier')} input`)
      .first()
      .check();
    await company.fill(byTestId('product-subscribe-purpose'), '招商选址分析');
    // A company account applies in the company's name.
    await company.fill(byTestId('product-subscribe-company'), '广州市荔湾区科技有限公司');
    await company.fill(byTestId('product-subscribe-uscc'), DEMO_COMPANY_USCC);
    await company.check(byTestId('product-subscribe-accept'));
    await company.click(byTestId('product-subscribe-submit'));
    await company.locator(byTestId('product-subscribe-purpose')).waitFor({ state: 'hidden' });
    const subs = await json<{ items: { productName: string; status: string }[] }>(
      company.request,
      `${node.url}/api/product-subscriptions/mine`,
    );
    expect(subs.items.map((s) => [s.productName, s.status])).toEqual([['市场主体统计服务', 'applied']]);

    // Now the company reads the open version, in the portal and through the API.
    const answer = await json<{ total: number }>(company.request, rows);
    expect(answer.total).toBe(120);
    await company.goto(`${node.url}/portal/${id}`);
    await company.click(byTestId('portal-tab-preview'));
    await expect.poll(() => company.locator(byTestId('portal-preview-row')).count()).toBe(100);
  });

  it('a citizen sees the access a department app made about them', async () => {
    // The 税务局 app's request for 企业法定代表人信息 awaits the platform in the demo.
    const platform = await signedIn('sysadmin');
    const reqs = await json<{ items: { id: string; entryName: string; status: string; appId: string }[] }>(
      platform.request,
      `${node.url}/api/share/requests?box=review`,
    );
    const req = reqs.items.find(
      (r) => r.entryName === '企业法定代表人信息' && r.status === 'provider_approved',
    );
    expect(req).toBeDefined();
    const reviewed = await post<{ grantId: string }>(
      platform,
      `/api/share/requests/${req!.id}/review`,
      { decision: 'approve' },
      200,
    );

    // The app asks about the company whose legal representative is the demo citizen.
    const dev = await signedIn('developer');
    const credential = await post<{ keyId: string; secret: string }>(
      dev,
      `/api/apps/${req!.appId}/credentials`,
      {
        expiresInDays: 30,
      },
    );
    const me = await signedIn('citizen');
    const account = await json<{ subjectMasked: string; verified: boolean }>(
      me.request,
      `${node.url}/api/public/me`,
    );
    expect(account.verified).toBe(true);
    // Nothing yet: the demo makes no calls.
    const before = await json<{ accesses: unknown[] }>(me.request, `${node.url}/api/public/me/accesses`);
    expect(before.accesses).toHaveLength(0);
    const client = createClient({ baseUrl: node.url, keyId: credential.keyId, secret: credential.secret });
    const answer = (await client.query(reviewed.grantId, { key: { tyshxydm: DEMO_COMPANY_USCC } })) as {
      rows: unknown[];
    };
    expect(answer.rows).toHaveLength(1);

    await me.goto(`${node.url}/my/accesses`);
    const access = me.locator(byTestId('my-access-row'));
    await expect.poll(() => access.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await access.count()).toBe(1);
    const text = (await access.first().textContent()) ?? '';
    expect(text).toContain('电子税务局企业信息核验');
    expect(text).toContain('企业法定代表人信息');
  });
});
