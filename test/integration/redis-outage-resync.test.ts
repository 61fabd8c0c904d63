/**
 * A message stored and acked during a Redis outage, for a recipient whose
 * socket on another instance stayed open the whole time: nothing would tell
 * that client to `sync` (its socket never dropped, only the instances' Redis
 * connections did). Once its instance is subscribed again it closes its
 * sockets with 1012 (reconnect and `sync`) within `resyncWindowMs`; the
 * recipient's sync replays the message, and the sender gets its `delivered`
 * receipt from that replay. Private redis-server, killed and restarted.
 */
import { expect, it, vi } from 'vitest';
import { describeWithPrivateRedis, type Instance } from '../support/broker-cluster.js';
import { framesOf, nextFrame } from '../support/mocks.js';

await describeWithPrivateRedis('RedisBroker: after a Redis outage, sockets that missed frames are closed to resync', ({ redis, createCluster }) => {
  it('bob (socket open on B throughout) is closed with 1012 once Redis is back; reconnected, his sync brings the message alice sent during the outage, and alice its receipt', async () => {
    const cluster = createCluster(['A', 'B'], {
      contacts: { 1: [2], 2: [1] },
      broker: { redis: { retryStrategy: () => 100 }, heartbeatIntervalMs: 500, resyncWindowMs: 200 },
    });
    const [A, B] = cluster.instances as [Instance, Instance];
    await Promise.all(cluster.instances.map((i) => i.broker.waitUntilReady()));
    const alice = await cluster.connect(A, 1);
    const bob = await cluster.connect(B, 2);
    bob.receive({ type: 'sync', since: 0 }); // what every client does after its welcome
    await nextFrame(bob, 'synced');

    await redis().kill();
    await vi.waitFor(() => expect([A.broker.status, B.broker.status]).toEqual(['down', 'down']), { timeout: 3000 });
    alice.receive({ type: 'private', to: 2, content: 'sent while Redis was down', client_id: 'outage-1' });
    const ack = await nextFrame(alice, 'ack');

    await redis().restart();
    // Both instances were unsubscribed: every socket they held is told to reconnect and sync.
    await vi.waitFor(() => expect([bob.closeCode, alice.closeCode]).toEqual([1012, 1012]), { timeout: 5000 });
    expect(framesOf(bob, 'private').map((f) => f.id)).not.toContain(ack.id); // it never arrived live

    const aliceAgain = await cluster.connect(A, 1);
    const bobAgain = await cluster.connect(B, 2);
    bobAgain.receive({ type: 'sync', since: 0 });
    const synced = await nextFrame(bobAgain, 'synced', 3000);
    expect(framesOf(bobAgain, 'private').map((f) => [f.id, f.content])).toEqual([[ack.id, 'sent while Redis was down']]);
    expect(synced.last_id).toBe(ack.id);
    expect(await nextFrame(aliceAgain, 'receipt', 3000)).toMatchObject({ message_id: ack.id, status: 'delivered', user_id: 2 });
  }, 20_000);
});
