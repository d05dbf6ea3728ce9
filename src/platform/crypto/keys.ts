import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CryptoSuite } from '../config.js';

/**
 * Key files under `<home>/keys/`. Names carry the suite so that switching a node from `intl` to
 * `gm` (or back) never overwrites the other suite's keys.
 */
export interface KeyFiles {
  dir: string;
  privateKey: string;
  publicKey: string;
  dataKey: string;
}

export function keyFiles(home: string, suite: CryptoSuite): KeyFiles {
  const dir = path.join(home, 'keys');
  return {
    dir,
    privateKey: path.join(dir, `node-${suite}.key`),
    publicKey: path.join(dir, `node-${suite}.pub`),
    dataKey: path.join(dir, `data-${suite}.key`),
  };
}

/**
 * Creates `file` with `content` only if it does not exist yet, atomically: the content is written
 * to a temporary file first and then hard-linked into place, and link(2) fails when the target
 * exists. Two processes starting on a fresh home thus agree on one key, and nobody ever reads a
 * half-written key file. Returns what is in the file afterwards (ours or the winner's).
 */
export async function createOnce(file: string, content: string, mode: number): Promise<string> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, content, { mode, flag: 'wx' });
  try {
    await fs.link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return readPrivate(file, mode);
}

/** Reads a key file, tightening its mode if someone loosened it (keys must not be world-readable). */
export async function readPrivate(file: string, mode: number): Promise<string> {
  const st = await fs.stat(file);
  if ((st.mode & 0o777) !== mode) await fs.chmod(file, mode);
  return fs.readFile(file, 'utf8');
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function ensureKeyDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

/**
 * A fresh signing key as PKCS#8 PEM.
 *
 * Why the export/import dance for SM2: Node's `generateKeyPairSync('ec', {namedCurve: 'SM2'})`
 * returns an *EC* key on the SM2 curve, and signing with it gives plain ECDSA-with-SM3, not an
 * SM2 signature (GB/T 32918: Z_A pre-hash, different equation). Re-importing the PKCS#8 PEM makes
 * OpenSSL 3 type the key as SM2, and from then on sign/verify are real SM2. Signatures of the two
 * forms do not cross-verify, so the node only ever uses keys loaded from PEM.
 */
export function generateSigningKeyPem(suite: CryptoSuite): string {
  const { privateKey } =
    suite === 'gm'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' })
      : crypto.generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
