/**
 * Rule (src/http/router.ts, authLimiter): a released auth limiter leaves
 * none of its stores alive. Each Parlor makes one (its own per-process
 * counters, and the broker's shared counters when it has a broker), and
 * parlor.close() releases it.
 *
 * What used to happen: express-rate-limit's check that a store serves one
 * limiter only kept every store it was given in a module-level Set, for the
 * life of the process (shutdown() does not take it out): each Parlor created
 * and closed left its counters there, and with a broker its Redis store too.
 *
 * Counted: live stores after a full GC (test/support/live-objects.ts), after
 * CYCLES limiters are made and released. A leak keeps one per limiter.
 */
import { MemoryStore } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { authLimiter } from '../../src/http/router.js';
import { liveInstances } from '../support/live-objects.js';

const CYCLES = 40;
const MARGIN = CYCLES / 10;

/** Stands for the broker's shared counters (RedisRateLimitStore): a store made for one limiter, counted apart. */
class SharedCounters extends MemoryStore {}

describe('authLimiter, made and released over and over', () => {
  it('keeps neither its own counters nor the shared ones', async () => {
    const before = { own: await liveInstances(MemoryStore), shared: await liveInstances(SharedCounters) };
    for (let i = 0; i < CYCLES; i++) {
      const shared = new SharedCounters();
      authLimiter(30, shared).release();
      shared.shutdown(); // what closing the broker does to its own store; the limiter does not own it
    }
    const after = { own: await liveInstances(MemoryStore), shared: await liveInstances(SharedCounters) };
    expect(after.shared - before.shared).toBeLessThan(MARGIN);
    // MemoryStore counts the shared ones too (a subclass): both kinds are gone.
    expect(after.own - before.own).toBeLessThan(MARGIN);
  });
});
