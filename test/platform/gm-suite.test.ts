import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { loginAs, makeUser } from '../support/factories.js';
import { verifySignature } from '../../src/platform/crypto/index.js';

/**
 * A node on the 国密 suite: SM2 node key, SM3 Merkle tree, SM4 sealing. The same code paths as
 * `intl`, only the suite differs.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp({ env: { DATONG_CRYPTO_SUITE: 'gm' } });
});
afterAll(async () => t?.close());

it('publishes an SM2 node key and signs SM3 ledger checkpoints that verify', async () => {
  const wk = (await t.app.inject({ method: 'GET', url: '/.well-known/datong-node.json' })).json();
  expect(wk).toMatchObject({ cryptoSuite: 'gm', algorithm: 'sm2' });

  const auditor = await makeUser(t.pool, { roles: ['auditor'] });
  const { cookie } = await loginAs(t.app, auditor.username, auditor.password);
  await t.services.ledger.flush();

  const cp = (
    await t.app.inject({ method: 'GET', url: '/api/audit/checkpoints/latest', headers: { cookie } })
  ).json();
  expect(cp).toMatchObject({ algorithm: 'sm2', keyId: wk.keyId });
  expect(cp.rootHash).toMatch(/^[0-9a-f]{64}$/);

  const report = (
    await t.app.inject({ method: 'GET', url: '/api/audit/verify', headers: { cookie } })
  ).json();
  expect(report).toMatchObject({ ok: true, firstBadPosition: null });

  // The published key verifies the node's SM2 signatures, and refuses a forged message.
  const msg = Buffer.from('datong gm suite');
  const sig = t.services.identity.sign(msg);
  expect(verifySignature('sm2', wk.publicKey, msg, sig)).toBe(true);
  expect(verifySignature('sm2', wk.publicKey, Buffer.from('datong gm suitE'), sig)).toBe(false);
});
