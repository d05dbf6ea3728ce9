/**
 * An independent RFC 9162 verifier, written from the RFC text (§2.1.3.2 and §2.1.4.2) and NOT
 * from src/platform/audit/merkle.ts, so the ledger's proofs are checked against the standard,
 * not against themselves. Numbers are handled with BigInt so the bit arithmetic is literal.
 */
import crypto from 'node:crypto';

export type Algo = 'sha256' | 'sm3';

function H(algo: Algo, ...parts: Buffer[]): Buffer {
  const h = crypto.createHash(algo);
  for (const p of parts) h.update(p);
  return h.digest();
}

export const leafHash = (algo: Algo, entry: Buffer): Buffer => H(algo, Buffer.of(0), entry);
const nodeHash = (algo: Algo, l: Buffer, r: Buffer): Buffer => H(algo, Buffer.of(1), l, r);

/** MTH straight from §2.1.1 (k = largest power of two smaller than n). */
export function referenceRoot(algo: Algo, entries: Buffer[]): Buffer {
  if (entries.length === 0) return H(algo);
  if (entries.length === 1) return leafHash(algo, entries[0]!);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return nodeHash(algo, referenceRoot(algo, entries.slice(0, k)), referenceRoot(algo, entries.slice(k)));
}

const lsb = (x: bigint): boolean => (x & 1n) === 1n;

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(
  algo: Algo,
  leafIndex: number,
  treeSize: number,
  leaf: Buffer,
  inclusionPath: Buffer[],
  root: Buffer,
): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r = leaf;
  for (const p of inclusionPath) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(algo, p, r);
      if (!lsb(fn)) {
        do {
          fn >>= 1n;
          sn >>= 1n;
        } while (!lsb(fn) && fn !== 0n);
      }
    } else {
      r = nodeHash(algo, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/** RFC 9162 §2.1.4.2 (with the trivial first == second case: empty proof, equal roots). */
export function verifyConsistency(
  algo: Algo,
  first: number,
  second: number,
  firstHash: Buffer,
  secondHash: Buffer,
  consistencyPath: Buffer[],
): boolean {
  if (first < 1 || first > second) return false;
  if (first === second) return consistencyPath.length === 0 && firstHash.equals(secondHash);
  let path = consistencyPath;
  // Step 1: if first is an exact power of 2, prepend first_hash.
  if ((first & (first - 1)) === 0) path = [firstHash, ...path];
  if (path.length === 0) return false;
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  if (lsb(fn)) {
    while (lsb(fn)) {
      fn >>= 1n;
      sn >>= 1n;
    }
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(algo, c, fr);
      sr = nodeHash(algo, c, sr);
      if (!lsb(fn)) {
        do {
          fn >>= 1n;
          sn >>= 1n;
        } while (!lsb(fn) && fn !== 0n);
      }
    } else {
      sr = nodeHash(algo, sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return fr.equals(firstHash) && sr.equals(secondHash) && sn === 0n;
}
