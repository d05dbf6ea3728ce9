import { systemContext } from '../../src/platform/context.js';
import { withTx } from '../../src/platform/db/pool.js';
import {
  approveEntry,
  createEntry,
  submitEntry,
  type Entry,
  type EntryInput,
} from '../../src/modules/catalog/index.js';
import type { TestApp } from '../support/app.js';

/** A valid open entry of the given provider; tests override what they look at. */
export function openInput(providerOrgId: string, overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    category: 'base',
    classification: ['1', '02'],
    name: '企业登记基本信息',
    summary: '全省市场主体的登记注册基本信息',
    providerOrgId,
    resourceKind: 'table',
    formats: ['csv', 'json'],
    updateCycle: 'daily',
    publishDate: '2024-03-01',
    relatedCodes: [],
    tags: ['企业', '市场主体'],
    licence: 'CC-BY-4.0',
    responsible: { person: '王五', phone: '020-83330000', email: 'open@amr.gd.gov.cn' },
    shareType: 'unconditional',
    shareMethod: 'api',
    openType: 'unconditional',
    grade: 1,
    important: false,
    core: false,
    fields: [
      {
        name: '统一社会信用代码',
        type: 'string',
        length: 18,
        required: true,
        key: true,
        piiKind: 'none',
        grade: 1,
      },
      {
        name: '企业名称',
        type: 'string',
        length: 200,
        required: true,
        key: false,
        piiKind: 'none',
        grade: 1,
      },
    ],
    ...overrides,
  };
}

/** Creates, submits and approves an entry as the node itself (a reviewer), as the seed does. */
export async function publish(t: TestApp, input: EntryInput): Promise<Entry> {
  const ctx = { ...systemContext('test:open'), services: t.services };
  return withTx(t.pool, async (tx) => {
    const created = await createEntry(ctx, tx, input);
    await submitEntry(ctx, tx, created.id);
    return approveEntry(ctx, tx, created.id);
  });
}

/** Only creates (a draft that must never appear in an open interface). */
export async function draft(t: TestApp, input: EntryInput): Promise<Entry> {
  const ctx = { ...systemContext('test:open'), services: t.services };
  return withTx(t.pool, (tx) => createEntry(ctx, tx, input));
}
