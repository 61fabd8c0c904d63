/**
 * Contract section 5 across real processes: three `node dist/server.js`
 * instances (A, B, C) on one PostgreSQL schema (sessions included) and a
 * PRIVATE redis-server (so it can be killed; the shared Redis is never
 * touched). A logout or a revocation through one instance closes the
 * matching sockets on every instance with 4401 within 2 s (the broker's
 * disconnect channel); a session row deleted from PostgreSQL closes its
 * sockets within SESSION_RECHECK_MS; and with Redis down, a logout or a
 * token revocation still closes the other instances' sockets, by the
 * re-check (sessions, and token versions).
 *
 * Only C re-checks sessions often (1 s); A and B keep the 60 s default, so a
 * socket on A or B closing within 2 s can only be the broker's doing, and the
 * re-check is watched on C.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, startCluster, waitForLog, type Cluster, type Instance } from '../support/cluster.js';
import { adminQuery } from '../support/postgres.js';
import {
  closeAll,
  closedWithin,
  connectClient,
  cookieOf,
  login,
  registerUser,
  sessionIdOf,
  type TestClient,
  type TestUser,
} from '../support/server.js';
import { startPrivateRedis, type PrivateRedis } from '../support/services.js';

/** The contract's bound for a disconnect through the broker. */
const BROADCAST_BOUND_MS = 2000;
const RECHECK_MS = 1000;

await describeWithServices('scale-out: credentials end, sockets end on every instance', { redisServer: true }, ({ databaseUrl }) => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let A: Instance, B: Instance, C: Instance;

  const isOpen = (client: TestClient) => client.ws.readyState === client.ws.OPEN;
  const everywhere = (user: TestUser, cookie = user.cookie) => Promise.all([A, B, C].map((at) => connectClient(at, cookie)));
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({
      databaseUrl,
      redisUrl: redis.url,
      names: ['A', 'B', 'C'],
      label: 'creds',
      envOf: (name): Record<string, string> => (name === 'C' ? { SESSION_RECHECK_MS: String(RECHECK_MS) } : {}),
    });
    [A, B, C] = cluster.instances as [Instance, Instance, Instance];
  }, 90_000);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
    await redis?.stop();
  }, 30_000);

  it("a logout through C closes that session's sockets on A, B and C with 4401 within 2 s; the user's other session stays", async () => {
    const alice = await registerUser(A);
    const sockets = await everywhere(alice);
    const otherSession = await connectClient(B, await login(B, alice));

    const started = Date.now();
    await C.http.post('/api/auth/logout').set('cookie', alice.cookie).expect(204);
    // 'logged out' is the order; the re-check would say 'session ended'.
    for (const client of sockets) expect(await closedWithin(client, BROADCAST_BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    expect(Date.now() - started).toBeLessThan(BROADCAST_BOUND_MS);
    expect(isOpen(otherSession)).toBe(true);
    otherSession.ws.close();
  });

  it("a revocation through C closes the user's token sockets on A and B with 4401 within 2 s; cookie sockets stay", async () => {
    const bob = await registerUser(B);
    const token = (await C.http.post('/api/auth/token').set('cookie', bob.cookie).expect(201)).body.token as string;
    const [onA, onB] = [await connectClient(A, undefined, bearer(token)), await connectClient(B, undefined, bearer(token))];
    const cookieSockets = await everywhere(bob);

    const started = Date.now();
    await C.http.post('/api/auth/revoke').set('cookie', bob.cookie).expect(204);
    for (const client of [onA, onB]) expect(await closedWithin(client, BROADCAST_BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
    expect(Date.now() - started).toBeLessThan(BROADCAST_BOUND_MS);
    expect(cookieSockets.map(isOpen)).toEqual([true, true, true]);
    for (const client of cookieSockets) client.ws.close();
  });

  it('a session row deleted from PostgreSQL directly closes its sockets within SESSION_RECHECK_MS', async () => {
    const carol = await registerUser(C);
    const onC = await Promise.all([connectClient(C, carol.cookie), connectClient(C, carol.cookie)]);
    const deleted = Date.now();
    await adminQuery(databaseUrl, `DELETE FROM "${cluster.schema}"."session" WHERE sid = $1`, [sessionIdOf(carol.cookie)]);
    for (const client of onC) expect(await closedWithin(client, RECHECK_MS + 1000)).toEqual({ code: 4401, reason: 'session ended' });
    expect(Date.now() - deleted).toBeLessThan(RECHECK_MS + 1000);
  });

  it("a password change through C ends the user's other sessions and tokens on A and B with 4401 within 2 s; the asking session's sockets stay everywhere, under its new id", async () => {
    const frank = await registerUser(A);
    const otherCookie = await login(B, frank);
    const token = (await A.http.post('/api/auth/token').set('cookie', frank.cookie).expect(201)).body.token as string;
    const asking = await everywhere(frank);
    const [otherOnA, otherOnB, tokenOnB] = [await connectClient(A, otherCookie), await connectClient(B, otherCookie), await connectClient(B, undefined, bearer(token))];

    const started = Date.now();
    const res = await C.http
      .post('/api/auth/password')
      .set('cookie', frank.cookie)
      .send({ current_password: frank.password, new_password: 'frank has a new passphrase' })
      .expect(204);
    for (const client of [otherOnA, otherOnB]) expect(await closedWithin(client, BROADCAST_BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    expect(await closedWithin(tokenOnB, BROADCAST_BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
    expect(Date.now() - started).toBeLessThan(BROADCAST_BOUND_MS);
    expect(asking.map(isOpen)).toEqual([true, true, true]);
    await B.http.get('/api/auth/me').set('cookie', otherCookie).expect(401);
    await A.http.post('/api/auth/login').send({ username: frank.username, password: frank.password }).expect(401);

    // Every instance renamed the asking session's sockets: a logout of its new id through A ends them all as a logout.
    const renewed = cookieOf(res.headers['set-cookie']);
    await A.http.post('/api/auth/logout').set('cookie', renewed).expect(204);
    for (const client of asking) expect(await closedWithin(client, BROADCAST_BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
  });

  it("with Redis down: a logout or a revocation through A ends A's sockets at once and C's within SESSION_RECHECK_MS; so does a row deleted from PostgreSQL", async () => {
    const [dave, erin] = [await registerUser(A), await registerUser(B)];
    const [daveA, daveC, erinC] = [await connectClient(A, dave.cookie), await connectClient(C, dave.cookie), await connectClient(C, erin.cookie)];
    const erinsToken = (await A.http.post('/api/auth/token').set('cookie', erin.cookie).expect(201)).body.token as string;
    const [erinTokenA, erinTokenC] = [await connectClient(A, undefined, bearer(erinsToken)), await connectClient(C, undefined, bearer(erinsToken))];

    await redis.kill();
    for (const at of [A, C]) await waitForLog(at, 'redis: connection lost; delivering to local connections only until it returns');

    await A.http.post('/api/auth/logout').set('cookie', dave.cookie).expect(204);
    expect(await closedWithin(daveA, 500)).toEqual({ code: 4401, reason: 'logged out' });
    await adminQuery(databaseUrl, `DELETE FROM "${cluster.schema}"."session" WHERE sid = $1`, [sessionIdOf(erin.cookie)]);
    // The order was lost with Redis; C's re-check reads PostgreSQL, which does not need Redis.
    for (const client of [daveC, erinC]) expect(await closedWithin(client, RECHECK_MS + 1000)).toEqual({ code: 4401, reason: 'session ended' });

    // The same for tokens: the revocation is in PostgreSQL (the user's token version), the order is lost.
    await A.http.post('/api/auth/revoke').set('authorization', `Bearer ${erinsToken}`).expect(204);
    expect(await closedWithin(erinTokenA, 500)).toEqual({ code: 4401, reason: 'tokens revoked' });
    expect(await closedWithin(erinTokenC, RECHECK_MS + 1000)).toEqual({ code: 4401, reason: 'tokens revoked' });
  });
});
