/**
 * Contract §2: POST /api/auth/revoke -> "every token issued to me so far stops
 * working"; §5: the token sockets of that user close. A token issued AFTER the
 * revocation is a working token (new upgrades and HTTP accept it). But the
 * order sent to the other instances names only the user ({userId, via:'token'}),
 * so when it reaches instance B after the user already opened a socket there
 * with a post-revocation token (the order is in flight over Redis, here held
 * back 400 ms by a proxy in front of B's Redis connections), B closes that
 * valid socket with 4401 'tokens revoked' as well: the client SDK then stops
 * as after a logout. The re-check path (versions compared) gets it right.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { DATABASE_URL, REDIS_URL, deleteRedisKeys, requirePostgres, requireRedis } from '../support/services.js';
import { closeAll, connectClient, registerUser, startTestServer, stopTestServer, type TestServer } from '../support/server.js';

const schema = freshSchema('credlate');
const prefix = `parlor-test-credlate-${randomUUID().slice(0, 8)}`;
let A: TestServer, B: TestServer;
let proxy: ReturnType<typeof createServer>;
const DELAY_MS = 400;
const open = new Set<Socket>();

/** A proxy to Redis that delivers what Redis sends to B DELAY_MS late (pub/sub messages included). */
async function delayingProxy(): Promise<string> {
  const target = new URL(REDIS_URL);
  proxy = createServer((client) => {
    const up = connect(Number(target.port || 6379), target.hostname);
    open.add(client).add(up);
    for (const s of [client, up]) s.on('error', () => {});
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.pipe(up);
    up.on('data', (d) => setTimeout(() => client.writable && client.write(d), DELAY_MS));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as { port: number };
  return `redis://127.0.0.1:${port}`;
}

beforeAll(async () => {
  await requirePostgres();
  await requireRedis();
  const env = { DATABASE_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '3', REDIS_PREFIX: prefix };
  A = await startTestServer({ ...env, REDIS_URL });
  B = await startTestServer({ ...env, REDIS_URL: await delayingProxy() });
  await new Promise((r) => setTimeout(r, 2000));
}, 60_000);
afterAll(async () => {
  await closeAll();
  if (A) await stopTestServer(A);
  if (B) await stopTestServer(B);
  for (const s of open) s.destroy();
  proxy?.close();
  await deleteRedisKeys(REDIS_URL, prefix).catch(() => {});
  await dropSchema(DATABASE_URL, schema).catch(() => {});
}, 30_000);

it('a socket opened on B with a token issued after the revocation stays open when the order reaches B', async () => {
  const u = await registerUser(A);
  const { token: old } = (await A.http.post('/api/auth/token').set('cookie', u.cookie).expect(201)).body;
  const oldOnB = await connectClient(B, undefined, { headers: { authorization: `Bearer ${old}` } });
  await A.http.post('/api/auth/revoke').set('cookie', u.cookie).expect(204);
  const { token: fresh } = (await A.http.post('/api/auth/token').set('cookie', u.cookie).expect(201)).body;
  await B.http.get('/api/auth/me').set('authorization', `Bearer ${fresh}`).expect(200); // a working token
  const freshOnB = await connectClient(B, undefined, { headers: { authorization: `Bearer ${fresh}` } });
  expect(await oldOnB.closed).toEqual({ code: 4401, reason: 'tokens revoked' }); // the order has reached B
  await new Promise((r) => setTimeout(r, 200));
  expect(freshOnB.frames.length).toBeGreaterThan(0);
  const state = await Promise.race([freshOnB.closed, new Promise((r) => setTimeout(() => r('still open'), 10))]);
  expect(state).toBe('still open');
});
