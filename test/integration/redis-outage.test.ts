/**
 * RedisBroker through a Redis outage, on a private redis-server that is
 * killed and restarted: local delivery goes on, and the brokers reconnect,
 * resubscribe and re-register presence (test/support/broker-cluster.ts).
 */
import { expect, it, vi } from 'vitest';
import { describeWithPrivateRedis, presenceOf, quietly, type Instance } from '../support/broker-cluster.js';
import { framesOf, nextFrame } from '../support/mocks.js';

await describeWithPrivateRedis('RedisBroker: Redis outage and recovery (private redis-server)', ({ redis, createCluster }) => {
  it('local delivery goes on while Redis is down; reconnects, resubscribes and re-registers presence when it returns', async () => {
    const cluster = createCluster(['A', 'B'], {
      contacts: { 1: [2, 3], 2: [1, 4], 3: [1], 4: [2] },
      // A beat a second: what A's reconcile announces is repeated then, for B if its subscriber came back after it.
      // The sockets stay open through this test: their 1012 close after the gap (reconnect and sync) is
      // redis-outage-resync.test.ts's, and comes after a window far longer than this test.
      broker: { redis: { retryStrategy: () => 100 }, heartbeatIntervalMs: 1000, resyncWindowMs: 600_000 },
    });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const one = await cluster.connect(A, 1);
    const three = await cluster.connect(A, 3);
    const two = await cluster.connect(B, 2);
    one.receive({ type: 'private', to: 2, content: 'before', client_id: 'b1' });
    expect(await nextFrame(two, 'private')).toMatchObject({ content: 'before' });
    expect(await nextFrame(one, 'ack')).toMatchObject({ client_id: 'b1' });

    await redis().kill();
    await vi.waitFor(() => expect([A.broker.status, B.broker.status]).toEqual(['down', 'down']), { timeout: 3000 });

    // Same instance: delivered. Other instance: stored and acked, not delivered live; nothing throws.
    one.receive({ type: 'private', to: 3, content: 'local during outage', client_id: 'l1' });
    expect(await nextFrame(three, 'private')).toMatchObject({ content: 'local during outage' });
    one.receive({ type: 'private', to: 2, content: 'remote during outage', client_id: 'r1' });
    const lost = await nextFrame(one, 'ack');
    expect(lost.client_id).toBe('l1');
    const stored = await nextFrame(one, 'ack');
    expect(stored.client_id).toBe('r1');
    expect(await quietly(100, () => framesOf(two, 'private').map((f) => f.content))).toEqual(['before']);
    expect(A.broker.droppedPublishes).toBeGreaterThan(0);
    expect(await A.manager.filterOnline([1, 2, 3])).toEqual([1, 3]); // answers for itself, no error

    // A user who connects during the outage is known locally now, cluster-wide after recovery.
    await cluster.connect(A, 4);

    await redis().restart(); // empty: no keys, no subscriptions survive
    await vi.waitFor(() => expect([A.broker.status, B.broker.status]).toEqual(['ready', 'ready']), { timeout: 5000 });

    one.receive({ type: 'private', to: 2, content: 'after' });
    expect(await nextFrame(two, 'private', 2000)).toMatchObject({ content: 'after' });
    two.receive({ type: 'private', to: 1, content: 'and back' });
    expect(await nextFrame(one, 'private', 2000)).toMatchObject({ content: 'and back' });
    await vi.waitFor(async () => expect(await B.manager.filterOnline([1, 3, 4])).toEqual([1, 3, 4]), { timeout: 3000 });
    await vi.waitFor(() => expect(presenceOf(two, 4)).toEqual([{ type: 'presence', user_id: 4, online: true }]), { timeout: 3000 });

    // The message lost live is recovered with sync.
    two.receive({ type: 'sync', since: 0 });
    await nextFrame(two, 'synced');
    expect(framesOf(two, 'private').map((f) => f.content)).toContain('remote during outage');

    expect(A.logs.some((l) => l.includes('connection lost'))).toBe(true);
    expect(A.logs.some((l) => l.includes('reconnected'))).toBe(true);
  });
});
