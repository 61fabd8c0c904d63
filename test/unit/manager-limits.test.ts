import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, framesAfterWelcome, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const contacts = { 1: [], 2: [], 3: [] };

/** A clock the test moves by hand: the token bucket and the strike decay read it. */
function manualClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

const limited = { type: 'error', code: 'rate_limited', message: 'too many frames, slow down' };

describe('Manager: rate limit', () => {
  it('answers rate_limited to frames beyond the burst and does not process them', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 1, rateBurst: 3, abuseTolerance: 5 } });
    const a = h.connect(1);
    const b = h.connect(2);
    for (let i = 1; i <= 5; i++) a.receive({ type: 'private', to: 2, content: `m${i}`, client_id: `c${i}` });
    await settle();
    expect(framesOf(a, 'ack').map((f) => f.client_id)).toEqual(['c1', 'c2', 'c3']);
    // The client_id comes back, so the client fails that send at once instead of timing out.
    expect(framesOf(a, 'error')).toEqual([
      { ...limited, client_id: 'c4' },
      { ...limited, client_id: 'c5' },
    ]);
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(3);
    expect(framesOf(b, 'private').map((f) => f.content)).toEqual(['m1', 'm2', 'm3']);
    expect(a.closeCode).toBeUndefined();
  });

  it('admits frames again as tokens refill at rateLimit per second', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 2, rateBurst: 2, abuseTolerance: 5 } });
    const a = h.connect(1);
    const b = h.connect(2);
    for (let i = 0; i < 3; i++) a.receive({ type: 'typing', to: 2 });
    await settle();
    expect(framesOf(b, 'typing')).toHaveLength(2);
    expect(framesOf(a, 'error')).toEqual([limited]);

    clock.t += 499; // 0.998 of a token
    a.receive({ type: 'typing', to: 2 });
    clock.t += 1; // one token
    a.receive({ type: 'typing', to: 2 });
    await settle();
    expect(framesOf(a, 'error')).toEqual([limited, limited]);
    expect(framesOf(b, 'typing')).toHaveLength(3);
  });

  it('counts bad frames too', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 1, rateBurst: 2, abuseTolerance: 5 } });
    const a = h.connect(1);
    a.receive('not json');
    a.receive('not json either');
    a.receive({ type: 'private', to: 2, content: 'valid' });
    await settle();
    expect(framesAfterWelcome(a).map((f) => (f.type === 'error' ? f.code : f.type))).toEqual([
      'bad_request',
      'bad_request',
      'rate_limited',
    ]);
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
  });

  it('closes a connection that keeps flooding with 1008 and processes nothing after', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 1, rateBurst: 3, abuseTolerance: 2 } });
    const a = h.connect(1);
    const b = h.connect(2);
    for (let i = 1; i <= 5; i++) a.receive({ type: 'private', to: 2, content: `m${i}` });
    expect(a.closeCode).toBeUndefined(); // two strikes: tolerated
    a.receive({ type: 'private', to: 2, content: 'm6' }); // third strike
    expect(a.closeCode).toBe(1008);
    expect(a.closeReason).toBe('rate limit exceeded');
    a.receive({ type: 'private', to: 2, content: 'm7' });
    await settle();
    expect(framesOf(a, 'error')).toEqual([limited, limited]);
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(3);
    expect(framesOf(b, 'private')).toHaveLength(3);
    expect(h.manager.connectionCount).toBe(1);
  });

  it('forgives strikes over time: a client that slows down is not closed', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 1, rateBurst: 3, abuseTolerance: 2 } });
    const a = h.connect(1);
    const b = h.connect(2);
    for (let i = 0; i < 5; i++) a.receive({ type: 'typing', to: 2 }); // 3 ok, 2 strikes
    clock.t += 10_000; // tokens back to the burst; strikes forgiven at tolerance per 10 s
    for (let i = 0; i < 4; i++) a.receive({ type: 'typing', to: 2 }); // 3 ok, 1 strike
    await settle();
    expect(a.closeCode).toBeUndefined();
    expect(framesOf(b, 'typing')).toHaveLength(6);
    expect(framesOf(a, 'error')).toHaveLength(3);
  });

  it('closes a client that keeps sending only a little over the rate, within seconds', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 10, rateBurst: 10, abuseTolerance: 20 } });
    const a = h.connect(1);
    let elapsed = 0;
    // 15 frames a second against a rate of 10: one in three is refused, for as long as it lasts.
    while (a.closeCode === undefined && elapsed < 60_000) {
      a.receive({ type: 'sync', since: 0 });
      clock.t += 1000 / 15;
      elapsed += 1000 / 15;
    }
    expect(a.closeCode).toBe(1008);
    expect(elapsed).toBeGreaterThan(3_000); // not at the first refused frame
    expect(elapsed).toBeLessThan(20_000); // seconds, not minutes
  });

  // The figures docs/protocol.md and docs/operations.md give, with the contract's defaults (20/s, burst 40, 60 strikes per 10 s).
  it('with the defaults: a burst closes at its 101st frame (40 tokens, then the 61st strike)', () => {
    h = createHarness({ contacts, options: { now: manualClock().now } });
    const a = h.connect(1);
    for (let i = 1; i <= 100; i++) a.receive({ type: 'typing', to: 2 });
    expect(a.closeCode).toBeUndefined();
    a.receive({ type: 'typing', to: 2 });
    expect(a.closeCode).toBe(1008);
  });

  it.each([
    [2, 6_000, 6_500],
    [1.5, 18_500, 19_000],
    [1.25, Infinity, Infinity],
  ])('with the defaults: sending steadily at %s times the rate closes after %s-%s ms (Infinity: never)', (times, earliest, latest) => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now } });
    const a = h.connect(1);
    const start = clock.t;
    while (a.closeCode === undefined && clock.t - start < 600_000) {
      a.receive({ type: 'typing', to: 2 });
      clock.t += 1000 / (20 * times);
    }
    const closedAt = a.closeCode === 1008 ? clock.t - start : Infinity;
    expect(closedAt).toBeGreaterThanOrEqual(earliest);
    expect(closedAt).toBeLessThanOrEqual(latest);
  });

  it('with a low rate limit too: a flood at five times WS_RATE_LIMIT=1 closes within seconds (strikes are forgiven at most at 30% of the rate)', () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now, rateLimit: 1, rateBurst: 1 } }); // default abuseTolerance: 60
    const a = h.connect(1);
    const start = clock.t;
    while (a.closeCode === undefined && clock.t - start < 120_000) {
      a.receive({ type: 'typing', to: 2 });
      clock.t += 1000 / 5;
    }
    // 4 refused a second against 0.3 forgiven: the 61st strike after about 16 s (forgiven at 6 a second, never).
    expect(a.closeCode).toBe(1008);
    expect(clock.t - start).toBeGreaterThan(10_000);
    expect(clock.t - start).toBeLessThan(20_000);
  });

  it('closes a flood at three times the rate within seconds of simulated time', async () => {
    const clock = manualClock();
    h = createHarness({ contacts, options: { now: clock.now } }); // contract defaults: 20/s, burst 40
    const a = h.connect(1);
    let frames = 0;
    while (a.closeCode === undefined && frames < 60 * 60) {
      clock.t += 1000 / 60;
      a.receive({ type: 'sync', since: 0 });
      frames++;
    }
    expect(a.closeCode).toBe(1008);
    expect(frames / 60).toBeLessThan(10); // seconds of flooding before the close
  });
});

describe('Manager: connections per user', () => {
  it('closes the connection beyond maxConnectionsPerUser with 1008 and ignores what it sends', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] }, options: { maxConnectionsPerUser: 2 } });
    const b = h.connect(2);
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    await settle();
    const extra = h.connect(1, { autoCloseHandshake: false });
    expect(extra.closeCode).toBe(1008);
    expect(extra.closeReason).toBe('too many connections');
    expect(extra.sent).toEqual([]);
    expect(h.manager.connectionCount).toBe(3);

    // The rejected socket is still CLOSING; frames arriving on it must not be stored.
    extra.receive({ type: 'private', to: 2, content: 'sneaky', client_id: 'x' });
    extra.peerClose();
    await settle();
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(framesOf(b, 'private')).toEqual([]);
    // Its close does not make user 1 look offline, and presence was announced once.
    expect(h.manager.isOnline(1)).toBe(true);
    expect(framesOf(b, 'presence')).toEqual([{ type: 'presence', user_id: 1, online: true }]);

    a1.peerClose();
    await settle();
    const again = h.connect(1);
    expect(again.closeCode).toBeUndefined();
    expect(framesOf(again, 'welcome')).toHaveLength(1);
    expect([a2.closeCode, h.manager.connectionCount]).toEqual([undefined, 3]);
  });

  it('counts per user: other users are not limited by it', () => {
    h = createHarness({ contacts, options: { maxConnectionsPerUser: 1 } });
    const a = h.connect(1);
    const b = h.connect(2);
    expect(a.closeCode).toBeUndefined();
    expect(b.closeCode).toBeUndefined();
    expect(h.connect(1).closeCode).toBe(1008);
  });
});

describe('Manager: slow consumers', () => {
  it('closes a connection whose buffered bytes exceed maxBufferedBytes with 1013; the others go on', async () => {
    h = createHarness({ contacts, options: { maxBufferedBytes: 1000, shedBufferedBytes: 500 } });
    const a = h.connect(1);
    const slow = h.connect(2, { growBuffer: true });
    const fast = h.connect(2);
    const content = 'x'.repeat(300);
    for (let i = 1; i <= 5; i++) {
      a.receive({ type: 'private', to: 2, content, client_id: `c${i}` });
      await nextFrame(a, 'ack');
    }
    expect(slow.closeCode).toBe(1013);
    expect(slow.closeReason).toBe('slow consumer');
    // welcome (~50 B) + 3 frames of ~370 B crosses 1000 B on the third frame; nothing is written after.
    expect(framesOf(slow, 'private')).toHaveLength(3);
    expect(framesOf(fast, 'private')).toHaveLength(5);
    expect(fast.closeCode).toBeUndefined();
    expect(framesOf(a, 'ack')).toHaveLength(5);
  });

  it('holds back typing and presence above shedBufferedBytes but still sends stored frames', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] }, options: { maxBufferedBytes: 1000, shedBufferedBytes: 500 } });
    const behind = h.connect(2);
    const fine = h.connect(2);
    await settle();
    behind.bufferedAmount = 600;
    const a = h.connect(1); // presence online
    a.receive({ type: 'typing', to: 2 });
    a.receive({ type: 'private', to: 2, content: 'stored' });
    await nextFrame(fine, 'private');
    h.manager.sendToUser(2, 'notification', { id: 1, subtype: 'x', message: 'y', timestamp: 1 });
    await settle();
    // Order aside (presence waits on contactsOf), the connection that keeps up gets everything.
    expect(framesAfterWelcome(fine).map((f) => f.type).sort()).toEqual(['notification', 'presence', 'private', 'typing', 'typing']);
    expect(framesAfterWelcome(behind).map((f) => f.type)).toEqual(['private', 'notification']);
    expect(behind.closeCode).toBeUndefined();
  });

  it('delivers only the latest held-back state per user and typist once the client catches up', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1, 3], 3: [2] }, options: { maxBufferedBytes: 1000, shedBufferedBytes: 500 } });
    const b = h.connect(2);
    await settle();
    b.bufferedAmount = 600;
    const a = h.connect(1);
    const c = h.connect(3);
    a.receive({ type: 'typing', to: 2 });
    c.receive({ type: 'typing', to: 2 });
    await settle();
    a.peerClose(); // user 1: online, then offline
    c.receive({ type: 'typing', to: 2, is_typing: false });
    await settle();
    expect(framesAfterWelcome(b)).toEqual([]);

    b.bufferedAmount = 0;
    await vi.waitFor(() => expect(framesAfterWelcome(b)).toHaveLength(4), { timeout: 500, interval: 5 });
    expect(framesAfterWelcome(b)).toEqual(
      expect.arrayContaining([
        { type: 'presence', user_id: 1, online: false },
        { type: 'presence', user_id: 3, online: true },
        { type: 'typing', from: 1, to: 2, is_typing: true },
        { type: 'typing', from: 3, to: 2, is_typing: false },
      ]),
    );
  });

  it('never lets a held-back state arrive after a newer one written directly', async () => {
    h = createHarness({ contacts, options: { maxBufferedBytes: 1000, shedBufferedBytes: 500 } });
    const a = h.connect(1);
    const b = h.connect(2);
    b.bufferedAmount = 501;
    a.receive({ type: 'typing', to: 2 });
    await settle();
    b.bufferedAmount = 0;
    a.receive({ type: 'typing', to: 2, is_typing: false });
    await settle();
    // Past the connection's drain check (50 ms): the stale `true` must not follow the `false`.
    await new Promise((r) => setTimeout(r, 80));
    expect(framesOf(b, 'typing').at(-1)).toEqual({ type: 'typing', from: 1, to: 2, is_typing: false });
  });

  it('writes held-back states first when the client catches up before the drain check', async () => {
    h = createHarness({ contacts, options: { maxBufferedBytes: 1000, shedBufferedBytes: 500 } });
    const a = h.connect(1);
    const b = h.connect(2);
    b.bufferedAmount = 501;
    a.receive({ type: 'typing', to: 2 });
    await settle();
    expect(framesOf(b, 'typing')).toEqual([]);
    b.bufferedAmount = 500;
    a.receive({ type: 'typing', to: 2, is_typing: false });
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
  });
});
