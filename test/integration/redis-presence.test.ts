/**
 * RedisBroker presence against a real Redis: online/offline announced once
 * across instances (test/support/broker-cluster.ts), a killed instance swept
 * by one survivor, a stopped one swept at the next sweep, an instance that
 * just started announcing nobody's offline a second time.
 */
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import {
  createCluster,
  presenceFrame,
  presenceOf,
  quietly,
  STOPPED_DEPLOYMENT_CONTACTS,
  STOPPED_DEPLOYMENT_TIMING,
  stoppedDeployment,
  type Cluster,
  type Instance,
} from '../support/broker-cluster.js';
import { deferred, nextFrame } from '../support/mocks.js';
import { describeWithRedis } from '../support/services.js';

await describeWithRedis('RedisBroker: presence across instances', (url) => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('online on A and B, offline on A announces nothing; offline on B announces offline', async () => {
    cluster = createCluster(url, ['A', 'B'], { contacts: { 1: [2], 2: [1] } });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const watcher = await cluster.connect(B, 2);

    const onA = await cluster.connect(A, 1);
    expect(await nextFrame(watcher, 'presence')).toEqual({ type: 'presence', user_id: 1, online: true });
    const onB = await cluster.connect(B, 1);
    expect(await quietly(100, () => presenceOf(watcher, 1))).toHaveLength(1); // already online: no second announcement
    expect(await A.manager.filterOnline([1, 2, 3])).toEqual([1, 2]);

    await cluster.disconnect(A, onA);
    expect(A.offline).toHaveBeenCalledWith(1);
    expect(await A.offline.mock.results[0]!.value).toBe(false);
    expect(await quietly(150, () => presenceOf(watcher, 1))).toHaveLength(1); // still online on B
    expect(await A.manager.filterOnline([1])).toEqual([1]); // A holds nobody, but the cluster does

    await cluster.disconnect(B, onB);
    expect(await nextFrame(watcher, 'presence')).toEqual({ type: 'presence', user_id: 1, online: false });
    expect(await A.manager.filterOnline([1, 2])).toEqual([2]);
    expect(await quietly(100, () => presenceOf(watcher, 1))).toHaveLength(2);
  });

  it('a killed instance’s users are announced offline by one survivor within presenceTtlMs + sweepIntervalMs', async () => {
    const timing = { presenceTtlMs: 1000, heartbeatIntervalMs: 250, sweepIntervalMs: 250 };
    cluster = createCluster(url, ['A', 'B', 'C'], { contacts: { 1: [2, 3], 2: [1], 3: [1], 4: [2] }, broker: timing });
    const [A, B, C] = cluster.instances as [Instance, Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const onB = await cluster.connect(B, 2);
    const onC = await cluster.connect(C, 3);
    await cluster.connect(A, 1);
    await cluster.connect(A, 4);
    await cluster.connect(C, 4); // 4 is also held by a survivor: must stay online
    await presenceFrame(onB, 1, 1);
    await presenceFrame(onC, 1, 1);

    const killedAt = Date.now();
    A.broker.destroy(); // no cleanup: heartbeat stops, connections vanish

    // The last heartbeat was at most heartbeatIntervalMs ago, so the key lives at least TTL - interval more.
    expect(await quietly(600, () => presenceOf(onB, 1))).toHaveLength(1);
    const offline = await presenceFrame(onB, 1, 2, 2500);
    const elapsed = Date.now() - killedAt;
    expect(offline).toEqual({ type: 'presence', user_id: 1, online: false });
    expect(elapsed).toBeLessThanOrEqual(timing.presenceTtlMs + timing.sweepIntervalMs + 750);
    expect(await presenceFrame(onC, 1, 2)).toEqual({ type: 'presence', user_id: 1, online: false });

    // One survivor swept (SET NX lock + atomic script): each contact hears it once; 4 stays online.
    expect(await quietly(600, () => [presenceOf(onB, 1).length, presenceOf(onC, 1).length])).toEqual([2, 2]);
    expect(presenceOf(onB, 4).map((f) => f.online)).toEqual([true]); // its online when it joined A; never offline
    expect(await B.manager.filterOnline([1, 2, 3, 4])).toEqual([2, 3, 4]);
    const admin = new Redis(url);
    try {
      expect(await admin.sismember(`${cluster.prefix}:instances`, A.broker.instanceId)).toBe(0);
      expect(await admin.exists(`${cluster.prefix}:instance:${A.broker.instanceId}:users`)).toBe(0);
    } finally {
      admin.disconnect();
    }
    expect(B.logs.concat(C.logs).filter((l) => l.includes('swept a dead instance'))).toHaveLength(1);
  });

  it('an instance that just started does not announce offline again a user whose offline another instance is announcing', async () => {
    // B's first registration is not a loss of records: nothing is re-checked one TTL later. (A re-check then
    // took the users relayed online since, and told the watcher "offline" a second time for a user whose
    // offline A was still announcing; under load, a killed instance's sweep met it the same way.)
    const timing = { presenceTtlMs: 500, heartbeatIntervalMs: 100, sweepIntervalMs: 100 };
    cluster = createCluster(url, ['A', 'B'], { contacts: { 1: [2], 2: [1] }, broker: timing });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const watcher = await cluster.connect(B, 2);
    const onA = await cluster.connect(A, 1);
    await presenceFrame(watcher, 1, 1);

    // A's offline announcement reads 1's contacts slowly (a busy database) until released.
    const gate = deferred();
    const contactsOf = cluster.groups.contactsOf.getMockImplementation()!;
    let slowed = false;
    cluster.groups.contactsOf.mockImplementation(((userId: number) => {
      if (userId !== 1 || slowed) return contactsOf(userId);
      slowed = true;
      return gate.promise.then(() => contactsOf(userId));
    }) as typeof contactsOf);
    await cluster.disconnect(A, onA); // Redis has 1 offline; A's announcement waits for the contacts
    const meanwhile = await quietly(3 * timing.presenceTtlMs, () => presenceOf(watcher, 1).length); // past B's start + TTL
    gate.resolve();
    expect(meanwhile).toBe(1);

    expect(await presenceFrame(watcher, 1, 2)).toEqual({ type: 'presence', user_id: 1, online: false });
    expect(await quietly(300, () => presenceOf(watcher, 1).map((f) => f.online))).toEqual([true, false]);
  });

  it('a gracefully stopped instance is swept at the next sweep, without waiting for its TTL', async () => {
    const timing = { presenceTtlMs: 5000, heartbeatIntervalMs: 1000, sweepIntervalMs: 200 };
    cluster = createCluster(url, ['A', 'B'], { contacts: { 1: [2], 2: [1] }, broker: timing });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const watcher = await cluster.connect(B, 2);
    await cluster.connect(A, 1);
    await nextFrame(watcher, 'presence');

    const stoppedAt = Date.now();
    await A.manager.close();
    expect(await nextFrame(watcher, 'presence', 2000)).toEqual({ type: 'presence', user_id: 1, online: false });
    expect(Date.now() - stoppedAt).toBeLessThan(timing.presenceTtlMs / 2);
  });

  it('a deployment restarted after every instance stopped takes none of their users for online, and keeps none of their keys', async () => {
    let stopped: string[];
    ({ cluster, stopped } = await stoppedDeployment(url));
    const redis = new Redis(url);
    let restarted: Cluster | undefined;
    try {
      // The records of both stay, with no TTL, until someone sweeps them.
      expect((await redis.smembers(`${cluster.prefix}:instances`)).sort()).toEqual([...stopped].sort());

      restarted = createCluster(url, ['C'], { contacts: STOPPED_DEPLOYMENT_CONTACTS, broker: { ...STOPPED_DEPLOYMENT_TIMING, prefix: cluster.prefix } });
      const [C] = restarted.instances as [Instance];
      await C.broker.waitUntilReady();
      await vi.waitFor(async () => expect(await C.manager.filterOnline([2, 3])).toEqual([]), { timeout: 2000, interval: 20 });
      expect(await redis.smembers(`${cluster.prefix}:instances`)).toEqual([C.broker.instanceId]);
      for (const id of stopped) expect(await redis.exists(`${cluster.prefix}:instance:${id}:users`)).toBe(0);
    } finally {
      redis.disconnect();
      await Promise.all(restarted?.instances.map((i) => i.manager.close()) ?? []); // its keys go with `cluster`'s prefix
    }
  });
});
