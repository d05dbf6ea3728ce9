import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { startNode } from '../support/server.js';
import { maskValue } from '../../src/platform/masking/index.js';
import { byTestId, launchBrowser, login, openPage, pickOption } from './support.js';

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

/**
 * The demo entry of 广东省市场监督管理局 (the approver's organisation): 有条件共享, a table with the
 * demo's 120 rows, keyed by 统一社会信用代码, with the 法定代表人's ID number (公民身份号码). Grade 3
 * and important, so the platform (sysadmin) reviews after the provider approves.
 */
const ENTRY_NAME = '企业法定代表人信息';
const KEY_FIELD = 'tyshxydm';
const ID_FIELD = 'fddbrzjhm';
const NAME_FIELD = 'fddbrxm';

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url);
  expect(res.status(), url).toBe(200);
  return (await res.json()) as T;
}

async function signedIn(username: string): Promise<Page> {
  const { context, page } = await openPage(browser);
  contexts.push(context);
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

const row = (id: string, status?: string) =>
  `${byTestId('share-row')}[data-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;

describe('共享 in the console', () => {
  it('税务局 requests an entry, 市场监管局 approves with masking, the platform reviews, the app queries masked data', async () => {
    // 税务局's developer: an application with a credential (through the API), then the entry.
    const dev = await signedIn('developer');
    const appName = `纳税人核验-${Date.now()}`;
    const app = await post<{ id: string }>(dev, '/api/apps', { name: appName });
    const credential = await post<{ keyId: string; secret: string }>(dev, `/api/apps/${app.id}/credentials`, {
      expiresInDays: 30,
    });
    const search = await json<{ items: { id: string; name: string }[] }>(
      dev.request,
      `${node.url}/api/catalog/entries?q=${encodeURIComponent(ENTRY_NAME)}`,
    );
    const entryId = search.items.find((e) => e.name === ENTRY_NAME)?.id ?? '';
    expect(entryId).not.toBe('');

    // The request wizard from the entry's page.
    await dev.goto(`${node.url}/catalog/${entryId}`);
    await dev.click(byTestId('entry-request'));
    await dev.locator(byTestId('share-wizard')).waitFor();
    await pickOption(dev, 'wizard-app', `wizard-app-option-${appName}`);
    await dev.click(byTestId('wizard-next'));
    // Every field is requested by default; the ID number is marked as personal data.
    await dev.locator(byTestId(`wizard-pii-${ID_FIELD}`)).waitFor();
    await dev.click(byTestId('wizard-next'));
    await dev.fill(byTestId('wizard-scenario-name'), '企业法定代表人身份核验');
    await dev.fill(byTestId('wizard-scenario-description'), '办理涉税事项时核验法定代表人身份');
    await dev.fill(byTestId('wizard-scenario-basis'), '《中华人民共和国税收征收管理法》第十五条');
    await dev.click(byTestId('wizard-next'));
    await dev.fill(byTestId('wizard-per-day'), '500');
    await dev.click(byTestId('wizard-submit'));
    const result = dev.locator(byTestId('wizard-result'));
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('submitted');
    const requestId = (await result.getAttribute('data-request-id')) ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // 有条件共享: due in 10 working days (a date shown in the answer).
    expect(await result.textContent()).toMatch(/\d{4}-\d{2}-\d{2}/);

    // The outbox lists it, with its countdown.
    await dev.click(byTestId('wizard-go-requests'));
    await dev.locator(row(requestId, 'submitted')).waitFor();
    const countdown = dev.locator(`${row(requestId)} ${byTestId('share-countdown')}`);
    expect(await countdown.getAttribute('data-overdue')).toBe('false');
    expect(Number(await countdown.getAttribute('data-days'))).toBeGreaterThan(0);

    // 市场监管局's approver: the inbox, the detail drawer, then 批准 with the ID number masked.
    const approver = await signedIn('approver');
    await approver.goto(`${node.url}/share?tab=inbox`);
    await approver.locator(row(requestId, 'submitted')).waitFor();
    await approver.click(byTestId(`share-view-${requestId}`));
    await approver
      .locator(`${byTestId('share-detail')} ${byTestId('share-event')}[data-action="submit"]`)
      .waitFor();
    await approver.keyboard.press('Escape');
    await approver.click(byTestId(`share-approve-${requestId}`));
    await approver.locator(byTestId('approve-form')).waitFor();
    // The PII field's mask starts at its kind's default.
    await expect
      .poll(() => approver.locator(byTestId(`approve-mask-${ID_FIELD}`)).textContent())
      .toContain('证件号');
    await approver.click(byTestId('approve-submit'));
    await approver.locator(row(requestId, 'provider_approved')).waitFor();

    // The raw row the app will ask for, as the provider sees it (unmasked for its own organisation).
    const preview = await json<{ rows: Record<string, string | null>[] }>(
      approver.request,
      `${node.url}/api/catalog/entries/${entryId}/dataset/preview?limit=1`,
    );
    const raw = preview.rows[0]!;
    const rawId = raw[ID_FIELD] ?? '';
    expect(rawId).toMatch(/^\d{17}[\dX]$/);

    // The platform's review (grade 3, important).
    const sysadmin = await signedIn('sysadmin');
    await sysadmin.goto(`${node.url}/share?tab=review`);
    await sysadmin.locator(row(requestId, 'provider_approved')).waitFor();
    await sysadmin.click(byTestId(`share-review-approve-${requestId}`));
    await sysadmin.click(byTestId('reason-submit'));
    await sysadmin.locator(byTestId('notify-success')).waitFor();
    // The review queue holds what awaits the platform: the decided request leaves it.
    await sysadmin.locator(row(requestId)).waitFor({ state: 'detached' });

    // The grant, as the consumer sees it: the ID number under id_number.
    const request = await json<{ status: string; grantId: string | null }>(
      dev.request,
      `${node.url}/api/share/requests/${requestId}`,
    );
    expect(request.status).toBe('approved');
    const grantId = request.grantId ?? '';
    expect(grantId).not.toBe('');
    await dev.goto(`${node.url}/share/grants`);
    const grantRow = dev.locator(`${byTestId('grant-row')}[data-id="${grantId}"][data-status="active"]`);
    await grantRow.waitFor();
    expect(await grantRow.locator(byTestId(`grant-mask-${ID_FIELD}`)).getAttribute('data-mask')).toBe(
      'id_number',
    );

    // The try-it panel on the apps page: signed in the browser with the pasted credential.
    await dev.goto(`${node.url}/apps`);
    await dev.click(byTestId(`app-tryit-${app.id}`));
    await dev.locator(byTestId('tryit-panel')).waitFor();
    await pickOption(dev, 'tryit-grant', `tryit-grant-option-${grantId}`);
    await dev.fill(byTestId('tryit-key-id'), credential.keyId);
    await dev.fill(byTestId('tryit-secret'), credential.secret);
    await dev.fill(byTestId(`tryit-key-${KEY_FIELD}`), raw[KEY_FIELD] ?? '');
    await dev.click(byTestId('tryit-run'));
    const out = dev.locator(byTestId('tryit-result'));
    await out.waitFor();
    const rows = JSON.parse((await out.textContent()) ?? '') as Record<string, string | null>[];
    expect(rows).toHaveLength(1);
    const got = rows[0]!;
    expect(got[KEY_FIELD]).toBe(raw[KEY_FIELD]);
    expect(got[ID_FIELD]).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    expect(got[ID_FIELD]).toBe(`${rawId.slice(0, 6)}********${rawId.slice(-4)}`);
    expect(got[NAME_FIELD]).toBe(maskValue('name', raw[NAME_FIELD] ?? null));
    expect(got[NAME_FIELD]).not.toBe(raw[NAME_FIELD]);

    // The secret was never stored by the page.
    const stored = await dev.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    expect(stored).not.toContain(credential.secret);

    // No key: the first rows in key order, every ID number masked.
    await dev.fill(byTestId(`tryit-key-${KEY_FIELD}`), '');
    await dev.click(byTestId('tryit-run'));
    await expect
      .poll(async () => (await dev.locator(byTestId('tryit-count')).getAttribute('data-count')) ?? '')
      .toBe('10');
    const first = JSON.parse((await out.textContent()) ?? '') as Record<string, string | null>[];
    expect(first.every((r) => /^\d{6}\*{8}[\dX]{4}$/.test(r[ID_FIELD] ?? ''))).toBe(true);

    // The app's usage: the two calls just made, charted (ECharts canvas) and counted for today.
    await dev.goto(`${node.url}/apps`);
    await dev.click(byTestId(`app-usage-${app.id}`));
    await dev.locator(`${byTestId('usage-chart')} canvas`).waitFor();
    await expect
      .poll(async () => (await dev.locator(byTestId('usage-today')).first().textContent()) ?? '')
      .toMatch(/^2 \/ \d+$/);
  });

  it('供需对接: 税务局 posts a demand, the platform routes it, 市场监管局 links an entry, 税务局 requests it', async () => {
    const dev = await signedIn('developer');
    const title = `纳税人登记信息需求-${Date.now()}`;
    await dev.goto(`${node.url}/share/demands`);
    await dev.click(byTestId('demand-create'));
    await dev.fill(byTestId('demand-title'), title);
    await dev.fill(byTestId('demand-description'), '核对纳税人登记的企业名称、法定代表人');
    await dev.fill(byTestId('demand-purposeName'), '纳税人登记核验');
    await dev.fill(byTestId('demand-purposeDescription'), '办理税务登记时核验企业信息');
    await dev.fill(byTestId('demand-purposeBasis'), '《税收征收管理法》第十五条');
    await dev.click(byTestId('demand-submit'));
    const mine = dev.locator(`${byTestId('demand-row')}[data-title="${title}"]`);
    await expect
      .poll(async () => mine.locator(byTestId('demand-status')).getAttribute('data-status'))
      .toBe('open');
    const id = (await mine.getAttribute('data-id')) ?? '';

    // The platform routes it to 市场监管局.
    const admin = await signedIn('sysadmin');
    await admin.goto(`${node.url}/share/demands?tab=all`);
    await admin.click(byTestId(`demand-route-${id}`));
    await pickOption(admin, 'demand-route-org', 'demand-route-org-option-广东省市场监督管理局');
    await admin.click(byTestId('demand-route-submit'));
    const routed = admin.locator(`${byTestId('demand-row')}[data-id="${id}"] ${byTestId('demand-status')}`);
    await expect.poll(async () => routed.getAttribute('data-status')).toBe('routed');

    // 市场监管局's approver answers with one of its published entries.
    const approver = await signedIn('approver');
    await approver.goto(`${node.url}/share/demands?tab=assigned`);
    await approver.click(byTestId(`demand-answer-${id}`));
    await pickOption(approver, 'demand-answer-entry', 'demand-answer-entry-option-企业登记基本信息');
    await approver.click(byTestId('demand-answer-submit'));
    const answered = approver.locator(
      `${byTestId('demand-row')}[data-id="${id}"] ${byTestId('demand-status')}`,
    );
    await expect.poll(async () => answered.getAttribute('data-status')).toBe('answered_linked');

    // 税务局 sees the answer and can request the entry from the demand in one click.
    await dev.reload();
    await expect
      .poll(async () => mine.locator(byTestId('demand-status')).getAttribute('data-status'))
      .toBe('answered_linked');
    expect(await mine.textContent()).toContain('企业登记基本信息');
    await dev.click(byTestId(`demand-request-${id}`));
    expect(await dev.locator(byTestId('wizard-scenario-name')).inputValue()).toBe('纳税人登记核验');
  });

  it('a 不予共享 entry shows its legal basis instead of the request button', async () => {
    const page = await signedIn('developer');
    const search = await json<{ items: { id: string; name: string }[] }>(
      page.request,
      `${node.url}/api/catalog/entries?q=${encodeURIComponent('出入境证件办理信息')}`,
    );
    const id = search.items.find((e) => e.name === '出入境证件办理信息')?.id ?? '';
    expect(id).not.toBe('');
    await page.goto(`${node.url}/catalog/${id}`);
    const basis = page.locator(byTestId('entry-not-shared'));
    await basis.waitFor();
    expect(await basis.textContent()).toContain('出境入境管理法');
    expect(await page.locator(byTestId('entry-request')).count()).toBe(0);
  });
});
