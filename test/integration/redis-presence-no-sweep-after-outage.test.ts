/**
 * The sweep at start runs once (src/broker/redis-presence.ts, sweepAtStart),
 * not at every reconnect: after a Redis outage long enough for every
 * instance's heartbeat to expire, the first instance back must not take the
 * others, still reconnecting, for dead and announce their users offline. The
 * periodic sweep (sweepIntervalMs, far longer than this test here) is the one
 * that may, once they had their own reconnect and first beat.
 * Redis keeps running; each instance reaches it through a proxy of its own.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { createCluster, type Cluster, type Instance } from '../support/broker-cluster.js';
import { describeWithRedis } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

await describeWithRedis('RedisBroker: no sweep at a reconnect', (url) => {
  const clusters: Cluster[] = [];
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const p of proxies) await p.restore().catch(() => {});
    for (const c of clusters.splice(0).reverse()) await c.stop();
    for (const p of proxies.splice(0)) await p.close();
  });

  it('the first instance back after the heartbeats expired keeps the other one’s users online', async () => {
    const timing = { presenceTtlMs: 600, heartbeatIntervalMs: 200, sweepIntervalMs: 60_000, redis: { retryStrategy: () => 50 } };
    const contacts = { 2: [3], 3: [2] };
    const target = new URL(url);
    const [pa, pb] = await Promise.all([0, 1].map(() => startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) })));
    proxies.push(pa!, pb!);
    const first = createCluster(pa!.via(url), ['A'], { contacts, broker: timing });
    clusters.push(first);
    const second = createCluster(pb!.via(url), ['B'], { contacts, broker: { ...timing, prefix: first.prefix } });
    clusters.push(second);
    const [A] = first.instances as [Instance];
    const [B] = second.instances as [Instance];
    await Promise.all([A.broker.waitUntilReady(), B.broker.waitUntilReady()]);
    await first.connect(A, 2);
    await second.connect(B, 3);
    await vi.waitFor(async () => expect(await A.manager.filterOnline([3])).toEqual([3]), { timeout: 2000, interval: 20 });

    await Promise.all([pa!.cut(), pb!.cut()]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // both heartbeats (600 ms) expire in Redis
    await pa!.restore();
    await vi.waitFor(() => expect(A.broker.status).toBe('ready'), { timeout: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // what a sweep at this reconnect would have done, done
    expect(await A.manager.filterOnline([3])).toEqual([3]);
  }, 15_000);
});
