/**
 * A password change across instances, in-process (two Parlors on one fresh
 * PostgreSQL schema and one fresh Redis key prefix, deleted after): the
 * asking session's socket on another instance is renamed before its old id is
 * deleted (src/auth/end-sign-ins.ts), and wrong current passwords count
 * against one budget per user for the whole cluster. The spawned-process
 * tests of the same routes are in scale-out-credentials.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deferred } from '../support/mocks.js';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { rawRequest } from '../support/raw-request.js';
import { closeAll, connectClient, registerUser, startTestServer, type TestClient, type TestServer } from '../support/server.js';
import { deleteRedisKeys, describeWithService, probePostgres, probeRedis } from '../support/services.js';

const [pgStatus, redisStatus] = await Promise.all([probePostgres(), probeRedis()]);
const status = pgStatus.ok && redisStatus.ok ? pgStatus : { ok: false as const, url: pgStatus.url, reason: [pgStatus, redisStatus].map((s) => ('reason' in s ? s.reason : '')).join(' ').trim() };
const isOpen = (c: TestClient) => c.ws.readyState === c.ws.OPEN;

describeWithService('password change across instances (PostgreSQL + Redis, in-process)', status, (databaseUrl) => {
  const schema = freshSchema('pwscale');
  const prefix = `parlor-test-pwscale-${randomUUID().slice(0, 8)}`;
  let A: TestServer;
  let B: TestServer;

  beforeAll(async () => {
    const env = {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisStatus.url,
      REDIS_PREFIX: prefix,
      SESSION_SECRET: `pwscale-secret-${randomUUID()}`,
      TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123',
      AUTH_RATE_LIMIT: '3',
    };
    A = await startTestServer(env);
    B = await startTestServer(env);
  }, 60_000);
  afterAll(async () => {
    await closeAll();
    await deleteRedisKeys(redisStatus.url, prefix).catch(() => {});
    await dropSchema(databaseUrl, schema);
  }, 30_000);

  it("a re-check on B while A ends the other sign-ins keeps the asking session's socket on B", async () => {
    const user = await registerUser(A);
    const onB = await connectClient(B, user.cookie);
    const sessions = A.stores.sessions;
    const destroy = sessions.destroyUserSessions;
    const reached = deferred();
    const release = deferred();
    sessions.destroyUserSessions = async function (this: unknown, ...args: Parameters<typeof destroy>) {
      reached.resolve();
      await release.promise;
      return destroy.apply(this, args);
    } as typeof destroy;
    try {
      const changing = A.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'new passphrase one' }).then((r) => r);
      await reached.promise; // the new session saved and the rename sent; nothing deleted yet
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      release.resolve();
      expect((await changing).status).toBe(204);
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      expect(isOpen(onB)).toBe(true);
    } finally {
      sessions.destroyUserSessions = destroy;
      release.resolve();
    }
  });

  it('wrong current passwords count once for the cluster: guesses through A and B, each from another address, share the per-user budget', async () => {
    const user = await registerUser(A);
    let address = 20;
    const guess = async (at: TestServer) =>
      (
        await rawRequest(
          at.url,
          'POST',
          '/api/auth/password',
          { 'content-type': 'application/json', cookie: user.cookie },
          JSON.stringify({ current_password: 'a wrong guess here', new_password: 'new passphrase two' }),
          { localAddress: `127.0.0.${(address += 1)}` },
        )
      ).status;
    // Two a process: counted per process alone, none would be refused.
    expect([await guess(A), await guess(B), await guess(A), await guess(B)]).toEqual([403, 403, 403, 429]);
  });
});
