/**
 * How fast the client writes what it queued (messages and `read` frames): a
 * token bucket kept under the server's per-connection frame limit
 * (`WS_RATE_LIMIT` 20/s, `WS_RATE_BURST` 40 by default), so the outbox a
 * client built up while offline goes out after a reconnect without being
 * answered `rate_limited`, and without the strikes that close the socket with
 * 1008. A `rate_limited` answer all the same (a server with lower limits)
 * halves the rate, down to one frame a second.
 */
export class SendPacer {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one frame's worth; false when the bucket is empty (see `waitMs`). */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until the next frame may go. */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** The server answered `rate_limited`: go at half the rate (at least one frame a second), from an empty bucket. */
  slowDown(): void {
    this.refill();
    this.rate = Math.max(1, this.rate / 2);
    this.tokens = 0;
  }

  /** Frames per second now. */
  get currentRate(): number {
    return this.rate;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
