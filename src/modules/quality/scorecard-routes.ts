import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ExportQuery,
  ScorecardQuery,
  ScorecardSchema,
  scorecardCsv,
  scorecards,
  scorecardXlsx,
} from './scorecards.js';

/**
 * The department scorecards (src/modules/quality/scorecards.ts), permission dataset.read:
 *   GET /api/quality/scorecards?from=&to=                     one row per department
 *   GET /api/quality/scorecards/export?from=&to=&format=      the same as XLSX or CSV (BOM), Chinese headers
 */
export default async function scorecardRoutes(app: FastifyInstance): Promise<void> {
  const pool = app.datong.pool;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['quality'];

  r.get(
    '/api/quality/scorecards',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '部门考核记分卡 / department scorecards for a period',
        description:
          'catalog completeness, update timeliness, quality score, share-request response, objection handling, ' +
          'service availability and a weighted overall figure (docs/QUALITY.md "Scorecards").',
        querystring: ScorecardQuery,
        response: { 200: ScorecardSchema },
      },
    },
    async (req) => scorecards(pool, req.query),
  );

  r.get(
    '/api/quality/scorecards/export',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '导出部门考核记分卡 / the scorecards as XLSX or CSV',
        querystring: ExportQuery,
      },
    },
    async (req, reply) => {
      const card = await scorecards(pool, req.query);
      const name = `scorecards-${card.from}-${card.to}`;
      if (req.query.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(scorecardCsv(card));
      }
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}.xlsx"`)
        .send(await scorecardXlsx(card));
    },
  );
}
