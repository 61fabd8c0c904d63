import { TokenBucket } from './token-bucket.js';

/** Requests a second, and how many may come at once before the rate applies. */
export interface RateBudget {
  rate: number;
  burst: number;
}

/**
 * One token bucket per user (or per other key: a credential, in
 * CredentialBudgets), with the socket's semantics (`rate` a second, `burst`
 * at once). Memory stays bounded by the keys active recently: a bucket that
 * has refilled is dropped (a new one would be the same), looked for at most
 * once per `sweepMs`, during a `take`.
 */
export class UserBudgets<K extends number | string = number> {
  private readonly buckets = new Map<K, TokenBucket>();
  private lastSweep: number;

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = Date.now,
    private readonly sweepMs = 10_000,
  ) {
    if (!(budget.rate > 0) || !(budget.burst >= 1)) throw new TypeError(`a rate budget needs rate > 0 and burst >= 1, got ${JSON.stringify(budget)}`);
    this.lastSweep = now();
  }

  /** Takes one request from the user's budget: 0 when admitted, else the milliseconds until the next one is. */
  take(userId: K): number {
    this.sweep();
    const bucket = this.bucketOf(userId);
    return bucket.take() ? 0 : Math.max(1, bucket.msUntilToken());
  }

  /**
   * Charges `tokens` more to a request already admitted, whose cost showed
   * once it was done (a long list); the user may go into debt, and `take`
   * refuses until it is paid back.
   */
  spend(userId: K, tokens: number): void {
    if (tokens > 0) this.bucketOf(userId).spend(tokens);
  }

  /** Users holding a bucket (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private bucketOf(userId: K): TokenBucket {
    let bucket = this.buckets.get(userId);
    if (!bucket) {
      bucket = new TokenBucket(this.budget.rate, this.budget.burst, this.now);
      this.buckets.set(userId, bucket);
    }
    return bucket;
  }

  private sweep(): void {
    const t = this.now();
    if (t - this.lastSweep < this.sweepMs) return;
    this.lastSweep = t;
    for (const [userId, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(userId);
  }
}
