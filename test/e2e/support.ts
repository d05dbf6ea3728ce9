import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/cli/seed.js';
import { ROLE_PERMISSIONS, type Role } from '../../src/platform/policy/permissions.js';
import { NAV } from '../../web/src/navigation.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser profile (no cookies, zh-CN) with a viewport wide enough for the side menu. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

export const byTestId = (id: string) => `[data-testid="${id}"]`;

export async function login(
  page: Page,
  baseUrl: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill(byTestId('login-username'), username);
  await page.fill(byTestId('login-password'), password);
  await page.click(byTestId('login-submit'));
  await page.waitForSelector(byTestId('nav-home'));
}

export async function logout(page: Page): Promise<void> {
  await page.click(byTestId('logout'));
  await page.waitForSelector(byTestId('login-submit'));
}

/** The test ids of the side menu's entries, in order. */
export function navTestIds(page: Page): Promise<string[]> {
  return page
    .locator(`${byTestId('nav')} [data-testid^="nav-"]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
}

/** What a holder of these roles should see: the menu's own requirements over the server's role table. */
export function expectedNav(roles: readonly Role[]): string[] {
  const granted = new Set<string>(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
  return NAV.filter((e) => e.permission === null || granted.has(e.permission)).map((e) => e.testId);
}

/** Opens an antd Select (by its test id) and clicks the option with the given test id. */
export async function pickOption(page: Page, selectTestId: string, optionTestId: string, search?: string) {
  await page.click(byTestId(selectTestId));
  if (search !== undefined) await page.keyboard.type(search);
  await page.locator(byTestId(optionTestId)).click();
}

/** Adds options to an antd multiple Select, which stays open after each pick until clicked again. */
export async function addOptions(page: Page, selectTestId: string, optionTestIds: readonly string[]) {
  await page.click(byTestId(selectTestId));
  for (const id of optionTestIds) await page.locator(byTestId(id)).click();
  await page.click(byTestId(selectTestId));
  await page.locator(byTestId(optionTestIds.at(-1) ?? '')).waitFor({ state: 'hidden' });
}

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A valid 统一社会信用代码 (GB 32100-2015) from its first 17 characters. */
export function uscc(first17: string): string {
  let sum = 0;
  [...first17].forEach((ch, i) => {
    const v = USCC_CHARSET.indexOf(ch);
    if (v < 0 || i >= 17) throw new Error(`bad USCC body ${first17}`);
    sum += v * (USCC_WEIGHTS[i] ?? 0);
  });
  if (first17.length !== 17) throw new Error(`USCC body must be 17 characters: ${first17}`);
  return first17 + USCC_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/** A fresh 统一社会信用代码 for a government body of 广东省, unique enough for one test run. */
export function freshUscc(): string {
  const orgCode = `E2E${String(Date.now() % 1_000_000).padStart(6, '0')}`;
  return uscc(`11440000${orgCode}`);
}
