import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import { getOrg } from '../identity/index.js';
import type { CatalogContext } from './context.js';
import { importCatalog } from './import.js';
import { importProblem } from './import-messages.js';
import { templateXlsx, visibleEntries, writeCatalogXlsx, XLSX_TYPE } from './export.js';
import { CATEGORIES, OPEN_TYPES, SHARE_TYPES, UPDATE_CYCLES, VERSION_STATUSES } from './schemas.js';

/**
 * Catalog import and export (docs/CATALOG.md "HTTP", "Import format"):
 *   POST /api/catalog/import               multipart `file` (.xlsx or .csv) → created or the row report
 *   GET  /api/catalog/import/template.xlsx the empty template
 *   GET  /api/catalog/export.xlsx          the caller's visible entries, streamed
 */

/** An upload larger than this is refused with a 413 before it is read in full. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const ImportReport = Type.Object({
  created: Type.Array(Type.Object({ id: Type.String(), code: Type.String(), name: Type.String() })),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer(),
      column: Type.String(),
      message: Type.String(),
      messageEn: Type.String(),
    }),
  ),
});

const many = <T extends readonly string[]>(values: T) => Type.Array(Type.Enum(values));

const ExportQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    provider: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
    category: Type.Optional(many(CATEGORIES)),
    shareType: Type.Optional(many(SHARE_TYPES)),
    openType: Type.Optional(many(OPEN_TYPES)),
    grade: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4 }))),
    updateCycle: Type.Optional(many(UPDATE_CYCLES)),
    format: Type.Optional(Type.Array(Type.String({ maxLength: 40 }))),
    tag: Type.Optional(Type.Array(Type.String({ maxLength: 60 }))),
    status: Type.Optional(many(VERSION_STATUSES)),
    mine: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const stamp = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
const attachment = (name: string) =>
  `attachment; filename="${encodeURIComponent(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export default async function catalogImportRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });
  const tags = ['catalog'];

  // Registered in this plugin's scope only: no other route accepts multipart bodies.
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 10 } });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/catalog/import',
      {
        config: { permission: 'catalog.write' },
        schema: {
          tags,
          summary:
            '从 Excel/CSV 导入目录（整个文件全部导入或全部不导入） / import entries from .xlsx or .csv',
          consumes: ['multipart/form-data'],
          response: { 200: ImportReport, 201: ImportReport },
        },
      },
      async (req, reply) => {
        const { filename, data } = await readUpload(req);
        const result = await importCatalog(ctxOf(req), data, filename);
        return reply.code(result.created.length ? 201 : 200).send(result);
      },
    );
  });

  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/catalog/import/template.xlsx',
    {
      config: { permission: 'catalog.write' },
      schema: { tags, summary: '目录导入模板 / the import template' },
    },
    async (req, reply) => {
      const actor = req.ctx.actor;
      // The example row names the caller's own organisation, so the template imports as it stands.
      const providerCode = actor.kind === 'user' ? (await getOrg(services.pool, actor.orgId)).uscc : '';
      const body = await templateXlsx(providerCode);
      return reply.type(XLSX_TYPE).header('content-disposition', attachment('目录导入模板.xlsx')).send(body);
    },
  );
  r.get(
    '/api/catalog/export.xlsx',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '导出可见的目录条目（每个信息项一行，可重新导入） / export the visible entries as XLSX',
        querystring: ExportQuery,
      },
    },
    async (req, reply) => {
      const out = new PassThrough();
      const entries = visibleEntries(services.pool, req.ctx.actor, req.query);
      // Written while sent: a failure midway can only cut the download short, which the client
      // sees as a broken file; it is logged here.
      writeCatalogXlsx(out, entries).catch((err: unknown) => {
        req.log.error({ err }, 'catalog export failed');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      return reply
        .type(XLSX_TYPE)
        .header('content-disposition', attachment(`目录导出-${stamp()}.xlsx`))
        .send(out);
    },
  );
}

/** The one uploaded file, read to a buffer under the size limit (exceeding it is a 413). */
async function readUpload(req: FastifyRequest): Promise<{ filename: string; data: Buffer }> {
  if (!req.isMultipart()) throw importProblem(400, 'import_file_missing');
  try {
    const file = await req.file();
    if (!file || file.fieldname !== 'file') throw importProblem(400, 'import_file_missing');
    const data = await file.toBuffer();
    return { filename: file.filename, data };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      throw importProblem(413, 'import_file_too_large', { limit: IMPORT_MAX_BYTES });
    }
    throw err;
  }
}
