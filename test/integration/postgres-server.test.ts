/**
 * The standalone server on PostgreSQL (DATABASE_URL + DATABASE_SCHEMA, a fresh
 * schema per suite): sessions in connect-pg-simple's table, real ws sockets
 * exchanging private and group messages, history; then PostgreSQL made
 * unreachable through a TCP proxy (the real server keeps running): `internal`
 * errors with no ack, /healthz 503, and recovery when it answers again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, dropSchema, freshSchema } from '../support/postgres.js';
import {
  closeAll,
  connectClient,
  createGroup,
  expectNoFrame,
  login,
  registerUser,
  startTestServer,
  type TestServer,
} from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** The session id inside a signed `parlor.sid=s%3A<sid>.<signature>` cookie. */
function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  expect(value.startsWith('s:')).toBe(true);
  return value.slice(2, value.lastIndexOf('.'));
}

await describeWithPostgres('standalone server on PostgreSQL', (url) => {
  const schema = freshSchema('srv');
  let proxy: TcpProxy;

  beforeAll(async () => {
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    await proxy?.close();
    await dropSchema(url, schema);
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  const sessionRows = (sid: string) =>
    adminQuery<{ sess: { userId?: number } }>(url, `SELECT sess FROM ${schema}."session" WHERE sid = $1`, [sid]);

  describe('serving', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ DATABASE_URL: url, DATABASE_SCHEMA: schema });
    });

    it('uses PostgreSQL in the configured schema', async () => {
      expect(server.stores.description).toMatch(/^postgres:\/\/[^@]+$/);
      const tables = await adminQuery<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = $1`, [schema]);
      expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['users', 'messages', 'session']));
      await server.http.get('/healthz').expect(200, { status: 'ok' });
    });

    it('register and login keep their sessions in PostgreSQL (connect-pg-simple), login with a new id, logout removes it', async () => {
      const alice = await registerUser(server);
      const registered = sessionIdOf(alice.cookie);
      expect((await sessionRows(registered)).map((r) => r.sess.userId)).toEqual([alice.id]);
      expect((await adminQuery(url, `SELECT 1 FROM ${schema}.users WHERE id = $1`, [alice.id])).length).toBe(1);

      const cookie = await login(server, alice);
      const loggedIn = sessionIdOf(cookie);
      expect(loggedIn).not.toBe(registered);
      expect((await sessionRows(loggedIn)).map((r) => r.sess.userId)).toEqual([alice.id]);
      await server.http.get('/api/auth/me').set('cookie', cookie).expect(200, { id: alice.id, username: alice.username });

      await server.http.post('/api/auth/logout').set('cookie', cookie).expect(204);
      expect(await sessionRows(loggedIn)).toEqual([]);
      await server.http.get('/api/auth/me').set('cookie', cookie).expect(401);
    });

    it('two users exchange private and group messages over ws; acks, fan-out and history come from PostgreSQL', async () => {
      const alice = await registerUser(server);
      const bob = await registerUser(server);
      const [a, b] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, bob.cookie)]);

      a.send({ type: 'private', to: bob.id, content: 'hi bob', client_id: 'p-1' });
      const ack = await a.next('ack', (f) => f.client_id === 'p-1');
      const got = await b.next('private');
      expect(got).toMatchObject({ id: ack.id, from: alice.id, to: bob.id, content: 'hi bob' });
      // A resend after a lost ack: the same id, nothing new for bob.
      a.send({ type: 'private', to: bob.id, content: 'hi bob', client_id: 'p-1' });
      expect((await a.next('ack', (f) => f.client_id === 'p-1')).id).toBe(ack.id);

      b.send({ type: 'private', to: alice.id, content: 'hi alice', client_id: 'p-2' });
      const reply = await a.next('private');
      expect(reply).toMatchObject({ from: bob.id, to: alice.id, content: 'hi alice' });

      const groupId = await createGroup(server, alice, [bob]);
      b.send({ type: 'group', group_id: groupId, content: 'hello group', client_id: 'g-1' });
      const groupAck = await b.next('ack', (f) => f.client_id === 'g-1');
      expect(await a.next('group')).toMatchObject({ id: groupAck.id, from: bob.id, group_id: groupId, content: 'hello group' });

      const history = await server.http.get(`/api/messages/private?user=${bob.id}`).set('cookie', alice.cookie).expect(200);
      expect(history.body.messages.map((m: { id: number; content: string }) => [m.id, m.content])).toEqual([
        [reply.id, 'hi alice'],
        [ack.id, 'hi bob'],
      ]);
      expect(history.body.has_more).toBe(false);
      const groupHistory = await server.http.get(`/api/messages/group?group=${groupId}`).set('cookie', alice.cookie).expect(200);
      expect(groupHistory.body.messages).toEqual([expect.objectContaining({ id: groupAck.id, from: bob.id, content: 'hello group' })]);
      const stored = await adminQuery<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${schema}.messages WHERE sender_id = $1`, [alice.id]);
      expect(stored[0]!.n).toBe(1);

      // Everything after the first message, replayed from PostgreSQL.
      a.send({ type: 'sync', since: ack.id });
      const synced = await a.next('synced');
      expect(synced.last_id).toBe(groupAck.id);
    });
  });

  describe('PostgreSQL unreachable', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ DATABASE_URL: proxy.via(url), DATABASE_SCHEMA: schema });
    });

    it('a private frame gets `internal` and no ack, /healthz is 503; once it answers again, sends work and /healthz is 200', async () => {
      const alice = await registerUser(server);
      const bob = await registerUser(server);
      const [a, b] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, bob.cookie)]);
      expect(proxy.accepted).toBeGreaterThan(0); // the server really talks through the proxy

      await proxy.cut();
      a.send({ type: 'private', to: bob.id, content: 'during the outage', client_id: 'out-1' });
      const error = await a.next('error', (f) => f.client_id === 'out-1', 8000);
      expect(error.code).toBe('internal');
      await server.http.get('/healthz').expect(503);
      await expectNoFrame(a, 'ack', 200);
      await expectNoFrame(b, 'private', 0);
      // The session store is down too: a request with a cookie is an outage, not a sign-out.
      await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(503);

      await proxy.restore();
      await vi.waitFor(() => server.http.get('/healthz').expect(200), { timeout: 8000, interval: 100 });
      a.send({ type: 'private', to: bob.id, content: 'after the outage', client_id: 'out-1' });
      const ack = await a.next('ack', (f) => f.client_id === 'out-1');
      expect(await b.next('private')).toMatchObject({ id: ack.id, content: 'after the outage' });
      const rows = await adminQuery<{ content: string }>(url, `SELECT content FROM ${schema}.messages WHERE sender_id = $1`, [alice.id]);
      expect(rows).toEqual([{ content: 'after the outage' }]);
      await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200);
    });
  });
});
