import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

// KEYS: the counter. ARGV: the window in ms. The count after this hit and the ms left in its window.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

type HitRedis = Redis & { parlorRateHit(key: string, windowMs: number): Promise<[number, number]> };

/**
 * An express-rate-limit store whose counters live in Redis, so every instance
 * of a cluster counts one client against one budget (`AUTH_RATE_LIMIT`: the
 * instances behind one balancer behave as one server). A fixed window per
 * key: one script per hit (INCR, and PEXPIRE on the window's first hit), run
 * by ioredis as EVALSHA with EVAL as its fallback, so nothing has to be
 * loaded before Redis is reachable.
 *
 * On the broker's command connection, which fails fast while Redis is down:
 * a hit that cannot be counted then counts as the first of its window (the
 * per-process limit in front of this one still holds), with one warning per
 * outage in Parlor's log rather than express-rate-limit's console line per
 * request.
 */
export class RedisRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly redis: HitRedis;
  /** Set while hits fail: warned once, until one is counted again. */
  private failing = false;

  constructor(
    redis: Redis,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    if (!('parlorRateHit' in redis)) redis.defineCommand('parlorRateHit', { numberOfKeys: 1, lua: HIT });
    this.redis = redis as HitRedis;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      const [totalHits, msLeft] = await this.redis.parlorRateHit(this.prefix + key, this.windowMs);
      this.failing = false;
      return { totalHits: Number(totalHits), resetTime: new Date(Date.now() + Number(msLeft)) };
    } catch (err) {
      if (!this.failing) this.log.warn({ err, limit: this.prefix }, 'redis: shared rate limit not counted; each instance counts alone until Redis is back');
      this.failing = true;
      return { totalHits: 1, resetTime: new Date(Date.now() + this.windowMs) };
    }
  }

  async decrement(key: string): Promise<void> {
    await this.redis.decr(this.prefix + key).catch(() => {});
  }

  async resetKey(key: string): Promise<void> {
    await this.redis.del(this.prefix + key).catch(() => {});
  }
}
