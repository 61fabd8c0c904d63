import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/token-bucket.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

function takeAll(bucket: TokenBucket, max = 1000): number {
  let n = 0;
  while (n < max && bucket.take()) n++;
  return n;
}

describe('TokenBucket', () => {
  it('starts full: allows exactly `burst` takes at once', () => {
    const c = clock();
    expect(takeAll(new TokenBucket(5, 3, c.now))).toBe(3);
  });

  it('refills at `rate` tokens a second, fractions included', () => {
    const c = clock();
    const b = new TokenBucket(4, 4, c.now);
    takeAll(b);
    c.t += 249; // 0.996 of a token
    expect(b.take()).toBe(false);
    c.t += 1; // a whole token
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    c.t += 500; // two tokens
    expect(takeAll(b)).toBe(2);
  });

  it('never holds more than `burst`', () => {
    const c = clock();
    const b = new TokenBucket(10, 3, c.now);
    takeAll(b);
    c.t += 60_000;
    expect(takeAll(b)).toBe(3);
  });

  it('does not refill on a clock that goes backwards, and does not lose time after it', () => {
    const c = clock(10_000);
    const b = new TokenBucket(1, 1, c.now);
    expect(b.take()).toBe(true);
    c.t = 5_000;
    expect(b.take()).toBe(false);
    c.t = 11_000; // one second after the last real take
    expect(b.take()).toBe(true);
  });

  it('uses Date.now by default', () => {
    const b = new TokenBucket(1, 2);
    expect(takeAll(b)).toBe(2);
  });
});
