import { TokenBucket } from '../token-bucket.js';

/**
 * How fast the client writes what it queued (messages and `read` frames): a
 * token bucket kept under the server's per-connection frame limit
 * (`WS_RATE_LIMIT` 20/s, `WS_RATE_BURST` 40 by default), so the outbox a
 * client built up while offline goes out after a reconnect without being
 * answered `rate_limited`, and without the strikes that close the socket with
 * 1008. A `rate_limited` answer all the same (a server with lower limits)
 * halves the rate and the burst, down to one frame a second and one at
 * once; the answers to one overflow (one per frame past the server's burst)
 * count once. After a quiet spell (RECOVER_MS without one) they double
 * again, up to what the client was given: a server that was only busy for a
 * moment (its write backlog answers `rate_limited` too) does not slow the
 * client for the rest of its life.
 */
/** `rate_limited` answers this close together answer one overflow. */
const SAME_OVERFLOW_MS = 1000;
/** A quiet spell this long doubles a halved rate and burst back, a step at a time. */
export const RECOVER_MS = 30_000;

export class SendPacer {
  private bucket: TokenBucket;
  /** The last overflow: answers within SAME_OVERFLOW_MS of it belong to it. */
  private lastSlowDown = -Infinity;
  /** The last change of pace, either way: the next step up needs RECOVER_MS of quiet after it. */
  private lastStep = -Infinity;
  private readonly fullRate: number;
  private readonly fullBurst: number;

  constructor(
    private rate: number,
    private burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.fullRate = rate;
    this.fullBurst = burst;
    this.bucket = new TokenBucket(rate, burst, now);
  }

  /** Takes one frame's worth; false when the bucket is empty (see `waitMs`). */
  take(): boolean {
    if (this.rate < this.fullRate && this.now() - this.lastStep >= RECOVER_MS) this.recover();
    return this.bucket.take();
  }

  /** A quiet spell: one step back up (double, at most the given rate and burst); the next step needs another spell. */
  private recover(): void {
    // Not lastSlowDown: an overflow right after a step up (the doubled burst is what overflows) is a new one.
    this.lastStep = this.now();
    this.rate = Math.min(this.fullRate, this.rate * 2);
    this.burst = Math.min(this.fullBurst, this.burst * 2);
    this.bucket = new TokenBucket(this.rate, this.burst, this.now);
  }

  /** How long until the next frame may go. */
  waitMs(): number {
    return this.bucket.msUntilToken();
  }

  /**
   * The server answered `rate_limited`: go at half the rate and half the
   * burst (at least one), from an empty bucket. The other answers to the same
   * overflow arrive within the second: they change nothing more.
   */
  slowDown(): void {
    const t = this.now();
    if (t - this.lastSlowDown < SAME_OVERFLOW_MS) return;
    this.lastSlowDown = t;
    this.lastStep = t;
    this.rate = Math.max(1, this.rate / 2);
    this.burst = Math.max(1, Math.floor(this.burst / 2));
    this.bucket = new TokenBucket(this.rate, this.burst, this.now);
    this.bucket.drain();
  }

  /** Frames per second now. */
  get currentRate(): number {
    return this.rate;
  }
}
