import type { Readable } from 'node:stream';
import { jsonParser, type Token } from 'stream-json/parser.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import Assembler from 'stream-json/assembler.js';
import {
  assertText,
  cellText,
  decodeText,
  detectEncoding,
  MAX_WARNINGS,
  unreadable,
  WarningList,
  type ByteSource,
  type Encoding,
  type RecordSource,
  type SourceRecord,
} from './encoding.js';

/**
 * JSON: a top-level array of objects, tokenized by stream-json and assembled one element at a
 * time (streamArray); NDJSON: one object per line, assembled the same way. The header is the union
 * of the keys of the first HEADER_SAMPLE objects in first-seen order; a key first met later is
 * reported once and its values are left out. Numbers keep the text they were written with (an
 * 18-digit number stays exact), nested values become JSON text.
 */

/** Objects whose keys make the header. */
export const HEADER_SAMPLE = 1000;
/** Characters one NDJSON line may hold, and the JSON text that may pass without a complete token. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;
/**
 * Ends a stream-json tokenizer (stream-chain's `none`, a well-known symbol): it then reports what
 * it was still waiting on, e.g. a misspelt literal.
 */
const END = Symbol.for('object-stream.none') as unknown as string;

export interface JsonOptions {
  lines: boolean;
  encoding?: Encoding;
}

/** A JSON number as written; stream-json hands over its text, kept instead of a float. */
class RawNumber {
  constructor(readonly text: string) {}
}

interface JsonItem {
  row: number;
  value: unknown;
}

export async function openJson(source: ByteSource, options: JsonOptions): Promise<RecordSource> {
  assertText(source, options.lines ? 'ndjson' : 'json');
  const encoding = options.encoding ?? detectEncoding(source.sample());
  const text = decodeText(source, encoding);
  const warnings = new WarningList();
  const items = options.lines ? lineItems(text.stream) : arrayItems(text.stream);
  const close = () => {
    void items.return(undefined).catch(() => {});
    text.stream.destroy();
    void source.close();
  };
  let replacementReported = false;

  /** The next object, skipping (with a warning) what is not one. */
  const nextObject = async (): Promise<{ row: number; object: Record<string, unknown> } | null> => {
    for (;;) {
      let result: IteratorResult<JsonItem>;
      try {
        result = await items.next();
      } catch (err) {
        close();
        throw err;
      }
      if (result.done) return null;
      const { row, value } = result.value;
      if (!replacementReported && text.replaced()) {
        replacementReported = true;
        warnings.replacedBytes(row, encoding);
      }
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        !(value instanceof RawNumber)
      ) {
        return { row, object: value as Record<string, unknown> };
      }
      warnings.add(
        row,
        `第 ${row} ${options.lines ? '行' : '个元素'}不是对象（${describe(value)}），已跳过`,
        `${options.lines ? 'Line' : 'Element'} ${row} is not an object (${describe(value)}); skipped`,
      );
    }
  };

  const buffered: { row: number; object: Record<string, unknown> }[] = [];
  const columns = new Map<string, number>();
  while (buffered.length < HEADER_SAMPLE) {
    const next = await nextObject();
    if (!next) break;
    buffered.push(next);
    for (const key of Object.keys(next.object)) {
      if (!columns.has(key)) columns.set(key, columns.size);
    }
  }
  const header = [...columns.keys()];
  const reported = new Set<string>();

  const toRecord = ({
    row,
    object,
  }: {
    row: number;
    object: Record<string, unknown>;
  }): SourceRecord | null => {
    const values: (string | null)[] = new Array<string | null>(header.length).fill(null);
    let blank = true;
    for (const key of Object.keys(object)) {
      const index = columns.get(key);
      if (index === undefined) {
        // Bounded: past MAX_WARNINGS keys the warnings are full anyway.
        if (reported.size < MAX_WARNINGS && !reported.has(key)) {
          reported.add(key);
          warnings.add(
            row,
            `第 ${row} ${options.lines ? '行' : '个元素'}起出现表头之外的键“${key}”，其值不读取`,
            `The key "${key}", first seen at ${options.lines ? 'line' : 'element'} ${row}, is not in the header; its values are left out`,
          );
        }
        continue;
      }
      const value = valueText(object[key]);
      if (value !== null) blank = false;
      values[index] = value;
    }
    return blank ? null : { row, values };
  };

  async function* records(): AsyncGenerator<SourceRecord> {
    try {
      for (const item of buffered.splice(0)) {
        const record = toRecord(item);
        if (record) yield record;
      }
      for (;;) {
        const next = await nextObject();
        if (!next) return;
        const record = toRecord(next);
        if (record) yield record;
      }
    } finally {
      close();
    }
  }

  return { header, records: records(), bytesRead: source.bytesRead, warnings: warnings.list, encoding };
}

/** The tokens of one parser step (the parser hands over several at once, or none). */
function tokensOf<T>(out: T | { values: T[] } | symbol): T[] {
  if (typeof out === 'symbol') return [];
  if (out !== null && typeof out === 'object' && 'values' in out && Array.isArray(out.values))
    return out.values;
  return [out as T];
}

/** Numbers travel as their text, wrapped so they are not taken for strings. */
function keepNumber(token: Token): Token {
  if (token.name !== 'numberValue') return token;
  return { name: 'stringValue', value: new RawNumber(token.value) as unknown as string };
}

async function* arrayItems(text: Readable): AsyncGenerator<JsonItem> {
  const tokenize = jsonParser({ streamValues: false });
  const elements = streamArray();
  let depth = 0;
  let started = false;
  let count = 0;
  let waiting = 0;
  const step = (chunk: string): Token[] => {
    try {
      const tokens = tokensOf<Token>(tokenize(chunk));
      waiting = tokens.length ? 0 : waiting + chunk.length;
      // The tokenizer holds text it cannot yet read; a misspelt literal would make it hold the rest.
      if (waiting > MAX_LINE_CHARS) tokenize(END);
      return tokens;
    } catch (err) {
      throw invalidJson(err, count + 1, false);
    }
  };
  for await (const chunk of text as AsyncIterable<string>) {
    for (const token of step(chunk)) {
      if (token.name === 'startArray' || token.name === 'startObject') {
        depth++;
        started = true;
      } else if (token.name === 'endArray' || token.name === 'endObject') {
        depth--;
      }
      let out;
      try {
        out = elements(keepNumber(token));
      } catch {
        throw notArray();
      }
      for (const item of tokensOf<{ key: number; value: unknown }>(out)) {
        count = item.key + 1;
        yield { row: count, value: item.value };
      }
    }
  }
  try {
    tokenize(END);
  } catch (err) {
    if (!started) throw notArray();
    throw unreadable(
      'JSON 在第 {row} 个元素之后无法解析，文件可能不完整（{detail}）',
      'The JSON cannot be parsed after element {row}; the file may be truncated ({detail})',
      { row: count, detail: err instanceof Error ? err.message : String(err) },
    );
  }
  if (!started) throw notArray();
  if (depth !== 0) {
    throw unreadable(
      'JSON 在第 {row} 个元素之后意外结束，文件可能不完整',
      'The JSON ends unexpectedly after element {row}; the file may be truncated',
      { row: count },
    );
  }
}

async function* lineItems(text: Readable): AsyncGenerator<JsonItem> {
  const assembler = new Assembler();
  let line = 0;
  const parseLine = (content: string): JsonItem | null => {
    line++;
    if (content.trim() === '') return null;
    let values = 0;
    let value: unknown;
    try {
      // A tokenizer per line, ended with the line: an error stays on its line.
      const tokenize = jsonParser({ streamValues: false, jsonStreaming: true });
      for (const token of [...tokensOf<Token>(tokenize(content)), ...tokensOf<Token>(tokenize(END))]) {
        assembler.consume(keepNumber(token));
        if (assembler.done) {
          values++;
          value = assembler.current;
        }
      }
    } catch (err) {
      throw invalidJson(err, line, true);
    }
    if (values !== 1 || !assembler.done) {
      throw unreadable(
        '第 {row} 行不是一个完整的 JSON 值（NDJSON 每行一个对象）',
        'Line {row} is not exactly one complete JSON value (NDJSON holds one object per line)',
        { row: line },
      );
    }
    return { row: line, value };
  };

  let pending = '';
  for await (const chunk of text as AsyncIterable<string>) {
    const data = pending ? pending + chunk : chunk;
    let start = 0;
    for (let end = data.indexOf('\n'); end >= 0; end = data.indexOf('\n', start)) {
      const item = parseLine(data.slice(start, end > start && data[end - 1] === '\r' ? end - 1 : end));
      start = end + 1;
      if (item) yield item;
    }
    pending = data.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      throw unreadable('第 {row} 行超过 {max} 个字符', 'Line {row} exceeds {max} characters', {
        row: line + 1,
        max: MAX_LINE_CHARS,
      });
    }
  }
  if (pending) {
    const item = parseLine(pending.endsWith('\r') ? pending.slice(0, -1) : pending);
    if (item) yield item;
  }
}

/** A value as cell text: blank strings null, numbers as written, nested values as JSON. */
function valueText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return cellText(value);
  if (value instanceof RawNumber) return value.text;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return toJson(value);
}

function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}:${toJson(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof RawNumber) return 'number';
  return typeof value;
}

const notArray = () =>
  unreadable(
    '文件不是 JSON 数组；JSON 格式应为对象数组 [ {...}, {...} ]，每行一个对象请选 NDJSON',
    'The file is not a JSON array; JSON must be an array of objects [ {...}, {...} ] (one object per line is NDJSON)',
  );

function invalidJson(err: unknown, row: number, lines: boolean): unknown {
  if (!(err instanceof Error) || 'status' in err) return err;
  const detail = err.message;
  return lines
    ? unreadable(
        '第 {row} 行的 JSON 无法解析（{detail}）',
        'The JSON cannot be parsed at line {row} ({detail})',
        {
          row,
          detail,
        },
      )
    : unreadable(
        'JSON 在第 {row} 个元素附近无法解析（{detail}）',
        'The JSON cannot be parsed near element {row} ({detail})',
        {
          row,
          detail,
        },
      );
}
