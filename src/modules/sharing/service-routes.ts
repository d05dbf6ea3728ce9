import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { ident } from '../../platform/db/pool.js';
import { compileFilter, conditionSchema, type Condition } from './filter.js';
import { dailyQuotasOf } from './quota.js';
import { serviceAvailabilityOf } from '../quality/availability.js';
import { queueExport, exportProblem, exportFileOf, getExport } from './export.js';
import {
  DataServices,
  MAX_BATCH,
  MAX_CHANGES,
  MAX_PAGE,
  selectList,
  serviceProblem,
  whereOf,
  type CompiledGrant,
} from './services.js';

/**
 * The data services' HTTP API, for applications' signed requests only (permission `share.use`,
 * docs/SHARING.md "Data services"):
 *   POST /api/services/grants/:id/query         {key? | where?, fields?, limit?, after?}
 *   POST /api/services/grants/:id/query/batch   {keys: [...≤1000], fields?}
 *   POST /api/services/grants/:id/verify        {key, values}
 *   POST /api/services/grants/:id/verify/batch  {items: [{key, values}] ≤1000}
 *   POST /api/services/grants/:id/changes       {since, limit?, after?}
 *   POST /api/services/grants/:id/exports       {format: csv | xlsx} → 202 {exportId}
 *   GET  /api/services/exports/:exportId        the export's status, rows, size
 *   GET  /api/services/exports/:exportId/file   the file (the same application only)
 * Values leave as text, masked per the grant; verify never returns a stored value.
 */

const strict = { additionalProperties: false } as const;
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) }, strict);
const Values = Type.Record(Type.String({ minLength: 1, maxLength: 63 }), Type.String({ maxLength: 1000 }), {
  minProperties: 1,
  maxProperties: 100,
});
const Fields = Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 1000 });
const Row = Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]));

const QueryBody = Type.Object(
  {
    key: Type.Optional(Values),
    where: Type.Optional(conditionSchema('ServiceWhere')),
    fields: Type.Optional(Fields),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
    after: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  strict,
);
const QueryAnswer = Type.Object({
  rows: Type.Array(Row),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as after for the next page' }),
});
const BatchQueryBody = Type.Object(
  { keys: Type.Array(Values, { minItems: 1, maxItems: MAX_BATCH }), fields: Type.Optional(Fields) },
  strict,
);
const BatchQueryAnswer = Type.Object({
  results: Type.Array(Type.Object({ found: Type.Boolean(), row: Type.Union([Row, Type.Null()]) })),
});
const VerifyBody = Type.Object({ key: Values, values: Values }, strict);
const Verdict = Type.Enum(['match', 'mismatch', 'not_found'] as const);
const VerifyAnswer = Type.Object({
  found: Type.Boolean(),
  fields: Type.Record(Type.String(), Verdict),
});
const BatchVerifyBody = Type.Object(
  { items: Type.Array(VerifyBody, { minItems: 1, maxItems: MAX_BATCH }) },
  strict,
);
const BatchVerifyAnswer = Type.Object({ results: Type.Array(VerifyAnswer) });

const ChangesBody = Type.Object(
  {
    since: Type.Integer({ minimum: 0, description: 'the last batch already applied (0: from the start)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CHANGES })),
    after: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  strict,
);
const Change = Type.Object({
  batch: Type.Integer(),
  op: Type.Enum(['I', 'U', 'D', 'R'] as const),
  key: Type.Union([Row, Type.Null()]),
  row: Type.Union([Row, Type.Null()]),
});
const ChangesAnswer = Type.Object({
  changes: Type.Array(Change),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as after (same since) for more' }),
  lastBatch: Type.Integer({ description: 'when next is null: the since of the next call' }),
  keysGranted: Type.Boolean({ description: 'false: the key fields are not granted, D changes carry no key' }),
});
const ExportBody = Type.Object({ format: Type.Enum(['csv', 'xlsx'] as const) }, strict);
const ExportParams = Type.Object({ exportId: Type.String({ format: 'uuid' }) }, strict);
const ExportAnswer = Type.Object({
  id: Type.String(),
  grantId: Type.String(),
  format: Type.String(),
  status: Type.Enum(['queued', 'running', 'done', 'failed'] as const),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

type Values = Static<typeof Values>;

/** Field codes a condition names. */
function fieldsOf(c: Condition | undefined, out: string[] = []): string[] {
  if (!c) return out;
  if ('and' in c) c.and.forEach((x) => fieldsOf(x, out));
  else if ('or' in c) c.or.forEach((x) => fieldsOf(x, out));
  else if ('not' in c) fieldsOf(c.not, out);
  else out.push(c.field);
  return out;
}

/** The condition selecting one key; 403/400 when the key is not granted or incomplete. */
function keyCondition(g: CompiledGrant, key: Values): Condition {
  if (g.ungrantedKey.length)
    throw serviceProblem(403, 'key_not_granted', { fields: g.ungrantedKey.join(', ') });
  const codes = g.keyColumns.map((c) => c.code);
  if (!codes.length || codes.some((c) => key[c] === undefined) || Object.keys(key).length !== codes.length) {
    throw serviceProblem(400, 'key_incomplete', { fields: codes.join(', ') });
  }
  const eqs: Condition[] = codes.map((field) => ({ field, op: 'eq', value: key[field]! }));
  return eqs.length === 1 ? eqs[0]! : { and: eqs };
}

const encodeCursor = (values: (string | null)[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
function decodeCursor(g: CompiledGrant, after: string): string[] {
  try {
    const v = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === g.keyColumns.length && v.every((x) => typeof x === 'string')) {
      return v as string[];
    }
  } catch {
    // falls through
  }
  throw serviceProblem(400, 'cursor_invalid');
}

/** Rows after a key in key order: (k1 > a) OR (k1 = a AND k2 > b) … */
function afterCondition(g: CompiledGrant, last: string[]): Condition {
  const keys = g.keyColumns.map((c) => c.code);
  const ors: Condition[] = keys.map((field, i) => {
    const eqs: Condition[] = keys.slice(0, i).map((f, j) => ({ field: f, op: 'eq', value: last[j]! }));
    const gt: Condition = { field, op: 'range', gt: last[i]! };
    return eqs.length ? { and: [...eqs, gt] } : gt;
  });
  return ors.length === 1 ? ors[0]! : { or: ors };
}

const granted = (g: CompiledGrant) => new Map(g.columns.map((c) => [c.code, { pgType: c.pgType }]));

export default async function serviceRoutes(app: FastifyInstance): Promise<void> {
  const ds = new DataServices(app.datong);
  // The calls counted towards daily quotas since the last flush (data services and gateway).
  app.addHook('onClose', async () => {
    await dailyQuotasOf(app.datong.pool)
      .flush()
      .catch((err: unknown) => app.datong.log.warn({ err }, 'daily quota counts not saved at shutdown'));
  });
  // Service availability (scorecards): each call admitted under a grant counts for the grant's
  // provider, a 5xx as an error — a Map update per call, flushed about once a second.
  const availability = serviceAvailabilityOf(app.datong.pool);
  const providerOf = new WeakMap<FastifyRequest, string>();
  const grantOf = async (req: FastifyRequest, id: string, fresh?: boolean) => {
    const g = await ds.grantFor(req.ctx, id, fresh);
    providerOf.set(req, g.providerOrgId);
    return g;
  };
  app.addHook('onResponse', async (req, reply) => {
    const orgId = providerOf.get(req);
    if (orgId) availability.count(orgId, reply.statusCode >= 500);
  });
  app.addHook('onClose', async () => {
    await availability
      .flush()
      .catch((err: unknown) =>
        app.datong.log.warn({ err }, 'service availability counts not saved at shutdown'),
      );
  });
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['data services'];

  /** Masks rows in place (values of the named fields, in the grant's column order). */
  const present = (g: CompiledGrant, codes: readonly string[], rows: Record<string, unknown>[]) =>
    rows.map((raw) => {
      // The mask of a column is at its position in the grant: build the full row, mask, pick.
      const full = g.columns.map((c) =>
        codes.includes(c.code) ? ((raw[c.code] as string | null) ?? null) : null,
      );
      g.masks(full);
      const out: Record<string, string | null> = {};
      g.columns.forEach((c, i) => {
        if (codes.includes(c.code)) out[c.code] = full[i]!;
      });
      return out;
    });

  const requested = (g: CompiledGrant, fields: string[] | undefined) =>
    fields ?? g.columns.map((c) => c.code);

  r.post(
    '/api/services/grants/:id/query',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '按键或条件查询（授权字段、行过滤、脱敏） / query by key or conditions under the grant',
        params: Params,
        body: QueryBody,
        response: { 200: QueryAnswer },
      },
    },
    async (req) => {
      const body = req.body;
      const g0 = await grantOf(req, req.params.id);
      const codes = requested(g0, body.fields);
      await ds.refuseUngranted(req.ctx, g0, [
        ...codes,
        ...Object.keys(body.key ?? {}),
        ...fieldsOf(body.where),
      ]);
      const limit = body.limit ?? 100;
      const { grant: g, rows } = await ds.guarded<Record<string, string | null>>(req.ctx, g0, (g) => {
        const params = [...g.filterParams];
        const parts: Condition[] = [];
        if (body.key) parts.push(keyCondition(g, body.key));
        if (body.where) parts.push(body.where);
        const pageable = g.keyColumns.length > 0 && !g.ungrantedKey.length;
        if (body.after) {
          if (!pageable) throw serviceProblem(400, 'cursor_invalid');
          parts.push(afterCondition(g, decodeCursor(g, body.after)));
        }
        const caller = parts.length
          ? compileFilter(parts.length === 1 ? parts[0]! : { and: parts }, granted(g), params, {})
          : '';
        const keys = pageable ? g.keyColumns.map((c) => c.code) : [];
        const cols = [
          ...new Set([...codes, ...keys, ...g.columns.filter((c) => c.subject).map((c) => c.code)]),
        ];
        return {
          sql: `SELECT true AS _hit, ${selectList(g, cols)} FROM ${g.view} ${whereOf(g, caller)}
                ${keys.length ? `ORDER BY ${keys.map((k) => `"${k.replace(/"/g, '""')}"`).join(', ')}` : ''}
                LIMIT ${limit + 1}`,
          params,
        };
      });
      const page = rows.slice(0, limit);
      const more = rows.length > limit && g.keyColumns.length > 0 && !g.ungrantedKey.length;
      const last = page.at(-1);
      const next = more && last ? encodeCursor(g.keyColumns.map((c) => last[c.code] ?? null)) : null;
      await ds.audit(req.ctx, g, 'share.service.query', {
        fields: codes,
        rows: page.length,
        subjects: ds.subjectsOf(g, page),
        ...(body.key ? { by: 'key' } : body.where ? { by: 'conditions' } : {}),
      });
      return { rows: present(g, codes, page), next };
    },
  );

  r.post(
    '/api/services/grants/:id/query/batch',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '批量按键查询（≤1000） / query up to 1,000 keys',
        params: Params,
        body: BatchQueryBody,
        response: { 200: BatchQueryAnswer },
      },
    },
    async (req) => {
      const body = req.body;
      const g0 = await grantOf(req, req.params.id);
      const codes = requested(g0, body.fields);
      await ds.refuseUngranted(req.ctx, g0, [...codes, ...body.keys.flatMap((k) => Object.keys(k))]);
      const { grant: g, rows } = await ds.guarded<Record<string, string | null>>(req.ctx, g0, (g) => {
        const params = [...g.filterParams];
        const conds = body.keys.map((k) => keyCondition(g, k));
        // One key field: an IN list; several: the keys OR-ed (each its own AND).
        const single = g.keyColumns.length === 1;
        const cond: Condition = single
          ? {
              field: g.keyColumns[0]!.code,
              op: 'in',
              values: body.keys.map((k) => k[g.keyColumns[0]!.code]!),
            }
          : { or: conds };
        const caller = single ? compileFilter(cond, granted(g), params, {}) : orOfKeys(g, conds, params);
        const cols = [
          ...new Set([
            ...codes,
            ...g.keyColumns.map((c) => c.code),
            ...g.columns.filter((c) => c.subject).map((c) => c.code),
          ]),
        ];
        return {
          sql: `SELECT true AS _hit, ${selectList(g, cols)} FROM ${g.view} ${whereOf(g, caller)}`,
          params,
        };
      });
      const keyOf = (v: Record<string, unknown>) =>
        JSON.stringify(g.keyColumns.map((c) => v[c.code] ?? null));
      const byKey = new Map(rows.map((row) => [keyOf(row), row]));
      const found = body.keys.map((k) => byKey.get(keyOf(k)) ?? null);
      const hits = found.filter((x): x is Record<string, string | null> => x !== null);
      await ds.audit(req.ctx, g, 'share.service.query', {
        fields: codes,
        rows: hits.length,
        keys: body.keys.length,
        subjects: ds.subjectsOf(g, hits),
        by: 'batch',
      });
      const shown = present(g, codes, hits);
      let i = 0;
      return {
        results: found.map((x) => (x ? { found: true, row: shown[i++]! } : { found: false, row: null })),
      };
    },
  );

  /** One statement answering several verifications: per item, a JSON object of booleans. */
  const verifyMany = async (req: FastifyRequest, g0: CompiledGrant, items: Static<typeof VerifyBody>[]) => {
    const { grant: g, rows } = await ds.guarded<{ _i: number; m: Record<string, boolean | null> }>(
      req.ctx,
      g0,
      (g) => {
        const params = [...g.filterParams];
        const cols = granted(g);
        const selects = items.map((item, i) => {
          const key = compileFilter(keyCondition(g, item.key), cols, params, {});
          const checks = Object.entries(item.values).map(([field, value]) => {
            const eq = compileFilter({ field, op: 'eq', value }, cols, params, {});
            return `'${field.replace(/'/g, "''")}', (${eq}) IS TRUE`;
          });
          return `SELECT true AS _hit, ${i} AS _i, jsonb_build_object(${checks.join(', ')}) AS m
                    FROM ${g.view} ${whereOf(g, key)}`;
        });
        return { sql: selects.join('\nUNION ALL\n'), params };
      },
    );
    const byItem = new Map(rows.map((r) => [Number(r._i), r.m]));
    const results = items.map((item, i) => {
      const m = byItem.get(i);
      const fields: Record<string, 'match' | 'mismatch' | 'not_found'> = {};
      for (const f of Object.keys(item.values)) fields[f] = !m ? 'not_found' : m[f] ? 'match' : 'mismatch';
      return { found: Boolean(m), fields };
    });
    // The subjects verified: the key values (and values given) of subject fields.
    const subjects = items.flatMap((item) =>
      g.columns
        .filter((c) => c.subject)
        .flatMap((c) => [item.key[c.code], item.values[c.code]])
        .filter((v): v is string => typeof v === 'string' && v !== '')
        .map((v) => ds.subjectHash(v)),
    );
    return { g, results, subjects: [...new Set(subjects)] };
  };

  r.post(
    '/api/services/grants/:id/verify',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '核验：逐项比对，不返回存储值 / verify values against the stored row, never returning it',
        params: Params,
        body: VerifyBody,
        response: { 200: VerifyAnswer },
      },
    },
    async (req) => {
      const g0 = await grantOf(req, req.params.id);
      await ds.refuseUngranted(req.ctx, g0, [...Object.keys(req.body.key), ...Object.keys(req.body.values)]);
      const { g, results, subjects } = await verifyMany(req, g0, [req.body]);
      await ds.audit(req.ctx, g, 'share.service.verify', {
        fields: Object.keys(req.body.values),
        rows: results[0]!.found ? 1 : 0,
        subjects,
      });
      return results[0]!;
    },
  );

  r.post(
    '/api/services/grants/:id/verify/batch',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '批量核验（≤1000） / verify up to 1,000 items',
        params: Params,
        body: BatchVerifyBody,
        response: { 200: BatchVerifyAnswer },
      },
    },
    async (req) => {
      const items = req.body.items;
      const g0 = await grantOf(req, req.params.id);
      await ds.refuseUngranted(
        req.ctx,
        g0,
        items.flatMap((i) => [...Object.keys(i.key), ...Object.keys(i.values)]),
      );
      const { g, results, subjects } = await verifyMany(req, g0, items);
      await ds.audit(req.ctx, g, 'share.service.verify', {
        fields: [...new Set(items.flatMap((i) => Object.keys(i.values)))],
        rows: results.filter((x) => x.found).length,
        keys: items.length,
        subjects,
        by: 'batch',
      });
      return { results };
    },
  );

  r.post(
    '/api/services/grants/:id/changes',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '增量：自某批次以来的变更（I/U/D/R） / changes since a batch (I/U/D/R)',
        params: Params,
        body: ChangesBody,
        response: { 200: ChangesAnswer },
      },
    },
    async (req) => {
      const body = req.body;
      const g0 = await grantOf(req, req.params.id);
      const limit = body.limit ?? 100;
      const cursor = body.after ? decodeChangeCursor(body.after) : undefined;
      // The batches this call may cover, fixed first: done, after `since`, below any batch still
      // running (it may finish after a later one), from the latest R (reload) in that range on.
      const { rows: range } = await ds.pool.query<{ last: string | null; last_r: string | null }>(
        `WITH r AS (
           SELECT id FROM datong.ingest_batches
            WHERE dataset_id = $1 AND status = 'done' AND id > $2
              AND id < COALESCE((SELECT min(id) FROM datong.ingest_batches
                                  WHERE dataset_id = $1 AND status = 'running'), 9223372036854775807))
         SELECT (SELECT max(id) FROM r)::text AS last,
                (SELECT max(c.batch_id) FROM datong.ingest_changes c
                  WHERE c.batch_id IN (SELECT id FROM r) AND c.op = 'R')::text AS last_r`,
        [g0.datasetId, body.since],
      );
      const lastBatch = range[0]?.last ? Number(range[0].last) : body.since;
      const from = Math.max(body.since + 1, range[0]?.last_r ? Number(range[0].last_r) : 0);
      const keyCodes = g0.keyColumns.map((c) => c.code);
      const { grant: g, rows } = await ds.guarded<ChangeDbRow>(req.ctx, g0, (g) => {
        const params: unknown[] = [...g.filterParams];
        const p = (v: unknown) => `$${params.push(v)}`;
        const allKeys = g.datasetKeys;
        const keySet = new Set(allKeys.map((k) => k.code));
        const keyCast = (code: string, pgType: string) => `((_chg.key->>${p(code)})::${pgType})`;
        // The current row of an I/U change, under the grant's row filter.
        const match = allKeys.map((k) => `${ident(k.code)} = ${keyCast(k.code, k.pgType)}`).join(' AND ');
        const cols = g.columns.map((c) => c.code);
        const lateral = `SELECT true AS _present, ${selectList(g, cols)} FROM ${g.view}
                          WHERE ${match}${g.filterSql ? ` AND (${g.filterSql})` : ''}`;
        // A deleted row is gone: its key passes the filter when the filter names key fields only.
        const onKey = g.filterFields.every((f) => keySet.has(f));
        const dPasses = !g.filterSql
          ? 'true'
          : onKey
            ? `EXISTS (SELECT 1 FROM (SELECT ${allKeys
                .map((k) => `${keyCast(k.code, k.pgType)} AS ${ident(k.code)}`)
                .join(', ')}) _kv WHERE ${g.filterSql})`
            : 'true';
        const keyOut = g.keyColumns
          .map((c, i) => `${keyCast(c.code, c.pgType)}::text AS "_k${i}"`)
          .join(', ');
        const after = cursor
          ? `AND (c.batch_id, COALESCE(c.key::text, '') COLLATE "C", c.op) > (${p(cursor[0])}::bigint, ${p(cursor[1])}::text COLLATE "C", ${p(cursor[2])}::char(1))`
          : '';
        const sql = `SELECT true AS _hit, _chg.batch_id::text AS _batch, _chg.op AS _op,
                            COALESCE(_chg.key::text, '') AS _kt, _chg._n,
                            ${keyOut ? `${keyOut},` : ''}
                            CASE WHEN _chg.op = 'D' THEN ${dPasses} ELSE NULL END AS _dpass,
                            _row.*
                       FROM (SELECT c.batch_id, c.op, c.key,
                                    row_number() OVER (ORDER BY c.batch_id, COALESCE(c.key::text, '') COLLATE "C", c.op) AS _n
                               FROM datong.ingest_changes c
                              WHERE c.batch_id >= ${p(from)} AND c.batch_id <= ${p(lastBatch)}
                                AND c.batch_id IN (SELECT id FROM datong.ingest_batches
                                                    WHERE dataset_id = ${p(g.datasetId)} AND status = 'done')
                                ${after}
                              ORDER BY c.batch_id, COALESCE(c.key::text, '') COLLATE "C", c.op
                              LIMIT ${limit + 1}) _chg
                       LEFT JOIN LATERAL (${allKeys.length ? lateral : 'SELECT NULL::boolean AS _present WHERE false'}) _row
                         ON _chg.op IN ('I', 'U')
                      ORDER BY _chg._n`;
        return { sql, params };
      });
      rows.sort((a, b) => Number(a._n) - Number(b._n));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const next = rows.length > limit && last ? encodeChangeCursor([last._batch, last._kt, last._op]) : null;
      const keysGranted = g.ungrantedKey.length === 0 && g.keyColumns.length > 0;
      const changes: Static<typeof Change>[] = [];
      const shownRows: Record<string, unknown>[] = [];
      const keyValues: Record<string, unknown>[] = [];
      for (const c of page) {
        const batch = Number(c._batch);
        const keyRaw: Record<string, string | null> = {};
        g.keyColumns.forEach((k, i) => (keyRaw[k.code] = (c[`_k${i}`] as string | null) ?? null));
        if (c._op === 'R') {
          changes.push({ batch, op: 'R', key: null, row: null });
        } else if (c._op === 'D') {
          if (c._dpass === false) continue;
          if (keysGranted) keyValues.push(keyRaw);
          changes.push({
            batch,
            op: 'D',
            key: keysGranted ? present(g, keyCodes, [keyRaw])[0]! : null,
            row: null,
          });
        } else {
          if (!c._present) continue; // gone since, or outside the grant's row filter
          shownRows.push(c);
          const codes = g.columns.map((x) => x.code);
          changes.push({
            batch,
            op: c._op,
            key: keysGranted ? present(g, keyCodes, [c])[0]! : null,
            row: present(g, codes, [c])[0]!,
          });
        }
      }
      await ds.audit(req.ctx, g, 'share.service.changes', {
        fields: g.columns.map((c) => c.code),
        since: body.since,
        lastBatch,
        changes: changes.length,
        rows: shownRows.length,
        deleted: keyValues.length,
        subjects: [...new Set([...ds.subjectsOf(g, shownRows), ...ds.subjectsOf(g, keyValues)])],
      });
      return { changes, next, lastBatch, keysGranted };
    },
  );

  r.post(
    '/api/services/grants/:id/exports',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary:
          '导出（CSV/XLSX，后台生成） / export the granted rows as CSV or XLSX, built in the background',
        params: Params,
        body: ExportBody,
        response: { 202: Type.Object({ exportId: Type.String() }) },
      },
    },
    async (req, reply) => {
      // Compiled afresh (no cached grant): a queued export must be one the grant allows now.
      const g = await grantOf(req, req.params.id, true);
      const exportId = await queueExport(app.datong, req.ctx, g, req.body.format);
      return reply.code(202).send({ exportId });
    },
  );

  r.get(
    '/api/services/exports/:exportId',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '导出状态 / the status of an export',
        params: ExportParams,
        response: { 200: ExportAnswer },
      },
    },
    async (req) => {
      const e = await getExport(ds.pool, req.ctx, req.params.exportId);
      return {
        id: e.id,
        grantId: e.grantId,
        format: e.format,
        status: e.status,
        rows: e.rows,
        bytes: e.bytes,
        error: e.error,
        createdAt: e.createdAt.toISOString(),
        finishedAt: e.finishedAt?.toISOString() ?? null,
      };
    },
  );

  r.get(
    '/api/services/exports/:exportId/file',
    {
      config: { permission: 'share.use' },
      schema: {
        tags,
        summary: '下载导出文件（仅限同一应用） / download the export (its application only)',
        params: ExportParams,
      },
    },
    async (req, reply) => {
      const e = await getExport(ds.pool, req.ctx, req.params.exportId);
      if (e.status !== 'done') throw exportProblem(409, 'export_not_ready', { status: e.status });
      const file = exportFileOf(app.datong.config.home, e);
      return reply
        .header('content-type', file.type)
        .header('content-disposition', `attachment; filename="${file.name}"`)
        .header('content-length', String(e.bytes ?? 0))
        .send(file.stream());
    },
  );
}

interface ChangeDbRow extends Record<string, unknown> {
  _batch: string;
  _op: 'I' | 'U' | 'D' | 'R';
  _kt: string;
  _n: string;
  _dpass: boolean | null;
  _present: boolean | null;
}

const encodeChangeCursor = (v: [string, string, string]) =>
  Buffer.from(JSON.stringify(v)).toString('base64url');
function decodeChangeCursor(after: string): [string, string, string] {
  try {
    const v = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      typeof v[0] === 'string' &&
      /^\d{1,19}$/.test(v[0]) &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string' &&
      /^[IUDR]$/.test(v[2])
    ) {
      return v as [string, string, string];
    }
  } catch {
    // falls through
  }
  throw serviceProblem(400, 'cursor_invalid');
}

/** Several multi-field keys OR-ed, compiled in chunks small enough for the filter's node limit. */
function orOfKeys(g: CompiledGrant, conds: Condition[], params: unknown[]): string {
  const per = Math.max(1, Math.floor(99 / (g.keyColumns.length + 1)));
  const parts: string[] = [];
  for (let i = 0; i < conds.length; i += per) {
    const chunk = conds.slice(i, i + per);
    parts.push(compileFilter(chunk.length === 1 ? chunk[0]! : { or: chunk }, granted(g), params, {}));
  }
  return parts.map((p) => `(${p})`).join(' OR ');
}
