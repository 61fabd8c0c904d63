/**
 * Rule (docs/scaling.md, "the gap at connect time"): an instance subscribes to
 * a user's channel as the user's first connection there is added, so a frame
 * published on another instance after that one round trip reaches the new
 * socket live (and `sync` covers the round trip). That holds when the user
 * reconnects to the SAME instance while it is still announcing the previous
 * socket's "offline" (reading the contacts).
 *
 * What used to happen: the instance unsubscribed at once when the last socket
 * closed, and subscribed again only in Presence.cameOnline's turn, behind the
 * whole offline announcement. The new socket was welcomed and synced with no
 * subscription: a group message another instance stored and published in
 * that window reached it neither live nor by the sync already made.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { deferred, framesOf, nextFrame } from '../support/fake-socket.js';
import { describeWithRedis } from '../support/services.js';
import { twoInstances } from '../support/two-redis-instances.js';

await describeWithRedis('reconnecting to the same instance during the offline announcement', (url) => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a group message published from B while bob reconnects on A reaches his new socket', async () => {
    // Group 10: carol (1) and bob (2). Bob is held by A, carol by B.
    const c = twoInstances(url, { groups: { 10: { accepted: [1, 2] } } });
    const gate = deferred<void>();
    stop = async () => {
      gate.resolve();
      await c.stop();
    };
    await c.ready();
    const carol = await c.connect(c.B, 1);
    const bob1 = await c.connect(c.A, 2);
    await c.waitSubscribed(1);
    await c.waitSubscribed(2);

    // Control: while bob is connected, carol's message crosses from B to A.
    carol.receive({ type: 'group', group_id: 10, content: 'before', client_id: 'c0' });
    expect(await nextFrame(bob1, 'group')).toMatchObject({ content: 'before' });
    expect(await nextFrame(carol, 'ack')).toMatchObject({ client_id: 'c0' });

    // Bob's contacts take a moment to read (a busy database, a host contactsOf over the network).
    const realContactsOf = c.groups.contactsOf.getMockImplementation()!;
    let slowed = false;
    c.groups.contactsOf.mockImplementation(((userId: number) => {
      if (userId !== 2 || slowed) return realContactsOf(userId);
      slowed = true;
      return gate.promise.then(() => realContactsOf(userId));
    }) as typeof realContactsOf);

    // Bob reloads the page: the old socket closes, the new one lands on the same instance A.
    bob1.peerClose(1001);
    const bob2 = await c.connect(c.A, 2);
    bob2.receive({ type: 'sync', since: 0 });
    await nextFrame(bob2, 'synced');

    // Bob has an open, synced socket on A: A is subscribed to bob's channel although the offline is still being announced.
    await new Promise((r) => setTimeout(r, 100));
    const subscribedDuringGap = await c.subscribers(2);

    carol.receive({ type: 'group', group_id: 10, content: 'while bob reconnected', client_id: 'c1' });
    expect(await nextFrame(carol, 'ack')).toMatchObject({ client_id: 'c1' });

    // The contacts read ends; A stays subscribed.
    gate.resolve();
    await vi.waitFor(async () => expect(await c.subscribers(2)).toBe(1), { timeout: 2000, interval: 10 });
    await new Promise((r) => setTimeout(r, 300));

    const live = framesOf(bob2, 'group').filter((f) => f.content === 'while bob reconnected');
    expect({ subscribedDuringGap, live: live.length }).toEqual({ subscribedDuringGap: 1, live: 1 });
  });
});
