/**
 * RedisPresence repeats what a reconcile announced, once, at the next beat:
 * a reconcile runs as an instance gets Redis back, and another instance's
 * subscriber may come back later than that (pub/sub keeps nothing for it).
 * Real Redis, fresh key prefix, keys deleted after.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { RedisNames } from '../../src/broker/channels.js';
import { RedisPresence } from '../../src/broker/redis-presence.js';
import { silentLogger } from '../../src/logger.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

await describeWithRedis('RedisPresence: announcements of a reconcile', (url) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A RedisPresence whose Redis is not connected yet, so a user who comes
   * online now is known locally and settled (announced) by the first
   * reconcile, once `connect()` is called. `heard` records every announcement.
   */
  function presenceBeforeRedis(heartbeatIntervalMs: number) {
    const prefix = `parlor-test-${randomUUID().slice(0, 8)}`;
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    const presence = new RedisPresence(redis, new RedisNames(prefix), 'inst-a', { ttlMs: 3000, heartbeatIntervalMs, sweepIntervalMs: 60_000 }, silentLogger);
    cleanups.push(() => deleteRedisKeys(url, prefix), () => redis.quit(), async () => presence.stop());
    const heard: Array<[number, boolean]> = [];
    presence.setHandler((userId, online) => void heard.push([userId, online]));
    redis.on('ready', () => presence.onReady());
    const connect = async () => {
      presence.start();
      await redis.connect();
    };
    return { presence, heard, connect };
  }

  it('are repeated once with the current state at the next beat, then not again', async () => {
    const { presence, heard, connect } = presenceBeforeRedis(100);
    expect(await presence.userOnline(7)).toBe(true); // the local view, Redis unreachable
    await connect();
    await expect.poll(() => heard.length, { timeout: 2000 }).toBe(2);
    expect(heard).toEqual([[7, true], [7, true]]); // the reconcile, then the repeat one beat later
    // Several beats later: nothing more (a repeat is not itself repeated).
    await new Promise((r) => setTimeout(r, 450));
    expect(heard).toEqual([[7, true], [7, true]]);
  });

  it('repeat the state Redis holds at the time, not the one first announced', async () => {
    const { presence, heard, connect } = presenceBeforeRedis(1000);
    await presence.userOnline(8);
    await connect();
    await expect.poll(() => heard).toEqual([[8, true]]);
    // The user leaves before the next beat (Redis is up: written at once, announced by the Manager, not here).
    expect(await presence.userOffline(8)).toBe(true);
    await expect.poll(() => heard.length, { timeout: 3000 }).toBe(2);
    expect(heard[1]).toEqual([8, false]);
  });

  /** Instance A and a survivor S on one fresh prefix, each with its own connection; heartbeats and sweeps only when a test calls them. */
  async function instanceAndSurvivor() {
    const prefix = `parlor-test-${randomUUID().slice(0, 8)}`;
    const names = new RedisNames(prefix);
    const timing = { ttlMs: 3000, heartbeatIntervalMs: 60_000, sweepIntervalMs: 60_000 };
    const [ra, rs] = [new Redis(url, { maxRetriesPerRequest: 0 }), new Redis(url, { maxRetriesPerRequest: 0 })];
    const a = new RedisPresence(ra, names, 'inst-a', timing, silentLogger);
    const s = new RedisPresence(rs, names, 'inst-s', timing, silentLogger);
    cleanups.push(() => deleteRedisKeys(url, prefix), () => ra.quit(), () => rs.quit(), async () => (a.stop(), s.stop()));
    await Promise.all([new Promise((ok) => ra.once('ready', ok)), new Promise((ok) => rs.once('ready', ok))]);
    return { names, ra, a, s };
  }

  it('an instance swept while it stalled re-registers its users even when a connection opens before its next beat', async () => {
    const { names, ra, a, s } = await instanceAndSurvivor();
    const heardBySurvivor: Array<[number, boolean]> = [];
    s.setHandler((userId, online) => void heardBySurvivor.push([userId, online]));
    a.setHandler(() => {});

    expect(await a.userOnline(1)).toBe(true);
    await a.beat();
    // A stalls past its TTL (its heartbeat key expires) and the survivor sweeps it: user 1 is announced offline.
    await ra.del(names.heartbeat('inst-a'));
    await s.sweep();
    expect(heardBySurvivor).toEqual([[1, false]]);
    expect(await s.onlineAmong([1])).toEqual([]);

    // A resumes: a connection of user 2 opens before A's next heartbeat.
    await a.userOnline(2);
    await a.beat();
    expect(await s.onlineAmong([1, 2])).toEqual([1, 2]);
  });

  it('a sweep announcement that failed (the contacts could not be read) is made again at the next heartbeat', async () => {
    const { names, ra, a, s } = await instanceAndSurvivor();
    const announce = vi.fn(async (_userId: number, _online: boolean) => {});
    announce.mockRejectedValueOnce(new Error('contacts could not be read')).mockRejectedValueOnce(new Error('still unreadable'));
    s.setHandler(announce);
    a.setHandler(() => {});

    expect(await a.userOnline(1)).toBe(true);
    await a.beat();
    await ra.del(names.heartbeat('inst-a')); // A died
    await s.sweep();
    expect(announce.mock.calls).toEqual([[1, false]]);
    await new Promise((r) => setImmediate(r)); // the failure is noticed
    await s.beat();
    expect(announce.mock.calls).toEqual([
      [1, false],
      [1, false],
    ]);
    // Failed again: repeated at the beat after.
    await new Promise((r) => setImmediate(r));
    await s.beat();
    expect(announce.mock.calls).toHaveLength(3);
  });
});
