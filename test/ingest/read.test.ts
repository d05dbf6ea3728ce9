import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError } from '../../src/platform/http/errors.js';
import {
  detectDelimiter,
  detectEncoding,
  openSource,
  SAMPLE_BYTES,
  type ReadOptions,
  type RecordSource,
  type SourceRecord,
} from '../../src/modules/ingest/read/index.js';

/** A byte stream of `data` in chunks of `chunk` bytes, as a file or an upload arrives. */
function bytes(data: Buffer | string, chunk = 16 * 1024): Readable {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  function* chunks() {
    for (let at = 0; at < buffer.length; at += chunk) yield buffer.subarray(at, at + chunk);
  }
  return Readable.from(chunks(), { objectMode: false });
}

async function read(data: Buffer | string, options: ReadOptions, chunk?: number) {
  const source = await openSource(bytes(data, chunk), options);
  const records: SourceRecord[] = [];
  for await (const record of source.records) records.push(record);
  return { source, records };
}

async function failure(data: Buffer | string, options: ReadOptions): Promise<AppError> {
  try {
    const source = await openSource(bytes(data), options);
    for await (const _record of source.records) {
      // drain
    }
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the read to fail');
}

const enWarnings = (source: RecordSource) => source.warnings.map((w) => `${w.row}: ${w.message.en}`);

const PEOPLE_CSV =
  '姓名,身份证号,地址\r\n张三,110101199003071234,北京市东城区\r\n李四,32010219851201002X,"南京市,鼓楼区"\r\n';
const PEOPLE = [
  { row: 2, values: ['张三', '110101199003071234', '北京市东城区'] },
  { row: 3, values: ['李四', '32010219851201002X', '南京市,鼓楼区'] },
];

describe('encodings', () => {
  it('reads UTF-8, UTF-8 with BOM and GBK alike', async () => {
    const utf8 = Buffer.from(PEOPLE_CSV, 'utf8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    const gbk = iconv.encode(PEOPLE_CSV, 'gbk');
    expect(detectEncoding(utf8)).toBe('utf8');
    expect(detectEncoding(bom)).toBe('utf8-bom');
    expect(detectEncoding(gbk)).toBe('gb18030');
    for (const data of [utf8, bom, gbk]) {
      const { source, records } = await read(data, { format: 'csv' }, 7);
      expect(source.header).toEqual(['姓名', '身份证号', '地址']);
      expect(records).toEqual(PEOPLE);
      expect(source.warnings).toEqual([]);
      expect(source.bytesRead()).toBe(data.length);
    }
  });

  it('ignores a UTF-8 character cut by the end of the sample', async () => {
    // Enough ASCII that the 64 KB sample ends inside a three-byte character.
    const head = '编号,名称\n';
    const filler = `1,${'x'.repeat(SAMPLE_BYTES - Buffer.byteLength(head) - 3)}`;
    const text = `${head}${filler}中文\n2,数据\n`;
    const data = Buffer.from(text, 'utf8');
    const sample = data.subarray(0, SAMPLE_BYTES);
    expect(sample.subarray(-1)[0]! & 0xc0).not.toBe(0x80); // the lead byte of 中 ends the sample
    expect(data.subarray(SAMPLE_BYTES - 1, SAMPLE_BYTES + 2).toString('utf8')).toBe('中');
    expect(detectEncoding(sample)).toBe('utf8');
    expect(detectEncoding(data.subarray(0, SAMPLE_BYTES + 1))).toBe('utf8'); // two of its three bytes

    // Chunks the size of the sample, and chunks that cut it elsewhere, read the same.
    for (const chunk of [SAMPLE_BYTES, 1000]) {
      const { source, records } = await read(data, { format: 'csv' }, chunk);
      expect(source.header).toEqual(['编号', '名称']);
      expect(records.map((r) => r.values[1]!.slice(-2))).toEqual(['中文', '数据']);
      expect(source.warnings).toEqual([]);
    }
  });

  it('obeys an explicit encoding and warns of replaced bytes', async () => {
    // GBK text only after the sample: detection sees ASCII and guesses UTF-8.
    const text = `code,name\n${'1,a\n'.repeat(SAMPLE_BYTES / 4)}2,数据共享\n`;
    const gbk = iconv.encode(text, 'gbk');
    expect(detectEncoding(gbk.subarray(0, SAMPLE_BYTES))).toBe('utf8');

    const guessed = await read(gbk, { format: 'csv' });
    expect(guessed.source.header).toEqual(['code', 'name']);
    expect(guessed.records.at(-1)!.values[1]).toContain('\uFFFD');
    expect(guessed.source.warnings).toHaveLength(1);
    expect(guessed.source.warnings[0]!.message.en).toMatch(/not valid UTF-8/);

    const told = await read(gbk, { format: 'csv', encoding: 'gb18030' });
    expect(told.records.at(-1)).toEqual({ row: SAMPLE_BYTES / 4 + 2, values: ['2', '数据共享'] });
    expect(told.source.warnings).toEqual([]);

    // And the other way round: UTF-8 read as GB18030 is mojibake, not an error.
    const forced = await read(PEOPLE_CSV, { format: 'csv', encoding: 'gb18030' });
    expect(forced.source.header[0]).not.toBe('姓名');
  });
});

describe('CSV and TSV', () => {
  it('detects the delimiter', () => {
    expect(detectDelimiter('a,b,c\n1,2,3\n')).toBe(',');
    expect(detectDelimiter('a\tb\tc\n1\t2,5\t3\n')).toBe('\t');
    expect(detectDelimiter('a;b;c\n1;"2;5";3\n4,5;6;7\n')).toBe(';');
    expect(detectDelimiter('a|b\n1|2\n')).toBe('|');
    // Ragged lines: the delimiter that splits the header most.
    expect(detectDelimiter('a;b;c\n1;2\n1;2;3;4\n')).toBe(';');
    expect(detectDelimiter('single\nvalue\n')).toBe(',');
    // Quoted line breaks and delimiters do not count.
    expect(detectDelimiter('a,b\n"x\ny;z;w",2\n3,4\n')).toBe(',');
  });

  it('reads TSV and semicolon files', async () => {
    const tsv = await read('名称\t数量\n苹果\t3\n"梨,子"\t4\n', { format: 'csv' });
    expect(tsv.source.header).toEqual(['名称', '数量']);
    expect(tsv.records).toEqual([
      { row: 2, values: ['苹果', '3'] },
      { row: 3, values: ['梨,子', '4'] },
    ]);
    const semicolon = await read('a;b\n1,5;2\n', { format: 'csv' });
    expect(semicolon.records).toEqual([{ row: 2, values: ['1,5', '2'] }]);
    // format tsv means tabs even when commas would split more.
    const forced = await read('a,b\tc\n1,2\t3\n', { format: 'tsv' });
    expect(forced.source.header).toEqual(['a,b', 'c']);
    // An explicit delimiter wins.
    const piped = await read('a|b,c\n1|2,3\n', { format: 'csv', delimiter: '|' });
    expect(piped.records).toEqual([{ row: 2, values: ['1', '2,3'] }]);
  });

  it('follows RFC 4180 quoting and counts rows as a spreadsheet does', async () => {
    const csv = [
      'id,text,note',
      '1,"a, b","say ""hi"""',
      '2,"two',
      'lines",x',
      '',
      ',,',
      '3,  ,5" screen',
      '4,short',
      '5,a,b,extra',
    ].join('\n');
    const { source, records } = await read(csv, { format: 'csv' }, 5);
    expect(source.header).toEqual(['id', 'text', 'note']);
    expect(records).toEqual([
      { row: 2, values: ['1', 'a, b', 'say "hi"'] },
      { row: 3, values: ['2', 'two\nlines', 'x'] },
      // rows 4 (empty line) and 5 (blank cells) are skipped but counted
      { row: 6, values: ['3', null, '5" screen'] },
      { row: 7, values: ['4', 'short'] },
      { row: 8, values: ['5', 'a', 'b', 'extra'] },
    ]);
    expect(enWarnings(source)).toEqual([
      '7: Row 7 has 2 fields; the header has 3',
      '8: Row 8 has 4 fields; the header has 3',
    ]);
  });

  it('takes the header from a later row', async () => {
    const { source, records } = await read('2024 年统计\n\n地区,人数\n东城,10\n', {
      format: 'csv',
      headerRow: 3,
    });
    expect(source.header).toEqual(['地区', '人数']);
    expect(records).toEqual([{ row: 4, values: ['东城', '10'] }]);
  });

  it('releases the input when the caller stops early', async () => {
    const input = bytes(`a,b\n${'1,2\n'.repeat(1_000_000)}`);
    const source = await openSource(input, { format: 'csv' });
    let seen = 0;
    for await (const _record of source.records) {
      if (++seen === 3) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.destroyed).toBe(true);
    expect(source.bytesRead()).toBeLessThan(1_000_000);
  });

  it('refuses what is not CSV', async () => {
    expect((await failure('', { format: 'csv' })).message).toMatch(/empty/);
    expect((await failure('\uFEFF \n', { format: 'csv' })).message).toMatch(/empty/);
    expect(
      (await failure(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), { format: 'csv' })).message,
    ).toMatch(/not text/);
    expect((await failure(Buffer.from('PK\x03\x04rest'), { format: 'csv' })).message).toMatch(
      /read it as XLSX/,
    );
    expect((await failure(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), { format: 'csv' })).message).toMatch(
      /\.xls/,
    );
    expect((await failure(Buffer.from([0xff, 0xfe, 0x61, 0]), { format: 'tsv' })).message).toMatch(/UTF-16/);
    const open = await failure('a,b\n\n1,"never closed\n2,3\n', { format: 'csv' });
    expect(open.code).toBe('ingest_unreadable');
    expect(open.status).toBe(400);
    expect(open.params).toMatchObject({ row: 3 });
    expect(open.text['zh-CN']).toContain('引号没有闭合');
    expect((await failure('\n\n', { format: 'csv' })).message).toMatch(/empty/);
    expect((await failure('a,b\n', { format: 'csv', headerRow: 3 })).message).toMatch(/no row 3/);
    await expect(openSource(bytes('a'), { format: 'csv', headerRow: 0 })).rejects.toMatchObject({
      code: 'ingest_bad_option',
    });
    await expect(openSource(bytes('a'), { format: 'csv', delimiter: '"' })).rejects.toMatchObject({
      code: 'ingest_bad_option',
    });
  });

  it('reads CRLF, mixed and bare-CR line ends, and quoted line breaks split across chunks', async () => {
    const want = [
      { row: 2, values: ['1', 'x\r\ny'] },
      { row: 3, values: ['2', 'z'] },
    ];
    // Chunks of 3 bytes: records and quoted line breaks straddle chunk ends.
    expect((await read('a,b\r\n1,"x\r\ny"\r\n2,z\r\n', { format: 'csv' }, 3)).records).toEqual(want);
    expect((await read('a,b\n1,"x\r\ny"\r\n2,z\n', { format: 'csv' }, 3)).records).toEqual(want);
    const mac = await read('a,b\r1,x\r2,z\r', { format: 'csv' });
    expect(mac.records).toEqual([
      { row: 2, values: ['1', 'x'] },
      { row: 3, values: ['2', 'z'] },
    ]);
  });

  it('fails a runaway quote by its row instead of holding the rest of the file', async () => {
    const body = `a,b\n1,2\n3,"${'这是一个没有闭合的引号，'.repeat(400_000)}`;
    const err = await failure(body, { format: 'csv' });
    expect(err.code).toBe('ingest_unreadable');
    expect(err.params).toMatchObject({ row: 3 });
  });

  it('streams a 20 MB file in constant memory', async () => {
    const row = '110101199003071234,张三,北京市东城区和平里街道 12 号,2024-01-02,12345.67\n';
    const rows = Math.ceil((20 * 1024 * 1024) / Buffer.byteLength(row));
    function* generate() {
      yield Buffer.from('身份证号,姓名,地址,日期,金额\n');
      const block = Buffer.from(row.repeat(500));
      for (let i = 0; i < rows; i += 500) yield block;
    }
    // A collection before each reading, so what is measured is what is kept, not garbage; Buffers
    // live outside the JS heap, hence arrayBuffers.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const used = () => {
      const memory = process.memoryUsage();
      return memory.heapUsed + memory.arrayBuffers;
    };
    gc();
    const before = used();
    let peak = before;
    const started = Date.now();
    const source = await openSource(Readable.from(generate(), { objectMode: false }), { format: 'csv' });
    let count = 0;
    let last: SourceRecord | null = null;
    for await (const record of source.records) {
      count++;
      last = record;
      if (count % 50_000 === 0) {
        gc();
        peak = Math.max(peak, used());
      }
    }
    const seconds = (Date.now() - started) / 1000;
    expect(count).toBeGreaterThanOrEqual(rows);
    expect(last!.values).toEqual([
      '110101199003071234',
      '张三',
      '北京市东城区和平里街道 12 号',
      '2024-01-02',
      '12345.67',
    ]);
    expect(source.bytesRead()).toBeGreaterThan(20 * 1024 * 1024);
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
    expect(seconds).toBeLessThan(5);
  });
});

describe('XLSX', () => {
  async function workbook(): Promise<Buffer> {
    const book = new ExcelJS.Workbook();
    const notes = book.addWorksheet('说明');
    notes.addRow(['字段', '含义']);
    notes.addRow(['姓名', '户籍人口的姓名']);
    const data = book.addWorksheet('数据');
    data.addRow(['2024 年户籍人口']);
    data.addRow(['姓名', '身份证号', '出生日期', '登记时间', '金额', '大数', '在册', '合计', '备注']);
    data.addRow([
      '张三',
      '110101199003071234',
      new Date(Date.UTC(1990, 2, 7)),
      new Date(Date.UTC(2024, 0, 2, 8, 30, 15)),
      12.5,
      1e21,
      true,
      { formula: 'E3*2', result: 25 },
      { richText: [{ text: '富' }, { text: '文本' }] },
    ]);
    data.addRow([]);
    data.addRow([
      '李四',
      null,
      null,
      null,
      Number('123456789012345678'),
      0.0000001,
      false,
      { error: '#N/A' },
    ]);
    data.getCell('A6').value = '王五';
    data.getCell('K6').value = '表外';
    data.getCell('C3').numFmt = 'yyyy-mm-dd';
    return Buffer.from(await book.xlsx.writeBuffer());
  }

  it('reads a sheet chosen by name or position, from a later header row', async () => {
    const file = await workbook();
    for (const sheet of ['数据', 2]) {
      const { source, records } = await read(file, { format: 'xlsx', sheet, headerRow: 2 }, 1000);
      expect(source.header).toEqual([
        '姓名',
        '身份证号',
        '出生日期',
        '登记时间',
        '金额',
        '大数',
        '在册',
        '合计',
        '备注',
      ]);
      expect(records).toEqual([
        {
          row: 3,
          values: [
            '张三',
            '110101199003071234',
            '1990-03-07',
            '2024-01-02T08:30:15',
            '12.5',
            '1000000000000000000000',
            'true',
            null,
            '富文本',
          ],
        },
        {
          row: 5,
          values: ['李四', null, null, null, '123456789012345680', '0.0000001', 'false', null, null],
        },
        { row: 6, values: ['王五', null, null, null, null, null, null, null, null, null, '表外'] },
      ]);
      expect(enWarnings(source)).toEqual([
        '3: Cell H3 holds a formula; its cached result is not trusted and it is read as blank. Paste the values instead',
        '5: Cell H5 holds the error value #N/A; it is read as blank',
        '6: Row 6 has values beyond the header, up to column K',
      ]);
      expect(source.warnings[0]!.message['zh-CN']).toContain('H3');
      expect(source.bytesRead()).toBe(file.length);
    }
  });

  it('reads the first sheet by default', async () => {
    const { source, records } = await read(await workbook(), { format: 'xlsx' });
    expect(source.header).toEqual(['字段', '含义']);
    expect(records).toEqual([{ row: 2, values: ['姓名', '户籍人口的姓名'] }]);
  });

  it('does not lose the last parts of the archive (exceljs#3064)', async () => {
    // exceljs writes workbook.xml last; with many small sheets its streaming reader used to drop
    // it nearly every time.
    const book = new ExcelJS.Workbook();
    for (let i = 1; i <= 8; i++) book.addWorksheet(`表${i}`).addRows([['列'], [`值${i}`]]);
    const file = Buffer.from(await book.xlsx.writeBuffer());
    for (let round = 0; round < 10; round++) {
      for (const [sheet, expected] of [
        [8, '值8'],
        ['表5', '值5'],
        [undefined, '值1'],
      ] as const) {
        const { records } = await read(file, { format: 'xlsx', sheet });
        expect(records).toEqual([{ row: 2, values: [expected] }]);
      }
    }
  });

  it('leaves no temporary file behind when the caller stops early', async () => {
    // exceljs spools sheets that precede the shared strings (as its own writer puts them) to files.
    const book = new ExcelJS.Workbook();
    for (let i = 1; i <= 3; i++) {
      const sheet = book.addWorksheet(`表${i}`);
      sheet.addRow(['列']);
      for (let r = 0; r < 2000; r++) sheet.addRow([`值${i}-${r}`]);
    }
    const file = Buffer.from(await book.xlsx.writeBuffer());
    const spooled = () =>
      fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`tmp-${process.pid}-`));
    const before = spooled().length;
    for (const sheet of [1, 2, 3]) {
      const source = await openSource(bytes(file), { format: 'xlsx', sheet });
      let seen = 0;
      for await (const record of source.records) {
        expect(record.values[0]).toBe(`值${sheet}-${seen}`);
        if (++seen === 5) break;
      }
    }
    await expect.poll(() => spooled().length).toBe(before);
  });

  it('refuses a missing sheet, a damaged workbook and what is not one', async () => {
    const file = await workbook();
    const missing = await failure(file, { format: 'xlsx', sheet: '人口' });
    expect(missing.message).toContain('说明、数据');
    expect((await failure(file, { format: 'xlsx', sheet: 3 })).message).toMatch(/no sheet #3/);
    expect((await failure(file.subarray(0, file.length - 300), { format: 'xlsx' })).message).toMatch(
      /damaged or truncated/,
    );
    expect((await failure(file.subarray(0, 200), { format: 'xlsx' })).code).toBe('ingest_unreadable');
    expect((await failure(PEOPLE_CSV, { format: 'xlsx' })).message).toMatch(/not an XLSX/);
    expect(
      (await failure(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1]), { format: 'xlsx' })).message,
    ).toMatch(/legacy Excel/);
    expect((await failure('', { format: 'xlsx' })).message).toMatch(/empty/);
    expect((await failure(file, { format: 'xlsx', sheet: 2, headerRow: 4 })).message).toMatch(
      /header row, is blank/,
    );
  });
});

describe('JSON and NDJSON', () => {
  it('reads an array of objects', async () => {
    const json = JSON.stringify([
      { 代码: '110101', 名称: '东城区', 人口: 708829 },
      { 代码: '110102', 名称: '西城区', 面积: 50.7, 上级: { 代码: '110000' } },
      {},
      { 代码: '110105', 名称: '', 标签: ['老城', 2], 在册: true, 备注: null },
    ]).replace('708829', '123456789012345678901');
    const { source, records } = await read(json, { format: 'json' }, 10);
    expect(source.header).toEqual(['代码', '名称', '人口', '面积', '上级', '标签', '在册', '备注']);
    expect(records).toEqual([
      { row: 1, values: ['110101', '东城区', '123456789012345678901', null, null, null, null, null] },
      { row: 2, values: ['110102', '西城区', null, '50.7', '{"代码":"110000"}', null, null, null] },
      // element 3 is empty
      { row: 4, values: ['110105', null, null, null, null, '["老城",2]', 'true', null] },
    ]);
    expect(source.warnings).toEqual([]);
  });

  it('reads NDJSON by line number', async () => {
    const ndjson = '{"a":1,"b":{"n":1.50e3}}\r\n\n{"a":"x","c":false}\n"scalar"\n{"b":[]}';
    const { source, records } = await read(ndjson, { format: 'ndjson' }, 4);
    expect(source.header).toEqual(['a', 'b', 'c']);
    expect(records).toEqual([
      { row: 1, values: ['1', '{"n":1.50e3}', null] },
      { row: 3, values: ['x', null, 'false'] },
      { row: 5, values: [null, '[]', null] },
    ]);
    expect(enWarnings(source)).toEqual(['4: Line 4 is not an object (string); skipped']);
  });

  it('takes the header from the first 1,000 objects and reports later keys once', async () => {
    const lines = Array.from({ length: 1003 }, (_, i) =>
      JSON.stringify(i < 1000 ? { id: i + 1 } : { id: i + 1, late: 'x', 迟到: i }),
    );
    const { source, records } = await read(lines.join('\n'), { format: 'ndjson' });
    expect(source.header).toEqual(['id']);
    expect(records).toHaveLength(1003);
    expect(records.at(-1)).toEqual({ row: 1003, values: ['1003'] });
    expect(enWarnings(source)).toEqual([
      '1001: The key "late", first seen at line 1001, is not in the header; its values are left out',
      '1001: The key "迟到", first seen at line 1001, is not in the header; its values are left out',
    ]);
    const array = await read(`[${lines.join(',')}]`, { format: 'json' });
    expect(array.records.at(-1)).toEqual({ row: 1003, values: ['1003'] });
    expect(array.source.warnings).toHaveLength(2);
  });

  it('reads GBK JSON', async () => {
    const { source, records } = await read(iconv.encode('[{"名称":"数据"}]', 'gbk'), { format: 'json' });
    expect(source.header).toEqual(['名称']);
    expect(records).toEqual([{ row: 1, values: ['数据'] }]);
  });

  it('refuses invalid JSON', async () => {
    expect((await failure('{"a":1}', { format: 'json' })).message).toMatch(/not a JSON array/);
    const truncated = await failure('[{"a":1},{"a":', { format: 'json' });
    expect(truncated.message).toMatch(/after element 1; the file may be truncated/);
    expect((await failure('[{"a":1}] trailing', { format: 'json' })).message).toMatch(/cannot be parsed/);
    expect((await failure('[{"a":tru}]', { format: 'json' })).message).toMatch(/cannot be parsed/);
    expect((await failure('   ', { format: 'json' })).message).toMatch(/empty/);
    const line = await failure('{"a":1}\n{"a":2\n{"a":3}\n', { format: 'ndjson' });
    expect(line.params).toMatchObject({ row: 2 });
    const two = await failure('{"a":1} {"a":2}\n', { format: 'ndjson' });
    expect(two.message).toMatch(/Line 1 is not exactly one/);
    const garbage = await failure('{"a":1}\nnot json\n', { format: 'ndjson' });
    expect(garbage.message).toMatch(/cannot be parsed at line 2/);
  });
});
