import crypto from 'node:crypto';
import type { CryptoSuite } from '../config.js';

/** Hash of the suite (SHA-256 or SM3) over the concatenation of `parts`, without copying them. */
export function suiteHash(suite: CryptoSuite): (...parts: Uint8Array[]) => Buffer {
  const algo = suite === 'gm' ? 'sm3' : 'sha256';
  return (...parts) => {
    const h = crypto.createHash(algo);
    for (const p of parts) h.update(p);
    return h.digest();
  };
}

/**
 * Per-purpose MAC keys from the data key: HKDF (RFC 5869) with SHA-256 (intl) or SM3 (gm), empty
 * salt, info `datong <purpose>`, 32 bytes. Derived once per purpose; callers get a copy, so that
 * nobody can alter the cached key.
 */
export function macKeyDeriver(suite: CryptoSuite, dataKey: Buffer): (purpose: string) => Buffer {
  const algo = suite === 'gm' ? 'sm3' : 'sha256';
  const cache = new Map<string, Buffer>();
  return (purpose) => {
    if (purpose === '') throw new Error('a MAC key needs a purpose');
    let key = cache.get(purpose);
    if (!key) {
      key = Buffer.from(crypto.hkdfSync(algo, dataKey, Buffer.alloc(0), `datong ${purpose}`, 32));
      cache.set(purpose, key);
    }
    return Buffer.from(key);
  };
}

/** Signature digest argument for crypto.sign/verify: Ed25519 takes none, SM2 takes SM3. */
export function signDigest(suite: CryptoSuite): string | null {
  return suite === 'gm' ? 'sm3' : null;
}

export function signatureAlgorithm(suite: CryptoSuite): 'ed25519' | 'sm2' {
  return suite === 'gm' ? 'sm2' : 'ed25519';
}

/** Verifies a signature by any node's public key (used for checkpoints and, later, federation). */
export function verifySignature(
  algorithm: 'ed25519' | 'sm2',
  publicKeyPem: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = crypto.createPublicKey(publicKeyPem);
    return crypto.verify(algorithm === 'sm2' ? 'sm3' : null, data, key, signature);
  } catch {
    return false;
  }
}

/*
 * Sealed-box formats. The first byte names the format so data sealed today stays readable if a
 * later OpenSSL offers SM4-GCM and new seals switch to it.
 *   0x01 AES-256-GCM:  01 ‖ iv(12) ‖ tag(16) ‖ ciphertext
 *   0x02 SM4-CTR + HMAC-SM3 (encrypt-then-MAC), used because OpenSSL 3.0 as bundled with Node 20
 *        has no sm4-gcm: 02 ‖ iv(16) ‖ ciphertext ‖ mac(32), mac over 02 ‖ iv ‖ ciphertext.
 *        Separate 16-byte SM4 and 32-byte MAC keys are derived from the data key by HMAC-SM3.
 *   0x03 SM4-GCM (when available): 03 ‖ iv(12) ‖ tag(16) ‖ ciphertext
 */
const AES_GCM = 0x01;
const SM4_CTR_HMAC = 0x02;
const SM4_GCM = 0x03;

export const SM4_GCM_AVAILABLE = crypto.getCiphers().includes('sm4-gcm');

export interface Sealer {
  seal(plaintext: Uint8Array): Buffer;
  open(sealed: Uint8Array): Buffer;
}

function gcmSeal(format: number, cipher: 'aes-256-gcm' | 'sm4-gcm', key: Buffer, pt: Uint8Array): Buffer {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv(cipher, key, iv) as crypto.CipherGCM;
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return Buffer.concat([Buffer.of(format), iv, c.getAuthTag(), ct]);
}

function gcmOpen(cipher: 'aes-256-gcm' | 'sm4-gcm', key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < 29) throw new Error('sealed data too short');
  const d = crypto.createDecipheriv(cipher, key, sealed.subarray(1, 13)) as crypto.DecipherGCM;
  d.setAuthTag(sealed.subarray(13, 29));
  return Buffer.concat([d.update(sealed.subarray(29)), d.final()]);
}

export function sealer(suite: CryptoSuite, dataKey: Buffer): Sealer {
  if (dataKey.length !== 32) throw new Error('the data key must be 32 bytes');
  const sm4Key = crypto.createHmac('sm3', dataKey).update('datong sm4 key').digest().subarray(0, 16);
  const macKey = crypto.createHmac('sm3', dataKey).update('datong sm3 mac key').digest();
  const mac = (...parts: Uint8Array[]) => {
    const h = crypto.createHmac('sm3', macKey);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  return {
    seal(pt) {
      if (suite === 'intl') return gcmSeal(AES_GCM, 'aes-256-gcm', dataKey, pt);
      if (SM4_GCM_AVAILABLE) return gcmSeal(SM4_GCM, 'sm4-gcm', sm4Key, pt);
      const iv = crypto.randomBytes(16);
      const c = crypto.createCipheriv('sm4-ctr', sm4Key, iv);
      const head = Buffer.concat([Buffer.of(SM4_CTR_HMAC), iv, c.update(pt), c.final()]);
      return Buffer.concat([head, mac(head)]);
    },
    open(input) {
      const sealed = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      const format = sealed[0];
      if (format === AES_GCM && suite === 'intl') return gcmOpen('aes-256-gcm', dataKey, sealed);
      if (format === SM4_GCM && suite === 'gm') return gcmOpen('sm4-gcm', sm4Key, sealed);
      if (format === SM4_CTR_HMAC && suite === 'gm') {
        if (sealed.length < 49) throw new Error('sealed data too short');
        const head = sealed.subarray(0, sealed.length - 32);
        if (!crypto.timingSafeEqual(mac(head), sealed.subarray(sealed.length - 32))) {
          throw new Error('sealed data failed authentication');
        }
        const d = crypto.createDecipheriv('sm4-ctr', sm4Key, head.subarray(1, 17));
        return Buffer.concat([d.update(head.subarray(17)), d.final()]);
      }
      throw new Error(`unknown sealed-data format ${String(format)} for suite ${suite}`);
    },
  };
}
