import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('session cookie and security headers', () => {
  let server: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    proxied = await startTestServer({ TRUST_PROXY: '1' });
  });
  afterAll(closeAll);

  const register = (s: TestServer, headers: Record<string, string> = {}) =>
    s.http.post('/api/auth/register').set(headers).send({ username: `c${Math.random().toString(36).slice(2, 10)}`, password: 'correct horse' }).expect(201);

  it('is named parlor.sid, httpOnly, SameSite=Lax, and not Secure over plain HTTP', async () => {
    const cookie = (await register(server)).headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^parlor\.sid=/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).not.toMatch(/; Secure/i);
  });

  it('is Secure when the request came over TLS through a trusted proxy', async () => {
    const cookie = (await register(proxied, { 'x-forwarded-proto': 'https' })).headers['set-cookie']![0]!;
    expect(cookie).toMatch(/; Secure/i);
  });

  it('ignores X-Forwarded-Proto unless TRUST_PROXY is set', async () => {
    const cookie = (await register(server, { 'x-forwarded-proto': 'https' })).headers['set-cookie']![0]!;
    // An untrusted client cannot talk the server into believing it is on TLS.
    expect(cookie).toMatch(/^parlor\.sid=/);
    expect(cookie).not.toMatch(/; Secure/i);
  });

  it('sends helmet security headers on API routes', async () => {
    const res = await register(server);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('refuses an oversized JSON body with 413 and stores nothing', async () => {
    const user = await registerUser(server);
    const res = await server.http
      .post('/api/groups')
      .set('cookie', user.cookie)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(200_000) }))
      .expect(413);
    expect(res.body.error).toBe('payload_too_large');
    const groups = await server.http.get('/api/groups').set('cookie', user.cookie).expect(200);
    expect(groups.body.groups).toEqual([]);
  });

  it('answers a signed-out request 401 before reading its body: broken JSON or an oversized one alike', async () => {
    const post = () => server.http.post('/api/messages/private').set('content-type', 'application/json');
    expect((await post().send('{').expect(401)).body.error).toBe('unauthorized');
    expect((await post().send(JSON.stringify({ to: 1, content: 'x'.repeat(200_000) })).expect(401)).body.error).toBe('unauthorized');
  });
});

describe('heartbeats', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HEARTBEAT_INTERVAL_MS: '50' });
  });
  afterAll(closeAll);

  it('keeps a client that answers pings', async () => {
    const user = await registerUser(server);
    const client = await connectClient(server, user.cookie);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('terminates a client that stops answering, and its contacts see it go offline', async () => {
    const a = await registerUser(server);
    const b = await registerUser(server);
    await server.http.post('/api/messages/private').set('cookie', a.cookie).send({ to: b.id, content: 'hello' }).expect(201);
    await server.http.post('/api/messages/private').set('cookie', b.cookie).send({ to: a.id, content: 'now we are contacts' }).expect(201);
    const watcher = await connectClient(server, b.cookie);
    const silent = await connectClient(server, a.cookie);
    await watcher.next('presence', (f) => f.user_id === a.id && f.online === true);
    // A client that stops reading: pings pile up unanswered (ws answers pings from its receiver).
    (silent.ws as any)._socket.pause();
    const offline = await watcher.next('presence', (f) => f.user_id === a.id && f.online === false, 2000);
    expect(offline).toEqual({ type: 'presence', user_id: a.id, online: false });
  });
});
