/**
 * RedisBroker against a real Redis: private, group and broadcast frames and
 * receipts delivered across instances (test/support/broker-cluster.ts), once
 * each; per-user channel subscriptions; junk on a channel ignored.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createCluster, quietly, type Cluster, type Instance } from '../support/broker-cluster.js';
import { framesOf, nextFrame } from '../support/mocks.js';
import { describeWithRedis } from '../support/services.js';

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

  it('the envelopes of one event-loop turn leave as one pipeline, and arrive in the order they were published', async () => {
    const two = await cluster.connect(B, 2);
    const aPub = (A.broker as unknown as { pub: Redis }).pub;
    const pipelines = vi.spyOn(aPub, 'pipeline');
    const published = vi.spyOn(aPub, 'publish');
    try {
      const sent = Array.from({ length: 50 }, (_, i) => A.broker.publish({ type: 'notification', raw: JSON.stringify({ type: 'notification', n: i }), users: [2] }));
      await Promise.all(sent);
      expect(pipelines).toHaveBeenCalledTimes(1);
      expect(published).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(framesOf(two, 'notification')).toHaveLength(50));
      expect(framesOf(two, 'notification').map((f) => f.n)).toEqual([...Array(50).keys()]);
    } finally {
      pipelines.mockRestore();
      published.mockRestore();
    }
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
