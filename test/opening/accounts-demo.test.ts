import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor } from '../support/factories.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/cli/seed.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import { subjectHashOf } from '../../src/modules/sharing/services.js';
import { DEMO_COMPANY_USCC, demoValueOf } from '../../src/modules/opening/accounts-demo.js';
import { DEMO_APPS } from '../../src/modules/sharing/demo.js';

/**
 * The demo's public accounts: `citizen` and `company` are verified with numbers from the loaded
 * demo data, the node verifies registrations at once, seeding twice changes nothing, and a call of
 * the demo's 税务局 app about the company shows in the company's accesses.
 */

let t: TestApp;
const bearer = async (username: string) => ({
  authorization: `Bearer ${await bearerFor(t.app, username, DEMO_PASSWORD)}`,
});

beforeAll(async () => {
  t = await testApp();
  await seedDemo(t.services);
}, 300_000);
afterAll(async () => t?.close());

describe('demo public accounts', () => {
  it('verifies citizen and company with numbers of the demo data, in the public organisation', async () => {
    // The citizen is the 法定代表人 of the demo company, which is in both tables.
    const idNumber = (await demoValueOf(t.pool, '企业法定代表人信息', 'fddbrzjhm'))!;
    const uscc = DEMO_COMPANY_USCC;
    expect(idNumber).toMatch(/^440103\d{11}[\dX]$/);
    expect(await demoValueOf(t.pool, '企业登记基本信息', 'tyshxydm')).toBe(uscc);
    expect(await demoValueOf(t.pool, '企业法定代表人信息', 'tyshxydm')).toBe(uscc);

    const { rows } = await t.pool.query(
      `SELECT u.username, o.name AS org, a.kind, a.subject_hash, a.subject_masked, a.verification_method
         FROM datong.public_accounts a JOIN datong.users u ON u.id = a.user_id
         JOIN datong.orgs o ON o.id = u.org_id ORDER BY u.username`,
    );
    expect(rows).toEqual([
      {
        username: 'citizen',
        org: '社会公众',
        kind: 'person',
        subject_hash: subjectHashOf(t.services.identity, idNumber),
        subject_masked: `4401**********${idNumber.slice(-4)}`,
        verification_method: 'demo',
      },
      {
        username: 'company',
        org: '社会公众',
        kind: 'company',
        subject_hash: subjectHashOf(t.services.identity, uscc),
        subject_masked: `9144**********${uscc.slice(-4)}`,
        verification_method: 'demo',
      },
    ]);
    const settings = await t.pool.query('SELECT demo_verification FROM datong.public_settings');
    expect(settings.rows).toEqual([{ demo_verification: true }]);
  });

  it('is idempotent', async () => {
    const before = await t.pool.query('SELECT * FROM datong.public_accounts ORDER BY user_id');
    const orgs = await t.pool.query("SELECT count(*)::int AS n FROM datong.orgs WHERE name = '社会公众'");
    await seedDemo(t.services);
    expect((await t.pool.query('SELECT * FROM datong.public_accounts ORDER BY user_id')).rows).toEqual(
      before.rows,
    );
    expect(orgs.rows).toEqual([{ n: 1 }]);
    expect(
      (await t.pool.query("SELECT count(*)::int AS n FROM datong.orgs WHERE name = '社会公众'")).rows,
    ).toEqual([{ n: 1 }]);
  });

  it('shows the company a call the 税务局 app makes about it', async () => {
    const company = await bearer('company');
    const empty = await t.app.inject({ url: '/api/public/me/accesses', headers: company });
    expect(empty.json()).toMatchObject({ accesses: [] });

    const developer = await bearer('developer');
    const { rows } = await t.pool.query<{ app_id: string; grant_id: string; scenario: string }>(
      `SELECT a.id AS app_id, g.id AS grant_id, g.scenario_name AS scenario
         FROM datong.apps a JOIN datong.grants g ON g.app_id = a.id WHERE a.name = $1`,
      [DEMO_APPS.tax.name],
    );
    const { app_id: appId, grant_id: grantId, scenario } = rows[0]!;
    const cred = await t.app.inject({
      method: 'POST',
      url: `/api/apps/${appId}/credentials`,
      headers: developer,
      payload: {},
    });
    const key = cred.json<{ keyId: string; secret: string }>();
    const uscc = DEMO_COMPANY_USCC;
    const path = `/api/services/grants/${grantId}/query`;
    const body = JSON.stringify({ key: { tyshxydm: uscc } });
    const res = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { ...signRequest({ method: 'POST', path, body, ...key }), 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    await t.services.ledger.flush();

    const seen = await t.app.inject({ url: '/api/public/me/accesses', headers: company });
    expect(seen.json()).toMatchObject({
      accesses: [
        {
          action: 'query',
          departmentName: '国家税务总局广东省税务局',
          appName: DEMO_APPS.tax.name,
          scenario,
          entryName: '企业登记基本信息',
          fields: [
            { code: 'tyshxydm', name: '统一社会信用代码' },
            { code: 'qymc', name: '企业名称' },
            { code: 'fddbr', name: '法定代表人' },
            { code: 'zczb', name: '注册资本（万元）' },
          ],
        },
      ],
      truncated: false,
    });
    // Nobody asked about the citizen's own number.
    const citizen = await t.app.inject({ url: '/api/public/me/accesses', headers: await bearer('citizen') });
    expect(citizen.json()).toMatchObject({ accesses: [] });
  });
});
