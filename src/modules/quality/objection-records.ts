import type { Queryable } from '../../platform/db/pool.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';
import type { RecordSource } from '../ingest/read/index.js';
import { datasetView, readDataset, type DatasetColumn, type DatasetRow } from '../ingest/tables.js';
import { shanghaiDay } from '../sharing/calendar.js';
import { compileFilter, type Condition } from '../sharing/filter.js';

/**
 * The record an objection is about (docs/QUALITY.md "Objections"): found in the dataset's view by
 * its key, read as text, checked against a consumer's grant, and turned back into the one-row
 * source of a correction's upsert batch. Values are compared through the filter compiler (bound,
 * cast to the column's type), never spliced.
 */

export const objectionMessages = {
  objection_not_found: { 'zh-CN': '异议 {id} 不存在', en: 'There is no objection {id}' },
  objection_entry_not_found: { 'zh-CN': '目录条目不存在', en: 'There is no such catalog entry' },
  objection_key_invalid: {
    'zh-CN': '须给出且只给出全部主键信息项：{fields}',
    en: 'Give exactly the key field(s): {fields}',
  },
  objection_no_key: {
    'zh-CN': '该目录没有声明主键信息项，无法指明记录',
    en: 'The entry declares no key field; a record cannot be named',
  },
  objection_field_unknown: {
    'zh-CN': '数据集中没有信息项 {field}',
    en: 'The dataset has no field {field}',
  },
  objection_record_not_found: {
    'zh-CN': '数据集中没有主键为 {key} 的记录',
    en: 'The dataset holds no record with the key {key}',
  },
  objection_record_ambiguous: {
    'zh-CN': '按 {key} 找到多条记录，无法确定异议所指的记录',
    en: 'Several records match {key}; the objection cannot name one',
  },
  objection_no_access: {
    'zh-CN':
      '您无权访问该记录（或该信息项）：只有提供方、持有有效授权（含该信息项）的使用方和平台可以提出异议',
    en: 'You have no access to this record (or field): only the provider, a consumer holding an active grant covering it, and the platform may object',
  },
  objection_route_forbidden: {
    'zh-CN': '只有平台（治理管理权限）可以把异议交给提供方以外的部门',
    en: 'Only the platform (governance.manage) may address an objection to a department other than the provider',
  },
  objection_org_invalid: { 'zh-CN': '机构 {orgId} 不存在', en: 'There is no organisation {orgId}' },
  objection_illegal_transition: {
    'zh-CN': '异议状态为「{status}」时不能执行「{action}」',
    en: 'Cannot {action} an objection while its status is "{status}"',
  },
  objection_out_of_scope: {
    'zh-CN': '只有被交办部门或目录提供方的数据管理人员可以处理异议',
    en: "Only the addressed department's or the entry provider's data stewards may answer an objection",
  },
  objection_correct_out_of_scope: {
    'zh-CN': '只有目录提供方（机构管理员：本机构及下级机构）的数据管理人员可以纠错（写入数据集）',
    en: "Only the entry provider's data stewards (org admins: and its sub-organisations) may correct its data",
  },
  objection_not_raiser: {
    'zh-CN': '只有提出异议的人员或机构可以撤回',
    en: 'Only whoever raised the objection (or their organisation) may withdraw it',
  },
  objection_reason_required: {
    'zh-CN': '请填写理由（至少 2 个字）',
    en: 'A reason of at least 2 characters is required',
  },
  objection_value_required: {
    'zh-CN': '请给出更正后的值（异议未提出建议值）',
    en: 'Give the corrected value (the objection proposes none)',
  },
  objection_values_required: {
    'zh-CN': '对整条记录的异议，请以 values 给出要更正的信息项及其值',
    en: 'For an objection to a whole record, give the fields to correct and their values in values',
  },
  objection_key_correction: {
    'zh-CN':
      '主键信息项 {field} 不能通过纠错更改（更新插入按主键匹配记录），请驳回异议并以删除、追加批次处理',
    en: 'The key field {field} cannot be corrected (an upsert matches records by their key); reject the objection and fix it with delete and append batches',
  },
  objection_correction_rejected: {
    'zh-CN': '更正值未通过数据集校验，未写入，异议仍待处理：{zh}',
    en: 'The corrected value failed the dataset check; nothing was written and the objection stays open: {en}',
  },
  objection_conflict_not_found: {
    'zh-CN': '校核冲突 {id} 不存在',
    en: 'There is no cross-check conflict {id}',
  },
  objection_conflict_taken: {
    'zh-CN': '该校核冲突已提出过异议（{objectionId}）',
    en: 'An objection was already raised from this conflict ({objectionId})',
  },
  objection_grant_not_found: {
    'zh-CN': '授权 {id} 不存在或不属于本应用',
    en: 'There is no grant {id} of this application',
  },
  objection_grant_inactive: {
    'zh-CN': '授权当前无效（状态或有效期），不能据此提出异议',
    en: 'The grant is not in force (status or validity); no objection can be raised under it',
  },
  objection_platform_only: {
    'zh-CN': '只有平台（治理管理权限）可以查看全部异议',
    en: 'Only the platform (governance.manage) sees every objection',
  },
} satisfies Record<string, Localized>;

export type ObjectionMessageKey = keyof typeof objectionMessages;

export function objectionProblem(
  status: number,
  code: ObjectionMessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError {
  return new AppError(status, code, objectionMessages[code], params, errors);
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The text of a column as the row check reads it back (timestamps in ISO 8601, with the offset). */
const textOf = (c: DatasetColumn) =>
  c.pgType === 'timestamptz' ? `to_jsonb(${q(c.code)}) #>> '{}'` : `${q(c.code)}::text`;

/** A key as shown in messages: `uscc=9144…, n=1`. */
export const keyText = (key: Record<string, string>) =>
  Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The dataset of an entry, or the record problem (no data loaded yet: no record exists). */
export async function datasetOf(q0: Queryable, entryId: string, key: Record<string, string>) {
  const ds = await readDataset(q0, entryId);
  if (!ds || ds.currentVersion === 0) {
    throw objectionProblem(404, 'objection_record_not_found', { key: keyText(key) });
  }
  return ds;
}

/** Checks that `key` names exactly the dataset's key fields (400 otherwise). */
export function checkKey(ds: DatasetRow, key: Record<string, string>): void {
  const codes = ds.columns.filter((c) => c.key).map((c) => c.code);
  if (!codes.length) throw objectionProblem(409, 'objection_no_key');
  const given = Object.keys(key);
  if (given.length !== codes.length || codes.some((c) => key[c] === undefined)) {
    throw objectionProblem(400, 'objection_key_invalid', { fields: codes.join(', ') }, [
      { path: '/key', message: codes.join(', ') },
    ]);
  }
}

/** Checks that the field is a column of the dataset (400 otherwise). */
export function checkField(ds: DatasetRow, field: string | null | undefined): void {
  if (field && !ds.columns.some((c) => c.code === field)) {
    throw objectionProblem(400, 'objection_field_unknown', { field }, [{ path: '/field', message: field }]);
  }
}

/**
 * The one record of the dataset whose fields equal `key` (any fields of the dataset), every column
 * as text; `extra` (a condition, e.g. a grant's row filter, with its context) must hold too.
 * 404 when none, 409 when several.
 */
export async function findRecord(
  q0: Queryable,
  ds: DatasetRow,
  key: Record<string, string>,
  extra?: { condition: Condition; context: Record<string, string> },
): Promise<Record<string, string | null>> {
  const columns = new Map(ds.columns.map((c) => [c.code, { pgType: c.pgType }]));
  const unknown = Object.keys(key).find((k) => !columns.has(k));
  if (unknown) throw objectionProblem(400, 'objection_field_unknown', { field: unknown });
  const params: unknown[] = [];
  const eqs: Condition[] = Object.entries(key).map(([field, value]) => ({ field, op: 'eq', value }));
  const where = compileFilter(eqs.length === 1 ? eqs[0]! : { and: eqs }, columns, params, {});
  const filter = extra ? ` AND (${compileFilter(extra.condition, columns, params, extra.context)})` : '';
  const { rows } = await q0.query<Record<string, string | null>>(
    `SELECT ${ds.columns.map((c) => `${textOf(c)} AS ${q(c.code)}`).join(', ')}
       FROM ${datasetView(ds.name)} WHERE (${where})${filter} LIMIT 2`,
    params,
  );
  if (!rows.length) throw objectionProblem(404, 'objection_record_not_found', { key: keyText(key) });
  if (rows.length > 1) throw objectionProblem(409, 'objection_record_ambiguous', { key: keyText(key) });
  return rows[0]!;
}

interface GrantDbRow {
  id: string;
  app_id: string;
  fields: string[];
  row_filter: Condition | null;
  status: string;
  valid_from: string;
  valid_to: string;
  region_code: string;
  consumer_org_id: string;
}

const GRANT_SELECT = `SELECT g.id, g.app_id, g.fields, g.row_filter, g.status, g.valid_from::text AS valid_from,
    g.valid_to::text AS valid_to, o.region_code, g.consumer_org_id
  FROM datong.grants g JOIN datong.orgs o ON o.id = g.consumer_org_id`;

/** Whether a grant is in force today (Asia/Shanghai). */
const inForce = (g: GrantDbRow, now: Date) => {
  const today = shanghaiDay(now);
  return g.status === 'active' && g.valid_from <= today && today <= g.valid_to;
};

/**
 * Whether a grant lets its holder see the record and the field: in force, the field and the key
 * fields granted, the record inside the grant's row filter. Answers the record, or null.
 */
async function throughGrant(
  q0: Queryable,
  ds: DatasetRow,
  g: GrantDbRow,
  key: Record<string, string>,
  field: string | null,
  now: Date,
): Promise<Record<string, string | null> | null> {
  if (!inForce(g, now)) return null;
  const granted = new Set(g.fields);
  if (field && !granted.has(field)) return null;
  if (Object.keys(key).some((k) => !granted.has(k))) return null;
  try {
    return await findRecord(
      q0,
      ds,
      key,
      g.row_filter
        ? { condition: g.row_filter, context: { orgId: g.consumer_org_id, regionCode: g.region_code } }
        : undefined,
    );
  } catch (e) {
    if (e instanceof AppError && e.status === 404) return null;
    throw e;
  }
}

/** The record as a consumer organisation sees it through any of its grants on the entry, or null. */
export async function recordForConsumer(
  q0: Queryable,
  ds: DatasetRow,
  orgId: string,
  key: Record<string, string>,
  field: string | null,
  now: Date,
): Promise<Record<string, string | null> | null> {
  const { rows } = await q0.query<GrantDbRow>(
    `${GRANT_SELECT} WHERE g.consumer_org_id = $1 AND g.entry_id = $2 AND g.status = 'active' ORDER BY g.created_at`,
    [orgId, ds.entryId],
  );
  for (const g of rows) {
    const record = await throughGrant(q0, ds, g, key, field, now);
    if (record) return record;
  }
  return null;
}

/** An application's own grant (404 otherwise) and, when it is in force, the record through it. */
export async function recordForApp(
  q0: Queryable,
  appId: string,
  grantId: string,
  key: Record<string, string>,
  field: string | null,
  now: Date,
): Promise<{ entryId: string; ds: DatasetRow; record: Record<string, string | null> }> {
  const { rows } = await q0.query<GrantDbRow & { entry_id: string }>(
    `${GRANT_SELECT.replace('SELECT g.id,', 'SELECT g.entry_id, g.id,')} WHERE g.id = $1`,
    [grantId],
  );
  const g = rows[0];
  if (!g || g.app_id !== appId) throw objectionProblem(404, 'objection_grant_not_found', { id: grantId });
  if (!inForce(g, now)) throw objectionProblem(403, 'objection_grant_inactive');
  const ds = await datasetOf(q0, g.entry_id, key);
  checkKey(ds, key);
  checkField(ds, field);
  const record = await throughGrant(q0, ds, g, key, field, now);
  if (!record) throw objectionProblem(403, 'objection_no_access');
  return { entryId: g.entry_id, ds, record };
}

/** A value masked by its field's PII kind (none: as it is). */
export const maskedBy = (piiKind: string | null | undefined, value: string | null): string | null =>
  value === null ? null : maskValue(defaultMask(piiKind ?? 'none'), value);

/** The one-row source of a correction batch: the record's columns, by code. */
export function correctionSource(ds: DatasetRow, row: Record<string, string | null>): RecordSource {
  const header = ds.columns.map((c) => c.code);
  const values = header.map((c) => row[c] ?? null);
  const bytes = Buffer.byteLength(JSON.stringify(values));
  let read = 0;
  return {
    header,
    records: (async function* () {
      read = bytes;
      yield { row: 1, values };
    })(),
    bytesRead: () => read,
    warnings: [],
  };
}
