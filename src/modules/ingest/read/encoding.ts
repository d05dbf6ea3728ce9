import { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { AppError } from '../../../platform/http/errors.js';
import type { Localized } from '../../../platform/i18n/index.js';

/**
 * The input layer of the readers: the shapes every reader shares, the first bytes of the input
 * (kept for detection and then replayed, so nothing is lost), the encoding guess and the decoding
 * of bytes into text chunks. Nothing here holds more than the sample in memory.
 */

export type Encoding = 'utf8' | 'utf8-bom' | 'gb18030';
export type Format = 'csv' | 'tsv' | 'xlsx' | 'json' | 'ndjson';

export interface ReadOptions {
  format: Format;
  /** Overrides the detected encoding (text formats only). */
  encoding?: Encoding;
  /** Overrides the detected delimiter (csv; tsv defaults to a tab). */
  delimiter?: string;
  /** XLSX: a sheet name or a 1-based position in the workbook; default the first. */
  sheet?: string | number;
  /** CSV/TSV/XLSX: the 1-based row holding the column names; default 1. Rows above it are skipped. */
  headerRow?: number;
}

export interface SourceRecord {
  /** The row as the steward sees it: CSV/XLSX row, NDJSON line, JSON array element index + 1. */
  row: number;
  values: (string | null)[];
}

export interface ReadWarning {
  row: number;
  message: Localized;
}

export interface RecordSource {
  header: string[];
  /** Single use: iterate once. Breaking out early releases the input. */
  records: AsyncIterable<SourceRecord>;
  /** Bytes consumed so far, for progress. */
  bytesRead(): number;
  /** Problems that are not row rejects (a ragged row, an unknown JSON key, a formula cell). */
  warnings: ReadWarning[];
  /** Text formats: the encoding read with (given or detected). */
  encoding?: Encoding;
  /** CSV/TSV: the delimiter read with (given or detected). */
  delimiter?: string;
  /** XLSX: the workbook's sheet names, in tab order. */
  sheets?: string[];
}

/** How much of the input encoding and delimiter detection look at. */
export const SAMPLE_BYTES = 64 * 1024;
/** Warnings kept per source; one more says how the rest were left out. */
export const MAX_WARNINGS = 1000;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/**
 * `utf8-bom` when the sample starts with the BOM; `utf8` when it is valid UTF-8 (a multi-byte
 * sequence cut by the sample's end is ignored); else `gb18030`, a superset of GBK and GB2312.
 */
export function detectEncoding(sample: Buffer): Encoding {
  if (sample.subarray(0, 3).equals(BOM)) return 'utf8-bom';
  return isUtf8(withoutCutSequence(sample)) ? 'utf8' : 'gb18030';
}

/** The sample without a UTF-8 sequence that its last bytes begin but do not finish. */
function withoutCutSequence(sample: Buffer): Buffer {
  let lead = sample.length - 1;
  let continuation = 0;
  while (lead >= 0 && continuation < 3 && ((sample[lead] ?? 0) & 0xc0) === 0x80) {
    lead--;
    continuation++;
  }
  if (lead < 0) return sample;
  const byte = sample[lead] ?? 0;
  const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + length > sample.length ? sample.subarray(0, lead) : sample;
}

/** An input whose first bytes were read ahead for detection; `bytes()` replays them, then the rest. */
export interface ByteSource {
  /** The first bytes (at least SAMPLE_BYTES unless the input is shorter; may be more). */
  readonly head: Buffer;
  /** The head is the whole input. */
  readonly complete: boolean;
  /** The detection sample: at most SAMPLE_BYTES of the head. */
  sample(): Buffer;
  /** The whole input, head included. Single use. */
  bytes(): AsyncIterable<Buffer>;
  bytesRead(): number;
  /** Stops reading and releases the input (idempotent). */
  close(): Promise<void>;
}

export async function openBytes(input: NodeJS.ReadableStream | Readable): Promise<ByteSource> {
  const readable = input instanceof Readable ? input : new Readable().wrap(input);
  const iterator = readable[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  let closed = false;
  let consumed = 0;
  try {
    while (length < SAMPLE_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = toBuffer(next.value);
      chunks.push(chunk);
      length += chunk.length;
    }
  } catch (err) {
    readable.destroy();
    throw err;
  }
  const head = Buffer.concat(chunks, length);
  const close = async () => {
    if (closed) return;
    closed = true;
    await iterator.return?.();
    readable.destroy();
  };
  return {
    head,
    complete: done,
    sample: () => (head.length > SAMPLE_BYTES ? head.subarray(0, SAMPLE_BYTES) : head),
    bytesRead: () => consumed,
    close,
    async *bytes() {
      try {
        if (head.length) {
          consumed += head.length;
          yield head;
        }
        if (done) return;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          const chunk = toBuffer(next.value);
          consumed += chunk.length;
          yield chunk;
        }
      } finally {
        await close();
      }
    },
  };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('The input must be a byte stream');
}

/** Decoded text chunks of a byte source, and whether undecodable bytes were replaced (U+FFFD). */
export interface TextSource {
  stream: Readable;
  replaced(): boolean;
}

export function decodeText(source: ByteSource, encoding: Encoding): TextSource {
  // iconv-lite drops a leading BOM when decoding UTF-8, whether or not it was detected.
  const decoder = iconv.getDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf8');
  let replaced = false;
  async function* text(): AsyncGenerator<string> {
    for await (const bytes of source.bytes()) {
      const chunk = decoder.write(bytes);
      if (chunk) {
        if (!replaced && chunk.includes('\uFFFD')) replaced = true;
        yield chunk;
      }
    }
    const tail = decoder.end();
    if (tail) {
      if (tail.includes('\uFFFD')) replaced = true;
      yield tail;
    }
  }
  return { stream: Readable.from(text(), { objectMode: true }), replaced: () => replaced };
}

/** The sample decoded, without a last line the sample may have cut short. */
export function sampleText(source: ByteSource, encoding: Encoding): string {
  const sample = source.sample();
  const whole = source.complete && sample.length === source.head.length;
  const text = iconv.decode(
    whole ? sample : withoutCutSequence(sample),
    encoding === 'gb18030' ? 'gb18030' : 'utf8',
  );
  if (whole) return text;
  const end = text.lastIndexOf('\n');
  return end < 0 ? text : text.slice(0, end + 1);
}

/** Refuses what is clearly not text: an empty input, a spreadsheet, UTF-16, binary data. */
export function assertText(source: ByteSource, format: Format): void {
  const sample = source.sample();
  if (isEmpty(source)) throw emptyInput();
  if (sample.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw unreadable(
      '文件是 Excel 工作簿（或其他压缩包），不是 {format} 文本；请按 XLSX 读取',
      'The file is an Excel workbook (or another ZIP archive), not {format} text; read it as XLSX',
      { format: format.toUpperCase() },
    );
  }
  if (sample.subarray(0, 4).equals(OLE_MAGIC)) throw legacyXls();
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw unreadable(
      '文件是 UTF-16 编码（Excel 的“Unicode 文本”），不受支持；请另存为“CSV UTF-8”',
      'The file is UTF-16 (Excel’s “Unicode Text”), which is not supported; save it as “CSV UTF-8”',
    );
  }
  if (sample.includes(0)) {
    throw unreadable(
      '文件不是文本（含有 NUL 字节），无法按 {format} 读取',
      'The file is not text (it contains NUL bytes) and cannot be read as {format}',
      { format: format.toUpperCase() },
    );
  }
}

/** The whole input is empty or whitespace (a lone BOM included). */
export function isEmpty(source: ByteSource): boolean {
  if (!source.complete || source.head.length > 1024) return false;
  return (
    source.head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''
  );
}

export function isZip(source: ByteSource): boolean {
  return source.head.subarray(0, 4).equals(ZIP_MAGIC);
}

export function isLegacyXls(source: ByteSource): boolean {
  return source.head.subarray(0, 4).equals(OLE_MAGIC);
}

/** A file the readers cannot read: answered as 400 `ingest_unreadable`. */
export function unreadable(zh: string, en: string, params: Record<string, unknown> = {}): AppError {
  return new AppError(400, 'ingest_unreadable', { 'zh-CN': zh, en }, params);
}

export const emptyInput = () => unreadable('文件是空的', 'The file is empty');

export const legacyXls = () =>
  unreadable(
    '文件是旧版 Excel 97-2003（.xls）格式，不受支持；请另存为 .xlsx 或 CSV',
    'The file is a legacy Excel 97-2003 (.xls) workbook, which is not supported; save it as .xlsx or CSV',
  );

/** A blank cell (empty or only whitespace) is null; anything else is kept exactly as read. */
export function cellText(text: string): string | null {
  if (text === '') return null;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Fast path: a value that starts and ends with a visible character cannot be blank.
  if (first > 0x20 && first !== 0xa0 && first !== 0x3000 && last > 0x20) return text;
  return text.trim() === '' ? null : text;
}

/** Collects warnings up to MAX_WARNINGS, then one that says the rest were left out. */
export class WarningList {
  readonly list: ReadWarning[] = [];
  private full = false;

  add(row: number, zh: string, en: string): void {
    if (this.full) return;
    if (this.list.length >= MAX_WARNINGS) {
      this.full = true;
      this.list.push({
        row,
        message: {
          'zh-CN': `警告超过 ${MAX_WARNINGS} 条，第 ${row} 行起的其余警告不再列出`,
          en: `More than ${MAX_WARNINGS} warnings; the rest, from row ${row} on, are not listed`,
        },
      });
      return;
    }
    this.list.push({ row, message: { 'zh-CN': zh, en } });
  }

  /** Reported once per source, at the first record where the decoder had to replace bytes. */
  replacedBytes(row: number, encoding: Encoding): void {
    const name = encoding === 'gb18030' ? 'GB18030' : 'UTF-8';
    this.add(
      row,
      `第 ${row} 行附近有不符合 ${name} 编码的字节，已替换为 �；文件可能是其他编码，请指定编码后重新读取`,
      `Bytes near row ${row} are not valid ${name} and were replaced with �; the file may use another encoding, choose it explicitly`,
    );
  }
}
