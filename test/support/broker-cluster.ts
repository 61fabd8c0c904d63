/**
 * Several RedisBroker-backed Managers in one process, each with its own
 * broker (its own connections and instance id) under one fresh key prefix,
 * sharing one in-memory store, as several Parlor processes share one
 * database. `stop()` closes them and deletes every key under the prefix.
 * (The cluster of real server processes is `cluster.ts`.)
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, vi, type MockInstance } from 'vitest';
import { RedisBroker, type RedisBrokerOptions } from '../../src/broker/redis-broker.js';
import { Manager } from '../../src/websocket/manager.js';
import { FakeSocket, framesOf, nextFrame, settle } from './fake-socket.js';
import { mockGroupMemberFetcher, mockPersister, mockSessionResolver, type GroupSpec, type MockGroupMemberFetcher } from './mock-interfaces.js';
import { deleteRedisKeys, describeWithService, redisServerMissing, startPrivateRedis, type PrivateRedis } from './services.js';

export interface Instance {
  name: string;
  manager: Manager;
  broker: RedisBroker;
  online: MockInstance<RedisBroker['userOnline']>;
  offline: MockInstance<RedisBroker['userOffline']>;
  logs: string[];
}

export interface Cluster {
  prefix: string;
  instances: Instance[];
  sockets: FakeSocket[];
  /** The group fetcher every instance shares (its `contactsOf` can be held back for one call). */
  groups: MockGroupMemberFetcher;
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

type ClusterSpec = Parameters<typeof createCluster>[2];

/**
 * A describe block around a private redis-server (started before its tests,
 * stopped after: they may kill and restart it) and the clusters its tests
 * create on it (each stopped after its test). Without redis-server on PATH it
 * is skipped with the reason, or fails with REQUIRE_SERVICES=1.
 */
export async function describeWithPrivateRedis(
  name: string,
  body: (env: { redis: () => PrivateRedis; createCluster: (names: string[], spec?: ClusterSpec) => Cluster }) => void,
): Promise<void> {
  const missing = await redisServerMissing();
  describeWithService(name, missing ? { ok: false, url: 'redis-server', reason: missing } : { ok: true, url: 'redis-server' }, () => {
    let redis: PrivateRedis | undefined;
    const clusters: Cluster[] = [];
    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(() => redis?.stop());
    afterEach(async () => {
      await Promise.all(clusters.splice(0).map((c) => c.stop().catch(() => {})));
    });
    body({
      redis: () => redis!,
      createCluster: (names, spec) => {
        const cluster = createCluster(redis!.url, names, spec);
        clusters.push(cluster);
        return cluster;
      },
    });
  });
}

export function createCluster(
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

  return { prefix, instances, sockets, groups, connect, disconnect, stop };
}

/** Every frame of a type a socket got, after letting in-flight work (and Redis round trips) finish. */
export async function quietly<T>(ms: number, read: () => T): Promise<T> {
  await new Promise((r) => setTimeout(r, ms));
  await settle();
  return read();
}

export const presenceOf = (socket: FakeSocket, userId: number) => framesOf(socket, 'presence').filter((f) => f.user_id === userId);

/** Resolves with the `count`-th presence frame about `userId` the socket got. */
export async function presenceFrame(socket: FakeSocket, userId: number, count: number, timeoutMs = 1000) {
  await vi.waitFor(() => expect(presenceOf(socket, userId).length).toBeGreaterThanOrEqual(count), { timeout: timeoutMs, interval: 10 });
  return presenceOf(socket, userId)[count - 1];
}

/** Presence timing for a stopped deployment: the periodic sweep is far longer than a test, so only a sweep at start clears it. */
export const STOPPED_DEPLOYMENT_TIMING = { presenceTtlMs: 1000, heartbeatIntervalMs: 300, sweepIntervalMs: 60_000 } as const;
/** Users 2 and 3, contacts of user 1. */
export const STOPPED_DEPLOYMENT_CONTACTS = { 1: [2, 3], 2: [1], 3: [1] };

/**
 * A deployment whose every instance stopped: A closed cleanly with user 2 connected, B killed with user 3
 * connected, and B's heartbeat expired. Nobody is left to sweep them: their records stay in Redis (under
 * `cluster.prefix`) until an instance starts. `stopped`: their instance ids.
 */
export async function stoppedDeployment(url: string): Promise<{ cluster: Cluster; stopped: string[] }> {
  const cluster = createCluster(url, ['A', 'B'], { contacts: STOPPED_DEPLOYMENT_CONTACTS, broker: STOPPED_DEPLOYMENT_TIMING });
  const [A, B] = cluster.instances as [Instance, Instance];
  await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
  await cluster.connect(A, 2);
  await cluster.connect(B, 3);
  await A.manager.close();
  B.broker.destroy();
  const redis = new Redis(url);
  try {
    await vi.waitFor(async () => expect(await redis.exists(`${cluster.prefix}:instance:${B.broker.instanceId}`)).toBe(0), { timeout: 3000 });
  } finally {
    redis.disconnect();
  }
  return { cluster, stopped: [A.broker.instanceId, B.broker.instanceId] };
}
