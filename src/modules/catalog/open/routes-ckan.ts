import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CATEGORIES, type Category } from '../schemas.js';
import {
  FACET_TITLES,
  ckanGroup,
  ckanOrg,
  ckanPackage,
  parseFacetFields,
  parseFq,
  parseSort,
  type FacetField,
} from './ckan.js';
import {
  countOpenByCategory,
  facetOpen,
  findOpenEntry,
  findOrg,
  listOpenCodes,
  listOpenOrgs,
  orgOfEntry,
  searchOpen,
  type FacetItem,
} from './query.js';
import { baseUrl } from './base-url.js';
import { codeOfSlug, slugOfCode } from './vocab.js';

/**
 * The read side of CKAN's Action API (`/api/3/action/<name>`), over open entries only. CKAN
 * clients expect CKAN's envelope on success and failure alike, so this plugin answers its own
 * errors (`{help, success: false, error: {__type, message}}` with CKAN's status codes) instead of
 * the node's problem+json. GET with a query string and POST with a JSON body are both accepted,
 * as in CKAN.
 */

type Params = Record<string, unknown>;

class CkanError extends Error {
  constructor(
    readonly status: 404 | 409,
    readonly type: 'Not Found Error' | 'Validation Error',
    message: string,
  ) {
    super(message);
  }
}

const notFound = (what: string) => new CkanError(404, 'Not Found Error', `Not found: ${what}`);
const invalid = (message: string) => new CkanError(409, 'Validation Error', message);

/** The parameters each action takes (CKAN's names); anything else is refused by name. */
const ACTION_PARAMS: Record<string, readonly string[]> = {
  package_list: ['limit', 'offset'],
  package_show: ['id', 'use_default_schema', 'include_tracking'],
  package_search: [
    'q',
    'fq',
    'rows',
    'start',
    'sort',
    'facet',
    'facet.field',
    'facet.limit',
    'facet.mincount',
    'include_private',
    'include_drafts',
  ],
  organization_list: ['all_fields', 'sort', 'limit', 'offset'],
  organization_show: ['id', 'include_datasets'],
  group_list: ['all_fields', 'sort', 'limit', 'offset'],
};

function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && key === 'facet.field') return JSON.stringify(v);
  throw invalid(`${key}: must be a string`);
}

function int(p: Params, key: string, fallback: number, min: number, max: number): number {
  const raw = str(p, key);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(`${key}: Invalid integer`);
  const n = Number(raw);
  if (n < min) throw invalid(`${key}: Must be at least ${min}`);
  return Math.min(n, max);
}

function bool(p: Params, key: string): boolean {
  const raw = str(p, key)?.toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw invalid(`${key}: must be true or false`);
}

function required(p: Params, key: string): string {
  const v = str(p, key)?.trim();
  if (!v) throw invalid(`${key}: Missing value`);
  return v;
}

/** CKAN caps rows at 1000 (ckan.search.rows_max); the default page is 10. */
const ROWS_MAX = 1000;

type Handler = (app: FastifyInstance, p: Params, base: string) => Promise<unknown>;

const actions: Record<string, Handler> = {
  async package_list(app, p) {
    const limit = int(p, 'limit', 1000, 0, 1000);
    const offset = int(p, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    return (await listOpenCodes(app.datong.pool, limit, offset)).map(slugOfCode);
  },

  async package_show(app, p, base) {
    const id = required(p, 'id');
    const entry = await findOpenEntry(app.datong.pool, id, codeOfSlug);
    if (!entry) throw notFound('dataset');
    return ckanPackage(entry, await orgOfEntry(app.datong.pool, entry), base);
  },

  async package_search(app, p, base) {
    const pool = app.datong.pool;
    const fq = parseFq(str(p, 'fq'));
    if (!fq.ok)
      throw invalid(`fq: unsupported filter "${fq.term}" (use organization:, tags:, res_format:, groups:)`);
    const sortText = str(p, 'sort');
    const sort = parseSort(sortText);
    if (!sort)
      throw invalid(
        `sort: unsupported "${sortText}" (use score desc, metadata_modified desc, title_string asc)`,
      );
    const facetFields = parseFacetFields(str(p, 'facet.field'));
    if (!facetFields)
      throw invalid(`facet.field: must be a JSON list of ${Object.keys(FACET_TITLES).join(', ')}`);
    const rows = int(p, 'rows', 10, 0, ROWS_MAX);
    const start = int(p, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const facetLimit = int(p, 'facet.limit', 50, 0, 1000);
    const mincount = int(p, 'facet.mincount', 1, 0, Number.MAX_SAFE_INTEGER);
    bool(p, 'include_private'); // accepted for compatibility: private datasets are never open
    bool(p, 'include_drafts');
    const categories = fq.filters.groups.filter((g): g is Category =>
      (CATEGORIES as readonly string[]).includes(g),
    );
    if (categories.length < fq.filters.groups.length) throw invalid('fq: unknown group');
    const filter = {
      q: str(p, 'q'),
      orgUsccs: fq.filters.organization,
      tags: fq.filters.tags,
      formats: fq.filters.res_format,
      categories,
    };
    const { count, entries } = await searchOpen(pool, filter, { sort, limit: rows, offset: start });
    const results = await Promise.all(
      entries.map(async (e) => ckanPackage(e, await orgOfEntry(pool, e), base)),
    );
    const searchFacets: Record<string, { title: string; items: FacetItem[] }> = {};
    const facets: Record<string, Record<string, number>> = {};
    const wantFacets = str(p, 'facet') !== 'false';
    for (const field of wantFacets ? facetFields : ([] as FacetField[])) {
      let items = (await facetOpen(pool, filter, field, facetLimit)).filter((i) => i.count >= mincount);
      if (field === 'groups')
        items = items.map((i) => ({ ...i, display_name: ckanGroup(i.name as Category).title }));
      searchFacets[field] = { title: FACET_TITLES[field], items };
      facets[field] = Object.fromEntries(items.map((i) => [i.name, i.count]));
    }
    return {
      count,
      results,
      facets,
      search_facets: searchFacets,
      sort: sortText ?? 'score desc, metadata_modified desc',
    };
  },

  async organization_list(app, p) {
    const all = bool(p, 'all_fields');
    const limit = int(p, 'limit', 1000, 0, 1000);
    const offset = int(p, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const orgs = (await listOpenOrgs(app.datong.pool)).slice(offset, offset + limit);
    return all ? orgs.map(({ org, count }) => ckanOrg(org, count)) : orgs.map(({ org }) => ckanOrg(org).name);
  },

  async organization_show(app, p, base) {
    const found = await findOrg(app.datong.pool, required(p, 'id'));
    if (!found) throw notFound('organization');
    const out: Record<string, unknown> = { ...ckanOrg(found.org, found.count) };
    if (bool(p, 'include_datasets')) {
      const pool = app.datong.pool;
      const { entries } = await searchOpen(
        pool,
        { orgUsccs: [found.org.uscc] },
        { sort: 'updated', limit: 10, offset: 0 },
      );
      out.packages = entries.map((e) => ckanPackage(e, found.org, base));
    }
    return out;
  },

  async group_list(app, p) {
    const all = bool(p, 'all_fields');
    const counts = await countOpenByCategory(app.datong.pool);
    const groups = CATEGORIES.map((c) => ckanGroup(c, counts.get(c) ?? 0));
    return all ? groups : groups.map((g) => g.name);
  },
};

function send(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export async function ckanRoutes(app: FastifyInstance): Promise<void> {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/3/action/:action',
    config: { permission: 'public' },
    schema: {
      tags: ['open'],
      summary:
        'CKAN Action API (read side): package_list, package_show, package_search, organization_list, …',
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const base = baseUrl(req);
      const action = (req.params as { action: string }).action;
      const help = `${base}/api/3/action/help_show?name=${encodeURIComponent(action)}`;
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler) {
        return send(reply, 400, {
          help,
          success: false,
          error: { __type: 'Bad request', message: `Bad request - Action name not known: ${action}` },
        });
      }
      const params: Params = {
        ...(req.query as Params),
        ...(req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {}),
      };
      const unknown = Object.keys(params).filter((k) => !ACTION_PARAMS[action]!.includes(k));
      try {
        if (unknown.length) throw invalid(`unknown parameter(s): ${unknown.join(', ')}`);
        const result = await handler(app, params, base);
        return send(reply, 200, { help, success: true, result });
      } catch (e) {
        if (!(e instanceof CkanError)) throw e;
        return send(reply, e.status, { help, success: false, error: { __type: e.type, message: e.message } });
      }
    },
  });
}
