import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import type { Role } from '../../src/platform/policy/permissions.js';

function sample(overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    category: 'base',
    classification: ['3', '01'],
    name: '户籍人口基本信息',
    summary: '全省户籍人口的基本登记信息',
    resourceKind: 'table',
    formats: ['json'],
    updateCycle: 'monthly',
    relatedCodes: [],
    tags: ['人口'],
    responsible: { person: '李四', phone: '13800138000' },
    shareType: 'conditional',
    shareCondition: '用于政务服务身份核验',
    shareMethod: 'api',
    openType: 'none',
    openCondition: '涉及个人信息，依据《个人信息保护法》不予开放',
    grade: 3,
    important: true,
    core: false,
    fields: [
      {
        name: '公民身份号码',
        type: 'string',
        length: 18,
        required: true,
        key: true,
        validator: { kind: 'id_number' },
        piiKind: 'id_number',
        grade: 3,
      },
      { name: '姓名', type: 'string', length: 50, required: true, key: false, piiKind: 'name', grade: 3 },
    ],
    ...overrides,
  };
}

let t: TestApp;
let steward: Record<string, string>;
let reviewer: Record<string, string>;
let otherSteward: Record<string, string>;

const bearer = async (roles: Role[], orgId?: string) => {
  const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
  return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
};

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool, { name: '省公安厅' });
  steward = await bearer(['data_steward'], org.id);
  reviewer = await bearer(['sysadmin']);
  otherSteward = await bearer(['data_steward']);
});
afterAll(async () => t?.close());

const post = (url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers });

async function draft(overrides: Partial<EntryInput> = {}): Promise<string> {
  const res = await post('/api/catalog/entries', steward, sample(overrides) as object);
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function published(overrides: Partial<EntryInput> = {}): Promise<string> {
  const id = await draft(overrides);
  expect((await post(`/api/catalog/entries/${id}/submit`, steward)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${id}/approve`, reviewer, {})).statusCode).toBe(200);
  return id;
}

async function auditActions(id: string): Promise<string[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ action: string }>(
    "SELECT action FROM audit.events WHERE object_type = 'catalog_entry' AND object_id = $1 ORDER BY seq",
    [id],
  );
  return rows.map((r) => r.action);
}

describe('catalog lifecycle', () => {
  it('draft → submitted → returned → edited → submitted → published, audited and in the history', async () => {
    const id = await draft();
    const submitted = await post(`/api/catalog/entries/${id}/submit`, steward);
    expect(submitted.json()).toMatchObject({ status: 'submitted', version: 1 });

    const queue = await get('/api/catalog/review-queue', reviewer);
    expect(queue.json().items.map((e: { id: string }) => e.id)).toContain(id);
    expect((await get('/api/catalog/review-queue', steward)).statusCode).toBe(403);

    const noComment = await post(`/api/catalog/entries/${id}/return`, reviewer, { comment: '  ' });
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json().code).toBe('comment_required');
    const returned = await post(`/api/catalog/entries/${id}/return`, reviewer, {
      comment: '请补充共享条件的依据',
    });
    expect(returned.json()).toMatchObject({ status: 'returned', reviewComment: '请补充共享条件的依据' });

    const edit = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${id}`,
      headers: steward,
      payload: sample({ shareCondition: '依据《数据共享管理办法》第十条，用于身份核验' }) as object,
    });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({
      status: 'returned',
      shareCondition: '依据《数据共享管理办法》第十条，用于身份核验',
    });
    await post(`/api/catalog/entries/${id}/submit`, steward);
    const approved = await post(`/api/catalog/entries/${id}/approve`, reviewer, { comment: '同意' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'published',
      publishedVersion: 1,
      reviewComment: '同意',
    });
    expect(approved.json().publishedAt).not.toBeNull();

    expect(await auditActions(id)).toEqual([
      'catalog.create',
      'catalog.submit',
      'catalog.return',
      'catalog.update',
      'catalog.submit',
      'catalog.approve',
    ]);
    const { rows } = await t.pool.query(
      "SELECT actor_type, result, detail FROM audit.events WHERE object_id = $1 AND action = 'catalog.return'",
      [id],
    );
    expect(rows[0]).toMatchObject({ actor_type: 'user', result: 'success' });
    expect(rows[0].detail).toMatchObject({
      version: 1,
      from: 'submitted',
      to: 'returned',
      comment: '请补充共享条件的依据',
    });

    const history = (await get(`/api/catalog/entries/${id}/history`, steward)).json().items;
    expect(history.map((h: { action: string }) => h.action)).toEqual([
      'create',
      'submit',
      'return',
      'update',
      'submit',
      'approve',
    ]);
    expect(history[2]).toMatchObject({
      comment: '请补充共享条件的依据',
      fromStatus: 'submitted',
      toStatus: 'returned',
    });
  });

  it('revises a published entry into version 2 while version 1 stays published, then diffs them', async () => {
    const id = await published();
    const revised = await post(`/api/catalog/entries/${id}/revise`, steward);
    expect(revised.json()).toMatchObject({ status: 'draft', version: 2, publishedVersion: 1 });
    // A second revision, deprecation or withdrawal must wait for this one.
    expect((await post(`/api/catalog/entries/${id}/revise`, steward)).json().code).toBe('revision_pending');
    expect((await post(`/api/catalog/entries/${id}/deprecate`, steward, { reason: 'x' })).statusCode).toBe(
      409,
    );

    const base = sample();
    const v2 = sample({
      summary: '全省户籍人口的基本登记信息（含民族）',
      fields: [
        base.fields[0]!,
        { ...base.fields[1]!, length: 100 },
        { name: '民族', type: 'string', length: 2, required: false, key: false, piiKind: 'other', grade: 2 },
      ],
    });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${id}`,
      headers: steward,
      payload: v2 as object,
    });
    expect(put.statusCode).toBe(200);
    // Departments still see version 1 while version 2 is a draft.
    expect((await get(`/api/catalog/entries/${id}`, otherSteward)).json()).toMatchObject({
      version: 1,
      status: 'published',
    });

    await post(`/api/catalog/entries/${id}/submit`, steward);
    const approved = await post(`/api/catalog/entries/${id}/approve`, reviewer, {});
    expect(approved.json()).toMatchObject({ version: 2, status: 'published', publishedVersion: 2 });

    const versions = (await get(`/api/catalog/entries/${id}/versions`, otherSteward)).json().items;
    expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'published'],
    ]);
    const diff = (await get(`/api/catalog/entries/${id}/diff?from=1&to=2`, otherSteward)).json();
    expect(diff.metadata).toEqual([
      {
        path: '/summary',
        before: '全省户籍人口的基本登记信息',
        after: '全省户籍人口的基本登记信息（含民族）',
      },
    ]);
    expect(diff.fields.added.map((f: { code: string }) => f.code)).toEqual(['min_zu']);
    expect(diff.fields.removed).toEqual([]);
    expect(diff.fields.changed).toEqual([
      { code: 'xing_ming', changes: [{ property: 'length', before: 50, after: 100 }] },
    ]);
    const old = (await get(`/api/catalog/entries/${id}?version=1`, otherSteward)).json();
    expect(old).toMatchObject({ version: 1, status: 'superseded' });
    expect(await auditActions(id)).toContain('catalog.revise');
  });

  it('refuses illegal transitions with 409 and a clear message', async () => {
    const id = await draft();
    const approveDraft = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${id}/approve`,
      headers: { ...reviewer, 'accept-language': 'en' },
      payload: {},
    });
    expect(approveDraft.statusCode).toBe(409);
    expect(approveDraft.json()).toMatchObject({
      code: 'illegal_transition',
      title: 'A version in status "草稿 draft" cannot be 审核通过 approve',
    });
    expect((await post(`/api/catalog/entries/${id}/revise`, steward)).statusCode).toBe(409);
    expect(
      (await post(`/api/catalog/entries/${id}/deprecate`, steward, { reason: '停止维护' })).statusCode,
    ).toBe(409);
    await post(`/api/catalog/entries/${id}/submit`, steward);
    expect((await post(`/api/catalog/entries/${id}/submit`, steward)).statusCode).toBe(409);
    const edit = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${id}`,
      headers: steward,
      payload: sample() as object,
    });
    expect(edit.statusCode).toBe(409);
    // Nothing of the refused steps reached the ledger.
    expect(await auditActions(id)).toEqual(['catalog.create', 'catalog.submit']);
  });

  it('deprecates and withdraws with a reason; only the provider may', async () => {
    const id = await published();
    const noReason = await post(`/api/catalog/entries/${id}/deprecate`, steward, { reason: '' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().code).toBe('reason_required');
    const foreign = await post(`/api/catalog/entries/${id}/deprecate`, otherSteward, { reason: '不是我的' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe('entry_out_of_scope');

    const deprecated = await post(`/api/catalog/entries/${id}/deprecate`, steward, {
      reason: '被新系统替代',
    });
    expect(deprecated.json()).toMatchObject({ status: 'deprecated', statusReason: '被新系统替代' });
    // Departments still see a deprecated entry, with its reason.
    expect((await get(`/api/catalog/entries/${id}`, otherSteward)).json()).toMatchObject({
      status: 'deprecated',
    });
    expect((await post(`/api/catalog/entries/${id}/revise`, steward)).statusCode).toBe(409);

    const withdrawn = await post(`/api/catalog/entries/${id}/withdraw`, steward, { reason: '数据源已停用' });
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', statusReason: '数据源已停用' });
    expect((await get(`/api/catalog/entries/${id}`, otherSteward)).statusCode).toBe(404);
    expect((await get(`/api/catalog/entries/${id}`, steward)).json().status).toBe('withdrawn');
    expect(await auditActions(id)).toEqual([
      'catalog.create',
      'catalog.submit',
      'catalog.approve',
      'catalog.deprecate',
      'catalog.withdraw',
    ]);
  });

  it('re-codes a never-published entry whose classification changes, and fixes it after publication', async () => {
    const id = await draft({ classification: ['4'] });
    const moved = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${id}`,
      headers: steward,
      payload: sample({ classification: ['4', '01'] }) as object,
    });
    expect(moved.json().code).toBe('4.01/000001');
    const pub = await published({ classification: ['5'] });
    await post(`/api/catalog/entries/${pub}/revise`, steward);
    const refused = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${pub}`,
      headers: steward,
      payload: sample({ classification: ['6'] }) as object,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().code).toBe('classification_fixed');
  });
});
