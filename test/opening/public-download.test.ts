import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOpenDataset, relaxLimits, type MadeOpenDataset } from './public-helpers.js';

let t: TestApp;
let ds: MadeOpenDataset;

beforeAll(async () => {
  t = await testApp();
  relaxLimits(t);
  ds = await makeOpenDataset(t);
});
afterAll(async () => t?.close());

const download = (query: string) =>
  t.app.inject({ method: 'GET', url: `/api/open/datasets/${ds.entry.id}/download?${query}` });

const HEADER = 'uscc,company,region,capital,staff,founded,active';

describe('downloads', () => {
  it('writes CSV in UTF-8 with a BOM and CRLF, formulas neutralised', async () => {
    const res = await download('format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const fallback = `open-${ds.entry.code.replace(/[./]/g, '-')}`;
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${fallback}.csv"; filename*=UTF-8''${encodeURIComponent('企业登记基本信息.csv')}`,
    );
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toBe(
      '\uFEFF' +
        [
          HEADER,
          '91440101MA5C000001,广州甲科技有限公司,440106,100.50,12,2019-03-01,true',
          '91440101MA5C000002,广州乙贸易有限公司,440104,50.00,5,2020-07-15,true',
          '91440300MA5C000003,深圳丙电子有限公司,440305,1000.00,120,2015-01-20,false',
          "91440300MA5C000004,'=1+2,440305,,3,2021-11-11,true",
          '91440600MA5C000005,佛山丁_陶瓷 100%有限公司,440604,300.00,45,2018-05-05,true',
          '91440400MA5C000006,"珠海戊, ""海洋""有限公司",440402,20.00,2,2022-02-02,',
        ].join('\r\n') +
        '\r\n',
    );
  });

  it('writes XLSX that reads back, numbers as numbers, with Chinese headers on request', async () => {
    const res = await download(
      'format=xlsx&header=name&filters=' + encodeURIComponent('{"region":"440305"}'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('data')!;
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(sheet.rowCount).toBe(3);
    expect(values(1)).toEqual([
      '统一社会信用代码',
      '企业名称',
      '行政区划代码',
      '注册资本（万元）',
      '从业人数',
      '成立日期',
      '存续',
    ]);
    expect(values(2)).toEqual([
      '91440300MA5C000003',
      '深圳丙电子有限公司',
      '440305',
      1000,
      120,
      '2015-01-20',
      false,
    ]);
    // exceljs leaves an empty cell out of `values`: the capital is null here.
    expect(sheet.getRow(3).getCell(2).value).toBe("'=1+2");
    expect(sheet.getRow(3).getCell(4).value).toBe(null);
    expect(sheet.getRow(3).getCell(5).value).toBe(3);
  });

  it('writes JSON records as the rows route does, with fields and sort', async () => {
    const res = await download('format=json&fields=company,capital&sort=capital%20desc');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual([
      { company: '深圳丙电子有限公司', capital: 1000 },
      { company: '佛山丁_陶瓷 100%有限公司', capital: 300 },
      { company: '广州甲科技有限公司', capital: 100.5 },
      { company: '广州乙贸易有限公司', capital: 50 },
      { company: '珠海戊, "海洋"有限公司', capital: 20 },
      { company: '=1+2', capital: null },
    ]);
    const empty = await download('format=json&q=' + encodeURIComponent('不存在的公司'));
    expect(JSON.parse(empty.body)).toEqual([]);
  });

  it('counts each download, per day and format, and shows the total', async () => {
    const { rows } = await t.pool.query(
      `SELECT format, downloads FROM datong.open_downloads WHERE entry_id = $1 ORDER BY format`,
      [ds.entry.id],
    );
    expect(rows).toEqual([
      { format: 'csv', downloads: 1 },
      { format: 'json', downloads: 2 },
      { format: 'xlsx', downloads: 1 },
    ]);
    const meta = await t.app.inject({ method: 'GET', url: `/api/open/datasets/${ds.entry.id}` });
    expect(meta.json().downloads).toBe(4);
  });

  it('refuses a bad format or filter before streaming, and counts nothing then', async () => {
    const badFormat = await download('format=pdf');
    expect(badFormat.statusCode).toBe(400);
    const badFilter = await download('format=csv&filters=' + encodeURIComponent('{"staff":"many"}'));
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().code).toBe('filter_invalid');
    const { rows } = await t.pool.query(
      `SELECT sum(downloads)::int AS n FROM datong.open_downloads WHERE entry_id = $1`,
      [ds.entry.id],
    );
    expect(rows[0].n).toBe(4);
  });

  it('streams a large dataset in batches, every row once', async () => {
    const rows = Array.from({ length: 4500 }, (_, i) => [
      `91440000MA${String(i).padStart(8, '0')}`,
      i % 2 ? `@SUM(A${i})` : `企业${i}`,
      '440106',
      `${i}.25`,
      i,
      '2020-01-01',
      true,
    ]);
    const big = await makeOpenDataset(t, { rows });
    const csv = await t.app.inject({
      method: 'GET',
      url: `/api/open/datasets/${big.entry.id}/download?format=csv`,
    });
    const lines = csv.body.split('\r\n');
    expect(lines.length).toBe(4502); // header, 4,500 rows, the final empty string
    expect(lines[4500]).toBe("91440000MA00004499,'@SUM(A4499),440106,4499.25,4499,2020-01-01,true");
    const xlsx = await t.app.inject({
      method: 'GET',
      url: `/api/open/datasets/${big.entry.id}/download?format=xlsx`,
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('data')!;
    expect(sheet.rowCount).toBe(4501);
    expect(sheet.getRow(4501).getCell(4).value).toBe(4499.25);
    const { rows: idle } = await t.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(idle[0].n).toBe(0);
  });
});
