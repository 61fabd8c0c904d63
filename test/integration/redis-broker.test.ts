/**
 * RedisBroker against a real Redis: several Managers in this process, each
 * with its own broker (its own connections and instance id) under one fresh
 * key prefix, sharing one in-memory store, as several Parlor processes share
 * one database.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { RedisBroker, describeRedisUrl, type RedisBrokerOptions } from '../../src/broker/redis-broker.js';
import { Manager } from '../../src/websocket/manager.js';
import {
  FakeSocket,
  framesOf,
  mockGroupMemberFetcher,
  mockPersister,
  mockSessionResolver,
  nextFrame,
  settle,
  type GroupSpec,
} from '../support/mocks.js';
import {
  deleteRedisKeys,
  describeWithRedis,
  describeWithService,
  redisServerMissing,
  startPrivateRedis,
  type PrivateRedis,
} from '../support/services.js';

// ---- a cluster of instances in one process ------------------------------------

interface Instance {
  name: string;
  manager: Manager;
  broker: RedisBroker;
  online: MockInstance<RedisBroker['userOnline']>;
  offline: MockInstance<RedisBroker['userOffline']>;
  logs: string[];
}

interface Cluster {
  prefix: string;
  instances: Instance[];
  sockets: FakeSocket[];
  /** Opens a connection for the user and resolves once the broker has subscribed and recorded presence. */
  connect(instance: Instance, userId: number): Promise<FakeSocket>;
  /** Closes the connection and, if it was the user's last there, waits for the broker's answer. */
  disconnect(instance: Instance, socket: FakeSocket): Promise<void>;
  stop(): Promise<void>;
}

function captureLogger(lines: string[]) {
  return pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
}

function createCluster(
  url: string,
  names: string[],
  spec: { groups?: Record<number, GroupSpec>; contacts?: Record<number, number[]>; broker?: RedisBrokerOptions } = {},
): Cluster {
  const prefix = `parlor-test-${randomUUID().slice(0, 8)}`;
  const groups = mockGroupMemberFetcher(spec.groups, spec.contacts);
  const persister = mockPersister({ groups });
  const sockets: FakeSocket[] = [];
  const owner = new Map<FakeSocket, Instance>();

  const instances = names.map((name): Instance => {
    const logs: string[] = [];
    const broker = new RedisBroker({ url, prefix, logger: captureLogger(logs), ...spec.broker });
    const online = vi.spyOn(broker, 'userOnline');
    const offline = vi.spyOn(broker, 'userOffline');
    const manager = new Manager(mockSessionResolver(), groups, persister, { isAdmin: (id) => id.userId === 1 }, broker);
    return { name, manager, broker, online, offline, logs };
  });

  const connect = async (instance: Instance, userId: number): Promise<FakeSocket> => {
    const before = instance.online.mock.results.length;
    const socket = new FakeSocket();
    sockets.push(socket);
    owner.set(socket, instance);
    instance.manager.addConnection(socket, { userId, via: 'cookie' });
    await nextFrame(socket, 'welcome');
    const first = instance.online.mock.results[before];
    if (first) await first.value;
    return socket;
  };

  const disconnect = async (instance: Instance, socket: FakeSocket): Promise<void> => {
    const before = instance.offline.mock.results.length;
    socket.peerClose(1000);
    await settle();
    const last = instance.offline.mock.results[before];
    if (last) await last.value;
  };

  const stop = async () => {
    await Promise.all(instances.map((i) => i.manager.close()));
    for (const s of sockets) s.peerClose(1001);
    await deleteRedisKeys(url, prefix);
  };

  return { prefix, instances, sockets, connect, disconnect, stop };
}

/** Every frame of a type a socket got, after letting in-flight work (and Redis round trips) finish. */
async function quietly<T>(ms: number, read: () => T): Promise<T> {
  await new Promise((r) => setTimeout(r, ms));
  await settle();
  return read();
}

const presenceOf = (socket: FakeSocket, userId: number) => framesOf(socket, 'presence').filter((f) => f.user_id === userId);

/** Resolves with the `count`-th presence frame about `userId` the socket got. */
async function presenceFrame(socket: FakeSocket, userId: number, count: number, timeoutMs = 1000) {
  await vi.waitFor(() => expect(presenceOf(socket, userId).length).toBeGreaterThanOrEqual(count), { timeout: timeoutMs, interval: 10 });
  return presenceOf(socket, userId)[count - 1];
}

// ---- delivery ---------------------------------------------------------------------

await describeWithRedis('RedisBroker: delivery across instances', (url) => {
  let cluster: Cluster;
  let A: Instance;
  let B: Instance;

  beforeEach(async () => {
    cluster = createCluster(url, ['A', 'B'], { groups: { 10: { accepted: [1, 2, 3] } } });
    [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
  });
  afterEach(() => cluster.stop());

  it('a private message from a user on A reaches the recipient on B, and the sender’s other connections on both', async () => {
    const sender = await cluster.connect(A, 1);
    const senderTabA = await cluster.connect(A, 1);
    const senderTabB = await cluster.connect(B, 1);
    const recipient = await cluster.connect(B, 2);

    sender.receive({ type: 'private', to: 2, content: 'hello across', client_id: 'c1' });

    const got = await nextFrame(recipient, 'private');
    expect(got).toMatchObject({ from: 1, to: 2, content: 'hello across' });
    expect(await nextFrame(senderTabA, 'private')).toMatchObject({ id: got.id });
    expect(await nextFrame(senderTabB, 'private')).toMatchObject({ id: got.id });
    expect(await nextFrame(sender, 'ack')).toMatchObject({ client_id: 'c1', id: got.id });

    // `except` skips only the sending connection, and nobody gets a copy twice (A ignores its own echo).
    const counts = await quietly(100, () => [sender, senderTabA, senderTabB, recipient].map((s) => framesOf(s, 'private').length));
    expect(counts).toEqual([0, 1, 1, 1]);
  });

  it('the delivered receipt produced on B reaches the sender on A, once', async () => {
    const sender = await cluster.connect(A, 1);
    await cluster.connect(B, 2);
    await cluster.connect(B, 2); // two recipient tabs: still one receipt

    sender.receive({ type: 'private', to: 2, content: 'did you get it?' });
    const ack = await nextFrame(sender, 'ack');

    expect(await nextFrame(sender, 'receipt')).toMatchObject({ message_id: ack.id, status: 'delivered', user_id: 2 });
    expect(await quietly(150, () => framesOf(sender, 'receipt').length)).toBe(1);
  });

  it('group messages fan out to members on both instances, once each, not back to the sending connection', async () => {
    const author = await cluster.connect(A, 1);
    const onB = await cluster.connect(B, 2);
    const onA = await cluster.connect(A, 3);
    const outsider = await cluster.connect(B, 4);

    author.receive({ type: 'group', group_id: 10, content: 'hi all' });

    expect(await nextFrame(onB, 'group')).toMatchObject({ from: 1, group_id: 10, content: 'hi all' });
    expect(await nextFrame(onA, 'group')).toMatchObject({ from: 1, group_id: 10 });
    const counts = await quietly(100, () => [author, onB, onA, outsider].map((s) => framesOf(s, 'group').length));
    expect(counts).toEqual([0, 1, 1, 0]);
  });

  it('broadcast reaches every connection on every instance exactly once', async () => {
    const admin = await cluster.connect(A, 1);
    const others = [await cluster.connect(A, 2), await cluster.connect(B, 3), await cluster.connect(B, 4)];

    admin.receive({ type: 'broadcast', content: 'maintenance at noon' });

    for (const s of others) expect(await nextFrame(s, 'broadcast')).toMatchObject({ from: 1, content: 'maintenance at noon' });
    const counts = await quietly(100, () => [admin, ...others].map((s) => framesOf(s, 'broadcast').length));
    expect(counts).toEqual([1, 1, 1, 1]);
  });

  it('ignores a message on its channels that is not a Parlor envelope, and keeps delivering', async () => {
    const admin = new Redis(url);
    try {
      const two = await cluster.connect(B, 2);
      for (const junk of ['not json', '{"v":2}', '{"v":1,"o":"x","t":"private","r":5}']) {
        await admin.publish(B.broker.names.userChannel(2), junk);
      }
      const one = await cluster.connect(A, 1);
      one.receive({ type: 'private', to: 2, content: 'still fine' });
      expect(await nextFrame(two, 'private')).toMatchObject({ content: 'still fine' });
      expect(framesOf(two, 'private')).toHaveLength(1);
      expect(B.logs.filter((l) => l.includes('not a Parlor envelope'))).toHaveLength(3);
    } finally {
      admin.disconnect();
    }
  });

  it('an instance subscribes to a user’s channel while it holds the user, so it never sees other users’ traffic', async () => {
    const admin = new Redis(url);
    try {
      const numsub = async (userId: number) => {
        const reply = (await admin.pubsub('NUMSUB', A.broker.names.userChannel(userId))) as [string, number];
        return Number(reply[1]);
      };
      const one = await cluster.connect(A, 1);
      const two = await cluster.connect(B, 2);
      await cluster.connect(B, 1);
      expect([await numsub(1), await numsub(2), await numsub(3)]).toEqual([2, 1, 0]);

      // B holds nobody but 1 and 2: a message between users 3 and 5 on A never reaches B.
      const deliveredOnB = vi.fn();
      const bSub = (B.broker as unknown as { sub: Redis }).sub;
      bSub.on('message', deliveredOnB);
      const three = await cluster.connect(A, 3);
      await cluster.connect(A, 5);
      three.receive({ type: 'private', to: 5, content: 'local only' });
      await nextFrame(three, 'ack');
      expect(await quietly(100, () => deliveredOnB.mock.calls.map((c) => c[0]))).not.toContain(A.broker.names.userChannel(5));
      expect(deliveredOnB.mock.calls.some((c) => c[0] === A.broker.names.userChannel(3))).toBe(false);

      await cluster.disconnect(B, two);
      await cluster.disconnect(A, one);
      expect([await numsub(1), await numsub(2)]).toEqual([1, 0]);
    } finally {
      admin.disconnect();
    }
  });
});

// ---- options at the door --------------------------------------------------------------

describe('RedisBroker options', () => {
  it.each([
    [{ presenceTtlMs: 0 }, /presenceTtlMs must be a positive integer/],
    [{ presenceTtlMs: 1000, heartbeatIntervalMs: 1000 }, /heartbeatIntervalMs must be shorter than presenceTtlMs/],
    [{ sweepIntervalMs: -5 }, /sweepIntervalMs must be a positive integer/],
    [{ url: 'http://localhost:6379' }, /must start with redis:\/\/ or rediss:\/\//],
    [{ prefix: 'has space' }, /prefix must be 1-64 non-space characters/],
    [{ instanceId: 'a/b' }, /instanceId must be/],
  ] as [RedisBrokerOptions, RegExp][])('%o throws at construction, before connecting', (options, message) => {
    expect(() => new RedisBroker(options)).toThrow(message);
  });

  it('describes the server without credentials', () => {
    expect(describeRedisUrl('redis://user:secret@cache.internal:6380/2')).toBe('redis://cache.internal:6380');
    expect(describeRedisUrl('rediss://cache.internal')).toBe('rediss://cache.internal:6379');
  });
});

// ---- presence -----------------------------------------------------------------------

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
});

// ---- Redis outage -------------------------------------------------------------------

const missing = await redisServerMissing();
describeWithService(
  'RedisBroker: Redis outage and recovery (private redis-server)',
  missing ? { ok: false, url: 'redis-server', reason: missing } : { ok: true, url: 'redis-server' },
  () => {
    let redis: PrivateRedis;
    let cluster: Cluster;

    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(() => redis?.stop());
    afterEach(() => cluster?.stop().catch(() => {}));

    it('local delivery goes on while Redis is down; reconnects, resubscribes and re-registers presence when it returns', async () => {
      cluster = createCluster(redis.url, ['A', 'B'], {
        contacts: { 1: [2, 3], 2: [1, 4], 3: [1], 4: [2] },
        broker: { redis: { retryStrategy: () => 100 } },
      });
      const [A, B] = cluster.instances as [Instance, Instance];
      await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
      const one = await cluster.connect(A, 1);
      const three = await cluster.connect(A, 3);
      const two = await cluster.connect(B, 2);
      one.receive({ type: 'private', to: 2, content: 'before', client_id: 'b1' });
      expect(await nextFrame(two, 'private')).toMatchObject({ content: 'before' });
      expect(await nextFrame(one, 'ack')).toMatchObject({ client_id: 'b1' });

      await redis.kill();
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

      await redis.restart(); // empty: no keys, no subscriptions survive
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
  },
);
