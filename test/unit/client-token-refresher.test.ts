/**
 * The client's token rules (src/client/token-refresher.ts): when a refresh
 * is due, and what `getToken()` must answer.
 */
import { describe, expect, it, vi } from 'vitest';
import { REFRESH_RETRY_FLOOR_MS, refreshDelay, TokenRefresher } from '../../src/client/token-refresher.js';

describe('refreshDelay', () => {
  it('refreshes aheadMs before expiry when the token has more than twice that left', () => {
    expect(refreshDelay(1_000_000 + 900_000, 1_000_000, 60_000)).toBe(840_000);
  });

  it('refreshes halfway for a shorter token, and at once for one already past', () => {
    expect(refreshDelay(1_000_000 + 100_000, 1_000_000, 60_000)).toBe(50_000);
    expect(refreshDelay(1_000_000 + 2_000, 1_000_000, 60_000)).toBe(1_000);
    expect(refreshDelay(999_000, 1_000_000, 60_000)).toBe(0);
  });
});

describe('TokenRefresher.fresh', () => {
  it('hands back {token, expires_at} and refuses any other answer of getToken', async () => {
    expect(await new TokenRefresher(() => ({ token: 't', expires_at: 5 }), 1000).fresh()).toEqual({ token: 't', expires_at: 5 });
    for (const bad of [null, 'a-token', { token: '' , expires_at: 5 }, { token: 't' }, { token: 't', expires_at: '5' }]) {
      await expect(new TokenRefresher(() => bad as never, 1000).fresh()).rejects.toThrow(/getToken\(\) must resolve to \{token, expires_at\}/);
    }
  });

  it('sends a newer token ahead of expiry once started, and stops with stop()', async () => {
    let n = 0;
    const refresher = new TokenRefresher(() => ({ token: `t${++n}`, expires_at: Date.now() + 40 }), 1000);
    await refresher.fresh();
    const sent: string[] = [];
    refresher.start((token) => sent.push(token));
    await new Promise((r) => setTimeout(r, 60));
    expect(sent[0]).toBe('t2');
    refresher.stop();
    const after = sent.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(sent.length).toBe(after);
  });
});

describe('TokenRefresher retries', () => {
  it('a getToken that keeps failing past the deadline (a client clock ahead) is tried once a second, not in a tight loop', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const refresher = new TokenRefresher(() => (++calls === 1 ? { token: 't', expires_at: Date.now() - 5_000 } : Promise.reject(new Error('backend down'))), 60_000);
      await refresher.fresh();
      refresher.start(() => {});
      await vi.advanceTimersByTimeAsync(10_000);
      refresher.stop();
      // The first retry at once (the deadline is past), then one every REFRESH_RETRY_FLOOR_MS.
      expect(calls - 1).toBeGreaterThanOrEqual(10);
      expect(calls - 1).toBeLessThanOrEqual(10_000 / REFRESH_RETRY_FLOOR_MS + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a token of 30 days (past setTimeout\'s 24.8-day limit) is refreshed refreshAheadMs before its end, not at once and in a loop', async () => {
    vi.useFakeTimers();
    try {
      const DAY = 24 * 3600 * 1000;
      let calls = 0;
      const sent: string[] = [];
      const refresher = new TokenRefresher(() => ({ token: `t${++calls}`, expires_at: Date.now() + 30 * DAY }), 60_000);
      await refresher.fresh();
      refresher.start((token) => sent.push(token));
      await vi.advanceTimersByTimeAsync(1000);
      expect({ calls, sent }).toEqual({ calls: 1, sent: [] });
      await vi.advanceTimersByTimeAsync(30 * DAY - 60_000 - 1000 - 10);
      expect(sent).toEqual([]);
      await vi.advanceTimersByTimeAsync(20);
      expect(sent).toEqual(['t2']);
      refresher.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
