import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import {
  CodeTableDetailSchema,
  CodeTableParams,
  CodeTableQuery,
  CodeTableSummarySchema,
  CreateCodeTableBody,
  CreateDataElementBody,
  DataElementParams,
  DataElementSchema,
  ListCodeTablesQuery,
  ListDataElementsQuery,
  PatchDataElementBody,
  ValidateBody,
  ValidateResponse,
  listOf,
  pageOf,
} from './schemas.js';
import {
  createCodeTable,
  createDataElement,
  getCodeTableDetail,
  getDataElement,
  listCodeTables,
  listDataElements,
  updateDataElement,
  validateValue,
  type StandardsContext,
} from './service.js';
import { presentCodeTable, presentDataElement } from './presenters.js';

/** Data standards (数据标准): code tables, data elements, and the public value validator. */
export default async function standardsRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.datong;
  const pool = services.pool;
  const ctxOf = (req: FastifyRequest): StandardsContext => ({ ...req.ctx, services });
  const tags = ['standards'];

  r.get(
    '/api/standards/code-tables',
    {
      config: { permission: 'standards.read' },
      schema: {
        tags,
        summary: '代码表 / code tables (every version, newest first per identifier)',
        querystring: ListCodeTablesQuery,
        response: { 200: listOf(CodeTableSummarySchema) },
      },
    },
    async (req) => ({ items: (await listCodeTables(pool, req.query)).map(presentCodeTable) }),
  );
  r.get(
    '/api/standards/code-tables/:id',
    {
      config: { permission: 'standards.read' },
      schema: {
        tags,
        summary: '代码表及代码值 / a code table and a page of its values',
        description:
          '`:id` is a uuid or an identifier (URL-encoded, e.g. GB%2FT%202260); an identifier gives its latest version unless `version` is set. `q` matches a code prefix or a label substring, `parent` lists the values under a code.',
        params: CodeTableParams,
        querystring: CodeTableQuery,
        response: { 200: CodeTableDetailSchema },
      },
    },
    async (req) => getCodeTableDetail(pool, req.params.id, req.query),
  );
  r.post(
    '/api/standards/code-tables',
    {
      config: { permission: 'standards.manage' },
      schema: {
        tags,
        summary: '新建代码表或新版本 / create a code table, or a new version of an identifier',
        body: CreateCodeTableBody,
        response: { 201: CodeTableSummarySchema },
      },
    },
    async (req, reply) => {
      const table = await withTx(pool, (tx) => createCodeTable(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentCodeTable(table));
    },
  );

  r.get(
    '/api/standards/data-elements',
    {
      config: { permission: 'standards.read' },
      schema: {
        tags,
        summary: '数据元 / data elements by identifier',
        querystring: ListDataElementsQuery,
        response: { 200: pageOf(DataElementSchema) },
      },
    },
    async (req) => {
      const page = await listDataElements(pool, req.query);
      return { items: page.items.map(presentDataElement), nextCursor: page.nextCursor };
    },
  );
  r.post(
    '/api/standards/data-elements',
    {
      config: { permission: 'standards.manage' },
      schema: {
        tags,
        summary: '新建数据元 / create a data element',
        body: CreateDataElementBody,
        response: { 201: DataElementSchema },
      },
    },
    async (req, reply) => {
      const element = await withTx(pool, (tx) => createDataElement(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentDataElement(element));
    },
  );
  r.get(
    '/api/standards/data-elements/:id',
    {
      config: { permission: 'standards.read' },
      schema: { tags, params: DataElementParams, response: { 200: DataElementSchema } },
    },
    async (req) => presentDataElement(await getDataElement(pool, req.params.id)),
  );
  r.patch(
    '/api/standards/data-elements/:id',
    {
      config: { permission: 'standards.manage' },
      schema: {
        tags,
        summary: '修改数据元 / change a data element (built-in ones are read-only)',
        params: DataElementParams,
        body: PatchDataElementBody,
        response: { 200: DataElementSchema },
      },
    },
    async (req) =>
      presentDataElement(
        await withTx(pool, (tx) => updateDataElement(ctxOf(req), tx, req.params.id, req.body)),
      ),
  );

  r.post(
    '/api/standards/validate',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '校验一个值 / validate one value',
        description:
          'validator: uscc, id_number, mobile, region_code, email, date, datetime, regex (with `pattern`; the whole value must match). The message is in the caller’s language (Accept-Language).',
        body: ValidateBody,
        response: { 200: ValidateResponse },
      },
    },
    async (req) => validateValue(req.ctx.lang, req.body),
  );
}
