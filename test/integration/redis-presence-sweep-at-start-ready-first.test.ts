/**
 * The sweep at start (src/broker/redis-presence.ts, sweepAtStart) runs as
 * soon as Redis is ready and someone can announce, whichever comes first: a
 * host that connects its RedisBroker and waits until it is ready before it
 * creates the Parlor (the Manager sets the presence handler last) gets the
 * sweep too, not one sweepIntervalMs later. The stale records are those of a
 * deployment whose every instance stopped.
 */
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { createCluster, type Cluster, type Instance } from '../support/broker-cluster.js';
import { createHarness, type Harness } from '../support/mocks.js';
import { describeWithRedis } from '../support/services.js';

await describeWithRedis('RedisBroker: the sweep at start when Redis is ready before the Manager', (url) => {
  let cluster: Cluster | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  it('a broker ready before its Manager exists still sweeps the stopped deployment at once', async () => {
    // The sweep interval is far longer than the test: only the sweep at start can clear the stopped instances.
    const timing = { presenceTtlMs: 1000, heartbeatIntervalMs: 300, sweepIntervalMs: 60_000 };
    const contacts = { 1: [2, 3], 2: [1], 3: [1] };
    cluster = createCluster(url, ['A', 'B'], { contacts, broker: timing });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    await cluster.connect(A, 2);
    await cluster.connect(B, 3);
    await A.manager.close(); // stopped cleanly with user 2 connected: nobody is left to sweep it
    B.broker.destroy(); // killed with user 3 connected
    const redis = new Redis(url);
    try {
      await vi.waitFor(async () => expect(await redis.exists(`${cluster!.prefix}:instance:${B.broker.instanceId}`)).toBe(0), { timeout: 3000 });
    } finally {
      redis.disconnect();
    }

    const broker = new RedisBroker({ url, prefix: cluster.prefix, ...timing });
    await broker.waitUntilReady(); // ready first; the Manager (and its presence handler) comes after
    h = createHarness({ contacts, broker });
    await vi.waitFor(async () => expect(await h!.manager.filterOnline([2, 3])).toEqual([]), { timeout: 2000, interval: 20 });
  });
});
