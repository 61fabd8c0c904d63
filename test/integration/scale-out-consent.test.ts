/**
 * Consent across instances (contract section 6) with real processes: two
 * instances sharing one PostgreSQL schema and one Redis prefix. A block made
 * on one instance holds on the other at once (it is read from PostgreSQL for
 * every message, never cached) and retracts presence on the other; a stranger on one instance sees no presence
 * of a recipient on the other until the reply, then at once.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeWithServices, startCluster, type Cluster, type Instance } from '../support/cluster.js';
import { closeAll, connectClient, expectNoFrame, registerUser, type TestClient, type TestUser } from '../support/server.js';

await describeWithServices('consent across instances: PostgreSQL + Redis', { redis: true }, ({ databaseUrl, redisUrl }) => {
  let cluster: Cluster;
  let A: Instance, B: Instance;

  const connect = async (at: Instance, user: TestUser): Promise<TestClient> => {
    const client = await connectClient(at, user.cookie);
    await cluster.waitForSubscribers(user.id, 1);
    return client;
  };
  const about = (user: TestUser) => (f: Record<string, any>) => f.user_id === user.id;

  beforeAll(async () => {
    cluster = await startCluster({ databaseUrl, redisUrl, names: ['A', 'B'], label: 'consent' });
    [A, B] = cluster.instances as [Instance, Instance];
  }, 90_000);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
  }, 30_000);

  it('a block made on A refuses the blocked user on B (WebSocket and HTTP), stores nothing, and lifts on B', async () => {
    const me = await registerUser(A);
    const pest = await registerUser(B);
    const mine = await connect(A, me);
    const theirs = await connect(B, pest);
    await A.http.post(`/api/users/${pest.id}/block`).set('cookie', me.cookie).expect(201);

    theirs.send({ type: 'private', to: me.id, content: 'over the socket on B', client_id: 'x-1' });
    expect(await theirs.next('error')).toMatchObject({ code: 'forbidden', client_id: 'x-1' });
    const http = await B.http.post('/api/messages/private').set('cookie', pest.cookie).send({ to: me.id, content: 'over HTTP on B' }).expect(403);
    expect(http.body).toMatchObject({ error: 'forbidden' });
    await expectNoFrame(mine, 'private', 200);
    expect((await A.http.get(`/api/messages/private?user=${pest.id}`).set('cookie', me.cookie).expect(200)).body.messages).toEqual([]);
    expect((await B.http.get('/api/users/blocked').set('cookie', me.cookie).expect(200)).body.users).toEqual([
      { user_id: pest.id, since: expect.any(Number) },
    ]);

    await B.http.delete(`/api/users/${pest.id}/block`).set('cookie', me.cookie).expect(200);
    theirs.send({ type: 'private', to: me.id, content: 'after the unblock', client_id: 'x-2' });
    await theirs.next('ack');
    expect(await mine.next('private')).toMatchObject({ from: pest.id, content: 'after the unblock' });
  });

  it('a block made on A between contacts retracts presence on B at once, both ways; the unblock on B restores it on A', async () => {
    const me = await registerUser(A);
    const friend = await registerUser(B);
    await A.http.post('/api/messages/private').set('cookie', me.cookie).send({ to: friend.id, content: 'hi' }).expect(201);
    await B.http.post('/api/messages/private').set('cookie', friend.cookie).send({ to: me.id, content: 'hi back' }).expect(201);
    const mine = await connect(A, me);
    const theirs = await connect(B, friend);
    expect(await mine.next('presence', about(friend))).toMatchObject({ online: true });
    // Whether `theirs` also hears that `me` came online depends on whether A's announcement reached B before or
    // after friend's socket registered there (both are right): so what is checked is the latest word on each side.
    const latest = (client: TestClient, user: TestUser) => client.all('presence').filter(about(user)).at(-1)?.online;
    const settlesAt = async (online: boolean) => {
      await vi.waitFor(() => expect([latest(theirs, me), latest(mine, friend)]).toEqual([online, online]), { timeout: 3000, interval: 20 });
      // ...and stays there: no late frame of the other kind.
      await new Promise((r) => setTimeout(r, 200));
      expect([latest(theirs, me), latest(mine, friend)]).toEqual([online, online]);
    };

    await A.http.post(`/api/users/${friend.id}/block`).set('cookie', me.cookie).expect(201);
    await settlesAt(false);

    await B.http.delete(`/api/users/${friend.id}/block`).set('cookie', me.cookie).expect(200);
    await settlesAt(true);
  });

  it('a stranger on B sees no presence of the recipient on A before the reply, and does at once after', async () => {
    const recipient = await registerUser(A);
    const stranger = await registerUser(B);
    const s = await connect(B, stranger);
    await B.http.post('/api/messages/private').set('cookie', stranger.cookie).send({ to: recipient.id, content: 'hello from B' }).expect(201);

    const r = await connect(A, recipient);
    r.ws.close();
    await cluster.waitForSubscribers(recipient.id, 0);
    await expectNoFrame(s, 'presence', 300, about(recipient));
    expect((await B.http.get('/api/users/online').set('cookie', stranger.cookie).expect(200)).body.users).toEqual([]);

    const r2 = await connect(A, recipient);
    r2.send({ type: 'private', to: stranger.id, content: 'hello back from A', client_id: 'reply' });
    await r2.next('ack');
    expect(await s.next('presence', about(recipient))).toEqual({ type: 'presence', user_id: recipient.id, online: true });
    expect((await B.http.get('/api/users/online').set('cookie', stranger.cookie).expect(200)).body.users).toEqual([recipient.id]);
  });
});
