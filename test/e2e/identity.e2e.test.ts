import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startNode } from '../support/server.js';
import { DEMO_ORGS } from '../../src/cli/seed.js';
import {
  addOptions,
  byTestId,
  expectedNav,
  freshUscc,
  launchBrowser,
  login,
  logout,
  navTestIds,
  openPage,
  pickOption,
} from './support.js';

let node: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;

beforeAll(async () => {
  [node, browser] = await Promise.all([startNode(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe('系统管理员 manages organisations and users', () => {
  it('creates an organisation and a user in it, who can then sign in', async () => {
    const { context, page } = await openPage(browser);
    const stamp = Date.now().toString(36);
    const orgName = `端到端测试局${stamp}`;
    const code = freshUscc();
    const username = `e2e_${stamp}`;
    const displayName = `测试用户${stamp}`;
    const password = 'E2e-Passw0rd!2026';
    const parentName = DEMO_ORGS[0]?.name ?? '';
    try {
      await login(page, node.url, 'sysadmin');
      await page.click(byTestId('nav-orgs'));
      await page.waitForSelector(byTestId('org-table'));

      await page.click(byTestId('org-create'));
      await page.fill(byTestId('org-name'), orgName);
      // The form checks the check character before the server does.
      await page.fill(byTestId('org-uscc'), `${code.slice(0, 17)}${code.endsWith('0') ? '1' : '0'}`);
      await page.fill(byTestId('org-region'), '440000');
      await page.locator('#org_uscc_help').waitFor();
      await page.fill(byTestId('org-uscc'), code);
      await page.locator('#org_uscc_help').waitFor({ state: 'detached' });
      await pickOption(page, 'org-kind', 'org-kind-government');
      await page.click(byTestId('org-parent'));
      await page.keyboard.type(parentName);
      await page.locator(`.ant-select-dropdown [title="${parentName}"]`).first().click();
      await page.click(byTestId('org-form-submit'));
      await page.waitForSelector(byTestId(`org-row-${code}`));

      await page.click(byTestId('nav-users'));
      await page.click(byTestId('user-create'));
      await page.fill(byTestId('user-username'), username);
      await page.fill(byTestId('user-display-name'), displayName);
      await page.fill(byTestId('user-password'), password);
      await pickOption(page, 'user-org', `user-org-option-${code}`, orgName);
      await page.click(byTestId('user-form-submit'));
      const row = page.locator(byTestId(`user-row-${username}`));
      await row.waitFor();
      expect(await row.textContent()).toContain(orgName);
      await logout(page);

      await login(page, node.url, username, password);
      expect(await page.locator(byTestId('header-user')).textContent()).toBe(displayName);
      expect(await page.locator(byTestId('header-org')).textContent()).toBe(orgName);
      expect(await navTestIds(page)).toEqual(expectedNav(['member']));

      // 个人中心: the new user replaces the initial password and signs in with the new one.
      const newPassword = 'N3w-Passw0rd!2026';
      await page.click(byTestId('nav-profile'));
      await page.fill(byTestId('password-current'), password);
      await page.fill(byTestId('password-new'), newPassword);
      await page.fill(byTestId('password-confirm'), newPassword);
      await page.click(byTestId('password-submit'));
      await page.locator(byTestId('notify-success')).waitFor();
      await logout(page);
      await login(page, node.url, username, newPassword);
    } finally {
      await context.close();
    }
  });

  it('安全管理员 assigns roles, and the server’s 三员 refusal is shown', async () => {
    const { context, page } = await openPage(browser);
    try {
      await login(page, node.url, 'secadmin');
      await page.click(byTestId('nav-users'));
      const auditorRow = page.locator(byTestId('user-row-auditor'));
      await auditorRow.waitFor();
      await page.click(byTestId('user-roles-auditor'));
      await addOptions(page, 'roles-select', ['role-option-sysadmin']);
      await page.click(byTestId('roles-form-submit'));
      const refusal = page.locator(byTestId('notify-error'));
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/[\u4e00-\u9fff]/);
      await page.keyboard.press('Escape');
      await page.reload();
      await auditorRow.waitFor();
      expect(await auditorRow.locator(byTestId('role-sysadmin')).count()).toBe(0);
      expect(await auditorRow.locator(byTestId('role-auditor')).count()).toBe(1);

      // A role that breaks no rule is saved.
      await page.click(byTestId('user-roles-member'));
      await addOptions(page, 'roles-select', ['role-option-data_steward']);
      await page.click(byTestId('roles-form-submit'));
      await page.locator(`${byTestId('user-row-member')} ${byTestId('role-data_steward')}`).waitFor();
    } finally {
      await context.close();
    }
  });
});
