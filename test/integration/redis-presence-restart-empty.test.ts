/**
 * An instance that dies while Redis is down, Redis then restarted empty (no
 * persistence: it "holds nothing durable"): the dead instance is in no
 * registry any more, so no survivor sweeps it. A survivor finds Redis lost its
 * own records too, and one presenceTtlMs later re-checks the users it last
 * relayed online to its sockets: those no instance holds are announced offline
 * (src/broker/redis-presence.ts). Private redis-server, killed and restarted.
 */
import { expect, it, vi } from 'vitest';
import { describeWithPrivateRedis, presenceFrame, presenceOf, type Instance } from '../support/broker-cluster.js';

await describeWithPrivateRedis('RedisBroker: an instance that died during a Redis outage, Redis restarted empty', ({ redis, createCluster }) => {
  it('the dead instance’s user is announced offline to a contact on a survivor once Redis is back', async () => {
    const cluster = createCluster(['A', 'C'], {
      contacts: { 1: [3], 3: [1] },
      // The sockets stay open through this test (their 1012 close after the gap is redis-outage-resync.test.ts's).
      broker: { redis: { retryStrategy: () => 100 }, presenceTtlMs: 1000, heartbeatIntervalMs: 250, sweepIntervalMs: 250, resyncWindowMs: 600_000 },
    });
    const [A, C] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const one = await cluster.connect(A, 1);
    await cluster.connect(C, 3);
    expect(await presenceFrame(one, 3, 1)).toMatchObject({ online: true });

    await redis().kill();
    await vi.waitFor(() => expect([A.broker.status, C.broker.status]).toEqual(['down', 'down']), { timeout: 3000 });
    C.broker.destroy(); // C crashes (SIGKILL) while Redis is down: its user 3 is gone, nobody cleaned up

    await redis().restart(); // empty
    await vi.waitFor(() => expect(A.broker.status).toBe('ready'), { timeout: 5000 });

    await vi.waitFor(() => expect(presenceOf(one, 3).at(-1)).toMatchObject({ online: false }), { timeout: 5000, interval: 50 });
    expect(await A.manager.filterOnline([3])).toEqual([]);
    expect(A.logs.some((l) => l.includes('users last seen online are in no instance'))).toBe(true);
  }, 20_000);
});
