import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Pool } from '../../platform/db/pool.js';
import { shanghaiDay } from '../sharing/calendar.js';
import { CSV_TYPE, neutralise, XLSX_TYPE } from '../ingest/rejects-export.js';
import {
  compileQuery,
  jsonValue,
  runFiltered,
  selectList,
  type OpenColumn,
  type OpenData,
  type RowQuery,
} from './public-data.js';

/**
 * Downloads of an open dataset (docs/OPENING.md): CSV in UTF-8 with a BOM and CRLF, XLSX through
 * exceljs's streaming writer, JSON (an array of records). The rows come from a server-side
 * cursor in one read-only snapshot, FETCH rows at a time, so memory stays flat whatever the
 * dataset's size; the answer is streamed as it is read. Text cells that start like a formula get
 * a leading ' in CSV and XLSX (`neutralise`, as the sharing exports do).
 */

export const DOWNLOAD_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

const FETCH = 2000;

export const DOWNLOAD_TYPES: Record<DownloadFormat, string> = {
  csv: CSV_TYPE,
  xlsx: XLSX_TYPE,
  json: 'application/json; charset=utf-8',
};

/** Adds one download to the entry's count of the day (Asia/Shanghai). */
export async function countDownload(
  pool: Pool,
  entryId: string,
  format: DownloadFormat,
  now: Date,
): Promise<void> {
  await pool.query(
    `INSERT INTO datong.open_downloads AS d (entry_id, day, format, downloads) VALUES ($1, $2, $3, 1)
     ON CONFLICT (entry_id, day, format) DO UPDATE SET downloads = d.downloads + 1`,
    [entryId, shanghaiDay(now), format],
  );
}

/** `Content-Disposition` for a file named after the entry: an ASCII fallback and the UTF-8 name. */
export function attachment(name: string, fallback: string, ext: string): string {
  const safe =
    [...name]
      .slice(0, 100)
      .map((ch) => (ch.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
      .join('') || fallback;
  // RFC 8187: ' ( ) * ! are not attr-chars, though encodeURIComponent leaves them.
  const encoded = encodeURIComponent(`${safe}.${ext}`).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}.${ext}"; filename*=UTF-8''${encoded}`;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (cells: readonly string[]) => `${cells.map(csvField).join(',')}\r\n`;

/** A cell as CSV/XLSX text: text neutralised, the rest as the JSON answers write it. */
function sheetValue(c: OpenColumn, v: unknown): string | number | boolean | null {
  const j = jsonValue(c, v);
  if (j === null) return null;
  if (typeof j === 'number' || typeof j === 'boolean') return j;
  if (typeof j === 'string') return c.kind === 'text' ? neutralise(j) : j;
  return neutralise(JSON.stringify(j));
}

/** A cell as CSV text: numbers exactly as PostgreSQL writes them (no float rounding). */
function csvValue(c: OpenColumn, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (c.kind === 'integer' || c.kind === 'decimal') return String(v);
  const s = sheetValue(c, v);
  return s === null ? '' : String(s);
}

/**
 * Rows of the query, FETCH at a time, from a cursor in a read-only snapshot. The client is
 * released when the generator ends, fails or is abandoned (the download was cut off).
 */
async function* batches(
  pool: Pool,
  data: OpenData,
  cq: ReturnType<typeof compileQuery>,
): AsyncGenerator<Record<string, unknown>[]> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await runFiltered(() =>
      client.query(
        `DECLARE open_download NO SCROLL CURSOR FOR
           SELECT ${selectList(cq.columns)} FROM ${data.from} ${cq.where} ${cq.orderBy}`,
        cq.params,
      ),
    );
    for (;;) {
      const { rows } = await client.query<Record<string, unknown>>(`FETCH ${FETCH} FROM open_download`);
      if (rows.length) yield rows;
      if (rows.length < FETCH) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * The download's body as a stream. The query is compiled (and a bad filter refused) and the first
 * batch read before this answers, so that errors are still proper problems; later failures cut
 * the stream.
 */
export async function downloadStream(
  pool: Pool,
  data: OpenData,
  rq: RowQuery,
  format: DownloadFormat,
  header: 'code' | 'name',
): Promise<Readable> {
  const cq = compileQuery(data, rq);
  const cols = cq.columns;
  const it = batches(pool, data, cq);
  const first = await it.next();
  async function* rowsOf(): AsyncGenerator<Record<string, unknown>[]> {
    if (first.done) return;
    yield first.value;
    yield* it;
  }
  const heads = cols.map((c) => (header === 'name' ? c.name : c.code));

  // However the stream ends (done, failed, cut off, never read), the cursor's client goes back.
  const released = <T extends Readable>(stream: T): T => {
    stream.once('close', () => {
      it.return(undefined).catch(() => undefined);
    });
    return stream;
  };

  if (format === 'csv') {
    return released(
      Readable.from(
        (async function* () {
          yield `\uFEFF${csvLine(heads.map(neutralise))}`;
          for await (const batch of rowsOf()) {
            let chunk = '';
            for (const r of batch) {
              chunk += csvLine(cols.map((c) => csvValue(c, r[c.code])));
            }
            yield chunk;
          }
        })(),
        { objectMode: false },
      ),
    );
  }

  if (format === 'json') {
    return released(
      Readable.from(
        (async function* () {
          yield '[';
          let n = 0;
          for await (const batch of rowsOf()) {
            const parts: string[] = [];
            for (const r of batch) {
              const rec: Record<string, unknown> = {};
              for (const c of cols) rec[c.code] = jsonValue(c, r[c.code]);
              parts.push(`${n++ ? ',' : ''}\n${JSON.stringify(rec)}`);
            }
            yield parts.join('');
          }
          yield '\n]\n';
        })(),
        { objectMode: false },
      ),
    );
  }

  // XLSX: exceljs writes the zip into `out` as rows are committed; the loop waits for the
  // reader whenever `out` is full, so a slow client holds the cursor, not memory.
  const out = released(new PassThrough());
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('data', { views: [{ state: 'frozen', ySplit: 1 }] });
  const h = sheet.addRow(heads);
  h.font = { bold: true };
  h.commit();
  let cut = false;
  out.on('close', () => {
    cut = true;
  });
  void (async () => {
    try {
      for await (const batch of rowsOf()) {
        for (const r of batch) sheet.addRow(cols.map((c) => sheetValue(c, r[c.code]))).commit();
        if (cut) {
          await it.return(undefined);
          return;
        }
        if (out.writableNeedDrain && !cut) {
          await new Promise((resolve) => {
            out.once('drain', resolve);
            out.once('close', resolve);
          });
        }
      }
      sheet.commit();
      await workbook.commit();
    } catch (err) {
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return out;
}
