import crypto from 'node:crypto';
import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import { ident, prepared, type Pool, type Queryable } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { compileMasks, maskKeyOf, type MaskFunction } from '../../platform/masking/index.js';
import type { NodeIdentity } from '../../platform/crypto/types.js';
import type { Services } from '../../platform/services.js';
import type { FieldInput } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import type { DatasetColumn } from '../ingest/tables.js';
import { shanghaiDay } from './calendar.js';
import { grantCallMessages, grantStateProblem } from './common.js';
import { dailyQuotasOf, type DailyQuotas } from './quota.js';
import { asFilterError, combine, compileFilter, type Condition } from './filter.js';

/**
 * Data services (数据服务, docs/SHARING.md "Data services"): what an application holding a grant
 * may ask of the provider's dataset — rows by key or by conditions (query), or whether values it
 * holds match the stored ones (verify, 核验), one or up to 1,000 at a time.
 *
 * Every call:
 * - runs under the grant as compiled here (granted columns, the provider's row filter ANDed
 *   outside the caller's conditions, masks per field), in ONE statement that also reads the
 *   grant's row: a grant suspended, revoked or changed since it was compiled is seen by the very
 *   next call (the compiled grant is then rebuilt or refused), without a cache to expire;
 * - appends one audit event — app, organisation, scenario, entry, fields, row count and keyed
 *   hashes (HMAC, node key `subject`) of the 公民身份号码 and 统一社会信用代码 it returned or
 *   verified — and answers only once that event is durable (the ledger's group commit). When the
 *   ledger cannot write, the call fails closed (503) and no data leaves;
 * - refuses (403) a field outside the grant, audited as `result: denied`.
 */

export const MAX_BATCH = 1000;
export const MAX_PAGE = 1000;
export const MAX_CHANGES = 1000;
/** Statements with at most this many parameters are prepared (see `guarded`). */
const PREPARE_MAX_PARAMS = 24;

const messages = {
  ...grantCallMessages,
  grant_inactive: {
    'zh-CN': '授权已{statusZh}，不能调用数据服务',
    en: 'The grant is {status}; its data services cannot be called',
  },
  field_not_granted: {
    'zh-CN': '信息项 {fields} 不在授权范围内',
    en: 'The field(s) {fields} are not granted',
  },
  key_not_granted: {
    'zh-CN': '按键查询与核验需要授权主键信息项 {fields}',
    en: 'Queries and verification by key need the key field(s) {fields} to be granted',
  },
  key_incomplete: {
    'zh-CN': '须给出全部主键信息项：{fields}',
    en: 'Give every key field: {fields}',
  },
  cursor_invalid: { 'zh-CN': '分页游标无效', en: 'The page cursor is invalid' },
} satisfies Record<string, Localized>;

export function serviceProblem(
  status: number,
  code: keyof typeof messages,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, messages[code], params);
}

interface ServiceColumn {
  code: string;
  name: string;
  pgType: string;
  key: boolean;
  /** Returned values of this column are subjects (ID numbers, USCC): hashed into the audit. */
  subject: boolean;
}

/** A grant as the data services use it, compiled once per version of the grant's row. */
export interface CompiledGrant {
  id: string;
  appId: string;
  consumerOrgId: string;
  providerOrgId: string;
  entryId: string;
  entryCode: string;
  scenario: string;
  /** The grant row's updated_at, as text: the version every call checks. */
  version: string;
  status: string;
  validFrom: string;
  validTo: string;
  rateLimit: number;
  dailyQuota: number;
  /** The dataset's id (its batches and change log), '' when the entry holds no data. */
  datasetId: string;
  view: string;
  /** Granted columns, in the dataset's order. */
  columns: ServiceColumn[];
  byCode: ReadonlyMap<string, ServiceColumn>;
  /** Every column of the dataset (the grant's filter may name fields that are not granted). */
  allColumns: ReadonlyMap<string, { pgType: string }>;
  keyColumns: ServiceColumn[];
  /** Every key column of the dataset, granted or not, in the dataset's order. */
  datasetKeys: { code: string; pgType: string }[];
  /** Key fields that are not granted (query and verify by key are then refused). */
  ungrantedKey: string[];
  masks: (row: (string | null)[]) => void;
  /** The grant's row filter as SQL over $1… of `filterParams`, or ''. */
  filterSql: string;
  filterParams: unknown[];
  /** The fields the grant's row filter names (all columns of the dataset, granted or not). */
  filterFields: string[];
}

interface GrantDbRow {
  id: string;
  app_id: string;
  consumer_org_id: string;
  provider_org_id: string;
  entry_id: string;
  entry_code: string;
  scenario_name: string;
  version: string;
  status: string;
  valid_from: string;
  valid_to: string;
  rate_limit: number;
  daily_quota: number;
  fields: string[];
  masking: Record<string, MaskFunction>;
  row_filter: Condition | null;
  ds_id: string | null;
  ds_name: string | null;
  ds_columns: DatasetColumn[] | null;
  content: Content | null;
  region_code: string;
}

const GRANT_SELECT = `
  SELECT g.id, g.app_id, g.consumer_org_id, g.provider_org_id, g.entry_id, e.code AS entry_code,
         g.scenario_name, g.updated_at::text AS version, g.status, g.valid_from::text AS valid_from,
         g.valid_to::text AS valid_to, g.rate_limit, g.daily_quota, g.fields, g.masking, g.row_filter,
         d.id AS ds_id, d.name AS ds_name, d.columns AS ds_columns, v.content, o.region_code
    FROM datong.grants g
    JOIN datong.catalog_entries e ON e.id = g.entry_id
    JOIN datong.orgs o ON o.id = g.consumer_org_id
    LEFT JOIN datong.datasets d ON d.entry_id = g.entry_id
    LEFT JOIN datong.catalog_versions v ON v.entry_id = d.entry_id AND v.version = d.catalog_version
   WHERE g.id = $1`;

const SUBJECT_VALIDATORS = new Set(['id_number', 'uscc']);

/** The data services of one node: compiled grants, rate buckets, and the subject-hash key. */
export class DataServices {
  private readonly grants = new Map<string, CompiledGrant>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly subjectKey: Buffer;
  private readonly maskKey;
  private readonly quotas: DailyQuotas;

  constructor(private readonly services: Services) {
    this.quotas = dailyQuotasOf(services.pool);
    this.subjectKey = services.identity.macKey('subject');
    this.maskKey = maskKeyOf(services.identity);
  }

  get pool(): Pool {
    return this.services.pool;
  }

  /** Keyed hash of a subject identifier, as the audit stores it (see `subjectHashOf`). */
  subjectHash(value: string): string {
    return subjectHashOf(this.services.identity, value, this.subjectKey);
  }

  /** Compiles the grant as `q` sees it (also caches it); null when there is no such grant. */
  async compile(q: Queryable, id: string): Promise<CompiledGrant | null> {
    const { rows } = await q.query<GrantDbRow>(GRANT_SELECT, [id]);
    const g = rows[0];
    if (!g) return null;
    const fields = new Map<string, FieldInput>(
      (g.content?.fields ?? []).map((f: FieldInput) => [f.code ?? '', f]),
    );
    const dsColumns = g.ds_columns ?? [];
    const granted = new Set(g.fields);
    const columns: ServiceColumn[] = dsColumns
      .filter((c) => granted.has(c.code))
      .map((c) => ({
        code: c.code,
        name: c.name,
        pgType: c.pgType,
        key: c.key,
        subject: SUBJECT_VALIDATORS.has(fields.get(c.code)?.validator?.kind ?? ''),
      }));
    const allColumns = new Map(dsColumns.map((c) => [c.code, { pgType: c.pgType }]));
    const filterParams: unknown[] = [];
    const filterSql = g.row_filter
      ? compileFilter(g.row_filter, allColumns, filterParams, {
          regionCode: g.region_code,
          orgId: g.consumer_org_id,
        })
      : '';
    const compiled: CompiledGrant = {
      id: g.id,
      appId: g.app_id,
      consumerOrgId: g.consumer_org_id,
      providerOrgId: g.provider_org_id,
      entryId: g.entry_id,
      entryCode: g.entry_code,
      scenario: g.scenario_name,
      version: g.version,
      status: g.status,
      validFrom: g.valid_from,
      validTo: g.valid_to,
      rateLimit: g.rate_limit,
      dailyQuota: g.daily_quota,
      datasetId: g.ds_id ?? '',
      view: g.ds_name ? `ds.${ident(g.ds_name)}` : '',
      columns,
      byCode: new Map(columns.map((c) => [c.code, c])),
      allColumns,
      keyColumns: columns.filter((c) => c.key),
      datasetKeys: dsColumns.filter((c) => c.key).map((c) => ({ code: c.code, pgType: c.pgType })),
      ungrantedKey: dsColumns.filter((c) => c.key && !granted.has(c.code)).map((c) => c.code),
      masks: compileMasks(
        columns.map((c) => g.masking[c.code] ?? 'nullify'),
        this.maskKey,
      ),
      filterSql,
      filterParams,
      filterFields: g.row_filter ? conditionFields(g.row_filter) : [],
    };
    this.grants.set(id, compiled);
    return compiled;
  }

  /**
   * The grant for an app's call, admitted: 404 when it is not this app's, 403 when it is not
   * usable today, 429 over the grant's rate or daily quota (the call counts towards both).
   */
  async grantFor(ctx: RequestContext, id: string, fresh = false): Promise<CompiledGrant> {
    let g = await this.usableGrant(ctx, id, fresh);
    this.takeToken(g);
    let quota = await this.quotas.take(g.id, g.dailyQuota);
    if (!quota.ok && !fresh) {
      // Not refused on a cached grant: its quota may have been raised since.
      g = await this.usableGrant(ctx, id, true);
      quota = await this.quotas.take(g.id, g.dailyQuota);
    }
    if (!quota.ok) {
      throw new AppError(429, 'quota_exhausted', messages.quota_exhausted, { quota: g.dailyQuota }, [], {
        'retry-after': String(quota.retryAfterSeconds),
      });
    }
    return g;
  }

  /** The grant if it can serve this app's call now (not admitted: no rate or quota taken). */
  private async usableGrant(ctx: RequestContext, id: string, fresh: boolean): Promise<CompiledGrant> {
    const cached = fresh ? undefined : this.grants.get(id);
    const g = cached ?? (await this.compile(this.pool, id)) ?? undefined;
    const problem = unusable(ctx, g, id);
    if (problem) {
      // A refusal is never made on a cached grant: it may have been resumed or renewed since.
      if (cached) return this.usableGrant(ctx, id, true);
      throw problem;
    }
    return g!;
  }

  private takeToken(g: CompiledGrant): void {
    const now = Date.now();
    const b = this.buckets.get(g.id) ?? { tokens: g.rateLimit, at: now };
    b.tokens = Math.min(g.rateLimit, b.tokens + ((now - b.at) / 1000) * g.rateLimit);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(g.id, b);
      throw serviceProblem(429, 'rate_limited', { limit: g.rateLimit });
    }
    b.tokens -= 1;
    this.buckets.set(g.id, b);
  }

  /** Fields the caller named that the grant does not cover: 403, audited as denied. */
  async refuseUngranted(ctx: RequestContext, g: CompiledGrant, named: Iterable<string>): Promise<void> {
    const outside = [...new Set(named)].filter((f) => !g.byCode.has(f));
    if (!outside.length) return;
    await this.audit(ctx, g, 'share.service.denied', { fields: outside }, 'denied');
    throw serviceProblem(403, 'field_not_granted', { fields: outside.join(', ') });
  }

  /** Appends the call's audit event and waits until it is durable; 503 when the ledger cannot. */
  async audit(
    ctx: RequestContext,
    g: CompiledGrant,
    action: string,
    detail: Record<string, unknown>,
    result: 'success' | 'denied' = 'success',
  ): Promise<void> {
    try {
      await this.services.ledger.append(
        eventFor(ctx, {
          action,
          objectType: 'grant',
          objectId: g.id,
          result,
          detail: { grant: g.id, entry: g.entryCode, scenario: g.scenario, ...detail },
        }),
      );
    } catch (err) {
      this.services.log.error({ err, grant: g.id }, 'data service audit failed: call refused');
      throw serviceProblem(503, 'audit_unavailable');
    }
  }

  /**
   * Runs `sql` (over the grant's columns, `params` already holding the filter's) guarded by the
   * grant's row: when the grant changed since it was compiled, it is recompiled (and refused if
   * no longer usable) and the statement runs again.
   */
  async guarded<T extends Record<string, unknown>>(
    ctx: RequestContext,
    g: CompiledGrant,
    build: (g: CompiledGrant) => { sql: string; params: unknown[] },
  ): Promise<{ grant: CompiledGrant; rows: T[] }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { sql, params } = build(g);
      const n = params.length;
      const text = `SELECT g._gv, t.* FROM (SELECT updated_at::text AS _gv FROM datong.grants WHERE id = $${n + 1}) g
             LEFT JOIN LATERAL (${sql}) t ON g._gv = $${n + 2}`;
      const values = [...params, g.id, g.version];
      // Planning this statement costs several times running it: the call shapes that repeat
      // (one key, one verification, a few conditions) are prepared; large batches are not.
      const { rows } = await this.pool
        .query<T & { _gv: string | null; _hit: boolean | null }>(
          n <= PREPARE_MAX_PARAMS ? prepared(text, values) : { text, values },
        )
        .catch((err: unknown) => {
          throw asFilterError(err) ?? err;
        });
      if (rows[0]?._gv === g.version) {
        return { grant: g, rows: rows.filter((r) => r._hit) };
      }
      this.grants.delete(g.id);
      g = await this.usableGrant(ctx, g.id, true);
    }
    throw new Error(`grant ${g.id} kept changing`);
  }

  /** The subject hashes of returned rows (raw values: before masking). */
  subjectsOf(g: CompiledGrant, rows: readonly Record<string, unknown>[]): string[] {
    const cols = g.columns.filter((c) => c.subject);
    if (!cols.length) return [];
    const out = new Set<string>();
    for (const r of rows) {
      for (const c of cols) {
        const v = r[c.code];
        if (typeof v === 'string' && v) out.add(this.subjectHash(v));
      }
    }
    return [...out];
  }
}

/** Field codes a condition names. */
export function conditionFields(c: Condition | undefined, out: string[] = []): string[] {
  if (!c) return out;
  if ('and' in c) c.and.forEach((x) => conditionFields(x, out));
  else if ('or' in c) c.or.forEach((x) => conditionFields(x, out));
  else if ('not' in c) conditionFields(c.not, out);
  else out.push(c.field);
  return out;
}

/** Why a grant cannot serve this call (null: it can). */
export function unusable(ctx: RequestContext, g: CompiledGrant | undefined, id: string): AppError | null {
  const actor = ctx.actor;
  if (!g || !g.view || actor.kind !== 'app' || g.appId !== actor.id) {
    return serviceProblem(404, 'grant_not_found', { id });
  }
  return grantStateProblem(g, shanghaiDay(new Date()), serviceProblem);
}

/**
 * The keyed hash the audit keeps of a subject identifier (公民身份号码, 统一社会信用代码): HMAC
 * (SHA-256, or SM3 under the gm suite) with the node key `subject` of the value trimmed and
 * upper-cased, 32 hex digits. The one function for data services, exports and the lookup of a
 * subject's accesses.
 */
export function subjectHashOf(
  identity: Pick<NodeIdentity, 'suite' | 'macKey'>,
  value: string,
  key: Buffer = identity.macKey('subject'),
): string {
  const algorithm = identity.suite === 'gm' ? 'sm3' : 'sha256';
  return crypto.createHmac(algorithm, key).update(value.trim().toUpperCase()).digest('hex').slice(0, 32);
}

/** The SQL column list of granted columns as text (values leave as text, masked in JS). */
export function selectList(g: CompiledGrant, codes: readonly string[]): string {
  return codes.map((c) => `${ident(c)}::text AS ${ident(c)}`).join(', ');
}

/** `WHERE` text of the grant's filter and the caller's condition (already compiled). */
export function whereOf(g: CompiledGrant, callerSql: string): string {
  const both = combine(g.filterSql, callerSql);
  return both === 'TRUE' ? '' : `WHERE ${both}`;
}

export type { Condition };
