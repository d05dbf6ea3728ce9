import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { startNode } from '../support/server.js';
import { byTestId, launchBrowser, login, openPage } from './support.js';

/**
 * 治理 in the console, on the demo node (src/modules/quality/demo.ts): a steward's quality report
 * with its failing rows; the platform reviewing the demo's cross-check and raising an objection
 * from a conflict; the provider correcting it, and a new cross-check finding one conflict fewer.
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

async function signedIn(username: string): Promise<Page> {
  const { context, page } = await openPage(browser);
  contexts.push(context);
  await login(page, node.url, username);
  return page;
}

async function entryId(page: Page, name: string): Promise<string> {
  const search = await json<{ items: { id: string; name: string }[] }>(
    page.request,
    `${node.url}/api/catalog/entries?q=${encodeURIComponent(name)}`,
  );
  const id = search.items.find((e) => e.name === name)?.id ?? '';
  expect(id, name).not.toBe('');
  return id;
}

const LEGAL_REP_ITEM = '法定代表人';
const LEGAL_REP_ENTRY = '企业法定代表人信息';

/** The conflicts count of 法定代表人 × 企业法定代表人信息 on an open run page. */
async function legalRepConflicts(page: Page): Promise<number> {
  const row = page
    .locator(
      `${byTestId('crosscheck-item')}[data-item="${LEGAL_REP_ITEM}"] ${byTestId('crosscheck-source-row')}`,
    )
    .first();
  await row.waitFor();
  return Number(await row.getAttribute('data-conflicting'));
}

describe('治理 in the console', () => {
  it('a steward opens the quality report of 户籍人口基本信息 and drills into the failing rows', async () => {
    const steward = await signedIn('steward');
    const id = await entryId(steward, '户籍人口基本信息');
    await steward.goto(`${node.url}/catalog/${id}/data`);
    await steward.click(byTestId('dataset-tab-quality'));
    await steward.locator(byTestId('quality-score')).waitFor();
    // The planted defects: 3 birth dates and 2 sexes disagree with the identity number.
    const rule = steward.locator(byTestId('quality-result-row'), { hasText: '出生日期、性别与身份证号一致' });
    await expect.poll(() => rule.count()).toBe(1);
    await expect.poll(async () => rule.textContent()).toMatch(/\b5\b/);
    await rule.locator(byTestId('quality-samples')).click();
    const drawer = steward.locator(byTestId('quality-samples-drawer'));
    await drawer.waitFor();
    await expect.poll(() => drawer.locator(byTestId('quality-sample-row')).count()).toBe(5);
    // The steward's own department's data, yet the identity numbers in samples stay masked.
    const firstRow = (await drawer.locator(byTestId('quality-sample-row')).first().textContent()) ?? '';
    expect(firstRow).toMatch(/\*{4,}/);
    await steward.keyboard.press('Escape');

    // From the preview, the steward objects to one field of a record of its own department.
    await steward.click(byTestId('dataset-tab-preview'));
    await steward.locator(byTestId('preview-object')).first().click();
    await steward.getByRole('menuitem', { name: '民族（mz）' }).click();
    await steward.locator(byTestId('objection-raise')).waitFor();
    await steward.fill(byTestId('objection-raise-value'), '汉族');
    await steward.fill(byTestId('objection-raise-reason'), '户籍登记民族有误，依申请人材料更正');
    await steward.click(byTestId('objection-raise-submit'));
    await steward.locator(byTestId('objection-raise')).waitFor({ state: 'hidden' });
    const raised = await json<{ items: { field: string; origin: string; proposedValue: string }[] }>(
      steward.request,
      `${node.url}/api/quality/objections?box=raised`,
    );
    expect(raised.items.map((o) => [o.field, o.origin, o.proposedValue])).toEqual([
      ['mz', 'steward', '汉族'],
    ]);
    await steward.click(byTestId('dataset-tab-quality'));
    // The trend holds yesterday's run and today's (and the run the node's worker made after the
    // demo's upsert batches, if it has finished yet).
    await expect
      .poll(async () => Number(await steward.locator(byTestId('quality-trend')).getAttribute('data-points')))
      .toBeGreaterThanOrEqual(2);
  });

  it('the platform raises an objection from a cross-check conflict; 市场监管局 corrects it', async () => {
    // The demo's cross-check: 3 conflicts of 法定代表人 are still open (the demo corrected one).
    const platform = await signedIn('sysadmin');
    await platform.goto(`${node.url}/governance/crosschecks`);
    await platform.locator(byTestId('crosscheck-run-row')).first().waitFor();
    expect(await platform.locator(byTestId('crosscheck-run-row')).count()).toBe(1);
    await platform.click(byTestId('crosscheck-view'));
    await platform.locator(byTestId('crosscheck-run')).waitFor();
    expect(await legalRepConflicts(platform)).toBe(4);

    await platform
      .locator(
        `${byTestId('crosscheck-item')}[data-item="${LEGAL_REP_ITEM}"] ${byTestId('crosscheck-source-conflicts')}`,
      )
      .click();
    // The conflicts table shows this item and source only, all four of them.
    await expect
      .poll(() =>
        platform.locator(`${byTestId('conflict-row')}:not([data-item="${LEGAL_REP_ITEM}"])`).count(),
      )
      .toBe(0);
    await expect.poll(() => platform.locator(byTestId('conflict-row')).count()).toBe(4);
    // The demo raised (and corrected) one objection from these conflicts, or from 企业名称's.
    const taken = await platform.locator(`${byTestId('conflict-row')}:not([data-objection=""])`).count();
    const open = platform.locator(`${byTestId('conflict-row')}[data-objection=""]`, {
      has: platform.locator(`${byTestId('conflict-authoritative')}:not([data-empty])`),
    });
    await open.first().waitFor();
    const conflict = open.first();
    const conflictId = (await conflict.getAttribute('data-id')) ?? '';
    await conflict.locator(byTestId('conflict-raise')).click();
    await platform.locator(byTestId('conflict-objection')).waitFor();
    // Addressed by default to the source's provider, 广东省市场监督管理局.
    await expect
      .poll(async () => platform.locator(byTestId('conflict-objection-org')).textContent())
      .toContain('市场监督管理局');
    await platform.fill(
      byTestId('conflict-objection-reason'),
      '与企业登记信息的法定代表人不一致，请核实更正',
    );
    await platform.click(byTestId('conflict-objection-submit'));
    const tag = platform.locator(
      `${byTestId('conflict-row')}[data-id="${conflictId}"] ${byTestId('conflict-objection-tag')}`,
    );
    await tag.waitFor();
    const objectionId = (await tag.getAttribute('data-objection')) ?? '';
    expect(objectionId).toMatch(/^[0-9a-f-]{36}$/);

    // 市场监管局's organisation admin finds it in the inbox and corrects it with the proposed value.
    const provider = await signedIn('orgadmin');
    await provider.goto(`${node.url}/governance/objections`);
    const row = provider.locator(`${byTestId('objection-row')}[data-id="${objectionId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('open');
    await row.click();
    const drawer = provider.locator(`${byTestId('objection-drawer')}[data-id="${objectionId}"]`);
    await drawer.waitFor();
    // The provider sees its own values as stored: the authority's name is proposed.
    const proposed =
      (await drawer.locator(byTestId('objection-proposed-value')).getAttribute('data-value')) ?? '';
    expect(proposed).not.toMatch(/\*/);
    expect(proposed.length).toBeGreaterThan(1);
    await provider.click(byTestId('objection-correct'));
    await expect
      .poll(() => provider.locator(byTestId('objection-correct-value')).inputValue())
      .toBe(proposed);
    await provider.fill(byTestId('objection-correct-comment'), '已按企业登记信息更正');
    await provider.click(byTestId('objection-submit'));
    await expect.poll(() => drawer.getAttribute('data-status')).toBe('corrected');
    await drawer.locator(byTestId('objection-batch')).waitFor();
    await expect
      .poll(() => drawer.locator(`${byTestId('objection-event')}[data-action="correct"]`).count())
      .toBe(1);

    // The correction is an upsert batch of the dataset, and the record now holds the value.
    const o = await json<{ correctionBatchId: number; recordKey: Record<string, string>; field: string }>(
      provider.request,
      `${node.url}/api/quality/objections/${objectionId}`,
    );
    const batch = await json<{ mode: string; source: { kind: string } }>(
      provider.request,
      `${node.url}/api/ingest/batches/${o.correctionBatchId}`,
    );
    expect(batch.mode).toBe('upsert');
    const legalRep = await entryId(provider, LEGAL_REP_ENTRY);
    const preview = await json<{ rows: Record<string, string | null>[] }>(
      provider.request,
      `${node.url}/api/catalog/entries/${legalRep}/dataset/preview?limit=100`,
    );
    const record = preview.rows.find((r) => r.tyshxydm === o.recordKey.tyshxydm);
    expect(record?.[o.field]).toBe(proposed);

    // A new cross-check finds one conflict fewer for 法定代表人 × 企业法定代表人信息.
    await platform.goto(`${node.url}/governance/crosschecks`);
    await platform.click(byTestId('crosscheck-start'));
    await expect
      .poll(() => platform.locator(byTestId('crosscheck-run-row')).count(), { timeout: 30_000 })
      .toBe(2);
    await expect
      .poll(() => platform.locator(byTestId('crosscheck-run-row')).first().getAttribute('data-status'), {
        timeout: 30_000,
      })
      .toBe('done');
    await platform.locator(byTestId('crosscheck-view')).first().click();
    await platform.locator(byTestId('crosscheck-run')).waitFor();
    // 4 at the demo's run, less the demo's own correction if it was one of them, less this one.
    expect(await legalRepConflicts(platform)).toBe(4 - taken - 1);
  });
});
