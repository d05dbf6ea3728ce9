import { execFile } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { shanghaiDay } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import { createClient, DatongError, signHeaders } from '../../examples/node-client.mjs';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from './fixtures/world.js';

/**
 * examples/node-client.mjs against the node's app listening on 127.0.0.1: its signatures are
 * the platform's, and query, verify, paging and changes work through it, from code and a shell.
 */

let t: TestApp;
let baseUrl: string;
let grantId: string;
let key: { keyId: string; secret: string };
const N = 9;
const row = (n: number) => ({
  uscc: uscc(n),
  qymc: `客户端测试企业${n}有限公司`,
  fddbr: `李${n}`,
  fddbrsfzh: idNo(n),
  zczb: `${n}0.00`,
  djjgqh: '440106',
  clrq: '2021-03-04',
});

beforeAll(async () => {
  t = await testApp();
  const provider = await makeOrg(t.pool);
  const consumer = await makeOrg(t.pool);
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  const post = (url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const steward = await token(['data_steward'], provider.id);
  const approver = await token(['approver'], provider.id);
  const dev = await token(['developer'], consumer.id);
  const made = await post('/api/catalog/entries', steward, ENTRY as object);
  const entryId = made.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
  expect(
    (await post(`/api/catalog/entries/${entryId}/approve`, await token(['sysadmin']), {})).statusCode,
  ).toBe(200);
  const csv = [
    Object.keys(row(1)).join(','),
    ...Array.from({ length: N }, (_, i) => Object.values(row(i + 1)).join(',')),
  ];
  await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv.join('\n'))]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  const appId = (await post('/api/apps', dev, { name: '客户端示例' })).json<{ id: string }>().id;
  key = (await post(`/api/apps/${appId}/credentials`, dev, {})).json<{ keyId: string; secret: string }>();
  const today = shanghaiDay(new Date());
  const req = await post('/api/share/requests', dev, {
    entryId,
    appId,
    fields: ['uscc', 'qymc', 'fddbr'],
    scenario: { name: '客户端示例', description: '示例', basis: '示例依据' },
    expectedVolume: { perDay: 100 },
    validFrom: today,
    validTo: addYears(today, 1),
  });
  const approved = await post(`/api/share/requests/${req.json<{ id: string }>().id}/approve`, approver, {
    rateLimit: 1000,
  });
  grantId = approved.json<{ grantId: string }>().grantId;
  expect(grantId).toBeTruthy();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('examples/node-client.mjs', () => {
  it('signs exactly as the platform does, query included', () => {
    const input = {
      method: 'get',
      path: '/api/services/exports/x',
      query: { b: ['2', '1'], a: 'x y', 'c&': '中' },
      body: '{"a":1}',
      keyId: 'k1',
      secret: 's3cret',
      timestamp: 1_760_000_000,
      nonce: 'abcdefghijklmnop',
    };
    expect(signHeaders(input)).toEqual(signRequest(input));
  });

  it('queries, pages, verifies and reads changes over HTTP', async () => {
    const datong = createClient({ baseUrl, ...key });
    const one = await datong.query(grantId, { key: { uscc: uscc(3) } });
    expect(one).toEqual({
      rows: [{ uscc: uscc(3), qymc: '客户端测试企业3有限公司', fddbr: '李*' }],
      next: null,
    });
    const all: string[] = [];
    for await (const r of datong.queryAll(grantId, { fields: ['uscc'], limit: 2 })) all.push(r.uscc!);
    expect(all).toEqual(Array.from({ length: N }, (_, i) => uscc(i + 1)).sort());
    expect(
      await datong.verify(grantId, { key: { uscc: uscc(4) }, values: { fddbr: '李4', qymc: '别的' } }),
    ).toEqual({
      found: true,
      fields: { fddbr: 'match', qymc: 'mismatch' },
    });
    const changes = await datong.changes(grantId, { since: 0 });
    expect(changes.changes.map((c) => c.op)).toEqual(['R']);
  });

  it('turns a refusal into a DatongError with the status and code', async () => {
    const datong = createClient({ baseUrl, ...key });
    const err = await datong
      .query(grantId, { key: { uscc: uscc(1) }, fields: ['zczb'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatongError);
    expect(err).toMatchObject({ status: 403, code: 'field_not_granted' });
    const wrong = createClient({ baseUrl, keyId: key.keyId, secret: 'not-the-secret' });
    await expect(wrong.query(grantId, { key: { uscc: uscc(1) } })).rejects.toMatchObject({ status: 401 });
  });

  it('runs from a shell with the credential in the environment', async () => {
    const script = path.resolve(import.meta.dirname, '../../examples/node-client.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, 'verify', grantId, JSON.stringify({ key: { uscc: uscc(5) }, values: { fddbr: '李5' } })],
      { env: { ...process.env, DATONG_URL: baseUrl, DATONG_KEY_ID: key.keyId, DATONG_SECRET: key.secret } },
    );
    expect(JSON.parse(stdout)).toEqual({ found: true, fields: { fddbr: 'match' } });
  });
});
