import { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import {
  cellText,
  emptyInput,
  isEmpty,
  isLegacyXls,
  isZip,
  legacyXls,
  unreadable,
  WarningList,
  type ByteSource,
  type RecordSource,
  type SourceRecord,
} from './encoding.js';
import { streamWorkbook, type WorkbookReader, type WorksheetReader } from './exceljs-fixes.js';

/**
 * XLSX through exceljs's streaming WorkbookReader (made safe in ./exceljs-fixes.ts): rows arrive
 * one at a time, with their sheet row numbers. (exceljs spools a worksheet that precedes the shared
 * strings in the archive to a temporary file, not to memory; the shared strings themselves are
 * cached, as Excel requires.)
 */

export interface XlsxOptions {
  /** A sheet name or a 1-based position in the workbook; default the first. */
  sheet?: string | number;
  headerRow: number;
}

interface SheetEntry {
  name: string;
  id: number;
}

export async function openXlsx(source: ByteSource, options: XlsxOptions): Promise<RecordSource> {
  if (isEmpty(source)) throw emptyInput();
  if (isLegacyXls(source)) throw legacyXls();
  if (!isZip(source)) throw notXlsx();

  const book = streamWorkbook(Readable.from(source.bytes(), { objectMode: false }));
  const { reader } = book;
  let rows: AsyncIterator<ExcelJS.Row> | null = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void book.close();
    void source.close();
  };
  const warnings = new WarningList();

  let position = 0;
  const seen: string[] = [];
  try {
    for (;;) {
      // A sheet not chosen is skipped by the next call.
      const worksheet = await book.nextSheet();
      if (!worksheet) break;
      position++;
      const entry = sheetEntry(reader, worksheet, position);
      seen.push(entry.name);
      if (chosen(options.sheet, entry)) {
        rows = book.rows(worksheet);
        break;
      }
    }
  } catch (err) {
    close();
    throw unreadableWorkbook(err);
  }
  if (!rows) {
    close();
    if (!seen.length) throw notXlsx();
    const names = (workbookSheets(reader)?.map((s) => s.name) ?? seen).join('、');
    throw unreadable(
      '工作簿中没有工作表 {sheet}（有：{names}）',
      'The workbook has no sheet {sheet} (it has: {names})',
      {
        sheet: typeof options.sheet === 'number' ? `#${options.sheet}` : `“${options.sheet}”`,
        names,
      },
    );
  }

  const sheetRows = rows;
  const next = async (): Promise<ExcelJS.Row | null> => {
    try {
      const result = await sheetRows.next();
      return result.done ? null : result.value;
    } catch (err) {
      close();
      throw unreadableWorkbook(err);
    }
  };

  let header: string[] | null = null;
  let pending: ExcelJS.Row | null = null;
  for (;;) {
    const row = await next();
    if (!row) break;
    if (row.number < options.headerRow) continue;
    if (row.number > options.headerRow) {
      pending = row;
      break;
    }
    const values = rowValues(row, warnings);
    let last = values.length;
    while (last > 0 && values[last - 1] === null) last--;
    header = values.slice(0, last).map((name) => name?.trim() ?? '');
    break;
  }
  if (!header || !header.length) {
    close();
    throw unreadable('第 {row} 行（表头行）是空的', 'Row {row}, the header row, is blank', {
      row: options.headerRow,
    });
  }
  const columns = header.length;

  async function* records(): AsyncGenerator<SourceRecord> {
    try {
      for (;;) {
        const row = pending ?? (await next());
        pending = null;
        if (!row) return;
        const values = rowValues(row, warnings);
        // Excel stores no trailing blank cells: short rows are padded, blank tails dropped.
        let last = values.length;
        while (last > columns && values[last - 1] === null) last--;
        if (last < values.length) values.length = last;
        while (values.length < columns) values.push(null);
        if (values.every((value) => value === null)) continue;
        if (values.length > columns) {
          warnings.add(
            row.number,
            `第 ${row.number} 行在表头之外的第 ${columnName(values.length)} 列还有值`,
            `Row ${row.number} has values beyond the header, up to column ${columnName(values.length)}`,
          );
        }
        yield { row: row.number, values };
      }
    } finally {
      close();
    }
  }

  const sheets = workbookSheets(reader)?.map((s) => s.name) ?? seen;
  return { header, records: records(), bytesRead: source.bytesRead, warnings: warnings.list, sheets };
}

function workbookSheets(reader: WorkbookReader): SheetEntry[] | undefined {
  return (reader as unknown as { model?: { sheets?: SheetEntry[] } }).model?.sheets;
}

/** The sheet's name and its 1-based position in the workbook (not in the archive). */
function sheetEntry(reader: WorkbookReader, worksheet: WorksheetReader, emitted: number) {
  const name = worksheet.name ?? `Sheet${emitted}`;
  const index = workbookSheets(reader)?.findIndex((sheet) => sheet.name === name) ?? -1;
  return { name, position: index >= 0 ? index + 1 : emitted };
}

function chosen(wanted: string | number | undefined, entry: { name: string; position: number }): boolean {
  // Excel writes worksheets in tab order, so the first one met is the first tab that is a worksheet.
  if (wanted === undefined) return true;
  if (typeof wanted === 'number') return entry.position === wanted;
  return entry.name === wanted || entry.name.trim().toLowerCase() === wanted.trim().toLowerCase();
}

/** The row's cells as text, 0-based (column A first), unreadable cells null with a warning. */
function rowValues(row: ExcelJS.Row, warnings: WarningList): (string | null)[] {
  const raw = row.values as unknown[];
  const values: (string | null)[] = [];
  for (let col = 1; col < raw.length; col++) {
    values.push(cellValue(raw[col], row.number, col, warnings));
  }
  return values;
}

function cellValue(value: unknown, row: number, col: number, warnings: WarningList): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return cellText(value);
  if (typeof value === 'number') return plainNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return isoDate(value);
  const ref = `${columnName(col)}${row}`;
  if (typeof value === 'object') {
    const cell = value as Record<string, unknown>;
    if ('formula' in cell || 'sharedFormula' in cell) {
      warnings.add(
        row,
        `单元格 ${ref} 是公式，不读取其缓存结果，按空值处理；请将公式转为数值后重新导出`,
        `Cell ${ref} holds a formula; its cached result is not trusted and it is read as blank. Paste the values instead`,
      );
      return null;
    }
    if ('error' in cell) {
      warnings.add(
        row,
        `单元格 ${ref} 是错误值 ${String(cell.error)}，按空值处理`,
        `Cell ${ref} holds the error value ${String(cell.error)}; it is read as blank`,
      );
      return null;
    }
    if (Array.isArray(cell.richText)) {
      return cellText(cell.richText.map((part: { text?: unknown }) => String(part?.text ?? '')).join(''));
    }
    if (typeof cell.text === 'string') return cellText(cell.text);
  }
  warnings.add(
    row,
    `单元格 ${ref} 的内容无法识别，按空值处理`,
    `Cell ${ref} holds a value that cannot be read; it is read as blank`,
  );
  return null;
}

/** A number as digits, never in exponent form (1e+21 becomes 1000000000000000000000). */
export function plainNumber(n: number): string {
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0 || !Number.isFinite(n)) return text;
  const sign = n < 0 ? '-' : '';
  const [whole = '', fraction = ''] = text.slice(sign.length, e).split('.');
  const digits = whole + fraction;
  const point = whole.length + Number(text.slice(e + 1));
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** An Excel date (a wall-clock time, kept by exceljs as UTC) as ISO 8601, to the second. */
export function isoDate(date: Date): string | null {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return null;
  // Excel keeps days as a fraction; exceljs's rounding can leave 12:29:59.999 for 12:30.
  const iso = new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19);
  return iso.endsWith('T00:00:00') ? iso.slice(0, 10) : iso;
}

/** 1 → A, 27 → AA. */
export function columnName(col: number): string {
  let name = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

const notXlsx = () => unreadable('文件不是 XLSX 工作簿', 'The file is not an XLSX workbook');

function unreadableWorkbook(err: unknown): unknown {
  if (err instanceof Error && 'status' in err) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return unreadable(
    '工作簿无法读取，可能已损坏或不完整（{detail}）',
    'The workbook cannot be read; it may be damaged or truncated ({detail})',
    { detail },
  );
}
