/**
 * Scale-out with real processes: three `node dist/server.js` instances (A, B,
 * C) on their own ports, sharing one PostgreSQL schema (data and sessions)
 * and one Redis prefix (fan-out and presence), as behind a load balancer
 * without sticky sessions. Sessions work on any instance; users on different
 * instances exchange private and group messages with acks and receipts; each
 * instance subscribes only to its own users' channels; presence crosses
 * instances; and an instance killed with SIGKILL has its users announced
 * offline within PRESENCE_TTL_MS + PRESENCE_SWEEP_MS.
 * The Redis outage drill is in scale-out-redis-outage.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HEARTBEAT_MS, PRESENCE_SWEEP_MS, PRESENCE_TTL_MS, describeWithServices, logged, startCluster, type Cluster, type Instance } from '../support/cluster.js';
import { stopServerProcess } from '../support/process.js';
import { closeAll, connectClient, cookieOf, expectNoFrame, registerUser, type TestClient, type TestUser } from '../support/server.js';

await describeWithServices('scale-out: three server processes, one PostgreSQL, one Redis', { redis: true }, ({ databaseUrl, redisUrl }) => {
  let cluster: Cluster;
  let A: Instance, B: Instance, C: Instance;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let groupId: number;
  /** Connections that stay open across tests: alice on A (and a second device on C), bob on B, carol on C. */
  let a: TestClient, a2: TestClient, b: TestClient, c: TestClient;

  /** Opens a socket for `user` on `at` and waits until `at` is subscribed to the user's channel (with `instances` subscribers in all). */
  const connect = async (at: Instance, user: TestUser, instances = 1) => {
    const client = await connectClient(at, user.cookie);
    await cluster.waitForSubscribers(user.id, instances);
    return client;
  };
  const presence = (client: TestClient, user: TestUser) => client.all('presence').filter((f) => f.user_id === user.id);
  const online = async (at: Instance, viewer: TestUser) =>
    ((await at.http.get('/api/users/online').set('cookie', viewer.cookie).expect(200)).body.users as number[]).sort((x, y) => x - y);

  beforeAll(async () => {
    cluster = await startCluster({ databaseUrl, redisUrl, names: ['A', 'B', 'C'], label: 'scale' });
    [A, B, C] = cluster.instances as [Instance, Instance, Instance];
  }, 90_000);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
  }, 30_000);

  it('runs three instances with distinct ports and instance ids, all on Redis and PostgreSQL', () => {
    expect(new Set(cluster.instances.map((i) => i.process.port)).size).toBe(3);
    const started = cluster.instances.map((i) => i.process.logs.find((l) => typeof l.instance === 'string')!);
    expect(new Set(started.map((l) => l.instance)).size).toBe(3);
    for (const line of started) expect(line).toMatchObject({ prefix: cluster.prefix, broker: expect.stringMatching(/^redis:\/\//) });
  });

  it('sessions live in PostgreSQL: a cookie from A works on B and C, a login on B works on C, a logout on C ends it on A', async () => {
    alice = await registerUser(A);
    await B.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200, { id: alice.id, username: alice.username });
    await C.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200);

    const res = await B.http.post('/api/auth/login').send({ username: alice.username, password: alice.password }).expect(200);
    const second = cookieOf(res.headers['set-cookie']);
    await C.http.get('/api/auth/me').set('cookie', second).expect(200, { id: alice.id, username: alice.username });
    await C.http.post('/api/auth/logout').set('cookie', second).expect(204);
    await A.http.get('/api/auth/me').set('cookie', second).expect(401);
    await A.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200); // the first session is untouched

    // The other users register on other instances; the group is built across all three.
    bob = await registerUser(B);
    carol = await registerUser(C);
    const { body } = await B.http.post('/api/groups').set('cookie', bob.cookie).send({ name: 'spread' }).expect(201);
    groupId = body.id;
    for (const [at, user] of [[A, alice], [C, carol]] as const) {
      await C.http.post('/api/groups/invite').set('cookie', bob.cookie).send({ group_id: groupId, user_id: user.id }).expect(201);
      await at.http.post(`/api/groups/${groupId}/accept`).set('cookie', user.cookie).expect(200);
    }
    const members = await A.http.get(`/api/groups/${groupId}/members`).set('cookie', alice.cookie).expect(200);
    expect(members.body.members.map((m: { id: number }) => m.id).sort()).toEqual([alice.id, bob.id, carol.id].sort());
  });

  it('presence crosses instances: online when the first connection opens anywhere, offline only when the last one closes', async () => {
    a = await connect(A, alice);
    c = await connect(C, carol);
    expect(await presenceOnce(a, carol)).toEqual({ type: 'presence', user_id: carol.id, online: true });

    const onB = await connect(B, bob);
    expect(await presenceOnce(a, bob)).toMatchObject({ online: true }); // bob on B, seen by alice on A
    expect(await presenceOnce(c, bob)).toMatchObject({ online: true }); // and by carol on C
    const onC = await connect(C, bob, 2); // a second device elsewhere: not a new "online"
    onB.ws.close();
    await cluster.waitForSubscribers(bob.id, 1); // B let go of bob's channel
    await expectNoFrame(a, 'presence', 300, (f) => f.user_id === bob.id && f.online === false);
    expect(presence(a, bob)).toHaveLength(1);

    onC.ws.close();
    await a.next('presence', (f) => f.user_id === bob.id && f.online === false);
    await c.next('presence', (f) => f.user_id === bob.id && f.online === false);
    await cluster.waitForSubscribers(bob.id, 0);
    expect(await online(A, alice)).toEqual([carol.id]); // carol is connected to C; alice asks A

    b = await connect(B, bob);
    await a.next('presence', (f) => f.user_id === bob.id && f.online === true);
    a2 = await connect(C, alice, 2);
    expect(await online(A, carol)).toEqual([alice.id, bob.id].sort((x, y) => x - y));
    // Each user's channel is held only by the instances holding that user.
    expect([await cluster.subscribers(alice.id), await cluster.subscribers(bob.id), await cluster.subscribers(carol.id)]).toEqual([2, 1, 1]);
  });

  it('private messages both ways between A and B: ack after storing, the frame on the other instance, the sender\'s other device on C, delivered and read receipts back', async () => {
    a.send({ type: 'private', to: bob.id, content: 'hi bob, from A', client_id: 'ab-1' });
    const ack = await a.next('ack', (f) => f.client_id === 'ab-1');
    const got = await b.next('private');
    expect(got).toMatchObject({ id: ack.id, from: alice.id, to: bob.id, content: 'hi bob, from A' });
    expect(await a2.next('private')).toMatchObject({ id: ack.id, from: alice.id }); // alice's other device, on C
    expect(await a.next('receipt')).toMatchObject({ message_id: ack.id, status: 'delivered', user_id: bob.id }); // from B to A
    expect(await a2.next('receipt')).toMatchObject({ message_id: ack.id, status: 'delivered' });

    b.send({ type: 'private', to: alice.id, content: 'hi alice, from B', client_id: 'ba-1' });
    const back = await b.next('ack', (f) => f.client_id === 'ba-1');
    expect(await a.next('private')).toMatchObject({ id: back.id, from: bob.id, to: alice.id, content: 'hi alice, from B' });
    expect(await a2.next('private')).toMatchObject({ id: back.id });
    const delivered = await b.next('receipt');
    expect(delivered).toMatchObject({ message_id: back.id, status: 'delivered', user_id: alice.id });
    await expectNoFrame(b, 'receipt', 200, (f) => f !== delivered && f.status === 'delivered'); // once, though alice holds two sockets

    b.send({ type: 'read', message_id: ack.id });
    expect(await a.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: ack.id, user_id: bob.id });
    expect(await a2.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: ack.id });

    // The REST route on C routes live too (carol to bob on B).
    const rest = await C.http.post('/api/messages/private').set('cookie', carol.cookie).send({ to: bob.id, content: 'via REST on C' }).expect(201);
    expect(await b.next('private', (f) => f.id === rest.body.id)).toMatchObject({ from: carol.id, content: 'via REST on C' });
    expect(await c.next('receipt', (f) => f.message_id === rest.body.id)).toMatchObject({ status: 'delivered', user_id: bob.id });
  });

  it('group messages reach members on every instance, not the sending connection; typing crosses too', async () => {
    c.send({ type: 'group', group_id: groupId, content: 'hello from C', client_id: 'g-c' });
    const ack = await c.next('ack', (f) => f.client_id === 'g-c');
    const frame = { id: ack.id, from: carol.id, group_id: groupId, content: 'hello from C' };
    for (const client of [a, a2, b]) expect(await client.next('group')).toMatchObject(frame);

    b.send({ type: 'group', group_id: String(groupId), content: 'and from B', client_id: 'g-b' });
    const ack2 = await b.next('ack', (f) => f.client_id === 'g-b');
    for (const client of [a, a2, c]) expect(await client.next('group')).toMatchObject({ id: ack2.id, from: bob.id, group_id: groupId });
    await expectNoFrame(b, 'group', 200, (f) => f.id === ack2.id); // the sending connection gets its ack only
    await expectNoFrame(c, 'group', 0, (f) => f.id === ack.id);

    a.send({ type: 'typing', group_id: groupId });
    for (const client of [b, c]) expect(await client.next('typing')).toMatchObject({ from: alice.id, group_id: groupId, is_typing: true });

    // Everything is in the shared store: C's history shows what B and C sent.
    const history = await C.http.get(`/api/messages/group?group=${groupId}`).set('cookie', carol.cookie).expect(200);
    expect(history.body.messages.map((m: { id: number }) => m.id)).toEqual([ack2.id, ack.id]);
  });

  it(`an instance killed with SIGKILL: its users go offline for contacts on the others within PRESENCE_TTL_MS + PRESENCE_SWEEP_MS (${PRESENCE_TTL_MS} + ${PRESENCE_SWEEP_MS} ms)`, async () => {
    const carolOffline = (client: TestClient) => client.next('presence', (f) => f.user_id === carol.id && f.online === false, 10_000);
    const killed = Date.now();
    await stopServerProcess(C.process, 'SIGKILL');
    const [seenByA, seenByB] = await Promise.all([carolOffline(a).then(() => Date.now() - killed), carolOffline(b).then(() => Date.now() - killed)]);
    console.info(`[scale-out] SIGKILL -> carol offline: seen on A after ${seenByA} ms, on B after ${seenByB} ms (bound ${PRESENCE_TTL_MS + PRESENCE_SWEEP_MS} ms)`);
    for (const ms of [seenByA, seenByB]) {
      // Not before the heartbeat key could have expired (this is expiry, not a socket close), and within the bound plus a round trip.
      expect(ms).toBeGreaterThanOrEqual(PRESENCE_TTL_MS - HEARTBEAT_MS - 50);
      expect(ms).toBeLessThanOrEqual(PRESENCE_TTL_MS + PRESENCE_SWEEP_MS + 400);
    }
    // Alice still has a socket on A, so nobody hears she went offline; exactly one survivor swept C.
    await expectNoFrame(b, 'presence', 300, (f) => f.user_id === alice.id && f.online === false);
    const sweeps = [A, B].flatMap((i) => logged(i, 'redis: swept a dead instance'));
    expect(sweeps).toEqual([expect.objectContaining({ offline: 1 })]);
    expect(await online(A, bob)).toEqual([alice.id]);
    expect(await cluster.subscribers(carol.id)).toBe(0);

    // The survivors still talk to each other.
    b.send({ type: 'private', to: alice.id, content: 'still here', client_id: 'after-kill' });
    const ack = await b.next('ack', (f) => f.client_id === 'after-kill');
    expect(await a.next('private', (f) => f.id === ack.id)).toMatchObject({ content: 'still here' });
  });

  /** The first presence frame about `user` the client got (waiting for it). */
  async function presenceOnce(client: TestClient, user: TestUser) {
    return client.next('presence', (f) => f.user_id === user.id);
  }
});
