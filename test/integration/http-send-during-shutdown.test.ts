/**
 * HTTP sends (POST /api/messages/private and /group) and the graceful stop
 * (contract section 2: a 201 send is "routed live exactly like a `private`
 * frame"; section 3: shutdown "finishes stored writes first"):
 *
 * - a send under way when `parlor.close()` begins is waited for before the
 *   broker closes, so its 201 means it was routed, to another instance too
 *   (RedisBroker drops what is published once it is closed);
 * - a send that arrives once `close()` began is refused, 503 `unavailable`,
 *   and nothing of it is stored (the client sends it again elsewhere).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/standalone.js';
import { silentLogger } from '../../src/logger.js';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, targetOf, tempDir } from '../support/server.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

describe('an HTTP send once close() began', () => {
  afterAll(closeAll);

  it('is refused with 503 unavailable, private and group alike, and nothing is stored', async () => {
    const server = await startTestServer();
    const [alice, bob] = await registerUsers(server, 2);
    const groupId = await createGroup(server, alice, [bob]);
    // The Parlor closes (as RunningServer.close does first) while the HTTP server still takes requests (keep-alive ones do).
    await server.parlor.close();

    const refusedPrivate = await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'too late', client_id: 'late-p' });
    expect(refusedPrivate.status).toBe(503);
    expect(refusedPrivate.body).toMatchObject({ error: 'unavailable' });
    const refusedGroup = await server.http.post('/api/messages/group').set('cookie', alice.cookie).send({ group_id: groupId, content: 'too late', client_id: 'late-g' });
    expect(refusedGroup.status).toBe(503);
    expect(refusedGroup.body).toMatchObject({ error: 'unavailable' });

    const privateHistory = await server.http.get(`/api/messages/private?user=${bob.id}`).set('cookie', alice.cookie).expect(200);
    expect(privateHistory.body.messages).toEqual([]);
    const groupHistory = await server.http.get(`/api/messages/group?group=${groupId}`).set('cookie', alice.cookie).expect(200);
    expect(groupHistory.body.messages).toEqual([]);
  });
});

await describeWithRedis('an HTTP send under way when the graceful stop begins (RedisBroker, two instances)', (redisUrl) => {
  const prefix = `http-send-shutdown-${randomUUID().slice(0, 8)}`;
  const running: RunningServer[] = [];
  afterAll(async () => {
    await closeAll();
    for (const r of running) await r.close().catch(() => {});
    await deleteRedisKeys(redisUrl, prefix);
  });

  // The send is made slow by a host userDirectory that answers after 600 ms (a host directory is a network call;
  // with Parlor's own accounts the window is the send's own few milliseconds, under load).
  let slow = false;
  const directory = {
    async existing(ids: readonly number[]) {
      if (slow) await new Promise((r) => setTimeout(r, 600));
      return [...ids];
    },
  };

  async function instance(): Promise<RunningServer> {
    const r = await startServer(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SQLITE_PATH: join(tempDir(), 'parlor.db'),
        SESSION_SECRET: 'http-send-shutdown-secret-0123456789',
        TOKEN_SECRET: 'http-send-shutdown-token-secret-0123456789',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        AUTH_RATE_LIMIT: '0',
        LOG_LEVEL: 'silent',
      },
      { logger: silentLogger, host: { userDirectory: directory } },
    );
    running.push(r);
    return r;
  }

  it('is answered 201 only once routed: the recipient on the other instance gets it live', { timeout: 30_000 }, async () => {
    const a = await instance();
    const b = await instance();
    const [alice, bob, carol] = [101, 102, 103];
    const bearer = async (r: RunningServer, id: number) => `Bearer ${(await r.parlor.tokens.issue(id)).token}`;
    const bobWs = await connectClient(targetOf(b.url), undefined, { headers: { authorization: await bearer(b, bob) } });
    const carolWs = await connectClient(targetOf(b.url), undefined, { headers: { authorization: await bearer(b, carol) } });
    const aliceAuth = await bearer(a, alice);

    // Cross-instance routing works while A runs (once B's subscription is in place): alice -> carol over HTTP on A reaches carol on B.
    await expect
      .poll(
        async () => {
          await targetOf(a.url).http.post('/api/messages/private').set('authorization', aliceAuth).send({ to: carol, content: 'warm', client_id: `w-${Date.now()}` });
          return carolWs.all('private').length;
        },
        { timeout: 5000, interval: 300 },
      )
      .toBeGreaterThan(0);

    // A send under way (held in the slow directory) when A's graceful stop begins.
    slow = true;
    const answered = targetOf(a.url)
      .http.post('/api/messages/private')
      .set('authorization', aliceAuth)
      .send({ to: bob, content: 'during shutdown', client_id: 'shutdown-1' })
      .then((res) => res);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = a.close();
    const res = await answered;
    await stopping;
    expect(res.status, 'the send was acknowledged').toBe(201);
    const got = await bobWs.next('private', (m) => m.content === 'during shutdown');
    expect(got).toMatchObject({ id: res.body.id, from: alice, to: bob });
  });
});
