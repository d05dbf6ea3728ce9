import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { compileFilter, conditionSchema, type Condition } from './filter.js';
import {
  DataServices,
  MAX_BATCH,
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
      const g0 = await ds.grantFor(req.ctx, req.params.id);
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
      const g0 = await ds.grantFor(req.ctx, req.params.id);
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
      const g0 = await ds.grantFor(req.ctx, req.params.id);
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
      const g0 = await ds.grantFor(req.ctx, req.params.id);
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
