/**
 * Rule: a session store's touch (a write) is throttled per session, so a
 * signed-in client cannot make one store write per request (see
 * src/session/touch-throttle.ts and test/integration/session-touch-throttle.test.ts).
 * A touch writes when it would move the expiry by a minute, or a tenth of the
 * session's lifetime if that is less; the memory of what was written is bounded.
 */
import { describe, expect, it } from 'vitest';
import { TOUCH_AFTER_MS, TouchThrottle, touchAfterMs } from '../../src/session/touch-throttle.js';

const DAY = 24 * 60 * 60 * 1000;

describe('TouchThrottle', () => {
  it('writes the first touch, skips those that move the expiry by less than a minute, writes the next', () => {
    const t = new TouchThrottle();
    const now = 1_000_000;
    expect(t.shouldWrite('a', now + 30 * DAY, now)).toBe(true);
    expect(t.shouldWrite('a', now + 30 * DAY + 1000, now + 1000)).toBe(false);
    expect(t.shouldWrite('a', now + 30 * DAY + TOUCH_AFTER_MS - 1, now + TOUCH_AFTER_MS - 1)).toBe(false);
    expect(t.shouldWrite('a', now + 30 * DAY + TOUCH_AFTER_MS, now + TOUCH_AFTER_MS)).toBe(true);
    expect(t.shouldWrite('a', now + 30 * DAY + TOUCH_AFTER_MS + 1, now + TOUCH_AFTER_MS + 1)).toBe(false);
  });

  it('a save counts as a write; an expiry moved back is written; a forgotten session writes again', () => {
    const t = new TouchThrottle();
    t.remember('a', 5 * DAY);
    expect(t.shouldWrite('a', 5 * DAY + 10, 0)).toBe(false);
    expect(t.shouldWrite('a', 4 * DAY, 0)).toBe(true);
    t.forget('a');
    expect(t.shouldWrite('a', 4 * DAY, 0)).toBe(true);
  });

  it('keeps a short session within a tenth of its lifetime', () => {
    expect(touchAfterMs(30 * DAY)).toBe(TOUCH_AFTER_MS);
    expect(touchAfterMs(10_000)).toBe(1000);
    const t = new TouchThrottle();
    expect(t.shouldWrite('a', 10_000, 0)).toBe(true);
    expect(t.shouldWrite('a', 10_999, 999)).toBe(false);
    expect(t.shouldWrite('a', 11_000, 1000)).toBe(true);
  });

  it('remembers at most `capacity` sessions, forgetting the least recently used', () => {
    const t = new TouchThrottle(3);
    for (const sid of ['a', 'b', 'c']) t.remember(sid, DAY);
    expect(t.shouldWrite('a', DAY, 0)).toBe(false); // a is now the most recent
    t.remember('d', DAY);
    expect(t.size).toBe(3);
    expect(t.shouldWrite('a', DAY, 0)).toBe(false);
    expect(t.shouldWrite('b', DAY, 0)).toBe(true); // b was evicted
  });
});
