import type { Readable } from 'node:stream';
import { AppError } from '../../../platform/http/errors.js';
import { openBytes, type ReadOptions, type RecordSource } from './encoding.js';
import { openCsv } from './csv.js';
import { openXlsx } from './xlsx.js';
import { openJson } from './json.js';

/**
 * The record readers of aggregation (docs/INGEST.md, "Readers"): a byte stream in, a header and
 * a stream of `{ row, values }` out, never holding the whole file. Unreadable input is an
 * AppError 400 `ingest_unreadable`; invalid options are 400 `ingest_bad_option`.
 */

export {
  detectEncoding,
  MAX_WARNINGS,
  SAMPLE_BYTES,
  type Encoding,
  type Format,
  type ReadOptions,
  type ReadWarning,
  type RecordSource,
  type SourceRecord,
} from './encoding.js';
export { detectDelimiter } from './csv.js';
export { HEADER_SAMPLE } from './json.js';

const FORMATS = new Set(['csv', 'tsv', 'xlsx', 'json', 'ndjson']);
const ENCODINGS = new Set(['utf8', 'utf8-bom', 'gb18030']);

/**
 * Opens a source: reads ahead only as far as detection and the header need (for JSON, the first
 * 1,000 objects), then streams the records. Iterate `records` once; breaking out of the loop, or an
 * error, releases the input. If `records` is never iterated, the caller destroys the input.
 */
export async function openSource(
  input: NodeJS.ReadableStream | Readable,
  options: ReadOptions,
): Promise<RecordSource> {
  checkOptions(options);
  const source = await openBytes(input);
  try {
    const headerRow = options.headerRow ?? 1;
    switch (options.format) {
      case 'csv':
      case 'tsv':
        return await openCsv(source, {
          tsv: options.format === 'tsv',
          encoding: options.encoding,
          delimiter: options.delimiter,
          headerRow,
        });
      case 'xlsx':
        return await openXlsx(source, { sheet: options.sheet, headerRow });
      case 'json':
      case 'ndjson':
        return await openJson(source, { lines: options.format === 'ndjson', encoding: options.encoding });
    }
  } catch (err) {
    await source.close();
    throw err;
  }
}

function checkOptions(options: ReadOptions): void {
  const bad = (zh: string, en: string, params: Record<string, unknown>) =>
    new AppError(400, 'ingest_bad_option', { 'zh-CN': zh, en }, params);
  if (!FORMATS.has(options.format)) {
    throw bad('不支持的格式 {format}', 'Unsupported format {format}', { format: String(options.format) });
  }
  if (options.encoding !== undefined && !ENCODINGS.has(options.encoding)) {
    throw bad('不支持的编码 {encoding}', 'Unsupported encoding {encoding}', {
      encoding: String(options.encoding),
    });
  }
  const { delimiter, headerRow, sheet } = options;
  if (delimiter !== undefined && (delimiter.length !== 1 || /["\r\n]/.test(delimiter))) {
    throw bad(
      '分隔符须为一个字符，且不能是引号或换行',
      'The delimiter must be one character, not a quote or a line break',
      {},
    );
  }
  if (headerRow !== undefined && (!Number.isInteger(headerRow) || headerRow < 1)) {
    throw bad('表头行须为正整数', 'The header row must be a positive integer', {});
  }
  if (typeof sheet === 'number' && (!Number.isInteger(sheet) || sheet < 1)) {
    throw bad(
      '工作表序号须为正整数（从 1 开始）',
      'The sheet number must be a positive integer (from 1)',
      {},
    );
  }
}
