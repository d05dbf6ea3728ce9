import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  rootAt,
  rootOfLeafHashes,
  treeHasher,
  type NodeRef,
} from '../../src/platform/audit/merkle.js';
import { canonicalJson } from '../../src/platform/audit/canonical.js';
import { referenceRoot, verifyConsistency, verifyInclusion, type Algo } from './rfc9162-verifier.js';

const sha = treeHasher((...p) => {
  const h = crypto.createHash('sha256');
  p.forEach((x) => h.update(x));
  return h.digest();
});

/** In-memory perfect-subtree store over `leaves`, built by straightforward pairing. */
function memoryTree(algo: Algo, entries: Buffer[]) {
  const h = treeHasher((...p) => {
    const x = crypto.createHash(algo);
    p.forEach((b) => x.update(b));
    return x.digest();
  });
  const levels: Buffer[][] = [entries.map((e) => h.leaf(e))];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) up.push(h.node(below[i]!, below[i + 1]!));
    levels.push(up);
  }
  const fetch = async (nodes: readonly NodeRef[]) => nodes.map((n) => levels[n.level]![n.idx]!);
  return { h, levels, fetch };
}

describe('RFC 9162 Merkle tree', () => {
  const entries = Array.from({ length: 300 }, (_, i) => Buffer.from(`entry ${i}`));

  it('matches the RFC test-vector shape: empty tree and single leaf', () => {
    expect(sha.empty().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(rootOfLeafHashes(sha, [sha.leaf(Buffer.alloc(0))]).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });

  for (const algo of ['sha256', 'sm3'] as const) {
    it(`compact range root equals MTH for every size 0..300 (${algo})`, async () => {
      const { h, fetch } = memoryTree(algo, entries);
      const cr = new CompactRange(h);
      expect(cr.root().equals(referenceRoot(algo, []))).toBe(true);
      for (let n = 1; n <= entries.length; n++) {
        cr.append(h.leaf(entries[n - 1]!));
        const expected = referenceRoot(algo, entries.slice(0, n));
        expect(cr.root().equals(expected)).toBe(true);
        expect((await rootAt(h, n, fetch)).equals(expected)).toBe(true);
      }
    });

    it(`inclusion and consistency proofs verify independently, wrong ones fail (${algo})`, async () => {
      const { h, fetch } = memoryTree(algo, entries);
      const roots: Buffer[] = [Buffer.alloc(0)];
      for (let n = 1; n <= entries.length; n++) roots.push(referenceRoot(algo, entries.slice(0, n)));
      for (let n = 1; n <= entries.length; n++) {
        const ms = n <= 70 ? [...Array(n).keys()] : [0, 1, n >> 1, n - 2, n - 1];
        for (const m of ms) {
          const proof = await inclusionProof(h, m, n, fetch);
          const leaf = h.leaf(entries[m]!);
          expect(verifyInclusion(algo, m, n, leaf, proof, roots[n]!)).toBe(true);
          expect(verifyInclusion(algo, m, n, h.leaf(Buffer.from('other')), proof, roots[n]!)).toBe(false);
          if (n > 1) expect(verifyInclusion(algo, (m + 1) % n, n, leaf, proof, roots[n]!)).toBe(false);
          if (proof.length) {
            const bad = proof.map((p, i) => (i === proof.length - 1 ? h.leaf(p) : p));
            expect(verifyInclusion(algo, m, n, leaf, bad, roots[n]!)).toBe(false);
          }
        }
        const froms = n <= 70 ? [...Array(n).keys()].map((i) => i + 1) : [1, 2, 3, n >> 1, n - 1, n];
        for (const m of froms) {
          const proof = await consistencyProof(h, m, n, fetch);
          expect(verifyConsistency(algo, m, n, roots[m]!, roots[n]!, proof)).toBe(true);
          if (m < n) {
            expect(verifyConsistency(algo, m, n, roots[m]!, h.leaf(Buffer.from('x')), proof)).toBe(false);
            expect(verifyConsistency(algo, m, n, roots[m]!, roots[n]!, proof.slice(1))).toBe(false);
          }
        }
      }
    });
  }
});

describe('canonical JSON', () => {
  it('sorts keys recursively and is stable across key order', () => {
    const a = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } });
    const b = canonicalJson({ a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 });
    expect(a).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(b).toBe(a);
  });
});
