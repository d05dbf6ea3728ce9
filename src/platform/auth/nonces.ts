import type { Pool } from '../db/pool.js';
import { claimNonces } from './store.js';

interface Claim {
  keyId: string;
  nonce: string;
  resolve: (claimed: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Nonce claims of signed requests, group-committed: claims arriving while earlier ones are in
 * flight go together in the next statement (see `claimNonces`), so that concurrent requests
 * share one round trip and one transaction instead of paying one each. A nonce given twice in
 * the same group is a replay like any other: the first claim wins.
 */
export class NonceClaims {
  private readonly queue: Claim[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 1000,
  ) {}

  /** True when this request is the first to use the nonce with this key. */
  claim(keyId: string, nonce: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keyId, nonce, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const first = new Map<string, Claim>();
      const repeated: Claim[] = [];
      for (const c of batch) {
        const id = `${c.keyId}\n${c.nonce}`;
        if (first.has(id)) repeated.push(c);
        else first.set(id, c);
      }
      repeated.forEach((c) => c.resolve(false));
      this.inFlight += 1;
      claimNonces(this.pool, [...first.values()])
        .then(
          (claimed) => first.forEach((c, id) => c.resolve(claimed.has(id))),
          (err: unknown) => first.forEach((c) => c.reject(err)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
