import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/platform/config.js';
import {
  SM4_GCM_AVAILABLE,
  keyFiles,
  loadNodeIdentity,
  verifySignature,
} from '../../src/platform/crypto/index.js';

const homes: string[] = [];
async function home(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-crypto-'));
  homes.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(homes.map((h) => fs.rm(h, { recursive: true, force: true })));
});

function config(dir: string, suite: Config['cryptoSuite']) {
  return {
    home: dir,
    cryptoSuite: suite,
    node: { code: '440000', name: '广东省', level: 'provincial' as const },
  };
}

describe.each(['intl', 'gm'] as const)('node identity, suite %s', (suite) => {
  it('signs and verifies, and refuses altered data or signatures', async () => {
    const id = await loadNodeIdentity(config(await home(), suite));
    expect(id.algorithm).toBe(suite === 'gm' ? 'sm2' : 'ed25519');
    const msg = Buffer.from('数通 checkpoint 42');
    const sig = id.sign(msg);
    expect(id.verify(msg, sig)).toBe(true);
    expect(id.verify(Buffer.from('数通 checkpoint 43'), sig)).toBe(false);
    const bad = Buffer.from(sig);
    bad[bad.length - 1]! ^= 1;
    expect(id.verify(msg, bad)).toBe(false);
    // Another node checks the signature with the published PEM alone.
    expect(verifySignature(id.algorithm, id.publicKeyPem, msg, sig)).toBe(true);
    expect(verifySignature(id.algorithm, id.publicKeyPem, msg, bad)).toBe(false);
  });

  it('hashes with SHA-256 or SM3', async () => {
    const id = await loadNodeIdentity(config(await home(), suite));
    const algo = suite === 'gm' ? 'sm3' : 'sha256';
    expect(id.hash(Buffer.from('ab'), Buffer.from('c')).toString('hex')).toBe(
      crypto.createHash(algo).update('abc').digest('hex'),
    );
    // GB/T 32905 test vector for SM3("abc").
    if (suite === 'gm') {
      expect(id.hash(Buffer.from('abc')).toString('hex')).toBe(
        '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
      );
    }
  });

  it('seals and opens, and detects tampering', async () => {
    const id = await loadNodeIdentity(config(await home(), suite));
    for (const size of [0, 1, 15, 16, 17, 1000]) {
      const pt = crypto.randomBytes(size);
      const sealed = id.seal(pt);
      expect(id.open(sealed).equals(pt)).toBe(true);
      // Fresh IV each time.
      expect(id.seal(pt).equals(sealed)).toBe(false);
      for (const at of [0, 5, sealed.length - 1]) {
        const t = Buffer.from(sealed);
        t[at]! ^= 0x40;
        expect(() => id.open(t)).toThrow();
      }
      expect(() => id.open(sealed.subarray(0, sealed.length - 1))).toThrow();
    }
    const format = id.seal(Buffer.from('x'))[0];
    expect(format).toBe(suite === 'intl' ? 0x01 : SM4_GCM_AVAILABLE ? 0x03 : 0x02);
  });

  it('stores keys 0600 in a 0700 directory and reuses them on the next load', async () => {
    const dir = await home();
    const first = await loadNodeIdentity(config(dir, suite));
    const files = keyFiles(dir, suite);
    expect((await fs.stat(files.dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(files.privateKey)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(files.dataKey)).mode & 0o777).toBe(0o600);
    const sealed = first.seal(Buffer.from('secret'));
    const second = await loadNodeIdentity(config(dir, suite));
    expect(second.keyId).toBe(first.keyId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(second.open(sealed).toString()).toBe('secret');
    expect(second.verify(Buffer.from('m'), first.sign(Buffer.from('m')))).toBe(true);
  });

  it('agrees on one key when two loads race on a fresh home', async () => {
    const dir = await home();
    const [a, b] = await Promise.all([
      loadNodeIdentity(config(dir, suite)),
      loadNodeIdentity(config(dir, suite)),
    ]);
    expect(a.keyId).toBe(b.keyId);
    expect(b.open(a.seal(Buffer.from('z'))).toString()).toBe('z');
  });
});

describe('suites side by side', () => {
  it('keeps separate keys per suite in one home', async () => {
    const dir = await home();
    const intl = await loadNodeIdentity(config(dir, 'intl'));
    const gm = await loadNodeIdentity(config(dir, 'gm'));
    expect(intl.keyId).not.toBe(gm.keyId);
    expect(() => gm.open(intl.seal(Buffer.from('x')))).toThrow();
  });
});
