/**
 * A token bucket: `rate` tokens a second, holding at most `burst`.
 * `take()` is O(1) and allocates nothing; the clock is injectable for tests.
 * One for the server (frame and HTTP budgets) and the client SDK (its send
 * pacing): it imports nothing, so the browser bundle may carry it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes `n` tokens whatever is left, below zero if need be: for a cost known
   * only once the work is done. `take()` then refuses until the debt has been
   * paid back at `rate` (and `msUntilToken()` says when).
   */
  spend(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** Whether the bucket is back to `burst`: then it is no different from a new one. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  /** Empties the bucket: the next token comes after 1/rate s. */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  /** Milliseconds until the next token (0 when one is there). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    if (elapsed <= 0) return;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}
