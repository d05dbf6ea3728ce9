import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SearchQuery, SearchResult, searchEntries } from './search.js';
import { facetIndexOf } from './facet-index.js';

/**
 * GET /api/catalog/entries: search and browse. `public` at the choke point; what each caller
 * finds is the catalog's visibility rule (the public: open entries only).
 */
export default async function catalogSearchRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  // Load the search index in the background once the node is up (about 10 s per 100 000
  // versions), so that the first visitor does not wait for it.
  app.addHook('onReady', () => {
    void facetIndexOf(pool).catch((err: unknown) => app.log.warn({ err }, 'facet index warm-up failed'));
  });
  r.get(
    '/api/catalog/entries',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['catalog'],
        summary: '检索目录 / search the catalog (full text, facets, keyset pages)',
        description:
          'Repeat a filter for several values (tag=a&tag=b: any of them); filters of different facets combine. ' +
          'Each facet counts the entries passing every other active filter. sort defaults to relevance with q, ' +
          'else updated. Pass nextCursor as cursor for the next page, with the same filters and sort.',
        querystring: SearchQuery,
        response: { 200: SearchResult },
      },
    },
    async (req) => searchEntries(req.ctx, pool, req.query),
  );
}
