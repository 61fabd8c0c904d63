import { TokenBucket } from '../token-bucket.js';
import type { Awaitable } from '../types.js';

/** How `/healthz` shares the stores' ping; the defaults are PING_SHARING, the clock is injectable for tests. */
export interface PingSharing {
  /** How long a ping's answer may be given again, once fresh pings come too fast. */
  reuseMs: number;
  /** Fresh pings a second (and at once) before answers are reused. */
  freshPerSecond: number;
  now?: () => number;
}

/**
 * About a second of reuse, and up to 5 fresh pings a second: a load balancer
 * probing every few seconds always gets a fresh answer (a store that fails is
 * a 503 at once), while a flood of probes costs at most about 5 store
 * queries a second.
 */
export const PING_SHARING: PingSharing = { reuseMs: 1000, freshPerSecond: 5 };

/**
 * The stores' ping behind `GET /healthz`, which anyone may call without a
 * session: each ping is a store query (on PostgreSQL a connection of the
 * pool, on SQLite two stats and a SELECT on the main thread), so 200
 * concurrent probes used to make 200 queries. Now the requests that arrive
 * while a ping is under way share it, and once more than `freshPerSecond`
 * pings a second are asked for, the latest answer (at most `reuseMs` old) is
 * given again instead of a new ping.
 */
export class SharedPing {
  private underWay: Promise<void> | null = null;
  private latest: { at: number; answer: Promise<void> } | null = null;
  private readonly fresh: TokenBucket;
  private readonly now: () => number;

  constructor(
    private readonly ping: () => Awaitable<void>,
    private readonly sharing: PingSharing = PING_SHARING,
  ) {
    this.now = sharing.now ?? Date.now;
    this.fresh = new TokenBucket(sharing.freshPerSecond, sharing.freshPerSecond, this.now);
  }

  /** Resolves when the stores answer, rejects with the ping's error when they do not. */
  check(): Promise<void> {
    if (this.underWay) return this.underWay;
    const latest = this.latest;
    if (latest && this.now() - latest.at < this.sharing.reuseMs && !this.fresh.take()) return latest.answer;
    // async: a ping that throws at once is a rejection like one that fails later.
    const answer = (async () => this.ping())();
    this.underWay = answer;
    const settled = () => {
      this.underWay = null;
      this.latest = { at: this.now(), answer };
    };
    answer.then(settled, settled);
    return answer;
  }
}
