/**
 * Two Managers, each with its own RedisBroker on the shared Redis under a
 * fresh key prefix (two Parlor instances), sharing one in-memory persister
 * and one group fetcher whose `contactsOf` a test can slow down. Like
 * broker-cluster.ts, but the fetcher and the Manager options are the test's,
 * and it can count an instance's subscribers to a user's channel.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, vi } from 'vitest';
import { RedisBroker, type RedisBrokerOptions } from '../../src/broker/redis-broker.js';
import { Manager } from '../../src/websocket/manager.js';
import type { ManagerOptions } from '../../src/websocket/options.js';
import { FakeSocket, nextFrame, type FakeSocketOptions } from './fake-socket.js';
import { mockGroupMemberFetcher, mockPersister, mockSessionResolver, type GroupSpec } from './mock-interfaces.js';
import { deleteRedisKeys } from './services.js';

export interface Node {
  manager: Manager;
  broker: RedisBroker;
}

export function twoInstances(
  url: string,
  spec: { groups?: Record<number, GroupSpec>; contacts?: Record<number, number[]>; broker?: RedisBrokerOptions; manager?: Partial<ManagerOptions> } = {},
) {
  const prefix = `parlor-test-two-${randomUUID().slice(0, 8)}`;
  const groups = mockGroupMemberFetcher(spec.groups, spec.contacts);
  const persister = mockPersister({ groups });
  const sockets: FakeSocket[] = [];
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const make = (): Node => {
    const broker = new RedisBroker({ url, prefix, ...spec.broker });
    const manager = new Manager(mockSessionResolver(), groups, persister, { ...spec.manager }, broker);
    return { broker, manager };
  };
  const A = make();
  const B = make();
  return {
    prefix,
    groups,
    persister,
    A,
    B,
    redis,
    async ready() {
      await Promise.all([A.broker.waitUntilReady(), B.broker.waitUntilReady()]);
    },
    async connect(node: Node, userId: number, options?: FakeSocketOptions): Promise<FakeSocket> {
      const socket = new FakeSocket(options);
      sockets.push(socket);
      node.manager.addConnection(socket, { userId, via: 'cookie' });
      await nextFrame(socket, 'welcome');
      return socket;
    },
    /** Instances subscribed to the user's channel (PUBSUB NUMSUB). */
    async subscribers(userId: number): Promise<number> {
      const reply = (await redis.call('PUBSUB', 'NUMSUB', `${prefix}:u:${userId}`)) as [string, number];
      return Number(reply[1]);
    },
    /** Waits until `count` instances are subscribed to the user's channel. */
    async waitSubscribed(userId: number, count = 1): Promise<void> {
      await vi.waitFor(async () => expect(await this.subscribers(userId)).toBe(count), { timeout: 3000, interval: 10 });
    },
    async stop() {
      await Promise.all([A, B].map((n) => n.manager.close().catch(() => {})));
      for (const s of sockets) s.peerClose(1001);
      redis.disconnect();
      await deleteRedisKeys(url, prefix);
    },
  };
}
