import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffCeiling, backoffDelay, ParlorClientError } from '../../src/client/index.js';
import { connectAndSync, createClient, fakePlatform, flushPromises, startConnecting } from './client-support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A random source that returns `values` in turn, then repeats the last one. */
function sequence(...values: number[]) {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

function reconnectingEvents(events: [string, unknown][]) {
  return events.filter(([n]) => n === 'reconnecting').map(([, p]) => p as { attempt: number; delayMs: number; waitingFor?: string });
}

describe('backoffDelay', () => {
  it('doubles its ceiling per attempt up to maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20, 2000].map((n) => backoffCeiling(n, 100, 2000))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000,
    ]);
  });

  it('is a uniformly random share of the ceiling (full jitter), floored to whole ms', () => {
    const o = (r: number) => ({ baseMs: 100, maxMs: 2000, random: () => r });
    expect(backoffDelay(3, o(0))).toBe(0);
    expect(backoffDelay(3, o(0.25))).toBe(200);
    expect(backoffDelay(3, o(0.9999))).toBe(799);
    expect(backoffDelay(30, o(0.5))).toBe(1000);
  });
});

describe('ParlorClient reconnection', () => {
  it('waits a jittered, growing delay between failed attempts, within [0, min(max, base * 2^n))', () => {
    const random = sequence(0.5, 0.5, 0.5, 0.999, 0, 0.5);
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 1000, random });
    connectAndSync(h);
    h.net.last.drop(1006);
    const expected = [50, 100, 200, 799, 0, 500];
    for (const [i, delay] of expected.entries()) {
      const sockets = h.net.sockets.length;
      if (delay > 0) {
        vi.advanceTimersByTime(delay - 1);
        expect(h.net.sockets.length).toBe(sockets);
      }
      vi.advanceTimersByTime(1);
      expect(h.net.sockets.length).toBe(sockets + 1);
      if (i < expected.length - 1) h.net.last.drop(1006);
    }
    expect(reconnectingEvents(h.events).map((e) => [e.attempt, e.delayMs])).toEqual(expected.map((d, i) => [i + 1, d]));
  });

  it('retries without limit by default', () => {
    const h = createClient({ reconnectBaseMs: 10, reconnectMaxMs: 40 });
    startConnecting(h.client);
    for (let i = 0; i < 200; i++) {
      h.net.last.drop(1006);
      vi.runOnlyPendingTimers();
    }
    expect(h.net.sockets).toHaveLength(201);
    expect(h.client.state).toBe('connecting');
    const last = reconnectingEvents(h.events).at(-1)!;
    expect(last).toMatchObject({ attempt: 200, delayMs: 20 });
  });

  it('starts again from the shortest delay after a good connection (its replay over)', () => {
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 10_000, random: () => 0.5 });
    startConnecting(h.client);
    for (let i = 0; i < 4; i++) {
      h.net.last.drop(1006);
      vi.runOnlyPendingTimers();
    }
    h.net.last.accept();
    h.net.last.push({ type: 'synced', last_id: 0 });
    h.net.last.drop(1013);
    expect(reconnectingEvents(h.events).map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
      [4, 400],
      [1, 50],
    ]);
  });

  it('keeps backing off from a server that accepts and closes at once (draining 1001, a replay that always fails)', () => {
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 10_000, random: () => 0.5 });
    startConnecting(h.client);
    for (let i = 0; i < 3; i++) {
      h.net.last.accept();
      h.net.last.drop(1001);
      vi.runOnlyPendingTimers();
    }
    h.net.last.accept();
    h.net.last.push({ type: 'error', code: 'internal', message: 'replay failed' });
    expect(reconnectingEvents(h.events).map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
      [4, 400],
    ]);
  });

  it('connect() after retries_exhausted starts over with every attempt', () => {
    const h = createClient({ maxReconnectAttempts: 1 });
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    h.net.last.drop(1006);
    expect(h.client.state).toBe('closed');
    void h.client.connect().catch(() => {});
    h.net.last.drop(1006);
    expect(h.client.state).toBe('reconnecting');
  });

  it('gives up after maxReconnectAttempts with retries_exhausted', () => {
    const h = createClient({ maxReconnectAttempts: 2 });
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    expect(h.net.sockets).toHaveLength(3);
    expect(h.client.state).toBe('closed');
    const closed = h.events.at(-1)!;
    expect(closed[0]).toBe('closed');
    expect((closed[1] as { error: ParlorClientError }).error.code).toBe('retries_exhausted');
  });

  it('does not reconnect after close(): closes with 1000 and clears its timers', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    void h.client.sendPrivate(2, 'x').catch(() => {});
    h.client.close('bye');
    expect(socket.closeCalls).toEqual([{ code: 1000, reason: 'bye' }]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10 * 60_000);
    expect(h.net.sockets).toHaveLength(1);
    expect(h.events.at(-1)).toEqual(['closed', { code: 1000, reason: 'bye' }]);
  });

  it('close() while waiting to reconnect cancels the retry', () => {
    const h = createClient();
    connectAndSync(h);
    h.net.last.drop(1006);
    h.client.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(h.net.sockets).toHaveLength(1);
  });

  it('stops after 4401 (logged out): emits closed with the code and rejects waiting sends', async () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const sent = h.client.sendPrivate(2, 'x');
    const rejected = expect(sent).rejects.toMatchObject({ code: 'logged_out', closeCode: 4401 });
    socket.drop(4401, 'logged out');
    await rejected;
    vi.advanceTimersByTime(10 * 60_000);
    expect(h.net.sockets).toHaveLength(1);
    expect(h.client.state).toBe('closed');
    const [name, payload] = h.events.at(-1)!;
    expect(name).toBe('closed');
    expect(payload).toMatchObject({ code: 4401, reason: 'logged out', error: { code: 'logged_out' } });
    expect(reconnectingEvents(h.events)).toEqual([]);
  });

  it.each([
    [1008, 'policy_violation'],
    [1009, 'message_too_big'],
  ])('stops after close code %i (the client broke a rule): %s', (code, errorCode) => {
    const h = createClient();
    connectAndSync(h);
    h.net.last.drop(code);
    vi.advanceTimersByTime(60_000);
    expect(h.net.sockets).toHaveLength(1);
    expect(h.events.at(-1)![1]).toMatchObject({ code, error: { code: errorCode, closeCode: code } });
  });

  it.each([1001, 1006, 1013, 1011, 1000])('reconnects after close code %i', (code) => {
    const h = createClient();
    connectAndSync(h);
    h.net.last.drop(code);
    expect(h.client.state).toBe('reconnecting');
    vi.runOnlyPendingTimers();
    expect(h.net.sockets).toHaveLength(2);
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'origin_forbidden'],
  ])('stops when the upgrade is refused with HTTP %i, where the socket reports it', async (status, errorCode) => {
    const h = createClient();
    const connected = h.client.connect();
    const rejected = expect(connected).rejects.toMatchObject({ code: errorCode });
    h.net.last.refuse(status);
    await rejected;
    vi.advanceTimersByTime(60_000);
    expect(h.net.sockets).toHaveLength(1);
  });

  it('retries when the upgrade fails with a status reconnecting can fix (502)', () => {
    const h = createClient();
    startConnecting(h.client);
    h.net.last.refuse(502);
    vi.runOnlyPendingTimers();
    expect(h.net.sockets).toHaveLength(2);
  });

  it('treats a createSocket that throws as a failed attempt', () => {
    let calls = 0;
    const h = createClient({
      createSocket: () => {
        calls++;
        throw new Error('DNS failure');
      },
    });
    startConnecting(h.client);
    expect(reconnectingEvents(h.events)[0]).toMatchObject({ attempt: 1, code: 1006, reason: 'DNS failure' });
    vi.runOnlyPendingTimers();
    expect(calls).toBe(2);
    h.client.close();
  });

  it('connect() while waiting to reconnect tries at once', () => {
    const h = createClient({ reconnectBaseMs: 10_000, reconnectMaxMs: 10_000 });
    connectAndSync(h);
    h.net.last.drop(1006);
    startConnecting(h.client);
    expect(h.net.sockets).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('can be started again with connect() after close()', async () => {
    const h = createClient();
    connectAndSync(h);
    h.client.close();
    const welcomed = h.client.connect();
    h.net.last.accept();
    h.net.last.push({ type: 'welcome', user_id: 1, timestamp: 2 });
    await expect(welcomed).resolves.toMatchObject({ user_id: 1 });
    expect(h.net.sockets).toHaveLength(2);
    expect(h.client.state).toBe('open');
  });

  it('connect() while waiting for the next attempt tries at once and starts the backoff over (docs/client.md)', () => {
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 100_000, random: () => 0.5 });
    startConnecting(h.client);
    for (let i = 0; i < 5; i++) {
      h.net.last.drop(1006);
      vi.runOnlyPendingTimers();
    }
    h.net.last.drop(1006);
    const before = h.net.sockets.length;
    startConnecting(h.client);
    expect(h.net.sockets).toHaveLength(before + 1);
    h.net.last.drop(1006);
    const last = h.events.filter(([n]) => n === 'reconnecting').at(-1)![1] as { attempt: number; delayMs: number };
    expect(last).toMatchObject({ attempt: 1, delayMs: 50 });
    h.client.close();
  });
});

describe('ParlorClient: connect() while open or connecting starts over on a new socket (docs/client.md, API)', () => {
  it('while open: closes the socket with 1000, opens a new one at once, and resolves with its welcome, not the last one', async () => {
    const h = createClient();
    const first = connectAndSync(h, 1);
    const welcomed = h.client.connect();
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'connect() called: starting over' }]);
    expect(h.net.sockets).toHaveLength(2);
    first.push({ type: 'welcome', user_id: 1, timestamp: 5 }); // the dropped socket is no longer heard
    const second = h.net.last;
    second.accept();
    second.push({ type: 'welcome', user_id: 1, timestamp: 7 });
    await expect(welcomed).resolves.toEqual({ type: 'welcome', user_id: 1, timestamp: 7 });
    expect(h.client.state).toBe('open');
    expect(reconnectingEvents(h.events)).toEqual([]);
  });

  it('while open, after another user signed in with the kept session: the new welcome starts the client over as that user', async () => {
    const h = createClient();
    const first = connectAndSync(h, 1);
    void h.client.connect().catch(() => {});
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'connect() called: starting over' }]);
    const second = h.net.last;
    expect(second).not.toBe(first);
    second.accept();
    second.push({ type: 'welcome', user_id: 2, timestamp: 7 });
    expect(second.closeCalls).toEqual([{ code: 1000, reason: 'user changed' }]);
    vi.runOnlyPendingTimers();
    const third = h.net.last;
    third.accept();
    expect(third.frames()[0]).toEqual({ type: 'sync', since: 0 });
    third.push({ type: 'welcome', user_id: 2, timestamp: 8 });
    expect(h.client.userId).toBe(2);
  });

  it('while connecting with the upgrade under way: that socket is closed and a new one opened', () => {
    const h = createClient();
    startConnecting(h.client);
    const first = h.net.last;
    startConnecting(h.client);
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'connect() called: starting over' }]);
    expect(h.net.sockets).toHaveLength(2);
    first.accept(); // too late: not heard
    expect(h.net.last.sent).toEqual([]);
    h.net.last.accept();
    expect(h.net.last.frames()).toEqual([{ type: 'sync', since: 0 }]);
  });

  it('while connecting with a getToken() that never settled: calls getToken() again and connects with the new token', async () => {
    const tokens: string[] = [];
    let answer: ((t: { token: string; expires_at: number }) => void) | undefined;
    let calls = 0;
    const h = createClient({
      getToken: () => {
        calls++;
        // The first call hangs for good (a fetch on a network that went away); the next ones answer.
        if (calls === 1) return new Promise(() => {});
        return new Promise((resolve) => (answer = resolve));
      },
      createSocket: (url, token) => {
        tokens.push(token!);
        return new h.net.WebSocket(url);
      },
    });
    startConnecting(h.client);
    await flushPromises();
    expect(h.client.state).toBe('connecting');
    const welcomed = h.client.connect();
    await flushPromises();
    expect(calls).toBe(2);
    answer!({ token: 't2', expires_at: Date.now() + 600_000 });
    await flushPromises();
    expect(tokens).toEqual(['t2']);
    h.net.last.accept();
    h.net.last.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    await expect(welcomed).resolves.toMatchObject({ user_id: 1 });
    h.client.close();
  });

  it('a getToken() that does not answer within getTokenTimeoutMs is a failed attempt: backoff, then a new getToken() call; its late token is dropped', async () => {
    const answers: Array<(t: { token: string; expires_at: number }) => void> = [];
    const tokens: string[] = [];
    const h = createClient({
      getTokenTimeoutMs: 5000,
      reconnectBaseMs: 100,
      getToken: () => new Promise((resolve) => answers.push(resolve)),
      createSocket: (url, token) => {
        tokens.push(token!);
        return new h.net.WebSocket(url);
      },
    });
    startConnecting(h.client);
    await flushPromises();
    vi.advanceTimersByTime(4999);
    expect(h.client.state).toBe('connecting');
    vi.advanceTimersByTime(1);
    expect(reconnectingEvents(h.events)).toEqual([expect.objectContaining({ attempt: 1, code: 1006, reason: 'getToken did not answer within 5000 ms' })]);
    answers[0]!({ token: 'late', expires_at: Date.now() + 600_000 });
    vi.advanceTimersByTime(100);
    await flushPromises();
    expect(answers).toHaveLength(2);
    answers[1]!({ token: 'fresh', expires_at: Date.now() + 600_000 });
    await flushPromises();
    expect(tokens).toEqual(['fresh']);
    h.client.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a token that arrives for the attempt connect() replaced is dropped: one socket, with the new token', async () => {
    const answers: Array<(t: { token: string; expires_at: number }) => void> = [];
    const tokens: string[] = [];
    const h = createClient({
      getToken: () => new Promise((resolve) => answers.push(resolve)),
      createSocket: (url, token) => {
        tokens.push(token!);
        return new h.net.WebSocket(url);
      },
    });
    startConnecting(h.client);
    startConnecting(h.client);
    await flushPromises();
    expect(answers).toHaveLength(2);
    answers[0]!({ token: 'stale', expires_at: Date.now() + 600_000 });
    answers[1]!({ token: 'fresh', expires_at: Date.now() + 600_000 });
    await flushPromises();
    expect(tokens).toEqual(['fresh']);
    h.client.close();
  });
});

describe('ParlorClient pauses reconnection while the platform says so', () => {
  it('waits for the online event while navigator.onLine is false, then connects at once', () => {
    const platform = fakePlatform();
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 100 }, platform);
    connectAndSync(h);
    platform.goOffline();
    h.net.last.drop(1006);
    vi.advanceTimersByTime(60 * 60_000);
    expect(h.net.sockets).toHaveLength(1);
    expect(reconnectingEvents(h.events)).toEqual([
      { attempt: 1, delayMs: 50, code: 1006, reason: '' },
      { attempt: 1, delayMs: 50, code: 1006, reason: '', waitingFor: 'offline' },
    ]);
    expect(platform.listenerCount()).toBe(2);
    platform.goOnline();
    expect(h.net.sockets).toHaveLength(2);
    expect(platform.listenerCount()).toBe(0);
  });

  it('waits for visibilitychange while the page is hidden', () => {
    const platform = fakePlatform();
    const h = createClient({}, platform);
    connectAndSync(h);
    platform.hide();
    h.net.last.drop(1001);
    vi.advanceTimersByTime(60 * 60_000);
    expect(h.net.sockets).toHaveLength(1);
    expect(reconnectingEvents(h.events).at(-1)?.waitingFor).toBe('hidden');
    platform.show();
    expect(h.net.sockets).toHaveLength(2);
  });

  it('reachable again by the time the pause is announced (a reconnecting listener re-read the network): it opens, and a later loss is retried too', () => {
    const platform = fakePlatform();
    const h = createClient({ reconnectBaseMs: 100, reconnectMaxMs: 100 }, platform);
    connectAndSync(h);
    h.client.on('reconnecting', (e) => {
      if (e.waitingFor === 'offline') platform.goOnline();
    });
    platform.goOffline();
    h.net.last.drop(1006);
    vi.advanceTimersByTime(100);
    expect(h.net.sockets).toHaveLength(2);
    h.net.last.accept();
    h.net.last.push({ type: 'synced', last_id: 0 });
    h.net.last.drop(1006);
    expect(h.client.state).toBe('reconnecting');
    vi.advanceTimersByTime(60_000);
    expect(h.net.sockets.length).toBeGreaterThan(2);
    h.client.close();
  });

  it('keeps waiting until both conditions clear', () => {
    const platform = fakePlatform({ onLine: false, visibilityState: 'hidden' });
    const h = createClient({}, platform);
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    platform.goOnline();
    expect(h.net.sockets).toHaveLength(1);
    platform.show();
    expect(h.net.sockets).toHaveLength(2);
  });

  it('does not wait for visibility when pauseWhenHidden is false', () => {
    const platform = fakePlatform({ visibilityState: 'hidden' });
    const h = createClient({ pauseWhenHidden: false }, platform);
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    expect(h.net.sockets).toHaveLength(2);
  });

  it('never pauses where the platform has no navigator, document or events (Node)', () => {
    const h = createClient({ environment: { navigator: { onLine: false } } });
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    expect(h.net.sockets).toHaveLength(2);
  });

  it('close() while paused removes its listeners and never connects', async () => {
    const platform = fakePlatform({ onLine: false });
    const h = createClient({}, platform);
    startConnecting(h.client);
    h.net.last.drop(1006);
    vi.runOnlyPendingTimers();
    expect(platform.listenerCount()).toBe(2);
    h.client.close();
    expect(platform.listenerCount()).toBe(0);
    platform.goOnline();
    await flushPromises();
    expect(h.net.sockets).toHaveLength(1);
  });

  it('close(reason) with a reason over 123 bytes closes with it cut to 123 bytes (a socket throws past that and would stay open)', () => {
    const h = createClient();
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    h.client.close('é'.repeat(100)); // 200 bytes of UTF-8
    expect(socket.closeCalls).toHaveLength(1);
    const reason = socket.closeCalls[0]!.reason!;
    expect(new TextEncoder().encode(reason).length).toBeLessThanOrEqual(123);
    expect(reason).toBe('é'.repeat(61));
  });
});
