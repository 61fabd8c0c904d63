/**
 * Runs examples/existing-app/server.ts (the README's first example) against the
 * real PostgreSQL: a fresh database for the host, dropped afterwards, with
 * Parlor's chat store in SQLite and in PostgreSQL (its own schema in the
 * host's database). The host owns its users, groups, group_members and
 * session tables; every route and frame works for its users, and Parlor
 * writes nothing to those tables.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { main, type ExistingApp } from '../../examples/existing-app/server.js';
import { adminQuery } from '../support/postgres.js';
import { closeAll, closedWithin, connectClient, cookieOf, sessionIdOf, tempDir, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

for (const chatStore of ['sqlite', 'postgres'] as const) {
await describeWithPostgres(`examples/existing-app (chat store: ${chatStore}): a host app with its own users, groups, login and connect-pg-simple sessions`, (url) => {
  const database = `parlor_example_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let app: ExistingApp;
  let target: HttpTarget;
  let wsUrl: string;

  const hostUrl = (admin: string) => {
    const u = new URL(admin);
    u.pathname = `/${database}`;
    return u.toString();
  };

  beforeAll(async () => {
    await adminQuery(url, `CREATE DATABASE ${database}`);
    app = await main({ databaseUrl: hostUrl(url), chatStore, chatDbPath: join(tempDir(), 'chat.db'), port: 0, sessionSecret: 'the host app secret, long enough' });
    target = targetOf(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    wsUrl = target.wsUrl.replace(/\/ws$/, '/chat/ws');
  });
  afterAll(async () => {
    await app?.close();
    // pg's pool.end() resolves before its sockets have closed: let them go first, or FORCE kills one mid-goodbye
    // and its FATAL surfaces as an uncaught error in this process.
    await vi
      .waitFor(async () => expect(await adminQuery(url, 'SELECT 1 FROM pg_stat_activity WHERE datname = $1', [database])).toEqual([]), { timeout: 3000, interval: 50 })
      .catch(() => {});
    await adminQuery(url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  async function signUpAndLogIn(username: string): Promise<{ id: number; cookie: string }> {
    const { id } = (await target.http.post('/signup').send({ username, password: 'host password 1' }).expect(201)).body;
    const res = await target.http.post('/login').send({ username, password: 'host password 1' }).expect(200);
    return { id, cookie: cookieOf(res.headers['set-cookie']) };
  }

  it("the takeover attempt falls through to the host: Parlor's account routes are not there, the host session untouched", async () => {
    const victim = await signUpAndLogIn('victim');
    for (const path of ['/chat/api/auth/register', '/chat/api/auth/login', '/api/auth/register']) {
      const anonymous = await target.http.post(path).send({ username: 'mallory', password: 'mallory password' }).expect(404);
      expect(anonymous.body).toEqual({ error: 'no such page' });
      expect(anonymous.headers['set-cookie']).toBeUndefined();
      await target.http.post(path).set('cookie', victim.cookie).send({ username: 'mallory', password: 'mallory password' }).expect(404);
    }
    expect((await target.http.get('/api/profile').set('cookie', victim.cookie).expect(200)).body).toEqual({ id: victim.id, username: 'victim' });
    const socket = await connectClient(target, victim.cookie, { url: wsUrl });
    expect(socket.frames[0]).toMatchObject({ type: 'welcome', user_id: victim.id });
  });

  it("the host's own routes are untouched: no Parlor header, the host's 404 for unknown paths", async () => {
    const me = await signUpAndLogIn('hostroutes');
    const profile = await target.http.get('/api/profile').set('cookie', me.cookie).expect(200);
    expect(profile.headers['x-request-id']).toBeUndefined();
    expect(profile.headers['content-security-policy']).toBeUndefined();
    expect((await target.http.get('/chat/api/nope').expect(404)).body).toEqual({ error: 'no such page' });
    expect((await target.http.get('/healthz').expect(404)).body).toEqual({ error: 'no such page' });
    await target.http.get('/internal/healthz').expect(401);
    expect((await target.http.get('/internal/healthz').set('cookie', me.cookie).expect(200)).body).toEqual({ status: 'ok' });
  });

  it('/chat/ws authenticates with the host cookie (read from connect-pg-simple); none is a 401; the old /ws path is not served', async () => {
    const me = await signUpAndLogIn('wsuser');
    const socket = await connectClient(target, me.cookie, { url: wsUrl });
    expect(socket.frames[0]).toMatchObject({ type: 'welcome', user_id: me.id });
    expect(await upgradeStatus(wsUrl)).toBe(401);
    expect(await upgradeStatus(target.wsUrl, { cookie: me.cookie })).toBe(0);
    const http = await target.http.get('/chat/api/notifications').set('cookie', me.cookie).expect(200);
    expect(http.body).toEqual({ notifications: [], has_more: false, unread: 0 });
  });

  it("the host's logout closes that session's sockets with 4401, and only that session's", async () => {
    const me = await signUpAndLogIn('leaver');
    const other = await target.http.post('/login').send({ username: 'leaver', password: 'host password 1' }).expect(200);
    const [mine, otherDevice] = await Promise.all([
      connectClient(target, me.cookie, { url: wsUrl }),
      connectClient(target, cookieOf(other.headers['set-cookie']), { url: wsUrl }),
    ]);
    await target.http.post('/logout').set('cookie', me.cookie).expect(204);
    expect((await mine.closed).code).toBe(4401);
    expect(otherDevice.ws.readyState).toBe(otherDevice.ws.OPEN);
    expect(await upgradeStatus(wsUrl, { cookie: me.cookie })).toBe(401);
  });

  it("a session row deleted from the host's session table by another process ends its sockets at the next re-check; the other device stays", async () => {
    const me = await signUpAndLogIn('deleted');
    const other = await target.http.post('/login').send({ username: 'deleted', password: 'host password 1' }).expect(200);
    const [mine, otherDevice] = await Promise.all([
      connectClient(target, me.cookie, { url: wsUrl }),
      connectClient(target, cookieOf(other.headers['set-cookie']), { url: wsUrl }),
    ]);
    const deleted = await adminQuery(hostUrl(url), 'DELETE FROM session WHERE sid = $1 RETURNING sid', [sessionIdOf(me.cookie)]);
    expect(deleted).toHaveLength(1);
    expect(await app.parlor.manager.recheckSessions()).toBe(1);
    expect(await closedWithin(mine, 1000)).toEqual({ code: 4401, reason: 'session ended' });
    expect(otherDevice.ws.readyState).toBe(otherDevice.ws.OPEN);
  });

  it("messages between the host's users (no Parlor account), names from the host's users table, unknown ids not_found", async () => {
    const [ann, ben] = await Promise.all([signUpAndLogIn('ann'), signUpAndLogIn('ben')]);
    const benSocket = await connectClient(target, ben.cookie, { url: wsUrl });
    const sent = await target.http.post('/chat/api/messages/private').set('cookie', ann.cookie).send({ to: ben.id, content: 'hi ben' }).expect(201);
    expect(await benSocket.next('private')).toMatchObject({ id: sent.body.id, from: ann.id, content: 'hi ben' });
    const names = await target.http.get(`/chat/api/users?ids=${ann.id},${ben.id},999999`).set('cookie', ben.cookie).expect(200);
    expect(names.body).toEqual({ users: [{ id: ann.id, username: 'ann' }, { id: ben.id, username: 'ben' }] });
    await target.http.post('/chat/api/messages/private').set('cookie', ann.cookie).send({ to: 999999, content: 'nobody' }).expect(404);
  });

  /** Every row of the host's own tables, to show Parlor wrote none of them. */
  const hostTables = async () => {
    const rows = async (sql: string) => adminQuery(hostUrl(url), sql);
    return {
      users: await rows('SELECT id, username, password_hash FROM public.users ORDER BY id'),
      groups: await rows('SELECT id, name FROM public.groups ORDER BY id'),
      group_members: await rows('SELECT group_id, user_id FROM public.group_members ORDER BY group_id, user_id'),
      session: await rows('SELECT sid, sess FROM public.session ORDER BY sid'),
    };
  };

  it("group messages in the host's groups, group history and private history over HTTP, member names, notifications; nothing written to the host's tables", async () => {
    const [cat, dan, eve] = await Promise.all([signUpAndLogIn('cat'), signUpAndLogIn('dan'), signUpAndLogIn('eve')]);
    // The host's own routes create the group and add Dan (Parlor hears of it through invalidateGroup and notifies Dan).
    const group = (await target.http.post('/groups').set('cookie', cat.cookie).send({ name: 'book club' }).expect(201)).body;
    // Parlor now knows (and caches) the group with Cat alone; the host's route invalidates it when Dan joins.
    expect((await target.http.get(`/chat/api/messages/group?group=${group.id}`).set('cookie', cat.cookie).expect(200)).body.messages).toEqual([]);
    const danSocket = await connectClient(target, dan.cookie, { url: wsUrl });
    await target.http.post(`/groups/${group.id}/members`).set('cookie', cat.cookie).send({ user_id: dan.id }).expect(201);
    const added = await danSocket.next('notification');
    expect(added).toMatchObject({ subtype: 'group_added', message: 'you were added to book club', group_id: group.id });

    const before = await hostTables();
    const catSocket = await connectClient(target, cat.cookie, { url: wsUrl });
    catSocket.send({ type: 'group', group_id: group.id, content: 'chapter one?', client_id: 'g1' });
    const ack = await catSocket.next('ack', (f) => f.client_id === 'g1');
    expect(await danSocket.next('group')).toMatchObject({ id: ack.id, from: cat.id, group_id: group.id, content: 'chapter one?' });
    const reply = await target.http.post('/chat/api/messages/group').set('cookie', dan.cookie).send({ group_id: group.id, content: 'yes' }).expect(201);
    expect(await catSocket.next('group', (f) => f.id === reply.body.id)).toMatchObject({ from: dan.id });
    danSocket.send({ type: 'read', group_id: group.id, message_id: reply.body.id });
    danSocket.send({ type: 'private', to: cat.id, content: 'see you there', client_id: 'p1' });
    await danSocket.next('ack', (f) => f.client_id === 'p1');

    const history = await target.http.get(`/chat/api/messages/group?group=${group.id}`).set('cookie', cat.cookie).expect(200);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['yes', 'chapter one?']);
    const priv = await target.http.get(`/chat/api/messages/private?user=${dan.id}`).set('cookie', cat.cookie).expect(200);
    expect(priv.body.messages.map((m: { content: string }) => m.content)).toEqual(['see you there']);
    const groups = await target.http.get('/chat/api/groups').set('cookie', dan.cookie).expect(200);
    expect(groups.body.groups).toEqual([{ id: group.id, name: 'book club', status: 'accepted' }]);
    const members = await target.http.get(`/chat/api/groups/${group.id}/members`).set('cookie', dan.cookie).expect(200);
    // The host's members() lists them by id (the sign-ups above ran at once, so either may be first).
    expect(members.body.members).toEqual(
      [
        { id: cat.id, username: 'cat', status: 'accepted' },
        { id: dan.id, username: 'dan', status: 'accepted' },
      ].sort((x, y) => x.id - y.id),
    );
    const notifications = await target.http.get('/chat/api/notifications').set('cookie', dan.cookie).expect(200);
    expect(notifications.body).toMatchObject({ unread: 1, notifications: [expect.objectContaining({ id: added.id, subtype: 'group_added' })] });
    const read = await target.http.post('/chat/api/notifications/read').set('cookie', dan.cookie).send({ ids: [added.id] }).expect(200);
    expect(read.body).toEqual({ updated: 1 });

    // Eve is not in the group: forbidden both ways; an unknown host group is not_found.
    await target.http.get(`/chat/api/messages/group?group=${group.id}`).set('cookie', eve.cookie).expect(403);
    const eveSocket = await connectClient(target, eve.cookie, { url: wsUrl });
    eveSocket.send({ type: 'group', group_id: group.id, content: 'let me in', client_id: 'x' });
    expect(await eveSocket.next('error')).toMatchObject({ code: 'forbidden', client_id: 'x' });
    expect((await target.http.get('/chat/api/messages/group?group=999999').set('cookie', cat.cookie).expect(404)).body.error).toBe('not_found');
    // Group management stays the host's: Parlor's routes for it fall through.
    expect((await target.http.post('/chat/api/groups').set('cookie', cat.cookie).send({ name: 'x' }).expect(404)).body).toEqual({ error: 'no such page' });

    expect(await hostTables()).toEqual(before);
  });
});
}
