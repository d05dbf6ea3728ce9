import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/http/errors.js';
import { localize } from '../../platform/i18n/index.js';
import { baseUrl } from '../catalog/open/base-url.js';
import { FilterError } from '../sharing/filter.js';
import { loadOpenData, MAX_LIMIT, MAX_OFFSET, parseFields, queryRows, type Kind } from './public-data.js';
import { openLimitsOf, type CallerKey } from './open-limits.js';
import { noteAccess, readerOf, type CallerGuard } from './public-guard.js';

/**
 * CKAN's `datastore_search` (CKAN 2.10/2.11 DataStore API) over the open versions, for clients
 * written for CKAN portals (ckanapi, the DataStore's own JS client, harvesters). It joins the
 * catalog's CKAN Action API (src/modules/catalog/open/routes-ckan.ts) under /api/3/action: a
 * static route, which the router prefers to that plugin's `/api/3/action/:action`. As there,
 * success and failure alike are CKAN envelopes; messages are English, as CKAN's are.
 *
 * `resource_id` is the entry id, or one of the resource ids package_show lists for the entry
 * (`<entryId>-<format>`, see ckanPackage in ckan.ts): all of an entry's resources are one table.
 */

type Params = Record<string, unknown>;

const PARAMS = new Set([
  'resource_id',
  'id',
  'filters',
  'q',
  'limit',
  'offset',
  'fields',
  'sort',
  'include_total',
  'records_format',
]);

const CKAN_TYPES: Record<Kind, string> = {
  text: 'text',
  integer: 'int',
  decimal: 'numeric',
  boolean: 'bool',
  date: 'date',
  datetime: 'timestamp',
  json: 'json',
};

class CkanError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const invalid = (message: string) => new CkanError(409, 'Validation Error', message);

const RESOURCE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-([a-z0-9]{1,40}))?$/i;

function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`${key}: must be a string`);
}

function int(p: Params, key: string, fallback: number, max: number): number {
  const raw = str(p, key);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(`${key}: Invalid integer`);
  return Math.min(Number(raw), max);
}

function bool(p: Params, key: string, fallback: boolean): boolean {
  const raw = str(p, key)?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalid(`${key}: must be true or false`);
}

/** An object parameter: the object itself (POST) or its JSON (GET). */
function obj(p: Params, key: string): Record<string, unknown> | string | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === '') return undefined;
  let parsed = v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!t.startsWith('{')) return key === 'q' ? v : badJson(key);
    try {
      parsed = JSON.parse(t);
    } catch {
      return badJson(key);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return badJson(key);
  return parsed as Record<string, unknown>;
}

function badJson(key: string): never {
  throw invalid(`${key}: Cannot parse JSON object`);
}

function fieldsOf(p: Params): string[] | undefined {
  const v = p.fields;
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) {
    if (v.some((x) => typeof x !== 'string')) throw invalid('fields: must be a list of strings');
    return parseFields(v as string[]);
  }
  if (typeof v !== 'string') throw invalid('fields: must be a string or a list');
  return parseFields(v);
}

function sortOf(p: Params): string | undefined {
  const v = p.sort;
  if (Array.isArray(v)) return v.map(String).join(', ');
  return str(p, 'sort');
}

function linkQuery(resourceId: string, offset: number, limit: number, p: Params): string {
  const u = new URLSearchParams();
  if (offset) u.set('offset', String(offset));
  u.set('limit', String(limit));
  u.set('resource_id', resourceId);
  for (const k of ['filters', 'q', 'fields', 'sort'] as const) {
    const v = p[k];
    if (v === undefined || v === null || v === '') continue;
    u.set(
      k,
      typeof v === 'string' ? v : Array.isArray(v) && k !== 'filters' ? v.join(',') : JSON.stringify(v),
    );
  }
  return `/api/3/action/datastore_search?${u.toString()}`;
}

async function search(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  key: CallerKey | null,
  p: Params,
) {
  const unknown = Object.keys(p).filter((k) => !PARAMS.has(k));
  if (unknown.length) throw invalid(`unknown parameter(s): ${unknown.join(', ')}`);
  const resourceId = (str(p, 'resource_id') ?? str(p, 'id'))?.trim();
  if (!resourceId) throw invalid('resource_id: Missing value');
  const m = RESOURCE.exec(resourceId);
  const pool = app.datong.pool;
  const reader = readerOf(req, key, openLimitsOf(pool).now());
  let data;
  try {
    data = m ? await loadOpenData(pool, m[1]!, reader) : null;
  } catch (e) {
    if (!(e instanceof AppError) || e.status !== 404) throw e;
    data = null;
  }
  // A resource id must be one package_show lists: the entry's formats.
  if (!data || (m?.[2] && !data.entry.formats.map((f) => f.toLowerCase()).includes(m[2].toLowerCase()))) {
    throw new CkanError(404, 'Not Found Error', `Resource "${resourceId.slice(0, 100)}" was not found.`);
  }
  const filters = obj(p, 'filters');
  const q = obj(p, 'q');
  let qByField: Record<string, string> | undefined;
  if (q !== undefined && typeof q !== 'string') {
    if (Object.values(q).some((v) => typeof v !== 'string')) throw invalid('q: values must be strings');
    qByField = q as Record<string, string>;
  }
  const limit = int(p, 'limit', 100, MAX_LIMIT);
  const offset = int(p, 'offset', 0, MAX_OFFSET);
  const includeTotal = bool(p, 'include_total', true);
  const format = str(p, 'records_format') ?? 'objects';
  if (format !== 'objects' && format !== 'lists') throw invalid('records_format: use objects or lists');
  const sort = sortOf(p);
  const page = await queryRows(
    pool,
    data,
    { filters, q: typeof q === 'string' ? q : undefined, qByField, fields: fieldsOf(p), sort },
    { limit, offset, withTotal: includeTotal },
  );
  await noteAccess(app, req, reply, data, reader, key, { route: 'datastore_search', rows: page.rows.length });
  const records = format === 'objects' ? page.rows : page.rows.map((r) => page.columns.map((c) => r[c.code]));
  return {
    include_total: includeTotal,
    resource_id: resourceId,
    fields: page.columns.map((c) => ({ id: c.code, type: CKAN_TYPES[c.kind], info: { label: c.name } })),
    records_format: format,
    records,
    limit,
    offset,
    ...(filters !== undefined ? { filters } : {}),
    ...(q !== undefined ? { q } : {}),
    ...(sort !== undefined ? { sort } : {}),
    ...(page.total !== null ? { total: page.total } : {}),
    _links: {
      start: linkQuery(resourceId, 0, limit, p),
      next: linkQuery(resourceId, offset + limit, limit, p),
    },
  };
}

function send(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** The CKAN error type of a problem the shared code threw. */
function ckanOf(e: AppError): CkanError {
  const message = localize(e.text, 'en', e.params);
  if (e instanceof FilterError || e.status === 400) return new CkanError(409, 'Validation Error', message);
  if (e.status === 404) return new CkanError(404, 'Not Found Error', message);
  if (e.status === 401) return new CkanError(401, 'Authorization Error', message);
  if (e.status === 429) return new CkanError(429, 'Rate Limit Error', message, e.headers);
  return new CkanError(e.status, 'Error', message, e.headers);
}

export async function datastoreRoutes(app: FastifyInstance, guard: CallerGuard): Promise<void> {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/3/action/datastore_search',
    config: { permission: 'public' },
    schema: {
      tags: ['open'],
      summary: 'CKAN DataStore datastore_search over open datasets',
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const base = baseUrl(req);
      const help = `${base}/api/3/action/help_show?name=datastore_search`;
      try {
        const key = await guard(req, { ckan: true });
        const params: Params = {
          ...(req.query as Params),
          ...(req.body && typeof req.body === 'object' && !Array.isArray(req.body)
            ? (req.body as Params)
            : {}),
        };
        const result = await search(app, req, reply, key, params);
        return send(reply, 200, { help, success: true, result });
      } catch (e) {
        const err = e instanceof AppError ? ckanOf(e) : e instanceof CkanError ? e : null;
        if (!err) throw e;
        for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
        return send(reply, err.status, {
          help,
          success: false,
          error: { __type: err.type, message: err.message },
        });
      }
    },
  });
}
