/**
 * Rule (docs/contract.md, "when held-back typing and presence go out"): a
 * slow client gets only the latest state per user (presence) or typist
 * (typing) once it catches up, also for frames published on another instance.
 * The Redis wire envelope carries the envelope's `latestKey` for that.
 *
 * What used to happen: the wire format dropped `latestKey`, so the receiving
 * instance keyed held-back frames by their raw text; a slow client there got
 * [offline, online] of one user instead of only [online].
 */
import { afterEach, expect, it, vi } from 'vitest';
import { framesOf } from '../support/fake-socket.js';
import { describeWithRedis } from '../support/services.js';
import { twoInstances } from '../support/two-redis-instances.js';

await describeWithRedis('held-back presence from another instance', (url) => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a slow client on B gets only the latest presence state of a user on A', async () => {
    const c = twoInstances(url, {
      groups: { 10: { accepted: [2, 3, 4] } },
      manager: { shedBufferedBytes: 1, maxBufferedBytes: 1 << 30 },
    });
    stop = c.stop;
    await c.ready();
    const slow = await c.connect(c.B, 2, { growBuffer: true }); // reads nothing until drain(): behind after its welcome
    const watcher = await c.connect(c.B, 4);
    await c.waitSubscribed(2);
    await c.waitSubscribed(4);
    const presence = (s: typeof slow) => framesOf(s, 'presence').filter((f) => f.user_id === 3);

    // User 3 comes online on A, goes offline, comes back: three states published from A.
    const first = await c.connect(c.A, 3);
    await vi.waitFor(() => expect(presence(watcher)).toHaveLength(1), { timeout: 2000, interval: 10 });
    first.peerClose(1000);
    await vi.waitFor(() => expect(presence(watcher)).toHaveLength(2), { timeout: 2000, interval: 10 });
    await c.connect(c.A, 3);
    await vi.waitFor(() => expect(presence(watcher)).toHaveLength(3), { timeout: 2000, interval: 10 });
    expect(presence(slow)).toHaveLength(0); // all held back

    slow.drain();
    await new Promise((r) => setTimeout(r, 300)); // drainCheckMs is 50
    expect(presence(slow).map((f) => f.online)).toEqual([true]);
  });
});
