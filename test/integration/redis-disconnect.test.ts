/**
 * Disconnect orders over a real Redis between two RedisBroker-backed Managers
 * (test/support/broker-cluster.ts): what `parlor.disconnectUser`,
 * `parlor.disconnectSession` and token revocation call on one instance closes
 * the matching sockets on the other with 4401, each instance acting once;
 * junk on the disconnect channel is ignored. Real processes, logout and
 * revocation over HTTP: scale-out-credentials.test.ts.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { RedisNames } from '../../src/broker/channels.js';
import type { Identity } from '../../src/websocket/session-resolver.js';
import { createCluster, quietly, type Cluster, type Instance } from '../support/broker-cluster.js';
import { FakeSocket, nextFrame } from '../support/mocks.js';
import { describeWithRedis } from '../support/services.js';

await describeWithRedis('RedisBroker: disconnect orders across instances', (url) => {
  let cluster: Cluster;
  let A: Instance;
  let B: Instance;

  beforeEach(async () => {
    cluster = createCluster(url, ['A', 'B']);
    [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
  });
  afterEach(() => cluster.stop());

  /** A socket of `identity` on `at`, past its welcome. */
  const open = async (at: Instance, identity: Identity) => {
    const socket = new FakeSocket();
    cluster.sockets.push(socket);
    at.manager.addConnection(socket, identity);
    await nextFrame(socket, 'welcome');
    return socket;
  };
  const closedWith4401 = (socket: FakeSocket) => vi.waitFor(() => expect(socket.closeCode).toBe(4401), { timeout: 2000, interval: 10 });

  it("a user order from A (disconnectUser) closes the user's sockets on both instances, and only those", async () => {
    const [onA, onB, tokenOnB] = [await open(A, { userId: 1, via: 'cookie', sessionId: 's1' }), await open(B, { userId: 1, via: 'cookie', sessionId: 's2' }), await open(B, { userId: 1, via: 'token' })];
    const other = await open(B, { userId: 2, via: 'cookie', sessionId: 's3' });
    expect(A.manager.disconnect({ userId: 1 })).toBe(1);
    expect(onA.closeCode).toBe(4401);
    for (const s of [onB, tokenOnB]) await closedWith4401(s);
    expect(await quietly(100, () => other.closeCode)).toBeUndefined();
  });

  it('a session order closes that session only; a token order only the token sockets', async () => {
    const [s1, s2, token] = [await open(B, { userId: 1, via: 'cookie', sessionId: 's1' }), await open(B, { userId: 1, via: 'cookie', sessionId: 's2' }), await open(B, { userId: 1, via: 'token' })];
    expect(A.manager.disconnect({ sessionId: 's1' })).toBe(0);
    await closedWith4401(s1);
    A.manager.disconnect({ userId: 1, via: 'token' });
    await closedWith4401(token);
    expect(await quietly(100, () => s2.closeCode)).toBeUndefined();
  });

  it('ignores junk on the disconnect channel, with a warning', async () => {
    const s = await open(B, { userId: 1, via: 'cookie', sessionId: 's1' });
    const pub = new Redis(url);
    try {
      const channel = new RedisNames(cluster.prefix).disconnectChannel;
      for (const junk of ['not json', '{"v":1,"o":"x","order":{"userId":"1"}}', '{"v":1,"o":"x","order":{"userId":1,"sessionId":"s1"}}', '{"v":2,"o":"x","order":{"userId":1}}']) {
        await pub.publish(channel, junk);
      }
      await vi.waitFor(() => expect(B.logs.filter((l) => l.includes('not a Parlor disconnect order'))).toHaveLength(4), { timeout: 2000, interval: 10 });
    } finally {
      pub.disconnect();
    }
    expect(s.closeCode).toBeUndefined();
  });
});
