/**
 * Security review finding 4 (issue #15): cookie-authenticated writes refuse
 * other origins, by the same policy as the `/ws` upgrade (scheme, host, port).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, registerUsers, startTestServer, upgradeStatus, type TestServer, type TestUser } from '../support/server.js';

describe('cross-site requests with the session cookie', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let own: string;

  beforeAll(async () => {
    server = await startTestServer({ PASSWORD_HASH_COST: '10' });
    [alice, bob] = await registerUsers(server, 2);
    own = server.url; // http://127.0.0.1:<port>
  });
  afterAll(closeAll);

  const foreign: Array<[string, (own: string) => Record<string, string>]> = [
    ['another site', () => ({ origin: 'http://evil.example' })],
    ['another port of the same host', (o) => ({ origin: o.replace(/:\d+$/, ':1') })],
    ['https for this http server', (o) => ({ origin: o.replace('http:', 'https:') })],
    ['a sibling host name', (o) => ({ origin: o.replace('127.0.0.1', 'localhost') })],
    ['the opaque origin "null"', () => ({ origin: 'null' })],
    ['no Origin, Sec-Fetch-Site: cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
    ['no Origin, Sec-Fetch-Site: same-site', () => ({ 'sec-fetch-site': 'same-site' })],
  ];

  it.each(foreign)('403 from %s, and nothing changes', async (_name, headers) => {
    const write = (path: string, body: object = {}) =>
      server.http.post(path).set('cookie', alice.cookie).set(headers(own)).send(body).expect(403);
    expect((await write('/api/groups', { name: 'forged' })).body).toEqual({
      error: 'forbidden',
      message: 'cross-site request refused: this origin may not use the session cookie',
    });
    await write('/api/messages/private', { to: bob.id, content: 'forged' });
    await write('/api/notifications/read');
    await write('/api/auth/revoke');
    await write('/api/auth/logout');
    await write('/api/auth/login', { username: alice.username, password: alice.password });
    expect((await server.http.get('/api/groups').set('cookie', alice.cookie).expect(200)).body.groups).toEqual([]);
    expect((await server.http.get(`/api/messages/private?user=${bob.id}`).set('cookie', alice.cookie).expect(200)).body.messages).toEqual([]);
    await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200); // still signed in
  });

  it('the same origin, and clients that send no Origin (curl, apps), may write', async () => {
    await server.http.post('/api/groups').set('cookie', alice.cookie).set('origin', own).send({ name: 'own' }).expect(201);
    await server.http.post('/api/groups').set('cookie', alice.cookie).set('sec-fetch-site', 'same-origin').send({ name: 'own2' }).expect(201);
    await server.http.post('/api/groups').set('cookie', alice.cookie).send({ name: 'curl' }).expect(201);
  });

  it('reads are not writes: a cross-site GET is answered (the browser keeps the answer from the other site)', async () => {
    await server.http.get('/api/groups').set('cookie', alice.cookie).set('origin', 'http://evil.example').expect(200);
  });

  it('bearer tokens are not ambient credentials: exempt from the check', async () => {
    const { token } = (await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201)).body;
    await server.http
      .post('/api/groups')
      .set('authorization', `Bearer ${token}`)
      .set('origin', 'http://app.other.example')
      .send({ name: 'from an app' })
      .expect(201);
  });

  it('an Authorization header the browser adds by itself (HTTP Basic or Negotiate in front of the app) exempts nothing: the cookie authenticates', async () => {
    const [carol] = await registerUsers(server, 1);
    // A browser signed in to a Basic-auth realm (a staging site, an intranet proxy) attaches it to a forged cross-site form post too.
    for (const authorization of [`Basic ${Buffer.from('staff:secret').toString('base64')}`, 'Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1']) {
      await server.http
        .post('/api/groups')
        .set('cookie', carol.cookie)
        .set('authorization', authorization)
        .set('origin', 'http://evil.example')
        .send({ name: 'forged' })
        .expect(403);
    }
    expect((await server.http.get('/api/groups').set('cookie', carol.cookie).expect(200)).body.groups).toEqual([]);
  });

  it('a Bearer header beside the cookie exempts nothing: the cookie is what authenticates it', async () => {
    const [dave] = await registerUsers(server, 1);
    await server.http
      .post('/api/groups')
      .set('cookie', dave.cookie)
      .set('authorization', 'Bearer not-a-token')
      .set('origin', 'http://evil.example')
      .send({ name: 'forged' })
      .expect(403);
    expect((await server.http.get('/api/groups').set('cookie', dave.cookie).expect(200)).body.groups).toEqual([]);
  });

  it('an app on another origin gets a token with its password (no cookie: nothing ambient to forge); with a cookie the check stands', async () => {
    for (const origin of ['tauri://localhost', 'https://webview.example']) {
      const res = await server.http.post('/api/auth/token').set('origin', origin).send({ username: alice.username, password: alice.password }).expect(201);
      expect(res.body.token).toEqual(expect.any(String));
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // The cookie form of the same route (and a password beside a cookie) is a cookie-authenticated write.
    await server.http.post('/api/auth/token').set('cookie', alice.cookie).set('origin', 'http://evil.example').expect(403);
    await server.http
      .post('/api/auth/token')
      .set('cookie', alice.cookie)
      .set('origin', 'http://evil.example')
      .send({ username: alice.username, password: alice.password })
      .expect(403);
    // Login sets a cookie: still refused cross-site without one.
    await server.http.post('/api/auth/login').set('origin', 'http://evil.example').send({ username: alice.username, password: alice.password }).expect(403);
  });

  it('/ws compares the scheme too: an https Origin is refused by this http server', async () => {
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie, origin: own.replace('http:', 'https:') })).toBe(403);
  });
});

describe('cross-site requests with ALLOWED_ORIGINS', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ PASSWORD_HASH_COST: '10', ALLOWED_ORIGINS: 'https://app.example' });
  });
  afterAll(closeAll);

  it('a listed origin may write with the cookie; the server\'s own origin, unlisted, may not', async () => {
    const [alice] = await registerUsers(server, 1);
    await server.http.post('/api/groups').set('cookie', alice.cookie).set('origin', 'https://app.example').send({ name: 'a' }).expect(201);
    await server.http.post('/api/groups').set('cookie', alice.cookie).set('origin', server.url).send({ name: 'b' }).expect(403);
  });
});
