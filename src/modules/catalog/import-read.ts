import { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { streamWorkbook } from '../ingest/read/exceljs-fixes.js';
import type { ImportMessageKey } from './import-messages.js';

/**
 * Reading an uploaded sheet into raw rows of text. Nothing here knows the catalog: it turns
 * .xlsx (streamed, first worksheet) or .csv (UTF-8 with or without BOM, else GB18030 ⊇ GBK) into
 * cells, and marks what must never be taken at face value (formulas, Excel error values). The
 * .xlsx reader is ingest's exceljs reader with its work-arounds (ingest/read/exceljs-fixes.ts).
 */

export interface RawCell {
  text: string;
  /** The cell holds a formula (xlsx); refused rather than evaluated. */
  formula: boolean;
  /** The cell holds an Excel error value such as #N/A. */
  errorValue: boolean;
}

export interface RawRow {
  /** Spreadsheet row number, 1-based, the header included. */
  row: number;
  cells: RawCell[];
}

/** A problem with the file as a whole, or at a row (row 0 = the whole file). */
export interface ReadIssue {
  row: number;
  key: ImportMessageKey;
  params?: Record<string, unknown>;
}

export interface RawSheet {
  kind: 'xlsx' | 'csv';
  encoding: 'utf-8' | 'gb18030' | null;
  rows: RawRow[];
  issues: ReadIssue[];
}

/** More rows than this is not a catalog but a mistake (or an attack); refused before parsing further. */
export const MAX_ROWS = 20_000;
/** Bounds one CSV record (all its cells) so a single giant cell cannot exhaust memory. */
const MAX_RECORD_CHARS = 200_000;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

export async function readSheet(data: Buffer, filename: string): Promise<RawSheet> {
  const lower = filename.toLowerCase();
  if (data.length === 0 || isBlankText(data)) {
    return {
      kind: lower.endsWith('.csv') ? 'csv' : 'xlsx',
      encoding: null,
      rows: [],
      issues: [{ row: 0, key: 'file_empty' }],
    };
  }
  if (data.subarray(0, 4).equals(ZIP_MAGIC)) return readXlsx(data);
  if (data.subarray(0, 4).equals(OLE_MAGIC)) {
    return { kind: 'xlsx', encoding: null, rows: [], issues: [{ row: 0, key: 'file_xls' }] };
  }
  if (lower.endsWith('.xlsx')) {
    return { kind: 'xlsx', encoding: null, rows: [], issues: [{ row: 0, key: 'file_not_xlsx' }] };
  }
  // A NUL byte never occurs in UTF-8 or GBK text (UTF-16 exports would need their own reader).
  if (data.subarray(0, 8192).includes(0)) {
    return { kind: 'csv', encoding: null, rows: [], issues: [{ row: 0, key: 'file_not_sheet' }] };
  }
  return readCsv(data);
}

function isBlankText(data: Buffer): boolean {
  if (data.length > 64) return false;
  return (
    data
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''
  );
}

async function readXlsx(data: Buffer): Promise<RawSheet> {
  const sheet: RawSheet = { kind: 'xlsx', encoding: null, rows: [], issues: [] };
  const book = streamWorkbook(Readable.from([data]));
  try {
    // Only the first worksheet is the catalog; the template's second sheet documents the values.
    const worksheet = await book.nextSheet();
    if (worksheet) {
      for await (const row of book.rows(worksheet)) {
        if (sheet.rows.length >= MAX_ROWS) {
          sheet.issues.push({ row: row.number, key: 'file_too_many_rows', params: { max: MAX_ROWS } });
          break;
        }
        const values = Array.isArray(row.values) ? (row.values as unknown[]).slice(1) : [];
        const cells = Array.from(values, (v) => xlsxCell(v));
        if (cells.some((cell) => cell.text !== '' || cell.formula || cell.errorValue)) {
          sheet.rows.push({ row: row.number, cells });
        }
      }
    }
  } catch {
    return { kind: 'xlsx', encoding: null, rows: [], issues: [{ row: 0, key: 'file_not_xlsx' }] };
  } finally {
    // Also removes exceljs's temporary copies of the sheets (the ones not read included).
    await book.close();
  }
  if (!sheet.rows.length && !sheet.issues.length) sheet.issues.push({ row: 0, key: 'file_empty' });
  return sheet;
}

const pad = (n: number) => String(n).padStart(2, '0');

function xlsxCell(value: unknown): RawCell {
  const plain = (text: string): RawCell => ({ text, formula: false, errorValue: false });
  if (value === null || value === undefined) return plain('');
  if (typeof value === 'string') return plain(value);
  if (typeof value === 'number') return plain(String(value));
  if (typeof value === 'boolean') return plain(value ? '是' : '否');
  if (value instanceof Date) {
    const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const time = `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
    return plain(time === '00:00:00' ? date : `${date} ${time}`);
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('formula' in o || 'sharedFormula' in o) return { text: '', formula: true, errorValue: false };
    if ('error' in o) return { text: String(o.error), formula: false, errorValue: true };
    if (Array.isArray(o.richText)) {
      return plain(o.richText.map((part: { text?: unknown }) => String(part.text ?? '')).join(''));
    }
    if ('text' in o) return plain(String(o.text ?? ''));
  }
  return plain(String(value));
}

async function readCsv(data: Buffer): Promise<RawSheet> {
  const bom = data.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
  const body = bom ? data.subarray(3) : data;
  const encoding = guessEncoding(body);
  const sheet: RawSheet = { kind: 'csv', encoding, rows: [], issues: [] };
  const parser = Readable.from([body])
    .pipe(iconv.decodeStream(encoding))
    .pipe(
      parseCsv({
        relax_column_count: true,
        skip_empty_lines: false,
        max_record_size: MAX_RECORD_CHARS,
      }),
    );
  let rowNumber = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNumber++;
      if (sheet.rows.length >= MAX_ROWS) {
        sheet.issues.push({ row: rowNumber, key: 'file_too_many_rows', params: { max: MAX_ROWS } });
        break;
      }
      if (record.every((text) => text.trim() === '')) continue;
      sheet.rows.push({
        row: rowNumber,
        cells: record.map((text) => ({ text, formula: false, errorValue: false })),
      });
    }
  } catch (err) {
    const csvErr = err as CsvError;
    const key: ImportMessageKey = csvErr.code === 'CSV_MAX_RECORD_SIZE' ? 'row_too_large' : 'csv_malformed';
    sheet.issues.push({ row: rowNumber + 1, key, params: { detail: csvErr.code ?? 'CSV' } });
  } finally {
    parser.destroy();
  }
  if (!sheet.rows.length && !sheet.issues.length) sheet.issues.push({ row: 0, key: 'file_empty' });
  return sheet;
}

/**
 * Valid UTF-8 is UTF-8. Otherwise: GBK text read as UTF-8 is almost all invalid sequences, while
 * a UTF-8 file with a few damaged bytes is almost all valid multi-byte characters; the latter is
 * read as UTF-8 (the damage then shows as unreadable cells), the former as GB18030 (⊇ GBK, GB2312).
 * Counted chunk by chunk so the file never becomes one string.
 */
function guessEncoding(body: Buffer): 'utf-8' | 'gb18030' {
  if (isUtf8(body)) return 'utf-8';
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let valid = 0;
  let invalid = 0;
  const CHUNK = 64 * 1024;
  for (let at = 0; at < body.length; at += CHUNK) {
    const text = decoder.decode(body.subarray(at, at + CHUNK), { stream: at + CHUNK < body.length });
    for (const ch of text) {
      if (ch === '\uFFFD') invalid++;
      else if (ch.charCodeAt(0) > 0x7f) valid++;
    }
  }
  return valid >= 4 * invalid ? 'utf-8' : 'gb18030';
}
