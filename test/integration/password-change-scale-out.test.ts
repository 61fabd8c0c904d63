/**
 * A password change across instances, in-process (two Parlors on one fresh
 * PostgreSQL schema and one fresh Redis key prefix, deleted after): the
 * asking session's socket on another instance is renamed before its old id is
 * deleted (src/auth/end-sign-ins.ts), and wrong current passwords count
 * against one budget per user for the whole cluster. The spawned-process
 * tests of the same routes are in scale-out-credentials.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deferred } from '../support/mocks.js';
import { startInstancePair, type InstancePair } from '../support/instance-pair.js';
import { rawRequest } from '../support/raw-request.js';
import { connectClient, registerUser, type TestClient, type TestServer } from '../support/server.js';
import { describeWithPostgresAndRedis } from '../support/services.js';

const isOpen = (c: TestClient) => c.ws.readyState === c.ws.OPEN;

await describeWithPostgresAndRedis('password change across instances (PostgreSQL + Redis, in-process)', (urls) => {
  let A: TestServer;
  let B: TestServer;
  let pair: InstancePair;

  beforeAll(async () => {
    pair = await startInstancePair(urls, 'pwscale', { TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123', AUTH_RATE_LIMIT: '3' });
    ({ A, B } = pair);
  }, 60_000);
  afterAll(() => pair?.stop(), 30_000);

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
