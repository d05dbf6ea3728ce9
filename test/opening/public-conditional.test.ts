import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLimitsOf } from '../../src/modules/opening/open-limits.js';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, freshUscc, makeUser, type MadeUser } from '../support/factories.js';
import { makeOpenDataset, relaxLimits, type MadeOpenDataset } from './public-helpers.js';

/**
 * A conditional-open dataset's open version is served only to the holder of an approved,
 * unexpired conditional-open application (migration 0023), each read audited.
 */

let t: TestApp;
let ds: MadeOpenDataset;
let applicant: MadeUser & { token: string };
let stranger: MadeUser & { token: string };
const now = new Date('2026-03-10T04:00:00Z');

async function approvedApplication(userId: string, entryId: string, orgId: string, expiresAt: string) {
  await t.pool.query(
    `INSERT INTO datong.open_applications
       (entry_id, catalog_version, provider_org_id, applicant_user_id, applicant_name, applicant_org_name,
        applicant_uscc, purpose, intended_use, security_measures, agreement_version, agreement_accepted_at,
        months, status, due_at, expires_at)
     VALUES ($1, 1, $2, $3, '申请人', '广州某科技有限公司', $4, '产业研究', '研究报告', '专人专机',
             'v1', now(), 12, 'approved', now(), $5)`,
    [entryId, orgId, userId, freshUscc(), expiresAt],
  );
}

beforeAll(async () => {
  t = await testApp();
  relaxLimits(t);
  openLimitsOf(t.pool).useClock(() => now);
  ds = await makeOpenDataset(t, { entry: { openType: 'conditional', openCondition: '需签署数据使用协议' } });
  const a = await makeUser(t.pool, { roles: ['public_user'] });
  const s = await makeUser(t.pool, { roles: ['public_user'] });
  applicant = { ...a, token: await bearerFor(t.app, a.username, a.password) };
  stranger = { ...s, token: await bearerFor(t.app, s.username, s.password) };
  await approvedApplication(applicant.id, ds.entry.id, ds.orgId, '2026-06-30T16:00:00Z');
  // An expired one of the stranger's: no access.
  await approvedApplication(stranger.id, ds.entry.id, ds.orgId, '2026-03-01T00:00:00Z');
});
afterAll(async () => t?.close());

const rows = (token?: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'GET',
    url: `/api/open/datasets/${ds.entry.id}/rows?fields=company&limit=2`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });

describe('conditional-open data', () => {
  it('serves the approved applicant (signed in or by API key), audited, never shared-cached', async () => {
    const res = await rows(applicant.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.json().rows).toEqual([{ company: '广州甲科技有限公司' }, { company: '广州乙贸易有限公司' }]);
    const meta = await t.app.inject({
      method: 'GET',
      url: `/api/open/datasets/${ds.entry.id}`,
      headers: { authorization: `Bearer ${applicant.token}` },
    });
    expect(meta.json()).toMatchObject({ openType: 'conditional', dataAvailable: true, rowCount: 6 });

    const created = await t.app.inject({
      method: 'POST',
      url: '/api/open/keys',
      headers: { authorization: `Bearer ${applicant.token}` },
      payload: { name: '研究脚本' },
    });
    const { id: keyId, key } = created.json<{ id: string; key: string }>();
    const byKey = await rows(undefined, { 'x-api-key': key });
    expect(byKey.statusCode).toBe(200);
    const ckan = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/datastore_search',
      headers: { authorization: key },
      payload: { resource_id: ds.entry.id, limit: 1, fields: ['company'] },
    });
    expect(ckan.json().result.records).toEqual([{ company: '广州甲科技有限公司' }]);

    await t.services.ledger.flush();
    const { rows: events } = await t.pool.query(
      `SELECT actor_id, object_id, detail FROM audit.events WHERE action = 'open.conditional.read' ORDER BY seq`,
    );
    expect(events).toEqual([
      { actor_id: applicant.id, object_id: ds.entry.id, detail: { route: 'rows', rows: 2 } },
      { actor_id: applicant.id, object_id: ds.entry.id, detail: { route: 'rows', rows: 2, apiKey: keyId } },
      {
        actor_id: applicant.id,
        object_id: ds.entry.id,
        detail: { route: 'datastore_search', rows: 1, apiKey: keyId },
      },
    ]);
  });

  it('is not there for anyone else, nor after the application expires', async () => {
    expect((await rows()).statusCode).toBe(404);
    expect((await rows(stranger.token)).statusCode).toBe(404);
    const meta = await t.app.inject({
      method: 'GET',
      url: `/api/open/datasets/${ds.entry.id}`,
      headers: { authorization: `Bearer ${stranger.token}` },
    });
    expect(meta.json()).toMatchObject({ dataAvailable: false, columns: [] });
    openLimitsOf(t.pool).useClock(() => new Date('2026-06-30T16:00:00Z'));
    try {
      expect((await rows(applicant.token)).statusCode).toBe(404);
    } finally {
      openLimitsOf(t.pool).useClock(() => now);
    }
  });
});
