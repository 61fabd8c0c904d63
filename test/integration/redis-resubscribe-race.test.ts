/**
 * Resubscribing after a reconnect goes in batches (subscribeBatch), from the wanted channels as they were when
 * it began. A user whose last connection closes meanwhile is unsubscribed at once, before a later batch that
 * still names the channel goes out: that batch must not leave the instance subscribed to a user it no longer
 * holds (it would hear every frame for that user until its next reconnect).
 */
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { RedisNames } from '../../src/broker/channels.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

await describeWithRedis('resubscribing in batches while a user goes offline', (url) => {
  let proxy: TcpProxy | undefined;
  let broker: RedisBroker | undefined;
  const prefix = `parlor-test-rv${Math.random().toString(36).slice(2, 8)}`;
  afterEach(async () => {
    await broker?.close();
    await proxy?.close();
    await deleteRedisKeys(url, prefix);
  });

  it('a channel unsubscribed during a batched resubscribe is not subscribed again', async () => {
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    broker = new RedisBroker({ url: proxy.via(url), prefix, subscribeBatch: 1, redis: { retryStrategy: () => 50 } });
    broker.setPresenceHandler(() => {});
    await broker.waitUntilReady();
    const users = Array.from({ length: 200 }, (_, i) => i + 1);
    await Promise.all(users.map((u) => broker!.userOnline(u)));

    // Right after the subscriber is back: the broker's own 'ready' listener has sent the first batch.
    const sub = (broker as unknown as { sub: Redis }).sub;
    const offline = new Promise<boolean>((resolve) => sub.once('ready', () => resolve(broker!.userOffline(200))));
    await proxy.cut();
    await proxy.restore();
    await offline;
    await broker.waitUntilReady(10_000);

    const admin = new Redis(url);
    try {
      const [, subscribers] = (await admin.pubsub('NUMSUB', new RedisNames(prefix).userChannel(200))) as [string, number];
      expect(subscribers).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
