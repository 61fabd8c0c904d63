/**
 * Runs examples/existing-app/server.ts (the README's first example) against the
 * real PostgreSQL: a fresh database for the host, dropped afterwards.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main, type ExistingApp } from '../../examples/existing-app/server.js';
import { adminQuery } from '../support/postgres.js';
import { closeAll, connectClient, cookieOf, tempDir, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('examples/existing-app: a host app with its own users, login and connect-pg-simple sessions', (url) => {
  const database = `parlor_example_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let app: ExistingApp;
  let target: HttpTarget;
  let wsUrl: string;

  beforeAll(async () => {
    await adminQuery(url, `CREATE DATABASE ${database}`);
    const hostUrl = new URL(url);
    hostUrl.pathname = `/${database}`;
    app = await main({ databaseUrl: hostUrl.toString(), chatDbPath: join(tempDir(), 'chat.db'), port: 0, sessionSecret: 'the host app secret, long enough' });
    target = targetOf(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    wsUrl = target.wsUrl.replace(/\/ws$/, '/chat/ws');
  });
  afterAll(async () => {
    await closeAll();
    await app?.close();
    await adminQuery(url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
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
    expect(http.body).toEqual({ notifications: [], unread: 0 });
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

  it("messages between the host's users (no Parlor account), names from the host's users table, unknown ids not_found", async () => {
    const [ann, ben] = await Promise.all([signUpAndLogIn('ann'), signUpAndLogIn('ben')]);
    const benSocket = await connectClient(target, ben.cookie, { url: wsUrl });
    const sent = await target.http.post('/chat/api/messages/private').set('cookie', ann.cookie).send({ to: ben.id, content: 'hi ben' }).expect(201);
    expect(await benSocket.next('private')).toMatchObject({ id: sent.body.id, from: ann.id, content: 'hi ben' });
    const names = await target.http.get(`/chat/api/users?ids=${ann.id},${ben.id},999999`).set('cookie', ben.cookie).expect(200);
    expect(names.body).toEqual({ users: [{ id: ann.id, username: 'ann' }, { id: ben.id, username: 'ben' }] });
    await target.http.post('/chat/api/messages/private').set('cookie', ann.cookie).send({ to: 999999, content: 'nobody' }).expect(404);
  });
});
