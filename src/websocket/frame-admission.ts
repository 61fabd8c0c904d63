import type { ManagerOptions } from './options.js';
import { TokenBucket } from '../token-bucket.js';

/** Refused frames are forgiven at `abuseTolerance` per this many seconds... */
const ABUSE_MEMORY_S = 10;
/**
 * ...and at most at this share of the rate limit per second: with the
 * defaults (20/s, 60) both say 6 a second, but with a low WS_RATE_LIMIT the
 * first alone forgave more than a flood at several times the rate is refused,
 * and it was never closed.
 */
const FORGIVEN_SHARE_OF_RATE = 0.3;

/** 'ok': handle the frame; 'limited': answer `rate_limited`; 'abusive': close the connection with 1008. */
export type Admission = 'ok' | 'limited' | 'abusive';

/**
 * Whether one connection may send another frame: `rateLimit` frames a second
 * after a burst of `rateBurst` (a token bucket), and a strike for every frame
 * refused. Strikes are forgiven over ABUSE_MEMORY_S seconds, and never
 * faster than a share of the rate, so a client that keeps sending over the
 * rate becomes abusive within seconds, whatever the rate.
 */
export class FrameAdmission {
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private lastStrike: number;

  /** Strikes forgiven per millisecond. */
  private readonly forgivenPerMs: number;

  constructor(private readonly options: Pick<ManagerOptions, 'rateLimit' | 'rateBurst' | 'abuseTolerance' | 'now'>) {
    this.bucket = new TokenBucket(options.rateLimit, options.rateBurst, options.now);
    this.lastStrike = options.now();
    this.forgivenPerMs = Math.min(options.abuseTolerance / ABUSE_MEMORY_S, options.rateLimit * FORGIVEN_SHARE_OF_RATE) / 1000;
  }

  /** Counts one incoming frame. */
  admit(): Admission {
    if (this.bucket.take()) return 'ok';
    const now = this.options.now();
    const forgiven = (now - this.lastStrike) * this.forgivenPerMs;
    this.strikes = Math.max(0, this.strikes - forgiven) + 1;
    this.lastStrike = now;
    return this.strikes > this.options.abuseTolerance ? 'abusive' : 'limited';
  }
}
