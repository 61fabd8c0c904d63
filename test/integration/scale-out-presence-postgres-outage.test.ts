/**
 * A user whose last socket closes while PostgreSQL is unreachable: the
 * offline announcement needs the user's contacts (read from PostgreSQL) and
 * fails. Nothing else would tell the contacts, who would see the user online
 * for good while `GET /api/users/online` (Redis) already says offline; so the
 * announcement is made again, with the user's state then, at the next
 * heartbeat (HEARTBEAT_INTERVAL_MS) until it gets through
 * (src/websocket/presence.ts). Two servers on one schema and one Redis prefix,
 * PostgreSQL behind a TCP proxy that the test cuts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, connectClient, createGroup, registerUser, startTestServer, stopTestServer, type TestServer } from '../support/server.js';
import { deleteRedisKeys, describeWithPostgres, probeRedis, REDIS_URL } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const redisOk = (await probeRedis()).ok;

await describeWithPostgres('presence after a PostgreSQL outage, across instances', (url) => {
  const schema = freshSchema('prespg');
  const prefix = `parlor-test-pres-${randomUUID().slice(0, 8)}`;
  let proxy: TcpProxy;
  let A: TestServer;
  let B: TestServer;

  beforeAll(async () => {
    if (!redisOk) throw new Error(`Redis unreachable at ${REDIS_URL}`);
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const env = {
      DATABASE_URL: proxy.via(url),
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PRESENCE_TTL_MS: '1500',
      PRESENCE_SWEEP_MS: '500',
      HEARTBEAT_INTERVAL_MS: '500',
    };
    A = await startTestServer(env);
    B = await startTestServer(env);
  }, 60_000);
  afterAll(async () => {
    await closeAll();
    for (const s of [A, B]) if (s) await stopTestServer(s).catch(() => {});
    await proxy?.close();
    await deleteRedisKeys(REDIS_URL, prefix);
    await dropSchema(url, schema);
  }, 30_000);

  it('bob closes his last socket (on B) while PostgreSQL is unreachable: once it is back, alice (on A) is told bob is offline', async () => {
    const alice = await registerUser(A);
    const bob = await registerUser(B);
    await createGroup(A, alice, [bob]); // contacts
    const a = await connectClient(A, alice.cookie);
    const b = await connectClient(B, bob.cookie);
    await a.next('presence', (f) => f.user_id === bob.id && f.online === true, 5000);

    await proxy.cut();
    b.ws.close();
    await b.closed;
    // Redis knows bob is offline at once (B recorded it); his contacts could not be read.
    await vi.waitFor(async () => expect(await A.parlor.manager.filterOnline([bob.id])).toEqual([]), { timeout: 5000, interval: 50 });
    await proxy.restore();

    expect(await a.next('presence', (f) => f.user_id === bob.id, 10_000)).toMatchObject({ online: false });
  }, 40_000);
});
