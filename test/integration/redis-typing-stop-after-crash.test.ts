/**
 * Rule (contract section 3): 3 s after the last `typing` frame the server
 * itself sends `is_typing: false`. Across instances the typist's instance
 * sends it (its TypingTracker); each instance that relayed a remote
 * `is_typing: true` to its own connections also arms a timer of its own
 * (typingTimeoutMs plus a grace) and sends its recipients the stop itself
 * when no newer frame of that typist came first (docs/scaling.md).
 *
 * What used to happen: only the typist's instance held the timer; when that
 * instance died (here `broker.destroy()`, as a SIGKILL would) members on the
 * other instances saw "typing" for good, and with the typist back on another
 * instance before the sweep not even an `offline` came.
 */
import { afterEach, expect, it } from 'vitest';
import { framesOf, nextFrame } from '../support/fake-socket.js';
import { describeWithRedis } from '../support/services.js';
import { twoInstances } from '../support/two-redis-instances.js';

const TYPING_TIMEOUT_MS = 300;
const broker = { presenceTtlMs: 1000, heartbeatIntervalMs: 250, sweepIntervalMs: 250 };

await describeWithRedis('typing stop when the typist’s instance dies', (url) => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a member on B gets is_typing:false for a typist whose instance A crashed', async () => {
    const c = twoInstances(url, { groups: { 10: { accepted: [1, 2] } }, broker, manager: { typingTimeoutMs: TYPING_TIMEOUT_MS } });
    stop = c.stop;
    await c.ready();
    const bob = await c.connect(c.B, 2);
    const alice = await c.connect(c.A, 1);
    await c.waitSubscribed(2);
    await c.waitSubscribed(1);

    // Control: with both instances alive, the stop from A's timer reaches bob on B.
    alice.receive({ type: 'typing', group_id: 10, is_typing: true });
    expect(await nextFrame(bob, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: true });
    expect(await nextFrame(bob, 'typing', 2000)).toMatchObject({ from: 1, group_id: 10, is_typing: false });

    // Alice types again; then her instance dies before its timer fires.
    alice.receive({ type: 'typing', group_id: 10, is_typing: true });
    expect(await nextFrame(bob, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: true });
    c.A.broker.destroy();
    // The load balancer sends her reconnect to B, within the TTL (so she is never announced offline).
    await c.connect(c.B, 1);
    await c.waitSubscribed(1); // B holds her now (A's connections are gone)

    // Well past the typing timeout, and past presenceTtlMs + sweepIntervalMs.
    await new Promise((r) => setTimeout(r, TYPING_TIMEOUT_MS + broker.presenceTtlMs + 2 * broker.sweepIntervalMs + 500));
    const last = framesOf(bob, 'typing').filter((f) => f.from === 1).at(-1);
    expect(last).toMatchObject({ from: 1, group_id: 10, is_typing: false });
  });
});
