/**
 * A password change deletes the asking session's old id only once the broker
 * took the keep order that renames its sockets on every instance
 * (endOtherSignIns awaits Manager.keepSession): a keep order still on its way
 * when the old id is deleted would leave another instance's socket under an
 * id that no longer exists, and its next re-check would close it (4401).
 * In-process, PostgreSQL + Redis: A's publish of the keep order is slowed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Broker } from '../../src/websocket/broker.js';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, connectClient, registerUser, startTestServer, type TestClient, type TestServer } from '../support/server.js';
import { deleteRedisKeys, describeWithService, probePostgres, probeRedis } from '../support/services.js';

const [pgStatus, redisStatus] = await Promise.all([probePostgres(), probeRedis()]);
const status = pgStatus.ok && redisStatus.ok ? pgStatus : { ok: false as const, url: pgStatus.url, reason: [pgStatus, redisStatus].map((s) => ('reason' in s ? s.reason : '')).join(' ').trim() };
const isOpen = (c: TestClient) => c.ws.readyState === c.ws.OPEN;

describeWithService('a password change publishes the keep order before it deletes the old id', status, (databaseUrl) => {
  const schema = freshSchema('pwkeep');
  const prefix = `parlor-test-pwkeep-${randomUUID().slice(0, 8)}`;
  let A: TestServer;
  let B: TestServer;

  beforeAll(async () => {
    const env = {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisStatus.url,
      REDIS_PREFIX: prefix,
      SESSION_SECRET: `pwkeep-secret-${randomUUID()}`,
      TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123',
    };
    A = await startTestServer(env);
    B = await startTestServer(env);
  }, 60_000);
  afterAll(async () => {
    await closeAll();
    await deleteRedisKeys(redisStatus.url, prefix).catch(() => {});
    await dropSchema(databaseUrl, schema);
  }, 30_000);

  it("a keep order slow to reach Redis still reaches B before the old id is deleted: B's re-check keeps the socket", async () => {
    const user = await registerUser(A);
    const onB = await connectClient(B, user.cookie);
    // The Manager's broker (private): its keep orders reach Redis 300 ms late.
    const broker = (A.parlor.manager as unknown as { broker: Broker }).broker;
    const publish = broker.publishDisconnect!.bind(broker);
    broker.publishDisconnect = async (order) => {
      if ('keep' in order) await new Promise((resolve) => setTimeout(resolve, 300));
      return publish(order);
    };
    try {
      const res = await A.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'new passphrase one' });
      expect(res.status).toBe(204);
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      // Long enough for B to hear the keep order, and for a 4401 sent meanwhile to reach the client.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      expect(isOpen(onB)).toBe(true);
    } finally {
      broker.publishDisconnect = publish;
    }
  });
});
