import type { CryptoSuite, NodeLevel } from '../config.js';

/**
 * The node's identity and its crypto suite: `intl` (SHA-256, Ed25519, AES-256-GCM) or
 * `gm` (SM3, SM2, SM4). Everything that hashes or signs for the node goes through this.
 */
export interface NodeIdentity {
  code: string;
  name: string;
  level: NodeLevel;
  suite: CryptoSuite;
  /** 'ed25519' under intl, 'sm2' under gm. */
  algorithm: 'ed25519' | 'sm2';
  /** Hex of the suite hash of the public key's DER (SPKI). */
  keyId: string;
  publicKeyPem: string;
  /** The suite's hash: SHA-256 or SM3. */
  hash(...parts: Uint8Array[]): Buffer;
  sign(data: Uint8Array): Buffer;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
  /** Authenticated encryption with the node's data key: AES-256-GCM or SM4-GCM. */
  seal(plaintext: Uint8Array): Buffer;
  open(sealed: Uint8Array): Buffer;
  /**
   * A 32-byte key for one purpose (`mask` for keyed_hash, `subject` for the audit's subject
   * hashes), derived from the data key by HKDF (RFC 5869) with the suite's hash, no salt and the
   * info `datong <purpose>`. Deterministic per node, suite and purpose; a fresh copy each call.
   */
  macKey(purpose: string): Buffer;
}
