import type { Writable } from 'node:stream';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import type { Pool } from '../../platform/db/pool.js';

/**
 * The download of a batch's rejects (docs/INGEST.md "HTTP"): one line per stored reject — the
 * source row, the field, the (already masked) value and the reason in both languages — as CSV
 * (UTF-8 with BOM, so that Excel opens Chinese text correctly) or XLSX (exceljs's streaming
 * writer). Both stream from a server-side cursor: 100,000 rejects never sit in memory.
 *
 * Rejected values are whatever the source file held, so a value such as `=HYPERLINK(…)` must not
 * become a live formula in the steward's spreadsheet: every text cell that starts with = + - @,
 * a tab or a carriage return is written with a leading single quote (OWASP "CSV injection").
 */

export interface RejectLine {
  row: number;
  field: string | null;
  value: string | null;
  reasonZh: string;
  reasonEn: string;
}

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const REJECT_HEADER = ['行号 Row', '信息项 Field', '值 Value', '原因', 'Reason'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as it may be written to a spreadsheet: formula-like text gets a leading '. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

const cellsOf = (r: RejectLine): [number, string, string, string, string] => [
  r.row,
  neutralise(r.field ?? ''),
  neutralise(r.value ?? ''),
  neutralise(r.reasonZh),
  neutralise(r.reasonEn),
];

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (cells: readonly (string | number)[]) => `${cells.map(csvField).join(',')}\r\n`;

/** Writes without ignoring back-pressure. */
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Streams the rejects as CSV to `out` (BOM, header, CRLF lines) and ends it. */
export async function writeRejectsCsv(out: Writable, rejects: AsyncIterable<RejectLine>): Promise<number> {
  await write(out, `\uFEFF${csvLine(REJECT_HEADER)}`);
  let count = 0;
  let chunk = '';
  for await (const r of rejects) {
    chunk += csvLine(cellsOf(r));
    count++;
    if (chunk.length >= 64 * 1024) {
      await write(out, chunk);
      chunk = '';
    }
  }
  if (chunk) await write(out, chunk);
  out.end();
  return count;
}

/** Streams the rejects as one XLSX sheet to `out`; rows are committed as they are written. */
export async function writeRejectsXlsx(out: Writable, rejects: AsyncIterable<RejectLine>): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('拒收记录', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [{ width: 10 }, { width: 18 }, { width: 30 }, { width: 50 }, { width: 60 }];
  const header = sheet.addRow([...REJECT_HEADER]);
  header.font = { bold: true };
  header.commit();
  let count = 0;
  for await (const r of rejects) {
    sheet.addRow(cellsOf(r)).commit();
    count++;
  }
  sheet.commit();
  await workbook.commit();
  return count;
}

/**
 * The stored rejects of a batch in row order, fetched from a cursor `pageSize` at a time on a
 * connection of its own (released when the iteration ends, also when it is abandoned).
 */
export async function* readRejects(pool: Pool, batchId: number, pageSize = 2000): AsyncGenerator<RejectLine> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    await client.query(
      `DECLARE rejects NO SCROLL CURSOR FOR
         SELECT row::float8 AS row, field, value, reason_zh AS "reasonZh", reason_en AS "reasonEn"
           FROM datong.ingest_rejects WHERE batch_id = $1 ORDER BY row, field NULLS FIRST`,
      [batchId],
    );
    for (;;) {
      const { rows } = await client.query<RejectLine>(`FETCH ${pageSize} FROM rejects`);
      yield* rows;
      if (rows.length < pageSize) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
