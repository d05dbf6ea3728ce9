import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Browser } from 'playwright-core';
import { startNode } from '../support/server.js';
import { idNumberCheckChar } from '../../src/platform/validators/index.js';
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

/** The demo entry of 广东省公安厅 (the steward's organisation) the test loads into. */
const ENTRY_NAME = '居民身份证签发信息';
/** Valid rows in the uploaded file: enough for the load to take a moment, few enough to stay fast. */
const VALID_ROWS = 30_000;
/** The demo data's rows in every published table entry. */
const DEMO_ROWS = 120;

interface Field {
  code: string;
  name: string;
  type: string;
  length?: number | null;
  required: boolean;
  key: boolean;
  piiKind: string;
  validator?: { kind: string } | null;
}

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url);
  expect(res.status(), url).toBe(200);
  return (await res.json()) as T;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁';
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '秀英', '志强', '建华', '丽娟'];

/** A date `days` after 1970-01-01, as YYYYMMDD or YYYY-MM-DD. */
function day(days: number, sep = ''): string {
  const d = new Date(Date.UTC(1970, 0, 1) + days * 86_400_000);
  return [d.getUTCFullYear(), pad(d.getUTCMonth() + 1, 2), pad(d.getUTCDate(), 2)].join(sep);
}

/**
 * Row i's value of a field, as the demo data generates them (src/modules/ingest/demo.ts): valid
 * 公民身份号码 (distinct for every i: 1,000 per birth date), Chinese names, dates, cut texts.
 */
function valueFor(f: Field, i: number): string {
  if (f.validator?.kind === 'id_number') {
    const body = `440103${day(3650 + Math.floor(i / 1000))}${pad(i % 1000, 3)}`;
    return body + idNumberCheckChar(body);
  }
  if (f.type === 'date') return day(10_000 + (i % 5000), '-');
  if (f.type === 'integer') return String(i % 1000);
  if (f.piiKind === 'name') return `${SURNAMES[i % SURNAMES.length]}${GIVEN[i % GIVEN.length]}`;
  const text = `${f.name}${i + 1}`;
  return f.length ? [...text].slice(0, f.length).join('') : text;
}

describe('归集 in the console', () => {
  it('数据管理员 uploads a GBK CSV, reads its 3 拒收记录, previews the data and rolls back', async () => {
    const { context, page } = await openPage(browser);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-ingest-e2e-'));
    try {
      await login(page, node.url, 'steward');

      // The entry, found through the API with the steward's session.
      const search = await json<{ items: { id: string; name: string }[] }>(
        page.request,
        `${node.url}/api/catalog/entries?q=${encodeURIComponent(ENTRY_NAME)}&mine=true`,
      );
      const id = search.items.find((e) => e.name === ENTRY_NAME)?.id ?? '';
      expect(id).not.toBe('');
      const entry = await json<{ fields: Field[]; resourceKind: string; status: string }>(
        page.request,
        `${node.url}/api/catalog/entries/${id}`,
      );
      expect(entry.resourceKind).toBe('table');
      const fields = entry.fields;
      const idAt = fields.findIndex((f) => f.validator?.kind === 'id_number' && f.key);
      const requiredAt = fields.findIndex((f) => f.required && !f.key);
      const longAt = fields.findIndex(
        (f) => f.type === 'string' && !f.required && !f.key && (f.length ?? 0) > 0,
      );
      expect([idAt, requiredAt, longAt].every((i) => i >= 0)).toBe(true);
      const before = await json<{
        currentVersion: number;
        versions: { version: number; rowCount: number }[];
      }>(page.request, `${node.url}/api/catalog/entries/${id}/dataset`);
      expect(before.versions.find((v) => v.version === before.currentVersion)?.rowCount).toBe(DEMO_ROWS);

      // The file: Chinese headers (mapped by field name), GBK, valid rows with three bad ones
      // among them — a wrong check character, a blank required value, a value too long.
      const rows: string[][] = [];
      const bad = new Map<number, string>(); // source row number → field code
      for (let i = 0; i < VALID_ROWS; i++) {
        rows.push(fields.map((f) => valueFor(f, i)));
        if (i === 99 || i === 9_999 || i === 19_999) {
          const b = fields.map((f) => valueFor(f, VALID_ROWS + rows.length));
          const which = bad.size;
          if (which === 0) {
            const v = b[idAt]!;
            b[idAt] = v.slice(0, 17) + (v.endsWith('0') ? '1' : '0');
          } else if (which === 1) b[requiredAt] = '';
          else b[longAt] = '长'.repeat((fields[longAt]!.length ?? 0) + 1);
          rows.push(b);
          // The header is row 1: the first data row is row 2.
          bad.set(rows.length + 1, fields[[idAt, requiredAt, longAt][which]!]!.code);
        }
      }
      const text = [fields.map((f) => f.name), ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n';
      const file = path.join(dir, 'jmsfzqfxx.csv');
      await fs.writeFile(file, iconv.encode(text, 'gbk'));
      const validKeys = rows
        .filter((_, n) => !bad.has(n + 2))
        .map((r) => r[idAt]!)
        .sort();

      // From the entry to its dataset page.
      await page.goto(`${node.url}/catalog/${id}`);
      await page.click(byTestId('entry-data'));
      await page.locator(`${byTestId('dataset-page')}[data-state="loaded"]`).waitFor();
      expect(await page.locator(byTestId('dataset-row-count')).getAttribute('data-count')).toBe(
        String(DEMO_ROWS),
      );

      // Step 1: the file, its encoding left to detection.
      await page.click(byTestId('dataset-upload'));
      const wizard = page.locator(byTestId('upload-wizard'));
      await wizard.waitFor();
      await wizard.locator('input[type=file]').setInputFiles(file);
      await page.locator(byTestId('upload-file-name')).waitFor();
      await page.click(byTestId('upload-next'));

      // Step 2: the probe detected GB18030 and mapped every header by its field name.
      await page.locator(byTestId('upload-step-mapping')).waitFor();
      expect(await page.locator(byTestId('upload-detected-encoding')).getAttribute('data-value')).toBe(
        'gb18030',
      );
      const mapped = await page
        .locator(byTestId('mapping-row'))
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-header'), e.getAttribute('data-code')]));
      expect(mapped).toEqual(fields.map((f) => [f.name, f.code]));
      expect(await page.locator(byTestId('upload-missing')).getAttribute('data-codes')).toBe('');
      await page.click(byTestId('upload-next'));

      // Step 3: 替换.
      await page.locator(byTestId('upload-step-mode')).waitFor();
      await page.click(byTestId('upload-mode-replace'));
      await page.click(byTestId('upload-next'));

      // Step 4: load, watching the progress element from the first moment on.
      await page.locator(byTestId('upload-step-load')).waitFor();
      // In the page (a script: the tests' TypeScript has no DOM types): every phase the progress
      // element goes through, and the rows it showed read while the load ran.
      await page.evaluate(`(() => {
        const seen = { phases: [], reads: [] };
        window.__progress = seen;
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid="upload-progress"]');
          if (!el) return;
          const phase = el.getAttribute('data-phase') || '';
          if (seen.phases[seen.phases.length - 1] !== phase) seen.phases.push(phase);
          if (phase === 'running') {
            const read = Number(el.getAttribute('data-rows-read') || 0);
            if (seen.reads[seen.reads.length - 1] !== read) seen.reads.push(read);
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      })()`);
      // The upload slowed to 250 kB/s (about 7 s for the file), so that the running batch's live
      // progress shows before the answer.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 250_000,
      });
      const started = Date.now();
      await page.click(byTestId('upload-start'));
      await page.locator(byTestId('upload-progress')).waitFor();
      const result = page.locator(byTestId('upload-result'));
      await result.waitFor({ timeout: 60_000 });
      const took = Date.now() - started;
      expect(await result.getAttribute('data-status')).toBe('done');
      expect(await result.getAttribute('data-rejected')).toBe('3');
      expect(await result.getAttribute('data-accepted')).toBe(String(VALID_ROWS));
      const seen = await page.evaluate<{ phases: string[]; reads: number[] }>('window.__progress');
      expect(seen.phases[0]).toBe('running');
      expect(seen.phases.at(-1)).toBe('done');
      // Polled from the running batch: rows read part-way, before the load answered.
      expect(seen.reads.some((n) => n > 0 && n < VALID_ROWS + 3)).toBe(true);
      expect(await page.locator(byTestId('upload-progress')).getAttribute('data-rows-read')).toBe(
        String(VALID_ROWS + 3),
      );
      console.log(
        `upload of ${VALID_ROWS + 3} rows: ${took} ms; live progress seen while running: ${seen.reads.join(' → ')} rows read`,
      );
      const batchId = Number(await result.getAttribute('data-batch'));

      // The batch's 拒收记录, with their reasons in Chinese.
      await page.click(byTestId('upload-view-rejects'));
      const drawer = page.locator(byTestId('batch-drawer'));
      await drawer.locator(`${byTestId('batch-detail')}[data-id="${batchId}"]`).waitFor();
      await expect.poll(() => drawer.locator(byTestId('reject-row')).count()).toBe(3);
      const rejects = await drawer.locator(byTestId('reject-row')).evaluateAll((els) =>
        els.map((e) => ({
          row: Number(e.getAttribute('data-row')),
          field: e.getAttribute('data-field') ?? '',
          reason: e.querySelector('[data-testid="reject-reason"]')?.textContent ?? '',
        })),
      );
      expect(rejects.map((r) => r.row)).toEqual([...bad.keys()]);
      for (const r of rejects) {
        expect(r.reason).toMatch(/[\u4e00-\u9fff]/);
        expect([bad.get(r.row), fields.find((f) => f.code === bad.get(r.row))?.name]).toContain(r.field);
      }

      // The download: a CSV of the same three rows.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        drawer.locator(byTestId('rejects-download-csv')).click(),
      ]);
      const csv = (await fs.readFile((await download.path()) ?? '', 'utf8')).replace(/^\uFEFF/, '');
      const lines = csv.split(/\r\n/).filter((l) => l !== '');
      expect(lines).toHaveLength(4);
      for (const [n, row] of [...bad.keys()].entries()) expect(lines[n + 1]!.split(',')[0]).toBe(String(row));
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });

      // The preview shows the new rows, in key order; the dataset counts them.
      await page.click(byTestId('dataset-tab-preview'));
      await page.locator(`${byTestId('preview-total')}[data-count="${VALID_ROWS}"]`).waitFor();
      const previewKeys = await page
        .locator(byTestId('preview-row'))
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
      expect(previewKeys).toEqual(validKeys.slice(0, previewKeys.length));
      expect(previewKeys.length).toBeGreaterThan(0);
      expect(await page.locator(byTestId('dataset-row-count')).getAttribute('data-count')).toBe(
        String(VALID_ROWS),
      );

      // 回退到上一版本: the demo's 120 rows again.
      await page.click(byTestId('dataset-tab-versions'));
      await page.click(byTestId('dataset-rollback'));
      await page.click(byTestId('rollback-confirm'));
      await page.locator(`${byTestId('dataset-row-count')}[data-count="${DEMO_ROWS}"]`).waitFor();
      expect(await page.locator(byTestId('dataset-version')).getAttribute('data-version')).toBe(
        String(before.currentVersion),
      );
      await page.click(byTestId('dataset-tab-preview'));
      await page.locator(`${byTestId('preview-total')}[data-count="${DEMO_ROWS}"]`).waitFor();
    } finally {
      await context.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
