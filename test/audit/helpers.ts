import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuditEventInput } from '../../src/platform/audit/types.js';
import type { CryptoSuite } from '../../src/platform/config.js';
import { loadNodeIdentity } from '../../src/platform/crypto/index.js';

export async function testIdentity(suite: CryptoSuite = 'intl') {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-audit-id-'));
  const identity = await loadNodeIdentity({
    home,
    cryptoSuite: suite,
    node: { code: '440000', name: '广东省', level: 'provincial' },
  });
  return { identity, cleanup: () => fs.rm(home, { recursive: true, force: true }) };
}

export function sampleEvent(i: number, over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    actorType: 'user',
    actorId: `u-${i % 7}`,
    actorName: `用户${i % 7}`,
    orgId: 'org-1',
    action: i % 3 === 0 ? 'org.create' : 'user.read',
    objectType: 'org',
    objectId: `o-${i}`,
    result: 'success',
    clientIp: '10.0.0.1',
    requestId: `req-${i}`,
    detail: { i, nested: { z: 'last', a: [1, 2, { y: true, b: null }] }, 名称: '测试' },
    ...over,
  };
}
