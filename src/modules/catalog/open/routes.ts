import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Queryable } from '../../../platform/db/pool.js';
import type { Entry } from '../schemas.js';
import type { OrgInfo } from './ckan.js';
import { baseUrl } from './base-url.js';
import { catalogGraph, datasetGraph, toJsonLd, toTurtle, type RdfFormat } from './dcat.js';
import { podCatalog } from './datajson.js';
import { openProblem } from './messages.js';
import { findOpenEntry, orgOfEntry, pageOpen } from './query.js';
import { ckanRoutes } from './routes-ckan.js';
import { codeOfSlug } from './vocab.js';

/**
 * The open interfaces (public, open entries only): CKAN's Action API, DCAT-AP 3 in Turtle and
 * JSON-LD, and Project Open Data's data.json. They publish what anyone may already find in the
 * portal, so they need no sign-in, and nothing non-open can reach them: every read goes through
 * query.ts, whose single filter is "published and openType ≠ none".
 */

/** Datasets per catalog page; harvesters follow hydra:nextPage. */
export const DCAT_PAGE_SIZE = 100;
/** data.json is one document by design (POD has no paging); this caps its size. */
const DATA_JSON_MAX = 10_000;

const PageQuery = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })) },
  { additionalProperties: false },
);
const FileParams = Type.Object({ file: Type.String({ maxLength: 200 }) });

const MEDIA: Record<RdfFormat, string> = {
  ttl: 'text/turtle; charset=utf-8',
  jsonld: 'application/ld+json; charset=utf-8',
};

async function withOrgs(q: Queryable, entries: Entry[]): Promise<{ entry: Entry; org: OrgInfo }[]> {
  const orgs = new Map<string, OrgInfo>();
  const out: { entry: Entry; org: OrgInfo }[] = [];
  for (const entry of entries) {
    let org = orgs.get(entry.providerOrgId);
    if (!org) orgs.set(entry.providerOrgId, (org = await orgOfEntry(q, entry)));
    out.push({ entry, org });
  }
  return out;
}

async function sendRdf(reply: FastifyReply, format: RdfFormat, quads: Parameters<typeof toTurtle>[0]) {
  reply.type(MEDIA[format]);
  return format === 'ttl' ? toTurtle(quads) : JSON.stringify(toJsonLd(quads));
}

export default async function openRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const node = () => ({ code: app.datong.identity.code, name: app.datong.identity.name });
  const tags = ['open'];

  await ckanRoutes(app);

  for (const format of ['ttl', 'jsonld'] as const) {
    r.get(
      `/catalog.${format}`,
      {
        config: { permission: 'public' },
        schema: { tags, summary: `DCAT-AP 3 catalog (${format}), paged with hydra`, querystring: PageQuery },
      },
      async (req, reply) => {
        const page = req.query.page ?? 1;
        const { count, entries } = await pageOpen(pool, DCAT_PAGE_SIZE, (page - 1) * DCAT_PAGE_SIZE);
        const last = Math.max(1, Math.ceil(count / DCAT_PAGE_SIZE));
        if (page > last) throw openProblem(404, 'open_page_out_of_range', { page, last });
        const quads = catalogGraph(
          baseUrl(req),
          node(),
          await withOrgs(pool, entries),
          {
            page,
            pageSize: DCAT_PAGE_SIZE,
            total: count,
          },
          format,
        );
        return sendRdf(reply, format, quads);
      },
    );
  }

  // One entry: /catalog/<code with '/' as %2F, or its CKAN name, or its id>.ttl|.jsonld. The
  // portal's own pages live under /catalog/… too, so anything else falls through to them.
  r.get(
    '/catalog/:file',
    {
      config: { permission: 'public' },
      schema: { tags, summary: 'One open entry as DCAT-AP 3 (.ttl or .jsonld)', params: FileParams },
    },
    async (req, reply) => {
      const m = /^(.+)\.(ttl|jsonld)$/.exec(req.params.file);
      if (!m) return reply.callNotFound();
      const ref = m[1]!;
      const format = m[2] as RdfFormat;
      const entry = await findOpenEntry(pool, ref, codeOfSlug);
      if (!entry) throw openProblem(404, 'open_entry_not_found', { ref });
      return sendRdf(reply, format, datasetGraph(baseUrl(req), entry, await orgOfEntry(pool, entry)));
    },
  );

  r.get(
    '/data.json',
    { config: { permission: 'public' }, schema: { tags, summary: 'Project Open Data v1.1 catalog' } },
    async (req, reply) => {
      const { entries } = await pageOpen(pool, DATA_JSON_MAX, 0);
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(podCatalog(baseUrl(req), await withOrgs(pool, entries)));
    },
  );
}
