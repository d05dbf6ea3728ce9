import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { MAX_ROWS, readSheet, type RawSheet } from '../../src/modules/catalog/import-read.js';
import { parseSheet } from '../../src/modules/catalog/import-parse.js';
import { looksLikeFormula } from '../../src/modules/catalog/import-cells.js';
import { entryRows, templateXlsx } from '../../src/modules/catalog/export.js';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import {
  EN_HEADERS,
  HEADERS,
  cellsOf,
  colOf,
  csvOf,
  csvText,
  enterpriseRows,
  xlsxOf,
  type RowValues,
} from '../fixtures/catalog/sheets.js';

const USCC = '91440300MA5F000000';

async function parse(data: Buffer, filename = 'catalog.csv') {
  return parseSheet(await readSheet(data, filename));
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/catalog/${name}`, import.meta.url));

describe('catalog import: reading and parsing', () => {
  it('parses a valid CSV into one entry with codes mapped from Chinese labels', async () => {
    const { entries, errors } = await parse(csvOf(enterpriseRows(USCC)));
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(1);
    const [e] = entries;
    expect(e?.rows).toEqual([2, 3, 4]);
    expect(e?.fieldRows).toEqual([2, 3, 4]);
    expect(e?.providerCode).toBe(USCC);
    expect(e?.input).toMatchObject({
      category: 'base',
      classification: ['1', '02', '03'],
      resourceKind: 'table',
      formats: ['xlsx', 'json'],
      updateCycle: 'daily',
      publishDate: '2026-01-15',
      tags: ['法人', '市场主体'],
      shareType: 'conditional',
      shareMethod: 'api',
      openType: 'unconditional',
      grade: 2,
      important: false,
    });
    expect(e?.input.fields[0]).toMatchObject({
      code: 'uscc',
      key: true,
      validator: { kind: 'uscc' },
      length: 18,
    });
    expect(e?.input.fields[2]).toMatchObject({
      type: 'decimal',
      precision: 18,
      scale: 2,
      length: null,
      grade: 2,
    });
  });

  it('accepts English headers in any case and spacing, and codes instead of labels', async () => {
    const rows = enterpriseRows(USCC).map((r) => ({ ...r, share_type: 'Conditional', category: 'base' }));
    const headers = EN_HEADERS.map((h) => h.toUpperCase().replace('_', ' '));
    const { entries, errors } = await parse(csvOf(rows, { headers }));
    expect(errors).toEqual([]);
    expect(entries[0]?.input.shareType).toBe('conditional');
  });

  it('reads UTF-8 with a BOM and GBK (GB18030) CSV alike', async () => {
    for (const encoding of ['utf-8-bom', 'gbk'] as const) {
      const sheet = await readSheet(csvOf(enterpriseRows(USCC), { encoding }), 'x.csv');
      expect(sheet.encoding).toBe(encoding === 'gbk' ? 'gb18030' : 'utf-8');
      const { entries, errors } = parseSheet(sheet);
      expect(errors).toEqual([]);
      expect(entries[0]?.input.name).toBe('企业登记基本信息');
    }
  });

  it('reads a stored GBK fixture as an agency would send it', async () => {
    const { entries, errors } = await parse(fixture('gbk-catalog.csv'));
    expect(errors).toEqual([]);
    expect(entries.map((e) => e.input.name)).toEqual(['纳税人状态信息']);
    expect(entries[0]?.input.fields.map((f) => f.name)).toEqual(['纳税人识别号', '纳税人名称', '纳税人状态']);
  });

  it('parses .xlsx with numbers, dates and booleans as typed cells', async () => {
    const data = await xlsxOf(enterpriseRows(USCC), {
      tweak: (sheet) => {
        sheet.getCell(2, colOf('grade')).value = 2;
        sheet.getCell(2, colOf('publish_date')).value = new Date(Date.UTC(2026, 0, 15));
        sheet.getCell(2, colOf('field_length')).value = 18;
        sheet.getCell(3, colOf('field_required')).value = true;
      },
    });
    const { entries, errors } = await parse(data, 'c.xlsx');
    expect(errors).toEqual([]);
    expect(entries[0]?.input.publishDate).toBe('2026-01-15');
    expect(entries[0]?.input.fields[1]?.required).toBe(true);
  });

  it('reports wrong headers: missing required columns and unknown ones', async () => {
    const headers = HEADERS.filter((h) => h !== '资源名称' && h !== '共享类型').concat('备注栏');
    const { errors, entries } = await parse(csvOf(enterpriseRows(USCC), { headers }));
    expect(entries).toEqual([]);
    expect(errors).toContainEqual(expect.objectContaining({ row: 1, column: '备注栏' }));
    const missing = errors.find((e) => e.message.startsWith('表头缺少必填列'));
    expect(missing?.message).toContain('资源名称(name)');
    expect(missing?.message).toContain('共享类型(share_type)');
    expect(missing?.messageEn).toContain('lacks required columns');
  });

  it('reports missing required metadata and conditions at their rows', async () => {
    const rows = enterpriseRows(USCC);
    const broken: RowValues[] = rows.map((r) => ({ ...r, responsible_person: '', update_cycle: '' }));
    const { errors } = await parse(csvOf(broken));
    expect(errors).toContainEqual(
      expect.objectContaining({ row: 2, column: '责任人', message: '“责任人”不能为空' }),
    );
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, column: '更新周期' }));
  });

  it('reports duplicate and over-long field codes', async () => {
    const rows = enterpriseRows(USCC);
    rows[1] = { ...rows[1], field_code: 'uscc' };
    rows[2] = { ...rows[2], field_code: `f_${'x'.repeat(62)}` };
    const { errors } = await parse(csvOf(rows));
    expect(errors).toEqual([
      expect.objectContaining({
        row: 3,
        column: '信息项代码',
        message: expect.stringContaining('第 2 行已使用'),
      }),
      expect.objectContaining({
        row: 4,
        column: '信息项代码',
        messageEn: expect.stringContaining('64 bytes'),
      }),
    ]);
  });

  it('refuses formula cells in xlsx and formula-looking CSV cells (CSV injection)', async () => {
    const xlsx = await xlsxOf(enterpriseRows(USCC), {
      tweak: (sheet) => {
        sheet.getCell(3, colOf('summary')).value = { formula: 'HYPERLINK("http://x","y")', result: 'y' };
      },
    });
    const fromXlsx = await parse(xlsx, 'c.xlsx');
    expect(fromXlsx.errors).toEqual([
      expect.objectContaining({ row: 3, column: '资源摘要', messageEn: expect.stringContaining('formula') }),
    ]);

    const rows = enterpriseRows(USCC);
    rows[0] = { ...rows[0], field_description: '=1+2' };
    rows[1] = { ...rows[1], field_description: '@SUM(A1:A9)' };
    rows[2] = { ...rows[2], field_description: "+cmd|' /C calc'!A0" };
    const fromCsv = await parse(csvOf(rows));
    expect(fromCsv.errors.map((e) => [e.row, e.column])).toEqual([
      [2, '信息项描述'],
      [3, '信息项描述'],
      [4, '信息项描述'],
    ]);
    expect(fromCsv.errors[0]?.message).toContain('公式注入');
  });

  it('tells formulas from numbers, phone numbers and prose', () => {
    for (const f of ['=1+1', ' =A1', '+SUM(A1)', '-A1*2', '@cmd|x', '-1+B2'])
      expect(looksLikeFormula(f)).toBe(true);
    for (const t of ['-5', '+86 138 0013 8000', '- 列表项', '@张三', '020-1234', 'a=b'])
      expect(looksLikeFormula(t)).toBe(false);
  });

  it('reports bad enumeration values and grades with the allowed choices', async () => {
    const rows: RowValues[] = enterpriseRows(USCC).map((r) => ({ ...r, share_type: '部分共享', grade: '5' }));
    rows[0] = { ...rows[0], field_type: '文本', field_grade: '高' };
    const { errors } = await parse(csvOf(rows));
    expect(errors).toContainEqual(
      expect.objectContaining({
        row: 2,
        column: '共享类型',
        message: expect.stringContaining('有条件共享(conditional)'),
      }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({ row: 2, column: '分级', messageEn: expect.stringContaining('1 to 4') }),
    );
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, column: '数据类型' }));
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, column: '信息项分级' }));
  });

  it('reports entry-level columns that disagree between rows of one entry', async () => {
    const rows = enterpriseRows(USCC);
    rows[2] = { ...rows[2], open_type: '不予开放' };
    rows[1] = { ...rows[1], summary: '' }; // blank: carries the first row's value
    const { errors } = await parse(csvOf(rows));
    expect(errors).toEqual([
      expect.objectContaining({ row: 4, column: '开放类型', message: expect.stringContaining('第 2 行') }),
    ]);
  });

  it('reports bytes that are neither UTF-8 nor GBK', async () => {
    const [first] = enterpriseRows(USCC);
    const head = Buffer.from(csvText([HEADERS, cellsOf(first ?? {})]));
    const garbled = cellsOf({ ...first, field_name: '\u0001', field_code: 'garbled' });
    // Row 3: a field name of bytes no encoding maps; row 4: a line cut short by bad bytes.
    const row3 = Buffer.from(csvText([garbled]))
      .toString('latin1')
      .replace('\u0001', '\u00ff\u0080\u00ff');
    const bytes = Buffer.concat([
      head,
      Buffer.from(row3, 'latin1'),
      Buffer.from([0xff, 0xfe, 0x81, 0x2c, 0x0d, 0x0a]),
    ]);
    const { errors } = await parse(bytes);
    expect(errors).toEqual([
      expect.objectContaining({
        row: 3,
        column: '信息项名称',
        messageEn: expect.stringContaining('UTF-8 or GBK'),
      }),
      expect.objectContaining({ row: 4, column: '', messageEn: expect.stringContaining('UTF-8 or GBK') }),
    ]);
  });

  it('reports ragged CSV rows', async () => {
    const text = csvText([HEADERS]) + csvText([['基础', '1.02']]);
    const { errors } = await parse(Buffer.from(text));
    expect(errors).toEqual([
      expect.objectContaining({ row: 2, column: '', messageEn: expect.stringContaining('2 cells') }),
    ]);
  });

  it('reports huge cells instead of storing them', async () => {
    const rows = enterpriseRows(USCC).map((r) => ({ ...r, summary: '很长'.repeat(2001) }));
    const { errors } = await parse(csvOf(rows));
    expect(errors.filter((e) => e.column === '资源摘要')).toHaveLength(3);
    expect(errors[0]?.message).toContain('4000');
  });

  it('reports an empty file, a header-only file and files that are not spreadsheets', async () => {
    const cases: [Buffer, string, string][] = [
      [Buffer.alloc(0), 'a.csv', 'The file is empty'],
      [Buffer.from('\uFEFF\r\n'), 'a.csv', 'The file is empty'],
      [Buffer.from(csvText([HEADERS])), 'a.csv', 'no data rows'],
      [await xlsxOf([]), 'a.xlsx', 'no data rows'],
      [Buffer.from('PK\u0003\u0004 this is not a zip at all'), 'a.xlsx', 'not a valid .xlsx'],
      [Buffer.from('plain text, not a workbook'), 'a.xlsx', 'not a valid .xlsx'],
      [fixture('not-a-sheet.png'), 'a.csv', 'neither an .xlsx workbook nor CSV'],
      [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0]), 'a.xls', 'Legacy .xls'],
    ];
    for (const [data, name, message] of cases) {
      const { errors, entries } = await parse(data, name);
      expect(entries, name).toEqual([]);
      expect(errors, message).toEqual([
        expect.objectContaining({ messageEn: expect.stringContaining(message) }),
      ]);
    }
  });

  it('reports a truncated workbook as damaged', async () => {
    const whole = await xlsxOf(enterpriseRows(USCC));
    const { errors } = await parse(whole.subarray(0, Math.floor(whole.length / 2)), 'a.xlsx');
    expect(errors).toEqual([
      expect.objectContaining({ row: 0, messageEn: expect.stringContaining('damaged') }),
    ]);
  });

  it('reads back what export writes', async () => {
    const { entries } = await parse(csvOf(enterpriseRows(USCC)));
    const input = entries[0]?.input;
    if (!input) throw new Error('no entry');
    const rows = entryRows({ ...input, providerCode: USCC });
    const again = await parse(Buffer.from(csvText([HEADERS, ...rows])));
    expect(again.errors).toEqual([]);
    expect(again.entries[0]?.input).toEqual({ ...input, responsible: { ...input.responsible } });
  });
});

/** The same archive with its entries in another order, each stored as it was (without data descriptors). */
function reorderZip(zip: Buffer, order: (names: string[]) => string[]): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = new Map<string, { central: Buffer; data: Buffer }>();
  for (let i = 0, at = zip.readUInt32LE(eocd + 16); i < zip.readUInt16LE(eocd + 10); i++) {
    const nameEnd = at + 46 + zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.set(zip.toString('utf8', at + 46, nameEnd), {
      central: zip.subarray(at, nameEnd),
      data: zip.subarray(start, start + zip.readUInt32LE(at + 20)),
    });
    at = nameEnd + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of order([...entries.keys()])) {
    const { central, data } = entries.get(name)!;
    const flags = central.readUInt16LE(8) & ~0x8; // sizes in the header, no data descriptor
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    central.copy(head, 4, 6, 30); // version needed … name length, as in the central directory
    head.writeUInt16LE(flags, 6);
    head.writeUInt16LE(0, 28); // no extra field
    const record = Buffer.concat([head, central.subarray(46), data]);
    const copy = Buffer.from(central);
    copy.writeUInt16LE(flags, 8);
    copy.writeUInt32LE(0, 30); // no extra field, no comment
    copy.writeUInt32LE(offset, 42);
    locals.push(record);
    centrals.push(copy);
    offset += record.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** An order of an archive's parts: those matching the first pattern first, and so on; no folders. */
const partsOrder =
  (...patterns: RegExp[]) =>
  (names: string[]): string[] => {
    const rank = (name: string) => patterns.findIndex((pattern) => pattern.test(name)) >>> 0;
    return names.filter((name) => !name.endsWith('/')).sort((a, b) => rank(a) - rank(b));
  };
const WORKBOOK = [/^\[Content_Types\]/, /^_rels\//, /^xl\/workbook\.xml$/, /^xl\/_rels\//];
/** Excel's order: the workbook first, then the sheets, the shared strings near the end. */
const excelOrder = partsOrder(
  ...WORKBOOK,
  /^xl\/worksheets\//,
  /^xl\/theme\//,
  /^xl\/styles/,
  /^xl\/sharedStrings/,
);
/** The shared strings before the sheets: exceljs then reads the sheets straight from the archive. */
const stringsFirst = partsOrder(...WORKBOOK, /^xl\/sharedStrings/, /^xl\/styles/, /^xl\/worksheets\//);

/** Like the import template: the catalog first, then sheets that document it. */
async function catalogBook(notes: { sheets: number; rows: number }): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('目录');
  sheet.addRow(HEADERS);
  for (const row of enterpriseRows(USCC)) sheet.addRow(cellsOf(row));
  for (let i = 1; i <= notes.sheets; i++) {
    const doc = book.addWorksheet(`说明${i}`);
    for (let r = 1; r <= notes.rows; r++) doc.addRow([`说明 ${i}-${r}`, r]);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** exceljs's temporary copies of the sheets it could not read yet, in this process. */
const spooledFiles = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith(`tmp-${process.pid}-`));

/** The temporary files made since `before` and still there. */
const leftSince = (before: string[]) => spooledFiles().filter((name) => !before.includes(name));

/** Errors nobody handled while `run` ran (and shortly after: a stray file stream fails late). */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  const record = (err: unknown) => errors.push(err);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  return errors;
}

describe("catalog import: exceljs's streaming reader", () => {
  const expectedCells = [HEADERS, ...enterpriseRows(USCC).map((row) => cellsOf(row))].map((cells) => {
    const trimmed = [...cells];
    while (trimmed.at(-1) === '') trimmed.pop(); // Excel stores no trailing blank cells
    return trimmed;
  });
  const texts = (sheet: RawSheet) => sheet.rows.map((row) => row.cells.map((cell) => cell.text));

  it('reads every part of a workbook of several sheets, every time (exceljs#3064)', async () => {
    const written = await catalogBook({ sheets: 5, rows: 1 });
    const books = { 'as exceljs writes it': written, 'as Excel orders it': reorderZip(written, excelOrder) };
    const outcomes: Record<string, { read: number; notXlsx: number; textLost: number }> = {};
    for (const [name, data] of Object.entries(books)) {
      const outcome = { read: 0, notXlsx: 0, textLost: 0 };
      for (let round = 0; round < 50; round++) {
        const sheet = await readSheet(data, 'catalog.xlsx');
        outcome.read++;
        if (sheet.issues.some((issue) => issue.key === 'file_not_xlsx')) outcome.notXlsx++;
        else if (!isDeepStrictEqual(texts(sheet), expectedCells)) outcome.textLost++;
      }
      outcomes[name] = outcome;
    }
    expect(outcomes).toEqual({
      'as exceljs writes it': { read: 50, notXlsx: 0, textLost: 0 },
      'as Excel orders it': { read: 50, notXlsx: 0, textLost: 0 },
    });
    const { entries, errors } = parseSheet(await readSheet(books['as Excel orders it'], 'c.xlsx'));
    expect(errors).toEqual([]);
    expect(entries.map((e) => e.input.name)).toEqual(['企业登记基本信息']);
  });

  it('stops after the first sheet, leaving no temporary file and no unhandled error', async () => {
    const before = spooledFiles();
    const written = await catalogBook({ sheets: 3, rows: 2000 });
    const books = [
      await templateXlsx(USCC),
      written,
      reorderZip(written, excelOrder),
      reorderZip(written, stringsFirst),
    ];
    let readWell = 0;
    const errors = await unhandledDuring(async () => {
      for (let round = 0; round < 5; round++) {
        for (const data of books) {
          const sheet = await readSheet(data, 'catalog.xlsx');
          if (texts(sheet)[1]?.[2] === '企业登记基本信息' && parseSheet(sheet).entries.length === 1)
            readWell++;
        }
      }
    });
    expect(errors).toEqual([]);
    expect(readWell).toBe(20);
    await expect.poll(() => leftSince(before)).toEqual([]);
  });

  it('stops reading a sheet of too many rows, leaving no temporary file behind', async () => {
    const before = spooledFiles();
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('目录');
    for (let r = 0; r <= MAX_ROWS + 10; r++) sheet.addRow([`第${r}行`]);
    book.addWorksheet('说明').addRow(['说明']);
    const data = Buffer.from(await book.xlsx.writeBuffer());
    const errors = await unhandledDuring(async () => {
      const read = await readSheet(data, 'catalog.xlsx');
      expect(read.rows).toHaveLength(MAX_ROWS);
      expect(read.issues).toEqual([
        { row: MAX_ROWS + 1, key: 'file_too_many_rows', params: { max: MAX_ROWS } },
      ]);
      await expect.poll(() => leftSince(before)).toEqual([]);
    });
    expect(errors).toEqual([]);
  });
});
