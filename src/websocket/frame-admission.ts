import type { ManagerOptions } from './options.js';
import { TokenBucket } from '../token-bucket.js';

/** Refused frames are forgiven at `abuseTolerance` per this many seconds. */
const ABUSE_MEMORY_S = 10;

/** 'ok': handle the frame; 'limited': answer `rate_limited`; 'abusive': close the connection with 1008. */
export type Admission = 'ok' | 'limited' | 'abusive';

/**
 * Whether one connection may send another frame: `rateLimit` frames a second
 * after a burst of `rateBurst` (a token bucket), and a strike for every frame
 * refused. Strikes are forgiven over ABUSE_MEMORY_S seconds, slower than
 * tokens refill, so a client that keeps sending even a little over the rate
 * becomes abusive within seconds.
 */
export class FrameAdmission {
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private lastStrike: number;

  constructor(private readonly options: Pick<ManagerOptions, 'rateLimit' | 'rateBurst' | 'abuseTolerance' | 'now'>) {
    this.bucket = new TokenBucket(options.rateLimit, options.rateBurst, options.now);
    this.lastStrike = options.now();
  }

  /** Counts one incoming frame. */
  admit(): Admission {
    if (this.bucket.take()) return 'ok';
    const now = this.options.now();
    const forgiven = ((now - this.lastStrike) * this.options.abuseTolerance) / (ABUSE_MEMORY_S * 1000);
    this.strikes = Math.max(0, this.strikes - forgiven) + 1;
    this.lastStrike = now;
    return this.strikes > this.options.abuseTolerance ? 'abusive' : 'limited';
  }
}
