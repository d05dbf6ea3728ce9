import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Pool, Queryable } from '../../platform/db/pool.js';
import type { Actor } from '../../platform/policy/permissions.js';
import type { Entry, EntryInput, FieldInput } from './schemas.js';
import type { Content } from './store.js';
import { visibilityFilter } from './visibility.js';
import { versionsMatching } from './search.js';
import {
  CATEGORY,
  COLUMNS,
  FIELD_TYPE,
  OPEN_TYPE,
  PII_KIND,
  RESOURCE_KIND,
  SHARE_METHOD,
  SHARE_TYPE,
  UPDATE_CYCLE,
  VALIDATOR_KIND,
  YES_NO,
  enumChoices,
  enumLabel,
  type ColumnKey,
} from './import-columns.js';

/**
 * XLSX out: the catalog export (one row per 信息项, in the import layout, so an export
 * re-imports cleanly) and the empty import template. Every cell is written as text, so codes like
 * 1.20 or 0755… keep their digits and nothing is ever a formula.
 */

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const SHEET_NAME = '目录信息项';

/** What a row needs of an entry: its content and the provider's 统一社会信用代码. */
export type ExportEntry = Pick<Entry, 'providerCode'> & Omit<EntryInput, 'providerOrgId'>;

const yesNo = (b: boolean) => enumLabel(YES_NO, b ? 'yes' : 'no');

function lengthText(f: FieldInput): string {
  if (f.type === 'decimal' && f.precision != null) {
    return f.scale != null ? `${f.precision},${f.scale}` : String(f.precision);
  }
  return f.length != null ? String(f.length) : '';
}

function validatorText(v: FieldInput['validator']): string {
  if (!v) return '';
  if (v.kind === 'regex') return `正则:${v.pattern ?? ''}`;
  return enumLabel(VALIDATOR_KIND, v.kind);
}

/** The rows of one entry, cells in COLUMNS order. An entry without fields still gets one row. */
export function entryRows(e: ExportEntry): string[][] {
  const entry: Record<string, string> = {
    category: enumLabel(CATEGORY, e.category),
    classification: e.classification.join('.'),
    name: e.name,
    summary: e.summary,
    provider_code: e.providerCode,
    resource_kind: enumLabel(RESOURCE_KIND, e.resourceKind),
    formats: e.formats.join(';'),
    update_cycle: enumLabel(UPDATE_CYCLE, e.updateCycle),
    publish_date: e.publishDate ?? '',
    related_codes: e.relatedCodes.join(';'),
    tags: e.tags.join(';'),
    licence: e.licence ?? '',
    responsible_person: e.responsible.person,
    responsible_phone: e.responsible.phone,
    share_type: enumLabel(SHARE_TYPE, e.shareType),
    share_condition: e.shareCondition ?? '',
    share_method: enumLabel(SHARE_METHOD, e.shareMethod),
    open_type: enumLabel(OPEN_TYPE, e.openType),
    open_condition: e.openCondition ?? '',
    grade: String(e.grade),
    important: yesNo(e.important),
    core: yesNo(e.core),
  };
  const fieldCells = (f: FieldInput): Record<string, string> => ({
    field_name: f.name,
    field_code: f.code ?? '',
    field_type: enumLabel(FIELD_TYPE, f.type),
    field_length: lengthText(f),
    field_required: yesNo(f.required),
    field_key: yesNo(f.key),
    field_validator: validatorText(f.validator),
    field_pii: enumLabel(PII_KIND, f.piiKind),
    field_grade: String(f.grade),
    field_description: f.description ?? '',
  });
  const fields = e.fields.length ? e.fields.map(fieldCells) : [{}];
  return fields.map((f) => COLUMNS.map((c) => f[c.key] ?? entry[c.key] ?? ''));
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const REQUIRED_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFCE4D6' } };

function styleHeader(row: ExcelJS.Row): void {
  row.font = { bold: true };
  row.eachCell((cell, i) => {
    cell.fill = COLUMNS[i - 1]?.required ? REQUIRED_FILL : HEADER_FILL;
  });
}

/**
 * Streams the export to `out`: rows are committed as they are written, so memory stays flat
 * however many entries `entries` yields. Resolves when the workbook is complete.
 */
export async function writeCatalogXlsx(out: Writable, entries: AsyncIterable<ExportEntry>): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(SHEET_NAME, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map((c) => ({ key: c.key, width: Math.max(10, c.zh.length * 2 + 4) }));
  const header = sheet.addRow(COLUMNS.map((c) => c.zh));
  styleHeader(header);
  header.commit();
  let count = 0;
  for await (const entry of entries) {
    for (const cells of entryRows(entry)) sheet.addRow(cells).commit();
    count++;
  }
  sheet.commit();
  await workbook.commit();
  return count;
}

/** The example row of the template: a real kind of entry, so the steward sees the shape. */
function exampleEntry(providerCode: string): ExportEntry {
  const field = (name: string, code: string, extra: Partial<FieldInput> = {}): FieldInput => ({
    name,
    code,
    type: 'string',
    length: 100,
    required: true,
    key: false,
    piiKind: 'none',
    grade: 1,
    ...extra,
  });
  return {
    providerCode,
    category: 'base',
    classification: ['1', '02', '03'],
    name: '企业登记基本信息',
    summary: '企业设立、变更登记形成的基本信息',
    resourceKind: 'table',
    formats: ['xlsx', 'json'],
    updateCycle: 'daily',
    publishDate: '2026-01-01',
    relatedCodes: [],
    tags: ['法人', '市场主体'],
    licence: null,
    responsible: { person: '张三', phone: '020-12345678' },
    shareType: 'conditional',
    shareCondition: '用于市场监管、行政审批等履职需要',
    shareMethod: 'api',
    openType: 'unconditional',
    openCondition: null,
    grade: 2,
    important: false,
    core: false,
    fields: [
      field('统一社会信用代码', 'uscc', { length: 18, key: true, validator: { kind: 'uscc' } }),
      field('企业名称', 'qi_ye_ming_cheng', { length: 200 }),
      field('法定代表人', 'fa_ding_dai_biao_ren', { length: 50, piiKind: 'name', grade: 2 }),
      field('注册资本', 'zhu_ce_zi_ben', {
        type: 'decimal',
        length: null,
        precision: 18,
        scale: 2,
        required: false,
      }),
      field('成立日期', 'cheng_li_ri_qi', { type: 'date', length: null }),
    ],
  };
}

const CHOICES: Partial<Record<ColumnKey, string>> = {
  category: enumChoices(CATEGORY),
  resource_kind: enumChoices(RESOURCE_KIND),
  update_cycle: enumChoices(UPDATE_CYCLE),
  share_type: enumChoices(SHARE_TYPE),
  share_method: enumChoices(SHARE_METHOD),
  open_type: enumChoices(OPEN_TYPE),
  important: enumChoices(YES_NO),
  core: enumChoices(YES_NO),
  field_type: enumChoices(FIELD_TYPE),
  field_required: enumChoices(YES_NO),
  field_key: enumChoices(YES_NO),
  field_validator: `${enumChoices(VALIDATOR_KIND)}；正则写作 正则:表达式`,
  field_pii: enumChoices(PII_KIND),
};

/**
 * The import template: sheet 1 has the header row (required columns shaded, each header's
 * note gives its English name and rule) and one example entry; sheet 2 documents every column
 * and its allowed values. Small enough to build in memory.
 */
export async function templateXlsx(providerCode: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Datong';
  const sheet = workbook.addWorksheet(SHEET_NAME, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map((c) => ({ key: c.key, width: Math.max(10, c.zh.length * 2 + 4) }));
  const header = sheet.addRow(COLUMNS.map((c) => c.zh));
  styleHeader(header);
  COLUMNS.forEach((c, i) => {
    header.getCell(i + 1).note =
      `${c.key}${c.required ? '（必填 / required）' : ''}\n${c.hint['zh-CN']}\n${c.hint.en}`;
  });
  for (const cells of entryRows(exampleEntry(providerCode))) sheet.addRow(cells);

  const doc = workbook.addWorksheet('填写说明');
  doc.columns = [
    { header: '列名', key: 'zh', width: 16 },
    { header: 'English name', key: 'en', width: 20 },
    { header: '必填', key: 'required', width: 8 },
    { header: '层级', key: 'level', width: 10 },
    { header: '说明', key: 'hint', width: 50 },
    { header: '可选值（中文标签或代码）', key: 'choices', width: 80 },
  ];
  doc.getRow(1).font = { bold: true };
  for (const c of COLUMNS) {
    doc.addRow({
      zh: c.zh,
      en: c.key,
      required: c.required ? '是' : '否',
      level: c.level === 'entry' ? '资源（各行一致）' : '信息项',
      hint: `${c.hint['zh-CN']} / ${c.hint.en}`,
      choices: CHOICES[c.key] ?? '',
    });
  }
  doc.addRow({});
  const notes = [
    '每行一个信息项；同一资源名称 + 提供方代码的各行组成一个目录条目，资源级各列须一致（可留空沿用首行）。',
    'One row per field; rows with the same name + provider code form one entry; entry columns must agree.',
    '多个值以 ; 或 ； 分隔。不接受公式，也不接受以 = + - @ 开头、形似公式的内容。',
    'Separate multiple values with ";". Formulas, and text starting with = + - @ that looks like one, are refused.',
    '整个文件要么全部导入（均为草稿），要么有任何错误时全部不导入并返回逐行错误报告。',
    'All-or-nothing per file: every entry is created as a draft, or on any error nothing is stored.',
  ];
  for (const text of notes) doc.addRow({ zh: text });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The search filters export honours (docs/CATALOG.md: "same filters as search"). */
export interface ExportFilters {
  q?: string;
  provider?: string[];
  category?: string[];
  shareType?: string[];
  openType?: string[];
  grade?: number[];
  updateCycle?: string[];
  format?: string[];
  tag?: string[];
  status?: string[];
  mine?: boolean;
}

const BATCH = 500;

/**
 * The entries the caller may see, as export rows, in resource-code order, read in keyset
 * batches. Visibility is the core's `visibilityFilter`; an entry the caller sees restricted
 * (不予共享, another department) is exported without its fields, as the API shows it.
 */
export async function* visibleEntries(
  pool: Pool,
  actor: Actor,
  filters: ExportFilters,
): AsyncGenerator<ExportEntry> {
  const q: Queryable = pool;
  const vis = visibilityFilter(actor, { alias: 'v', firstParam: 1 });
  const params: unknown[] = [...vis.params];
  const where: string[] = [vis.sql];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filters.q?.trim()) {
    // The search's own word matching, so that the export holds exactly what the search found.
    const found = await versionsMatching(actor, pool, {
      q: filters.q,
      status: filters.status,
      mine: filters.mine,
    });
    params.push(found.entryIds, found.versions);
    where.push(
      `(v.entry_id, v.version) IN (SELECT * FROM unnest($${params.length - 1}::uuid[], $${params.length}::int[]))`,
    );
  }
  if (filters.provider?.length) add((p) => `v.provider_org_id = ANY(${p}::uuid[])`, filters.provider);
  if (filters.category?.length) add((p) => `v.category = ANY(${p}::text[])`, filters.category);
  if (filters.shareType?.length) add((p) => `v.share_type = ANY(${p}::text[])`, filters.shareType);
  if (filters.openType?.length) add((p) => `v.open_type = ANY(${p}::text[])`, filters.openType);
  if (filters.grade?.length) add((p) => `v.grade = ANY(${p}::int[])`, filters.grade);
  if (filters.updateCycle?.length) add((p) => `v.update_cycle = ANY(${p}::text[])`, filters.updateCycle);
  if (filters.format?.length)
    add(
      (p) => `v.formats && ${p}::text[]`,
      filters.format.map((f) => f.toLowerCase()),
    );
  if (filters.tag?.length) add((p) => `v.tags && ${p}::text[]`, filters.tag);
  if (filters.status?.length) add((p) => `v.status = ANY(${p}::text[])`, filters.status);
  if (filters.mine) {
    const orgId = actor.kind === 'user' || actor.kind === 'app' ? actor.orgId : null;
    add((p) => `v.provider_org_id = ${p}::uuid`, orgId);
  }
  params.push('');
  const after = `$${params.length}`;
  params.push(BATCH);
  const sql = `SELECT e.code, o.uscc AS "providerCode", v.content, ${vis.restricted} AS restricted
    FROM datong.catalog_versions v
    JOIN datong.catalog_entries e ON e.id = v.entry_id
    JOIN datong.orgs o ON o.id = e.provider_org_id
    WHERE ${where.join(' AND ')} AND e.code > ${after}
    ORDER BY e.code LIMIT $${params.length}`;
  for (;;) {
    const { rows } = await q.query<{
      code: string;
      providerCode: string;
      content: Content;
      restricted: boolean;
    }>(sql, params);
    for (const row of rows) {
      yield {
        ...row.content,
        providerCode: row.providerCode,
        fields: row.restricted ? [] : row.content.fields,
      };
    }
    const last = rows.at(-1);
    if (!last || rows.length < BATCH) return;
    params[params.length - 2] = last.code;
  }
}
