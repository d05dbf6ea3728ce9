import Papa from 'papaparse';
import {
  assertText,
  cellText,
  decodeText,
  detectEncoding,
  sampleText,
  unreadable,
  WarningList,
  type ByteSource,
  type Encoding,
  type RecordSource,
  type SourceRecord,
} from './encoding.js';

/**
 * CSV and TSV: RFC 4180 quoting (`"`, doubled to escape), parsed by papaparse's parser over the
 * decoded text, chunk by chunk as the text arrives (pulled, so a slow consumer slows the read).
 * A record is one row as a spreadsheet shows it (a quoted line break does not start a row). Blank
 * lines and rows of blank cells are skipped but counted. papaparse parses the benchmark's
 * 12-column registry about 5× faster than csv-parse did (docs/INGEST.md "Speed").
 */

export const DELIMITERS = [',', '\t', ';', '|'] as const;
/** Lines of the sample the delimiter detection looks at. */
const DETECT_LINES = 50;
/** Characters one record may hold; a runaway quote fails here instead of exhausting memory. */
const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/**
 * The delimiter among `,` `\t` `;` `|` giving the same, largest field count (above one) on every
 * line of the sample; when no candidate is consistent (ragged lines), the one splitting the first
 * line into most fields; `,` when nothing splits anything. Quotes are respected.
 */
export function detectDelimiter(sampleText: string): string {
  let best: { delimiter: string; fields: number } | null = null;
  let firstLineBest: { delimiter: string; fields: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const counts = fieldCounts(sampleText, delimiter, DETECT_LINES);
    const first = counts[0] ?? 0;
    if (first > 1 && counts.every((n) => n === first) && (!best || first > best.fields)) {
      best = { delimiter, fields: first };
    }
    if (first > 1 && (!firstLineBest || first > firstLineBest.fields)) {
      firstLineBest = { delimiter, fields: first };
    }
  }
  return best?.delimiter ?? firstLineBest?.delimiter ?? ',';
}

/** Fields per record for the first `maxRecords` non-blank records of `text`. */
function fieldCounts(text: string, delimiter: string, maxRecords: number): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let fieldStart = true;
  let blank = true;
  for (let i = 0; i < text.length && counts.length < maxRecords; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '"' && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      blank = false;
    } else if (ch === delimiter) {
      fields++;
      fieldStart = true;
      blank = false;
    } else if (ch === '\n' || ch === '\r') {
      if (!blank) counts.push(fields);
      fields = 1;
      fieldStart = true;
      blank = true;
    } else {
      fieldStart = false;
      blank = false;
    }
  }
  if (!blank && counts.length < maxRecords) counts.push(fields);
  return counts;
}

export interface CsvOptions {
  tsv: boolean;
  encoding?: Encoding;
  delimiter?: string;
  headerRow: number;
}

export async function openCsv(source: ByteSource, options: CsvOptions): Promise<RecordSource> {
  const format = options.tsv ? 'tsv' : 'csv';
  assertText(source, format);
  const encoding = options.encoding ?? detectEncoding(source.sample());
  const delimiter = options.delimiter ?? (options.tsv ? '\t' : detectDelimiter(sampleText(source, encoding)));
  const text = decodeText(source, encoding);
  // papaparse's own parser, fed one decoded chunk at a time: with ignoreLastRow it stops at the
  // last complete record and reports where (meta.cursor); the rest waits for the next chunk.
  // Line ends: '\n', with a '\r' before it dropped from the row's last value (CRLF, and files
  // that mix both); a file with bare '\r' only (classic Mac) splits on '\r'.
  const sample = sampleText(source, encoding);
  const newline = !sample.includes('\n') && sample.includes('\r') ? '\r' : '\n';
  const parser = new Papa.Parser({
    delimiter,
    newline,
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: false,
  });
  const chunks = (text.stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  const warnings = new WarningList();
  let row = 0;
  let replacementReported = false;
  let partial = '';
  let base = 0;
  let finished = false;
  let buffered: string[][] = [];
  let at = 0;

  const close = () => {
    text.stream.destroy();
    void source.close();
  };
  /** Parses until a record is buffered; false at the end of the text. */
  const fill = async (): Promise<boolean> => {
    while (at >= buffered.length) {
      if (finished) return false;
      const next = await chunks.next();
      const last = next.done === true;
      const input = last ? partial : partial + (next.value as string);
      if (last) finished = true;
      buffered = [];
      at = 0;
      if (!input) continue;
      const result = parser.parse(input, base, !last);
      buffered = result.data as string[][];
      if (last) {
        const open = result.errors.find((e: Papa.ParseError) => e.code === 'MissingQuotes');
        if (open) throw quoteNotClosed(row + (open.row ?? 0) + 1);
      } else {
        partial = input.substring(result.meta.cursor - base);
        base = result.meta.cursor;
        // A runaway quote would otherwise hold the rest of the file here.
        if (partial.length > MAX_RECORD_CHARS) throw recordTooLong(row + buffered.length + 1);
      }
    }
    return true;
  };
  const next = async (): Promise<string[] | null> => {
    try {
      if (!(await fill())) return null;
      row++;
      const record = buffered[at++]!;
      const end = record.length - 1;
      if (newline === '\n' && record[end]!.endsWith('\r')) record[end] = record[end]!.slice(0, -1);
      return record;
    } catch (err) {
      close();
      throw err;
    }
  };

  let header: string[] | null = null;
  while (!header) {
    const record = await next();
    if (!record) break;
    if (row < options.headerRow) continue;
    if (record.every((value) => value.trim() === '')) {
      close();
      throw unreadable('第 {row} 行（表头行）是空的', 'Row {row}, the header row, is blank', { row });
    }
    header = record.map((name) => name.trim());
  }
  if (!header) {
    close();
    throw unreadable(
      '文件只有 {rows} 行，没有第 {row} 行（表头行）',
      'The file has {rows} rows and no row {row} for the header',
      { rows: row, row: options.headerRow },
    );
  }
  const columns = header.length;

  async function* records(): AsyncGenerator<SourceRecord> {
    try {
      for (;;) {
        const record = await next();
        if (!record) return;
        if (!replacementReported && text.replaced()) {
          replacementReported = true;
          warnings.replacedBytes(row, encoding);
        }
        let blank = true;
        const values = record.map((value) => {
          const cell = cellText(value);
          if (cell !== null) blank = false;
          return cell;
        });
        if (blank) continue;
        if (values.length !== columns) {
          warnings.add(
            row,
            `第 ${row} 行有 ${values.length} 列，表头有 ${columns} 列`,
            `Row ${row} has ${values.length} fields; the header has ${columns}`,
          );
        }
        yield { row, values };
      }
    } finally {
      close();
    }
  }

  return {
    header,
    records: records(),
    bytesRead: source.bytesRead,
    warnings: warnings.list,
    encoding,
    delimiter,
  };
}

const quoteNotClosed = (row: number) =>
  unreadable(
    '第 {row} 行起有引号没有闭合，文件可能被截断或引号有误',
    'A quote opened at row {row} is never closed; the file may be truncated or mis-quoted',
    { row },
  );

const recordTooLong = (row: number) =>
  unreadable(
    '第 {row} 行超过 {max} 个字符，可能是引号没有闭合',
    'Row {row} exceeds {max} characters; a quote may be left open',
    {
      row,
      max: MAX_RECORD_CHARS,
    },
  );
