/**
 * Scale-out under a Redis outage, with real processes: two instances (A, B)
 * sharing one PostgreSQL schema and a PRIVATE redis-server on a spare port
 * (the shared Redis is never touched). The private Redis is killed: local
 * delivery on A keeps working, cross-instance delivery stops (messages are
 * still stored and acked), /healthz stays 200 and the broker metrics show the
 * outage. It is restarted, empty, on the same port: both instances reconnect
 * by themselves, resubscribe and re-register presence, close their sockets
 * with 1012 (they may have missed frames: reconnect and sync), cross-instance
 * delivery resumes, and the client that missed messages gets them with `sync`.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeWithServices, logged, metric, startCluster, waitForLog, type Cluster, type Instance } from '../support/cluster.js';
import { closeAll, connectClient, createGroup, expectNoFrame, registerUser, type TestClient, type TestUser } from '../support/server.js';
import { startPrivateRedis, type PrivateRedis } from '../support/services.js';

await describeWithServices('scale-out: a Redis outage between two server processes', { redisServer: true }, ({ databaseUrl }) => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let A: Instance, B: Instance;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let groupId: number;
  /** alice and carol on A, bob on B. */
  let a: TestClient, c: TestClient, b: TestClient;
  /** The newest message bob received live before the outage: his `sync` cursor. */
  let bobCursor: number;
  /** What was stored for bob while Redis was down. */
  const missed: number[] = [];

  const connect = async (at: Instance, user: TestUser) => {
    const client = await connectClient(at, user.cookie);
    await cluster.waitForSubscribers(user.id, 1);
    return client;
  };
  const connected = (at: Instance) => metric(at, 'parlor_broker_connected');

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({ databaseUrl, redisUrl: redis.url, names: ['A', 'B'], label: 'outage' });
    [A, B] = cluster.instances as [Instance, Instance];
    [alice, carol, bob] = [await registerUser(A), await registerUser(A), await registerUser(B)];
    groupId = await createGroup(A, alice, [bob, carol]);
    a = await connect(A, alice);
    c = await connect(A, carol);
    b = await connect(B, bob);
  }, 90_000);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
    await redis?.stop();
  }, 30_000);

  it('before the outage: A and B talk through the private Redis, both report the broker connected', async () => {
    expect([await connected(A), await connected(B)]).toEqual([1, 1]);
    a.send({ type: 'private', to: bob.id, content: 'before', client_id: 'before' });
    const ack = await a.next('ack', (f) => f.client_id === 'before');
    expect(await b.next('private')).toMatchObject({ id: ack.id, content: 'before' });
    bobCursor = ack.id;
  });

  it('Redis killed: local delivery on A goes on, cross-instance delivery stops, messages are still stored and acked, /healthz stays 200', async () => {
    await redis.kill();
    await vi.waitFor(async () => expect([await connected(A), await connected(B)]).toEqual([0, 0]), { timeout: 5000, interval: 50 });
    for (const at of [A, B]) await waitForLog(at, 'redis: connection lost; delivering to local connections only until it returns');

    // alice and carol are both on A: private and group frames, ack and delivered receipt, as if nothing happened.
    a.send({ type: 'private', to: carol.id, content: 'local, during the outage', client_id: 'local-1' });
    const local = await a.next('ack', (f) => f.client_id === 'local-1');
    expect(await c.next('private')).toMatchObject({ id: local.id, from: alice.id, content: 'local, during the outage' });
    expect(await a.next('receipt', (f) => f.message_id === local.id)).toMatchObject({ status: 'delivered', user_id: carol.id });

    c.send({ type: 'group', group_id: groupId, content: 'group, during the outage', client_id: 'group-1' });
    const group = await c.next('ack', (f) => f.client_id === 'group-1');
    expect(await a.next('group')).toMatchObject({ id: group.id, from: carol.id, content: 'group, during the outage' });

    // alice (A) to bob (B): stored and acked, but it cannot cross; no delivered receipt either.
    a.send({ type: 'private', to: bob.id, content: 'remote, during the outage', client_id: 'remote-1' });
    const remote = await a.next('ack', (f) => f.client_id === 'remote-1');
    missed.push(group.id, remote.id);
    await expectNoFrame(b, 'private', 500, (f) => f.id === remote.id);
    await expectNoFrame(b, 'group', 0);
    await expectNoFrame(a, 'receipt', 0, (f) => f.message_id === remote.id);

    for (const at of [A, B]) await at.http.get('/healthz').expect(200);
    expect(await metric(A, 'parlor_broker_dropped_publishes_total')).toBeGreaterThanOrEqual(4); // each publish made while down: both privates, the receipt, the group message
  });

  it('Redis back on the same port (empty): both instances reconnect and resubscribe by themselves, presence is rebuilt, delivery crosses again', async () => {
    const restarted = Date.now();
    await redis.restart();
    await vi.waitFor(async () => expect([await connected(A), await connected(B)]).toEqual([1, 1]), { timeout: 10_000, interval: 50 });
    console.info(`[scale-out] Redis restarted -> both instances subscribed again after ${Date.now() - restarted} ms`);
    for (const at of [A, B]) expect(logged(at, 'redis: reconnected').length).toBeGreaterThanOrEqual(1);

    // Both instances were unsubscribed for a while: every socket is closed with 1012 within the resync window (5 s),
    // and its client reconnects (and syncs, below).
    const closes = await Promise.all([a, c, b].map((client) => client.closed));
    expect(closes.map((close) => close.code)).toEqual([1012, 1012, 1012]);
    a = await connect(A, alice);
    c = await connect(A, carol);
    b = await connect(B, bob);

    // The restarted Redis had no subscriptions and no presence: the instances put them back.
    for (const user of [alice, bob, carol]) await cluster.waitForSubscribers(user.id, 1);
    await vi.waitFor(
      async () => expect((await A.http.get('/api/users/online').set('cookie', alice.cookie).expect(200)).body.users.sort()).toEqual([bob.id, carol.id].sort()),
      { timeout: 5000, interval: 50 },
    );

    b.send({ type: 'private', to: alice.id, content: 'after, from B', client_id: 'after-1' });
    const fromB = await b.next('ack', (f) => f.client_id === 'after-1');
    expect(await a.next('private', (f) => f.id === fromB.id)).toMatchObject({ from: bob.id, content: 'after, from B' });
    expect(await b.next('receipt', (f) => f.message_id === fromB.id)).toMatchObject({ status: 'delivered', user_id: alice.id });

    a.send({ type: 'private', to: bob.id, content: 'after, from A', client_id: 'after-2' });
    const fromA = await a.next('ack', (f) => f.client_id === 'after-2');
    expect(await b.next('private', (f) => f.id === fromA.id)).toMatchObject({ from: alice.id, content: 'after, from A' });
    missed.push(fromB.id, fromA.id);
  }, 30_000);

  it('bob, who missed the outage messages, gets them with `sync` from his last id: in id order, once each', async () => {
    expect(b.all('private').map((f) => f.id)).not.toContain(missed[1]);
    const from = b.frames.length;
    b.send({ type: 'sync', since: bobCursor });
    const synced = await b.next('synced');
    // Only the replay: a live frame (a presence repeat after Redis came back) may land between sync and synced.
    const replayed = b.frames.slice(from, b.frames.indexOf(synced)).filter((f) => f.replayed === true);
    // Everything bob may see after his cursor, his own message included; alice's private message to carol is not his.
    expect(replayed.map((f) => [f.type, f.id, f.content])).toEqual([
      ['group', missed[0], 'group, during the outage'],
      ['private', missed[1], 'remote, during the outage'],
      ['private', missed[2], 'after, from B'],
      ['private', missed[3], 'after, from A'],
    ]);
    expect(synced.last_id).toBe(missed[3]);
  });
});
