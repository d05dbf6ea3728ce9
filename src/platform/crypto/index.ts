import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { Config } from '../config.js';
import type { NodeIdentity } from './types.js';
import {
  createOnce,
  ensureKeyDir,
  generateSigningKeyPem,
  keyFiles,
  readIfExists,
  readPrivate,
} from './keys.js';
import { macKeyDeriver, sealer, signDigest, signatureAlgorithm, suiteHash } from './suite.js';

export type { NodeIdentity } from './types.js';
export { suiteHash, verifySignature, SM4_GCM_AVAILABLE } from './suite.js';
export { keyFiles } from './keys.js';

/**
 * Loads the node's identity from `<home>/keys/`, creating the signing keypair and the 32-byte
 * data key on first start. Private files are 0600 in a 0700 directory.
 */
export async function loadNodeIdentity(
  config: Pick<Config, 'home' | 'cryptoSuite' | 'node'>,
): Promise<NodeIdentity> {
  const suite = config.cryptoSuite;
  const files = keyFiles(config.home, suite);
  await ensureKeyDir(files.dir);

  const existingKey = await readIfExists(files.privateKey);
  const privatePem = existingKey
    ? await readPrivate(files.privateKey, 0o600)
    : await createOnce(files.privateKey, generateSigningKeyPem(suite), 0o600);
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKey = crypto.createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // The public key is derived from the private one on every start; the .pub file is a
  // convenience copy for operators, rewritten if it disagrees.
  if ((await readIfExists(files.publicKey)) !== publicKeyPem) {
    await fs.writeFile(files.publicKey, publicKeyPem, { mode: 0o644 });
  }

  const existingData = await readIfExists(files.dataKey);
  const dataB64 = existingData
    ? await readPrivate(files.dataKey, 0o600)
    : await createOnce(files.dataKey, crypto.randomBytes(32).toString('base64') + '\n', 0o600);
  const dataKey = Buffer.from(dataB64.trim(), 'base64');
  if (dataKey.length !== 32) throw new Error(`${files.dataKey} does not hold a 32-byte key`);

  const hash = suiteHash(suite);
  const digest = signDigest(suite);
  const box = sealer(suite, dataKey);
  const macKey = macKeyDeriver(suite, dataKey);
  const keyId = hash(publicKey.export({ type: 'spki', format: 'der' })).toString('hex');

  return {
    code: config.node.code,
    name: config.node.name,
    level: config.node.level,
    suite,
    algorithm: signatureAlgorithm(suite),
    keyId,
    publicKeyPem,
    hash,
    sign: (data) => crypto.sign(digest, data, privateKey),
    verify: (data, signature) => {
      try {
        return crypto.verify(digest, data, publicKey, signature);
      } catch {
        return false;
      }
    },
    seal: (pt) => box.seal(pt),
    open: (sealed) => box.open(sealed),
    macKey,
  };
}
