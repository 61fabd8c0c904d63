/**
 * Security review finding 1 (issue #15): no credential in any log line at any
 * level. A whole session runs at debug level; then every line is scanned for
 * the session id, the signed cookie, the bearer token and the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { redactUrl } from '../../src/http/log-redaction.js';
import { closeAll, connectClient, cookieOf, startTestServer, upgradeStatus, type TestServer } from '../support/server.js';

describe('no credential in any log line, at LOG_LEVEL=debug', () => {
  const lines: string[] = [];
  let server: TestServer;

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    server = await startTestServer({ PASSWORD_HASH_COST: '10' }, { logger });
  });
  afterAll(closeAll);

  it('a whole session: register, login, token, sockets by cookie, header and query, messages, refresh, revoke, logout, password change, log out everywhere', async () => {
    const password = 'a password nobody may read';
    const reg = await server.http.post('/api/auth/register').send({ username: 'logwatch', password }).expect(201);
    const registerCookie = cookieOf(reg.headers['set-cookie']);
    const bob = await server.http.post('/api/auth/register').send({ username: 'logwatch_bob', password }).expect(201);
    const login = await server.http.post('/api/auth/login').send({ username: 'logwatch', password }).expect(200);
    const cookie = cookieOf(login.headers['set-cookie']);
    const { token } = (await server.http.post('/api/auth/token').set('cookie', cookie).expect(201)).body;
    await server.http.get('/api/auth/me').set('authorization', `Bearer ${token}`).expect(200);
    // Every spelling of the query parameter a server would decode to access_token.
    for (const name of ['access_token', 'access%5Ftoken', 'ACCESS_TOKEN', 'access%5ftoken']) {
      await server.http.get(`/api/conversations?${name}=${token}&limit=5`).expect(401);
    }
    const byCookie = await connectClient(server, cookie);
    const byHeader = await connectClient(server, undefined, { headers: { authorization: `Bearer ${token}` } });
    const byQuery = await connectClient(server, undefined, { url: `${server.wsUrl}?access_token=${encodeURIComponent(token)}` });
    byCookie.send({ type: 'private', to: bob.body.id, content: 'hello', client_id: 'c1' });
    await byCookie.next('ack');
    byHeader.send({ type: 'nonsense' });
    await byHeader.next('error');
    byQuery.send({ type: 'private', to: 999_999, content: 'to nobody' });
    await byQuery.next('error');
    byHeader.send({ type: 'refresh', token });
    await byHeader.next('refreshed');
    await server.http.post('/api/auth/revoke').set('cookie', cookie).expect(204);
    await Promise.all([byHeader.closed, byQuery.closed]);
    await server.http.post('/api/auth/logout').set('cookie', cookie).expect(204);
    await byCookie.closed;
    await server.http.post('/api/auth/login').send({ username: 'logwatch', password: 'wrong password' }).expect(401);
    // A password change (a wrong one, then a right one, which renews the session), then log out everywhere.
    const newPassword = 'another password nobody may read';
    await server.http.post('/api/auth/password').set('cookie', registerCookie).send({ current_password: 'wrong password', new_password: newPassword }).expect(403);
    const changed = await server.http.post('/api/auth/password').set('cookie', registerCookie).send({ current_password: password, new_password: newPassword }).expect(204);
    const renewedCookie = cookieOf(changed.headers['set-cookie']);
    await server.http.post('/api/auth/logout-all').set('cookie', renewedCookie).expect(204);

    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(10);
    const sids = [cookie, registerCookie, renewedCookie].map((c) => decodeURIComponent(c.split('=')[1]!));
    for (const secret of [...sids, ...sids.map((s) => s.slice(2, s.indexOf('.'))), token, password, 'wrong password', newPassword]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/set-cookie|"cookie":|authorization/i);
  });

  it('a query token authenticates the upgrade only, never an HTTP route, even one sent with an Upgrade header', async () => {
    const password = 'another password here';
    await server.http.post('/api/auth/register').send({ username: 'querytoken', password }).expect(201);
    const { token } = (await server.http.post('/api/auth/token').send({ username: 'querytoken', password }).expect(201)).body;
    // Without `Connection: upgrade`, Node serves it as a plain request; the old check believed the Upgrade header.
    await server.http.get(`/api/auth/me?access_token=${token}`).set('upgrade', 'websocket').expect(401);
    await server.http.get(`/api/auth/me?access_token=${token}`).expect(401);
    expect(await upgradeStatus(`${server.wsUrl}?access_token=nonsense`)).toBe(401);
    const ok = await connectClient(server, undefined, { url: `${server.wsUrl}?access_token=${token}` });
    expect(ok.frames[0]).toMatchObject({ type: 'welcome' });
  });
});

describe('redactUrl', () => {
  it.each([
    ['/api/x?access_token=abc&limit=5', '/api/x?access_token=[redacted]&limit=5'],
    ['/api/x?access%5Ftoken=abc', '/api/x?access%5Ftoken=[redacted]'],
    ['/api/x?ACCESS_TOKEN=abc', '/api/x?ACCESS_TOKEN=[redacted]'],
    ['/ws?token=abc', '/ws?token=[redacted]'],
    ['/api/x?password=hunter2', '/api/x?password=[redacted]'],
    ['/api/x?%E0%A4%A=abc', '/api/x?%E0%A4%A=[redacted]'],
    ['/api/messages/private?user=2&limit=50', '/api/messages/private?user=2&limit=50'],
    ['/api/x', '/api/x'],
    ['/api/x?jwt=abc&bearer=def', '/api/x?jwt=[redacted]&bearer=[redacted]'],
    ['/ws?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2ln', '/ws?[redacted]'],
    ['/ws?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2ln&limit=5', '/ws?t=[redacted]&limit=5'],
  ])('%s -> %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
