/**
 * Two deployments on one Redis server, kept apart by their logical database
 * alone (`REDIS_URL=redis://host:6379/14` and `/15`), both with the same key
 * prefix (the default `parlor`, as two apps that never set REDIS_PREFIX).
 * Keys live in their database, but Redis pub/sub ignores the database number:
 * the channel names carry it (src/broker/channels.ts), so user 2 of one app
 * never gets user 2's frames of the other, and a `disconnectUser(2)` in one
 * never closes user 2's sockets in the other.
 *
 * No waiting for something not to happen: each deployment has two instances,
 * and a frame of the other app that Redis delivered at all would reach a
 * subscriber's connection before a later frame of its own app (Redis writes
 * to one connection in order).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { Manager } from '../../src/websocket/manager.js';
import { FakeSocket, framesOf, nextFrame } from '../support/fake-socket.js';
import { mockGroupMemberFetcher, mockPersister, mockSessionResolver } from '../support/mock-interfaces.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

await describeWithRedis('two deployments on one Redis, one database each, one prefix', (url) => {
  const base = url.replace(/\/\d*$/, '');
  const urlX = `${base}/14`;
  const urlY = `${base}/15`;
  // The same prefix in both databases (unique to this run, for cleanup).
  const prefix = `parlor-test-db-${randomUUID().slice(0, 8)}`;
  type Instance = { broker: RedisBroker; manager: Manager };
  let instances: Instance[] = [];
  const sockets: FakeSocket[] = [];

  /** A deployment: two instances sharing one store, on one database. */
  const deployment = async (redisUrl: string): Promise<[Instance, Instance]> => {
    const groups = mockGroupMemberFetcher();
    const persister = mockPersister({ groups });
    const pair = [0, 1].map(() => {
      const broker = new RedisBroker({ url: redisUrl, prefix });
      const manager = new Manager(mockSessionResolver(), groups, persister, { isAdmin: () => false }, broker);
      return { broker, manager };
    }) as [Instance, Instance];
    instances.push(...pair);
    await Promise.all(pair.map((i) => i.broker.waitUntilReady()));
    return pair;
  };
  /** Resolves once the user's channel is subscribed on that instance. */
  const connect = async (at: Instance, userId: number) => {
    const socket = new FakeSocket();
    sockets.push(socket);
    const online = vi.spyOn(at.broker, 'userOnline');
    at.manager.addConnection(socket, { userId, via: 'cookie' });
    await nextFrame(socket, 'welcome');
    await vi.waitFor(() => expect(online).toHaveBeenCalled());
    await online.mock.results[0]!.value;
    online.mockRestore();
    return socket;
  };

  beforeEach(() => {
    instances = [];
  });
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.manager.close()));
    for (const s of sockets) s.peerClose(1001);
    await deleteRedisKeys(urlX, prefix);
    await deleteRedisKeys(urlY, prefix);
  });

  it('a private message in deployment Y (db 15) never reaches the user with the same id in deployment X (db 14)', async () => {
    const [X1, X2] = await deployment(urlX);
    const [Y1, Y2] = await deployment(urlY);
    const bobOfX = await connect(X1, 2);
    const aliceOfX = await connect(X2, 1);
    const aliceOfY = await connect(Y1, 1);
    const bobOfY = await connect(Y2, 2);

    aliceOfY.receive({ type: 'private', to: 2, content: 'for bob of app Y only', client_id: 'y1' });
    expect(await nextFrame(bobOfY, 'private', 2000)).toMatchObject({ content: 'for bob of app Y only' }); // crossed Redis
    aliceOfX.receive({ type: 'private', to: 2, content: 'for bob of app X', client_id: 'x1' });
    await vi.waitFor(() => expect(framesOf(bobOfX, 'private').length).toBeGreaterThan(0), { timeout: 2000 });

    expect(framesOf(bobOfX, 'private').map((f) => f.content)).toEqual(['for bob of app X']);
  });

  it('disconnectUser in deployment Y does not close the sockets of the user with the same id in deployment X', async () => {
    const [X1, X2] = await deployment(urlX);
    const [Y1, Y2] = await deployment(urlY);
    const bobOfX = await connect(X1, 2);
    const carolOfX = await connect(X1, 3);
    const bobOfY = await connect(Y2, 2);

    Y1.manager.disconnect({ userId: 2 }); // what parlor.disconnectUser(2) does
    await vi.waitFor(() => expect(bobOfY.closeCode).toBe(4401), { timeout: 2000 }); // crossed Redis
    X2.manager.disconnect({ userId: 3 });
    await vi.waitFor(() => expect(carolOfX.closeCode).toBe(4401), { timeout: 2000 });

    expect(bobOfX.closeCode).toBeUndefined();
  });
});
